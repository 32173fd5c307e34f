"""
Voice in the browser on a 360×740 phone: the recorder that fills a plain file
input, the players' speeds, and the button that reads a post aloud.

The recorder is tried on a page made in this test from the real include
(templates/includes/voice_input.html) and the real voice.js, site.css and
CSP: Django's test client renders it (a view and URLconf that exist only in
this module) and Playwright serves it at http://localhost/, a secure context
where Chromium's fake microphone (--use-fake-device-for-media-stream, a
beeping tone) may be used. The listen button is tried on the seeded thread of
the running site, with speechSynthesis.speak replaced by a recorder of what
would be said.
"""

import contextlib
import io
import math
import mimetypes
import os
import shutil
import struct
import tempfile
import wave
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.urls import include, path

from .conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TIMEOUT_MS

STATIC = Path(__file__).resolve().parents[2] / "static"
ORIGIN = "http://localhost:8431"
SHOTS = os.environ.get("VOICE_SCREENSHOTS", "")

PAGE = """{% extends "base.html" %}{% block content %}
<h1>Message vocal</h1>
<form method="post" action="/envoi/" enctype="multipart/form-data">
{% include "includes/voice_input.html" with name="voice" id="reply-voice" max_seconds=max_seconds %}
<button type="submit">Publier</button>
</form>
{% include "includes/voice_player.html" with url="/tone.wav" duration=3 size=96044 %}
{% endblock %}"""


def recorder_page(request):
    template = engines["django"].from_string(PAGE)
    max_seconds = request.GET.get("max", "600")
    context = {"max_seconds": max_seconds, "transcript": "", "download_name": "tone.wav"}
    return HttpResponse(template.render(context, request))


# The site's own routes too: base.html links to them.
urlpatterns = [path("voix/", recorder_page), path("", include("config.urls"))]


def tone_wav(seconds: float = 3.0, rate: int = 16_000) -> bytes:
    """A 440 Hz tone as 16-bit mono WAV, for a player that really loads."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return out.getvalue()


@pytest.fixture(scope="module")
def rendered():
    """The test page as Django serves it (body and headers, the CSP among them)."""
    pages = {}

    def render(query: str = "") -> tuple[bytes, dict]:
        if query not in pages:
            with override_settings(ROOT_URLCONF=__name__):
                response = Client().get("/voix/" + query)
            assert response.status_code == 200
            pages[query] = (response.content, dict(response.headers.items()))
        return pages[query]

    return render


@pytest.fixture
def recorder_browser(playwright_driver, rendered):
    """``open_page(js=True, query="")``: a phone browser with a fake microphone on the test page.

    The page's form posts are caught: ``page.posted`` holds each body sent."""
    opened = []
    wav = tone_wav()

    def open_page(*, js: bool = True, query: str = "", init_script: str = ""):
        profile = tempfile.mkdtemp(prefix="jekafo-chromium-")
        context = playwright_driver.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
            ],
            headless=True,
            locale="fr-FR",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            java_script_enabled=js,
        )
        opened.append((context, profile))
        context.set_default_timeout(TIMEOUT_MS)
        posted = []

        def serve(route):
            request = route.request
            where = urlsplit(request.url)
            if where.path == "/voix/":
                body, headers = rendered(("?" + where.query) if where.query else "")
                route.fulfill(status=200, headers=headers, body=body)
            elif where.path.startswith("/static/") and ".." not in where.path:
                file = STATIC / where.path.removeprefix("/static/")
                kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                route.fulfill(status=200, content_type=kind, body=file.read_bytes())
            elif where.path == "/tone.wav":
                route.fulfill(status=200, content_type="audio/wav", body=wav)
            elif where.path == "/envoi/" and request.method == "POST":
                posted.append((request.headers.get("content-type", ""), request.post_data_buffer))
                route.fulfill(status=200, content_type="text/plain", body="reçu")
            else:
                route.fulfill(status=404, body="")

        context.route(ORIGIN + "/**", serve)
        page = context.pages[0] if context.pages else context.new_page()
        if init_script:
            page.add_init_script(init_script)
        page.goto(ORIGIN + "/voix/" + query)
        page.posted = posted
        return page

    yield open_page
    for context, profile in opened:
        with contextlib.suppress(Exception):
            context.close()
        shutil.rmtree(profile, ignore_errors=True)


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page) -> None:
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"{page.url} scrolls sideways: {scroll} > {client}"


