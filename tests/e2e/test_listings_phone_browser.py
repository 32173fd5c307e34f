"""
Long listings on a 360 px phone, a page at a time, without JavaScript of their own.

Awa pages through "Nouveautés", the webinar lists (upcoming and past, each with its
own links) and the organisation directory: no sideways scroll, the next page's rows
differ, and a link of one list keeps the other's page. Screenshots:
/tmp/s21-whats-new.png, /tmp/s21-webinars.png, /tmp/s21-organisations.png.
"""

import json

import pytest

from tests.realtime._daphne import run_python


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture(scope="module")
def listings(site):
    output = run_python(["-m", "tests.e2e._seed_listings"], site.env, timeout=120)
    return json.loads(output.strip().splitlines()[-1])


def test_long_listings_page_on_a_phone(site, listings, sign_in):
    from playwright.sync_api import expect

    page = sign_in("a", phone=True)

    page.goto(site.url("/nouveautes/"))
    rows = page.locator(".thread-row")
    expect(rows).to_have_count(25)
    first_title = rows.first.inner_text()
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/s21-whats-new.png", full_page=True)
    page.get_by_role("link", name="Suivante").click()
    page.wait_for_url("**/nouveautes/?page=2")
    expect(rows.first).not_to_have_text(first_title)
    no_sideways_scroll(page)

    page.goto(site.url("/webinaires/"))
    upcoming = page.locator("#a-venir + ul .session-row")
    past = page.locator("#passes + ul .session-row")
    expect(upcoming).to_have_count(20)
    expect(past).to_have_count(20)
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/s21-webinars.png", full_page=True)
    page.locator("nav.pager a[rel=next][href*='page=']").click()
    page.wait_for_url("**/webinaires/?page=2#passes")
    expect(past).to_have_count(4)  # 24 ended here
    expect(past.first).to_contain_text("passée n° 21 ")
    page.locator("nav.pager a[rel=next][href*='avenir=']").click()
    page.wait_for_url("**/webinaires/?page=2&avenir=2#a-venir")
    expect(upcoming).to_have_count(6)  # 24 here and 2 in the first seed
    expect(past).to_have_count(4)  # still on the second page of past sessions
    no_sideways_scroll(page)

    page.goto(site.url("/organisations/"))
    expect(page.locator("ul.cards > li.card")).to_have_count(30)
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/s21-organisations.png", full_page=True)
    page.get_by_role("link", name="Suivante").click()
    page.wait_for_url("**/organisations/?page=2")
    expect(page.locator("ul.cards > li.card")).not_to_have_count(0)
    no_sideways_scroll(page)
