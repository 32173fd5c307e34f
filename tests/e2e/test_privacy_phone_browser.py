"""
A member's privacy pages on a 360×740 phone, in real browsers over a real Daphne.

Awa chooses what others see on her profile, and Kadidia, who shares a CoP with
her, sees exactly that; Awa downloads her data as a ZIP, then deletes her
account, and her post stays, signed "ancien·ne membre". No page scrolls
sideways, and none needs JavaScript to work (they are plain forms).
"""

import io
import json
import zipfile

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    expect = None

from .test_room_phone_browser import no_horizontal_scroll

SCREENSHOTS = "/tmp/e2e-privacy-{}.png"


def test_member_chooses_what_others_see_downloads_her_data_and_leaves(site, sign_in):
    awa = sign_in("a", phone=True)
    kadidia = sign_in("b", phone=True)
    profile_url = site.url(f"/membres/{site.seeded['a']['id']}/")

    awa.goto(site.url("/compte/profil/"))
    no_horizontal_scroll(awa)
    awa.screenshot(path=SCREENSHOTS.format("profile-edit"), full_page=True)
    awa.locator("#id_region").select_option(label="Ségou")
    awa.locator("input[name=show_region][value=shared]").check()
    awa.locator("input[name=show_activity][value=nobody]").check()
    awa.get_by_role("button", name="Enregistrer").click()
    expect(awa.locator("h1")).to_have_text("Awa Traoré")
    no_horizontal_scroll(awa)

    kadidia.goto(profile_url)
    expect(kadidia.locator("main")).to_contain_text("Ségou")
    expect(kadidia.locator("main")).to_contain_text("Aucun message visible")
    no_horizontal_scroll(kadidia)

    awa.goto(site.url("/compte/mes-donnees/"))
    no_horizontal_scroll(awa)
    awa.screenshot(path=SCREENSHOTS.format("my-data"), full_page=True)
    with awa.expect_download() as download_info:
        awa.get_by_role("button", name="Télécharger (ZIP)").click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["display_name"] == "Awa Traoré"
    assert any(t["title"] == "Loi 052 : où en est-on ?" for t in data["forum"]["threads"])

    awa.get_by_role("link", name="Supprimer mon compte…").click()
    no_horizontal_scroll(awa)
    awa.screenshot(path=SCREENSHOTS.format("delete"), full_page=True)
    awa.locator("#id_password").fill("pas le bon")
    awa.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(awa.locator("main")).to_contain_text("Mot de passe incorrect")
    awa.locator("#id_password").fill(site.seeded["password"])
    awa.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(awa.locator("main")).to_contain_text("Votre compte est supprimé")

    kadidia.goto(site.url(site.seeded["thread_url"]))
    expect(kadidia.locator("#posts")).to_contain_text("ancien·ne membre")
    expect(kadidia.locator("#posts")).not_to_contain_text("Awa Traoré")
    assert kadidia.goto(profile_url).status == 404
