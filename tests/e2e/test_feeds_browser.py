"""
The personal feed page on a 360 px phone: made by a button, shown in full, reset by
another; the old address is a 404 at once; a public CoP's page offers its feed.
"""

import os
from urllib.parse import urlsplit

from playwright.sync_api import expect

# The page as a member sees it after making her address (set FEEDS_SCREENSHOT to keep it).
SHOT = os.environ.get("FEEDS_SCREENSHOT", "")


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide"


def test_personal_feed_page_on_a_phone(site, sign_in):
    page = sign_in("a", phone=True)
    page.goto(site.url(f"/membres/{site.seeded['a']['id']}/"))
    page.get_by_role("link", name="Mon flux Atom").click()
    expect(page).to_have_url(site.url("/compte/flux/"))
    fits_the_phone(page)

    page.get_by_role("button", name="Créer mon flux personnel").click()
    address = page.locator("#feed-url")
    expect(address).to_be_visible()
    # The address is built on SITE_URL (the site's public address), not this test server's.
    first = urlsplit(address.input_value()).path
    assert first.startswith("/flux/") and first.endswith(".atom")
    feed = page.request.get(site.url(first))
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    fits_the_phone(page)
    if SHOT:
        page.screenshot(path=SHOT, full_page=True)

    page.get_by_role("button", name="Créer une nouvelle adresse").click()
    expect(page.get_by_text("l'ancienne ne fonctionne plus")).to_be_visible()
    second = urlsplit(page.locator("#feed-url").input_value()).path
    assert second != first
    assert page.request.get(site.url(first)).status == 404
    assert page.request.get(site.url(second)).status == 200
    fits_the_phone(page)


def test_public_cop_page_offers_its_feed(site, sign_in):
    page = sign_in("b", phone=True)
    page.goto(site.url(f"/communautes/{site.seeded['community']}/"))
    link = page.get_by_role("link", name="S'abonner (flux Atom)")
    expect(link).to_be_visible()
    discovered = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    assert discovered.get_attribute("href") == link.get_attribute("href")
    assert page.request.get(site.url(link.get_attribute("href"))).status == 200
    fits_the_phone(page)