def chosen_files(page) -> list[dict]:
    return page.evaluate(
        "Array.from(document.getElementById('reply-voice').files)"
        ".map((f) => ({name: f.name, type: f.type, size: f.size}))"
    )


def test_record_listen_keep_then_the_form_sends_the_file(recorder_browser):
    from playwright.sync_api import expect

    page = recorder_browser()
    # So that the test can see that the form hears of the new file, as without JS.
    page.evaluate(
        "window.changes = 0; document.getElementById('reply-voice')"
        ".addEventListener('change', () => window.changes++)"
    )
    record = page.get_by_role("button", name="Enregistrer")
    expect(record).to_be_visible()
    expect(page.get_by_role("button", name="Garder")).to_be_hidden()
    expect(page.locator("#reply-voice")).to_be_visible()  # choosing a file stays possible
    no_horizontal_scroll(page)
    shot(page, "recorder-idle")

    record.click()
    status = page.get_by_role("status").filter(has_text="Enregistrement en cours")
    expect(status).to_be_visible()
    expect(page.locator(".voice-time")).to_contain_text("/ 10:00")
    page.wait_for_timeout(2200)
    expect(page.locator(".voice-time")).to_contain_text("0:02 / 10:00")
    shot(page, "recorder-recording")
    page.get_by_role("button", name="Arrêter").click()

    expect(page.get_by_role("status")).to_contain_text("Enregistré (0:02)")
    # The microphone is given back once the recording stops.
    assert page.evaluate("document.querySelector('.voice-rec').dataset.state") == "recorded"
    listen = page.get_by_role("button", name="Écouter")
    expect(listen).to_be_visible()
    no_horizontal_scroll(page)
    shot(page, "recorder-recorded")
    # Not in the input until kept.
    assert chosen_files(page) == []

    listen.click()
    expect(page.get_by_role("button", name="Arrêter l’écoute")).to_be_visible()
    page.wait_for_function("() => !document.querySelector('.voice-rec audio').paused")
    page.get_by_role("button", name="Arrêter l’écoute").click()
    expect(listen).to_be_visible()

    page.get_by_role("button", name="Garder").click()
    expect(page.get_by_role("status")).to_contain_text("Message vocal prêt (0:02)")
    files = chosen_files(page)
    assert len(files) == 1
    # Opus in WebM, as Chromium records it, at a speech bitrate (24 kb/s asked).
    assert files[0]["type"] == "audio/webm"
    # It lasted at least the 2.2 s waited: 24 kb/s would be ~6.6 KB, 48 kb/s twice that.
    assert 1000 < files[0]["size"] < 48_000 * 2.2 / 8
    assert files[0]["name"].startswith("message-vocal.")
    assert page.evaluate("window.changes") == 1

    page.get_by_role("button", name="Publier").click()
    page.wait_for_url(ORIGIN + "/envoi/")
    assert len(page.posted) == 1
    content_type, body = page.posted[0]
    assert content_type.startswith("multipart/form-data")
    assert f'name="voice"; filename="{files[0]["name"]}"'.encode() in body
    assert f"Content-Type: {files[0]['type']}".encode() in body
    assert len(body) > files[0]["size"]


def test_cancel_leaves_the_input_empty(recorder_browser):
    from playwright.sync_api import expect

    page = recorder_browser()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_timeout(800)
    page.get_by_role("button", name="Annuler").click()
    expect(page.get_by_role("status")).to_have_text("Enregistrement annulé.")
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    assert chosen_files(page) == []

    # A kept recording, cancelled afterwards, leaves the input empty too.
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_timeout(1200)
    page.get_by_role("button", name="Arrêter").click()
    page.get_by_role("button", name="Garder").click()
    assert len(chosen_files(page)) == 1
    page.get_by_role("button", name="Annuler").click()
    assert chosen_files(page) == []
    expect(page.get_by_role("button", name="Écouter")).to_be_hidden()


def test_the_maximum_length_stops_the_recording(recorder_browser):
    from playwright.sync_api import expect

    page = recorder_browser(query="?max=2")
    expect(page.locator(".helptext")).to_contain_text("(1 min au plus)")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Durée maximale atteinte", timeout=TIMEOUT_MS
    )
    expect(page.get_by_role("button", name="Garder")).to_be_visible()


