"""
The e-mail settings page on a 360 px phone: chosen without JavaScript's help, fits the screen.
"""

import os

from playwright.sync_api import expect

SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def test_email_choice_is_made_on_a_phone_and_kept(site, sign_in):
    page = sign_in("a", phone=True)
    page.goto(site.url("/compte/e-mails/"))
    never = page.get_by_label("jamais")
    expect(never).to_be_checked()  # the default: no e-mail until she asks

    page.get_by_label("résumé hebdomadaire").check()
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_text("Votre choix est enregistré.")).to_be_visible()
    expect(page.get_by_label("résumé hebdomadaire")).to_be_checked()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide"
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "i15-emails.png"), full_page=True)
