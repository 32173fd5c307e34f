"""
A moderator's thread tools on a 360×740 phone, without JavaScript needed.

The moderator opens two threads, merges one into the other through the
confirmation page and splits a reply off; a member who has the merged
thread open is told live and led to the target. Every page fits the screen.
"""

import re


def no_horizontal_scroll(page) -> None:
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"{page.url} scrolls sideways: {scroll} > {client}"


def open_thread(page, site, title: str, body: str) -> str:
    page.goto(site.url(f"/communautes/{site.seeded['community']}/nouvelle-discussion/"))
    page.locator("#id_title").fill(title)
    page.locator("#id_body").fill(body)
    page.get_by_role("button", name="Publier").click()
    page.wait_for_url(re.compile(r"/discussions/\d+/"))
    return page.url


def test_merge_split_close_and_slow_mode_on_a_phone(site, sign_in):
    from playwright.sync_api import expect

    moderator = sign_in("m", phone=True)
    target_url = open_thread(moderator, site, "Calendrier 2026 des formations", "Les dates ?")
    source_url = open_thread(moderator, site, "Dates des formations (doublon)", "Quand ?")
    target_id = re.search(r"/discussions/(\d+)/", target_url).group(1)

    reader = sign_in("a", phone=True)
    reader.goto(source_url)
    expect(reader.locator("#live-status")).to_have_attribute("data-state", "live")

    # The tools fold away on a phone and every form fits.
    moderator.goto(source_url)
    moderator.locator(".mod-tools summary").click()
    no_horizontal_scroll(moderator)
    moderator.locator("#merge-target").fill(target_id)
    moderator.get_by_role("button", name="Fusionner…").click()
    expect(moderator.locator("h1")).to_have_text("Fusionner la discussion")
    expect(moderator.locator("main")).to_contain_text("Calendrier 2026 des formations")
    no_horizontal_scroll(moderator)
    moderator.get_by_role("button", name="Fusionner", exact=True).click()
    moderator.wait_for_url(re.compile(rf"/discussions/{target_id}/"))
    expect(moderator.locator("#posts")).to_contain_text("Quand ?")

    # The member reading the merged thread is told where it went, live.
    notice = reader.locator("#thread-merged")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("fusionnée avec « Calendrier 2026 des formations »")
    notice.locator("a").click()
    reader.wait_for_url(re.compile(rf"/discussions/{target_id}/"))
    expect(reader.locator("#posts")).to_contain_text("Quand ?")
    # The old address still leads there.
    reader.goto(source_url)
    reader.wait_for_url(re.compile(rf"/discussions/{target_id}/"))

    # Split the moved opening post (now a reply) back out, on the confirmation form.
    moderator.get_by_role("link", name="Scinder ici").first.click()
    expect(moderator.locator("h1")).to_have_text("Scinder la discussion")
    no_horizontal_scroll(moderator)
    moderator.locator("#id_title").fill("Formations : la question des dates")
    moderator.get_by_role("button", name="Scinder en nouvelle discussion").click()
    expect(moderator.locator("h1")).to_have_text("Formations : la question des dates")
    expect(moderator.locator("#posts")).to_contain_text("Quand ?")

    # Slow mode and a closing note, both shown on the thread page.
    moderator.goto(target_url)
    reader.goto(target_url)
    expect(reader.locator("#live-status")).to_have_attribute("data-state", "live")
    moderator.locator(".mod-tools summary").click()
    moderator.locator("#slow-seconds").fill("120")
    moderator.get_by_role("button", name="Appliquer le mode lent").click()
    expect(moderator.locator("#thread-slow")).to_contain_text("toutes les 120 secondes")
    expect(reader.locator("#thread-slow")).to_contain_text("toutes les 120 secondes")
    moderator.locator(".mod-tools summary").click()
    moderator.locator("#close-note").fill("Les dates sont sur le site de la CoP.")
    moderator.get_by_role("button", name="Clore avec cette note").click()
    expected = "Discussion close par la modération : Les dates sont sur le site de la CoP."
    expect(moderator.locator("#thread-note")).to_have_text(expected)
    expect(reader.locator("#thread-note")).to_have_text(expected)
    no_horizontal_scroll(moderator)
    no_horizontal_scroll(reader)
