"""
Account security in a real browser: the quick exit (click and keys) leaves no
entry of the page in the history; the account pages fit a 360 px phone.
"""

import os

import pytest
from playwright.sync_api import expect

# Screenshots to look at by hand (set SCREENSHOTS_DIR), none by default.
SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide"


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_quick_exit_replaces_the_page_in_the_history_and_forgets_the_outbox(site, sign_in):
    page = sign_in("a", phone=True)
    page.goto(site.url("/"))
    page.goto(site.url(site.seeded["thread_url"]))
    page.evaluate("localStorage.setItem('jekafo-outbox:1:2', '[\"brouillon\"]')")
    length = page.evaluate("history.length")
    fits_the_phone(page)
    shot(page, "thread-with-quick-exit")

    page.get_by_role("link", name="Sortie rapide").click()

    expect(page).to_have_url(site.url("/web/"))
    assert page.evaluate("history.length") == length  # replaced, not added
    assert page.evaluate("localStorage.getItem('jekafo-outbox:1:2')") is None
    assert "Jɛkafɔ" not in page.content()
    fits_the_phone(page)
    shot(page, "quick-exit-landing")
    page.go_back()
    expect(page).to_have_url(site.url("/"))  # the thread page is gone from the history


def test_escape_twice_leaves_and_one_escape_does_not(site, sign_in):
    page = sign_in("b")
    page.goto(site.url(site.seeded["thread_url"]))

    page.keyboard.press("Escape")
    page.wait_for_timeout(1200)
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    expect(page).to_have_url(site.url(site.seeded["thread_url"]))  # two presses far apart

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url(site.url("/web/"))


def test_quick_exit_is_reached_by_keyboard_first_after_the_skip_link(site, sign_in):
    page = sign_in("a")
    page.goto(site.url("/"))
    page.keyboard.press("Tab")  # "Aller au contenu"
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"
    page.keyboard.press("Enter")
    expect(page).to_have_url(site.url("/web/"))


@pytest.mark.parametrize(
    ("who", "path", "name"),
    [
        ("a", "/compte/sessions/", "sessions"),
        ("a", "/compte/mot-de-passe/", "password-change"),
        ("m", "/compte/double-authentification/", "second-factor"),
    ],
)
def test_account_pages_fit_a_phone(site, sign_in, who, path, name):
    page = sign_in(who, phone=True)
    page.goto(site.url(path))
    fits_the_phone(page)
    shot(page, name)


def test_second_factor_setup_shows_the_key_and_a_qr_code_on_a_phone(site, sign_in):
    page = sign_in("m", phone=True)
    page.goto(site.url("/compte/double-authentification/"))
    page.get_by_role("button", name="Mettre en place").click()

    expect(page.locator(".secret")).to_be_visible()
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0  # CSP let it load
    fits_the_phone(page)
    shot(page, "second-factor-setup")


def test_signed_out_pages_fit_a_phone(site, playwright_driver):
    from .conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    try:
        page = browser.new_page(viewport=PHONE, is_mobile=True, locale="fr-FR")
        for path, name in [
            ("/compte/connexion/", "login"),
            ("/compte/mot-de-passe-oublie/", "password-reset"),
        ]:
            page.goto(site.url(path))
            expect(page.get_by_role("link", name="Sortie rapide")).to_be_visible()
            fits_the_phone(page)
            shot(page, name)
        page.locator("#id_email").fill("personne@example.org")
        page.get_by_role("button", name="Recevoir le lien").click()
        expect(page.locator("h1")).to_have_text("Vérifiez vos e-mails")
        shot(page, "password-reset-done")
        # An account nobody has: five wrong passwords lock it from here, not the others.
        for _ in range(5):
            page.goto(site.url("/compte/connexion/"))
            page.locator("#id_username").fill("personne")
            page.locator("#id_password").fill("faux")
            page.get_by_role("button", name="Se connecter").click()
        expect(page.locator("h1")).to_have_text("Trop de tentatives de connexion")
        fits_the_phone(page)
        shot(page, "locked-out")
    finally:
        browser.close()
