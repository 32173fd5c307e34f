"""
Search on a 360×740 phone, in a real browser over a real Daphne.

Awa searches from the box in the header (no script needed: a GET form), finds
the reply about Kati's land commission with the word highlighted, then types
in the page's field and the results change as she types (search.js fetches
the results part of the same page). Nothing scrolls sideways.
"""

import re

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    expect = None

from .test_room_phone_browser import no_horizontal_scroll

SCREENSHOT = "/tmp/i15-search.png"


def test_search_from_the_header_and_as_one_types_on_a_phone(site, sign_in):
    awa = sign_in("a", phone=True)
    no_horizontal_scroll(awa)  # the header box fits beside the rest
    awa.locator("#site-search-q").fill("fonciere")
    awa.locator("#site-search-q").press("Enter")
    expect(awa.locator("#search-results [role=status]")).to_contain_text("résultat")
    expect(awa.locator(".search-hits mark").first).to_have_text("foncière")
    # live.js may put the unread count in front: "(1) « fonciere »…".
    expect(awa).to_have_title(re.compile(r"« fonciere » : recherche · Jɛkafɔ$"))
    no_horizontal_scroll(awa)
    awa.screenshot(path=SCREENSHOT, full_page=True)

    awa.locator("#search-q").fill("")
    awa.locator("#search-q").press_sequentially("sego", delay=40)
    expect(awa.locator(".search-hits mark").first).to_have_text("Ségou")
    assert "q=sego" in awa.url
    no_horizontal_scroll(awa)


def test_filters_alone_from_a_profile_and_the_email_link_on_a_phone(site, sign_in):
    """« Ses messages » on a fellow member's profile lists her posts, newest first, with
    no word typed (filters alone); the notifications page leads to the e-mail settings."""
    awa = sign_in("a", phone=True)
    kadidia = site.seeded["b"]
    awa.goto(site.url(f"/membres/{kadidia['id']}/"))
    no_horizontal_scroll(awa)
    awa.screenshot(path="/tmp/i15-profile.png", full_page=True)
    awa.get_by_role("link", name="Ses messages").click()
    expect(awa.locator("#search-results [role=status]")).to_contain_text(
        "(filtres seuls : les plus récents d'abord)"
    )
    expect(awa.locator(".search-hits .snippet").first).to_contain_text("commission foncière")
    expect(awa.locator(".search-hits mark")).to_have_count(0)
    assert f"auteur={kadidia['id']}" in awa.url
    no_horizontal_scroll(awa)
    awa.screenshot(path="/tmp/i15-search-filters.png", full_page=True)

    awa.goto(site.url("/notifications/"))
    no_horizontal_scroll(awa)
    awa.screenshot(path="/tmp/i15-notifications.png", full_page=True)
    awa.get_by_role("link", name="Recevoir par e-mail").click()
    expect(awa.locator("h1")).to_be_visible()
    assert awa.url.endswith("/compte/e-mails/")
