"""
The installable site: manifest, service worker, offline page, and what may be kept.

The worker's behaviour is proven in a browser (tests/e2e/test_offline_browser.py);
here: what the server tells it.
"""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from forum.offline_views import OFFLINE_HEADER, OUTBOX_PATHS, THEME_COLOUR

pytestmark = pytest.mark.django_db


def test_service_worker_is_served_from_the_root_as_a_script_checked_at_each_visit(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    source = response.content.decode()
    assert "importScripts(OUTBOX_JS)" in source
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", source).group(1))
    assert "/static/css/site.css" in shell
    assert "/static/js/outbox.js" in shell
    assert reverse("offline") in shell
    assert reverse("quick_exit") in shell  # the quick exit stays neutral offline
    assert all(url.startswith("/") and not url.startswith("//") for url in shell)  # same origin


def test_an_unchanged_service_worker_costs_a_304(client):
    first = client.get("/sw.js")
    again = client.get("/sw.js", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert client.get("/sw.js", headers={"If-None-Match": '"other"'}).status_code == 200


def test_service_worker_version_follows_its_files(client, settings, tmp_path):
    from forum import offline_views

    first = offline_views._version(["/static/a.css"], "source")
    assert first == offline_views._version(["/static/a.css"], "source")
    assert first != offline_views._version(["/static/a.3f2a1b9c8d7e.css"], "source")
    assert first != offline_views._version(["/static/a.css"], "source changed")


def test_outbox_paths_are_exactly_the_post_forms():
    forms = [
        reverse("thread_create", args=["droits-fonciers"]),
        reverse("thread_reply", args=[12]),
        reverse("post_reply", args=[34]),
    ]
    others = [
        reverse("post_edit", args=[34]),
        reverse("logout"),
        reverse("room_action", args=[1]),
        reverse("report", args=["post", 3]),
    ]
    matches = lambda path: any(re.search(p, path) for p in OUTBOX_PATHS)  # noqa: E731
    assert all(matches(path) for path in forms)
    assert not any(matches(path) for path in others)


def test_manifest_names_the_site_in_french_with_local_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["short_name"] == "Jɛkafɔ"
    assert data["lang"] == "fr"
    assert data["start_url"] == data["scope"] == "/"
    assert data["theme_color"] == THEME_COLOUR
    site_css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    assert f"--accent:{THEME_COLOUR}" in site_css
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}
    for icon in data["icons"]:
        assert icon["src"].startswith(settings.STATIC_URL)
        path = settings.BASE_DIR / "static" / icon["src"].removeprefix(settings.STATIC_URL)
        assert path.exists()


def test_every_page_links_the_manifest_and_the_outbox_script(client, thread):
    html = client.get(thread.get_absolute_url()).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'js/outbox.js" data-sw="/sw.js"' in html


def test_offline_page_is_french_and_names_nobody(member, client_for):
    response = client_for(member).get(reverse("offline"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pas de connexion" in page
    assert member.display_name not in page
    assert "csrf-token" not in page


def test_thread_and_salon_pages_may_be_kept_offline(thread, public_cop, member, client_for):
    client = client_for(member)
    assert client.get(thread.get_absolute_url())[OFFLINE_HEADER] == "keep"
    assert client.get(reverse("salon", args=[public_cop.slug]))[OFFLINE_HEADER] == "keep"
    assert client.get(reverse("thread_create", args=[public_cop.slug]))[OFFLINE_HEADER] == "keep"


def test_other_pages_and_refusals_are_never_kept(
    private_thread, thread, member, outsider, client_for
):
    reader = client_for(outsider)
    assert OFFLINE_HEADER not in reader.get(private_thread.get_absolute_url())  # 404
    owner = client_for(member)
    assert OFFLINE_HEADER not in owner.get(reverse("notifications"))
    assert OFFLINE_HEADER not in owner.get(reverse("sessions"))
    failed = owner.post(reverse("thread_reply", args=[thread.pk]), {"body": " "})
    assert failed.status_code == 400
    assert OFFLINE_HEADER not in failed


def test_post_forms_are_marked_for_the_outbox(thread, public_cop, member, client_for):
    client = client_for(member)
    for url in (
        thread.get_absolute_url(),
        reverse("thread_create", args=[public_cop.slug]),
        reverse("post_reply", args=[thread.posts.get().pk]),
    ):
        html = client.get(url).content.decode()
        assert re.search(r"<form [^>]*data-outbox>", html), url


def test_signing_out_clears_what_the_device_keeps(member, client_for):
    response = client_for(member).post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_outbox_note_is_announced_to_screen_readers(thread, member, client_for):
    html = client_for(member).get(thread.get_absolute_url()).content.decode()
    note = re.search(r'<p id="outbox-waiting"[^>]*>', html).group(0)
    assert 'role="status"' in note
    assert 'aria-live="polite"' in note
    assert "messages en attente d’envoi" in note


def test_scripts_stay_small():
    static = settings.BASE_DIR / "static" / "js"
    assert (static / "outbox.js").stat().st_size < 12_000
    assert (static / "sw.js").stat().st_size < 8_000
