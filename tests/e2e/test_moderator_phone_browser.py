"""
Moderators on a phone (issue 13): every moderator page of a CoP fits a 360 px
screen with no sideways scroll, tables included (they stack into cards).
Screenshots land in /tmp/e2e-moderator-<page>.png for a look.
"""

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    expect = None

from .test_room_phone_browser import no_horizontal_scroll

SCREENSHOTS = "/tmp/e2e-moderator-{}.png"


def moderator_pages(site) -> dict[str, tuple[str, str]]:
    """Name → (path, a text the page must show)."""
    slug = site.seeded["community"]
    membership = site.seeded["oumou_membership"]
    return {
        "members": (f"/communautes/{slug}/membres/", "Propos blessants"),
        "join-requests": (f"/communautes/{slug}/demandes/", "Fanta Coulibaly"),
        "invitations": (f"/communautes/{slug}/invitations/", "/invitation/"),
        "log": (f"/communautes/{slug}/journal/", "sourdine"),
        "sanction": (f"/communautes/{slug}/membres/{membership}/sanction/", "Sourdine"),
        "remove": (f"/communautes/{slug}/membres/{membership}/retirer/", "Confirmer le retrait"),
    }


@pytest.mark.parametrize(
    "name", ["members", "join-requests", "invitations", "log", "sanction", "remove"]
)
def test_moderator_page_fits_a_phone_without_sideways_scroll(site, sign_in, name):
    path, shown = moderator_pages(site)[name]
    page = sign_in("m", phone=True)
    page.goto(site.url(path))
    expect(page.locator("main")).to_contain_text(shown)
    page.screenshot(path=SCREENSHOTS.format(name), full_page=True)
    no_horizontal_scroll(page)