def test_a_recording_not_yet_kept_goes_with_the_form(recorder_browser):
    page = recorder_browser()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_timeout(1200)
    # Publish while still recording: the recording stops and is sent.
    page.get_by_role("button", name="Publier").click()
    page.wait_for_url(ORIGIN + "/envoi/")
    assert len(page.posted) == 1
    assert b'name="voice"; filename="message-vocal.' in page.posted[0][1]


def test_speed_buttons_change_the_playback_rate(recorder_browser):
    from playwright.sync_api import expect

    page = recorder_browser()
    meta = page.locator(".voice-meta")
    expect(meta).to_contain_text("0:03 · 96 Ko")
    assert page.evaluate("document.querySelector('[data-voice-player]').networkState") in (0, 1)
    speeds = page.get_by_role("group", name="Vitesse de lecture")
    normal = speeds.get_by_role("button", name="1×", exact=True)
    fast = speeds.get_by_role("button", name="1,5×")
    expect(normal).to_have_attribute("aria-pressed", "true")
    fast.click()
    expect(fast).to_have_attribute("aria-pressed", "true")
    expect(normal).to_have_attribute("aria-pressed", "false")
    player = "document.querySelector('[data-voice-player]')"
    assert page.evaluate(f"{player}.playbackRate") == 1.5
    # Loading the sound (preload="none") keeps the chosen speed.
    page.evaluate(f"{player}.play()")
    page.wait_for_function(f"() => {player}.currentTime > 0.2")
    assert page.evaluate(f"{player}.playbackRate") == 1.5
    speeds.get_by_role("button", name="2×").click()
    assert page.evaluate(f"{player}.playbackRate") == 2
    no_horizontal_scroll(page)


def test_without_a_recorder_the_phone_records_through_the_file_input(recorder_browser):
    from playwright.sync_api import expect

    page = recorder_browser(init_script="delete window.MediaRecorder;")
    expect(page.get_by_role("status")).to_contain_text("Ce navigateur ne peut pas enregistrer ici")
    expect(page.get_by_role("button", name="Enregistrer")).to_have_count(0)
    expect(page.locator("#reply-voice")).to_be_visible()


