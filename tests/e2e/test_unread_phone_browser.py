"""
Unread markers and "Quoi de neuf" on a 360 px phone, without any script of their own.

Awa signs in on a phone: the home page says what is new in her CoP, her mention and her
next webinar; the CoP's list marks threads new or "N nouveaux" with "aller au premier
non lu", which lands on the right post; "Marquer tout comme lu" clears the rest.
Screenshots: /tmp/i15-home.png and /tmp/i15-cop.png.
"""

import json

import pytest

from tests.realtime._daphne import run_python


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture(scope="module")
def unread(site):
    output = run_python(["-m", "tests.e2e._seed_unread"], site.env, timeout=60)
    return json.loads(output.strip().splitlines()[-1])


def test_home_and_cop_list_show_what_is_new_on_a_phone(site, unread, sign_in):
    from playwright.sync_api import expect

    page = sign_in("a", phone=True)
    page.goto(site.url("/"))
    expect(page.locator("h1")).to_have_text("Quoi de neuf")
    news = page.locator("section[aria-labelledby=home-new-h]")
    expect(news).to_contain_text("Modèle de demande d'attestation")
    expect(news).to_contain_text("3 nouveaux")
    expect(news).to_contain_text("Héritage : la part des veuves")
    expect(news).not_to_contain_text("Cadastre rural")
    expect(page.locator("section[aria-labelledby=home-mentions-h]")).to_contain_text(
        "Kadidia Keita vous a mentionné·e"
    )
    expect(page.locator("section[aria-labelledby=home-webinar-h]")).to_contain_text(
        "Webinaire Kati–Koulikoro"
    )
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/i15-home.png", full_page=True)

    page.goto(site.url(f"/communautes/{site.seeded['community']}/"))
    expect(page.locator(".thread-row", has_text="Modèle de demande")).to_contain_text("3 nouveaux")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/i15-cop.png", full_page=True)

    # "aller au premier non lu": the first reply she has not read, at its anchor.
    row = page.locator(".thread-row", has_text="Modèle de demande")
    row.get_by_role("link", name="aller au premier non lu").click()
    page.wait_for_url(f"**{unread['answered_url']}#post-*")
    anchor = page.url.split("#")[1]
    expect(page.locator(f"#{anchor}")).to_contain_text("Voici le nôtre")

    # Read now: back on the list, nothing new in that thread; then mark all read.
    page.goto(site.url(f"/communautes/{site.seeded['community']}/"))
    expect(page.locator(".thread-row", has_text="Modèle de demande")).not_to_contain_text(
        "nouveaux"
    )
    page.get_by_role("button", name="Marquer tout comme lu").click()
    expect(page.locator(".badge.new")).to_have_count(0)


def test_a_moderator_sees_what_waits_on_her_home_on_a_phone(site, unread, sign_in):
    from playwright.sync_api import expect

    page = sign_in("m", phone=True)
    page.goto(site.url("/"))
    waiting = page.locator("section[aria-labelledby=home-moderation-h]")
    expect(waiting).to_contain_text("Droits fonciers des femmes")
    expect(waiting).to_contain_text("1 demande d'adhésion")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/i15-home-moderator.png", full_page=True)
    waiting.get_by_role("link", name="1 demande d'adhésion").click()
    expect(page.locator("main")).to_contain_text("Fanta Coulibaly")
