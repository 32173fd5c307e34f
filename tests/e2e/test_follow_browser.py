"""
Following on a 360 px phone, without JavaScript doing anything: the thread page's
level form and "Mes abonnements" (forum/services/follows.py).
"""

import os

from playwright.sync_api import expect

# Screenshots to look at by hand (set SCREENSHOTS_DIR), none by default.
SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide"


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def test_a_member_sets_a_thread_level_and_changes_it_in_her_follows(site, sign_in):
    page = sign_in("b", phone=True)  # she replied in the thread: she follows it at "tout"
    page.goto(site.url(site.seeded["thread_url"]))
    form = page.locator("form.follow")
    expect(form.get_by_role("button", name="tout", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    form.get_by_role("button", name="réponses et mentions").click()

    expect(page.locator(".messages")).to_contain_text("seules les réponses")
    expect(
        page.locator("form.follow").get_by_role("button", name="réponses et mentions")
    ).to_have_attribute("aria-pressed", "true")
    fits_the_phone(page)
    page.locator("form.follow").scroll_into_view_if_needed()
    shot(page, "i15-follow-thread")

    page.goto(site.url("/compte/abonnements/"))
    card = page.locator(".card", has_text="Loi 052")
    expect(card).to_contain_text("niveau : réponses et mentions")
    card.get_by_role("button", name="en sourdine").click()

    expect(page).to_have_url(site.url("/compte/abonnements/"))
    expect(page.locator(".card", has_text="Loi 052")).to_contain_text("niveau : en sourdine")
    fits_the_phone(page)
    shot(page, "i15-follows")