def test_without_javascript_the_plain_file_input_is_there(recorder_browser):
    from playwright.sync_api import expect

    page = recorder_browser(js=False)
    voice = page.locator("input[type=file][data-voice]")
    expect(voice).to_be_visible()
    assert voice.get_attribute("accept") == "audio/*"
    assert voice.get_attribute("capture") == ""
    expect(page.get_by_label("Message vocal", exact=True)).to_have_attribute("type", "file")
    expect(page.locator(".voice-meta")).to_contain_text("0:03 · 96 Ko")
    expect(page.locator("audio[data-voice-player]")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer")).to_have_count(0)
    expect(page.get_by_role("button", name="1,5×")).to_have_count(0)
    no_horizontal_scroll(page)


SPEECH_STUB = """
window.spoken = []; window.cancels = 0;
speechSynthesis.speak = (u) => { window.spoken.push({text: u.text, lang: u.lang}); };
speechSynthesis.cancel = () => { window.cancels++; };
"""


def test_listen_reads_posts_aloud_in_french_even_live_ones(site, sign_in):
    from playwright.sync_api import expect

    thread_url = site.url(site.seeded["thread_url"])
    second = site.seeded["second_reply"]
    awa = sign_in("a", phone=True)
    awa.add_init_script(SPEECH_STUB)
    awa.goto(thread_url)
    expect(awa.locator("#live-status")).to_have_attribute("data-state", "live")
    posts = awa.locator("#posts > article.post")
    expect(posts.first.get_by_role("button", name="Écouter")).to_be_visible()
    assert awa.locator("#posts .listen").count() == posts.count()
    no_horizontal_scroll(awa)
    shot(awa, "thread-icons")

    post = awa.locator(f"#post-{second['id']}")
    post.get_by_role("button", name="Écouter").click()
    stop = post.get_by_role("button", name="Arrêter la lecture")
    expect(stop).to_be_visible()
    spoken = awa.evaluate("window.spoken")
    assert spoken and all(part["lang"].startswith("fr") for part in spoken)
    said = " ".join(part["text"] for part in spoken)
    assert "Awa Traoré" in said and "À Ségou, rien de nouveau depuis mars." in said
    # Pressed again, it stops.
    cancels = awa.evaluate("window.cancels")
    stop.click()
    assert awa.evaluate("window.cancels") > cancels
    expect(post.get_by_role("button", name="Écouter")).to_be_visible()

    # A reply that arrives live gets its button too.
    kadidia = sign_in("b")
    kadidia.goto(thread_url)
    kadidia.locator("#reply-form textarea").fill("Le comité de Kayes se réunit jeudi.")
    kadidia.get_by_role("button", name="Publier").click()
    fresh = awa.locator("#posts > article.post", has_text="se réunit jeudi")
    expect(fresh).to_be_visible()
    awa.evaluate("window.spoken = []")
    fresh.get_by_role("button", name="Écouter").click()
    said = " ".join(part["text"] for part in awa.evaluate("window.spoken"))
    assert "Kadidia Keita" in said and "Le comité de Kayes se réunit jeudi." in said


def test_listen_reads_a_voice_posts_transcript_and_english_in_english(site, sign_in):
    from django.template.loader import render_to_string
    from playwright.sync_api import expect

    player = render_to_string(
        "includes/voice_player.html",
        {
            "url": "/introuvable.ogg",
            "duration": 42,
            "size": 96_000,
            "transcript": "Nous avons vu le maire <hier> à Kita.",
            "download_name": "vocal.ogg",
        },
    )
    awa = sign_in("a")
    awa.add_init_script(SPEECH_STUB)
    awa.goto(site.url(site.seeded["thread_url"]))
    expect(awa.locator("#posts .listen").first).to_be_visible()
    # A voice post as the server would push it (no text, a player and its transcript).
    awa.evaluate(
        """(player) => {
            const post = document.createElement('article');
            post.className = 'post';
            post.id = 'post-voice';
            post.innerHTML = '<header class="post-head"><span class="author">Oumou Diallo</span>'
                + '</header>' + player + '<footer class="post-actions"></footer>';
            document.getElementById('posts').append(post);
        }""",
        player,
    )
    voice_post = awa.locator("#post-voice")
    expect(voice_post.get_by_role("group", name="Vitesse de lecture")).to_be_visible()
    voice_post.get_by_role("button", name="Écouter").click()
    said = " ".join(part["text"] for part in awa.evaluate("window.spoken"))
    assert "Nous avons vu le maire <hier> à Kita." in said
    assert "0:42" not in said and "Télécharger" not in said

    # A page in English is read with an English voice.
    voice_post.get_by_role("button", name="Arrêter la lecture").click()
    awa.evaluate("document.documentElement.lang = 'en'; window.spoken = []")
    voice_post.get_by_role("button", name="Écouter").click()
    assert all(part["lang"].startswith("en") for part in awa.evaluate("window.spoken"))


def test_icons_sit_beside_their_labels_on_a_phone(site, sign_in):
    from playwright.sync_api import expect

    awa = sign_in("a", phone=True)
    community = site.url(f"/communautes/{site.seeded['community']}/")
    for name, url in (("home", site.url("/")), ("community", community)):
        awa.goto(url)
        no_horizontal_scroll(awa)
        shot(awa, f"icons-{name}")
        nav = awa.get_by_role("navigation", name="Navigation principale")
        # Decorative: the links keep their text names.
        expect(nav.get_by_role("link", name="Communautés")).to_be_visible()
        expect(nav.locator("svg.icon")).to_have_count(5)
        assert awa.evaluate(
            "Array.from(document.querySelectorAll('svg.icon')).every((i) =>"
            " i.getAttribute('aria-hidden') === 'true' && i.getBoundingClientRect().width > 8)"
        )
    expect(awa.get_by_role("link", name="Nouvelle discussion").locator("svg.icon")).to_have_count(1)
    awa.get_by_role("link", name="Salon de discussion").click()
    send = awa.get_by_role("button", name="Envoyer", exact=True)
    expect(send.locator("svg.icon")).to_have_count(1)
    no_horizontal_scroll(awa)
    shot(awa, "icons-salon")
