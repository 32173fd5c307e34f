"""
A radio (audio-only) session on a phone (issue 14, item 4).

Mariam, a moderator, makes the session radio with a stream link; its page and
its live room show the mode and the player, the chat stays. She sends the
recording from the report page ("conversion en cours"), the timer's command
converts it, she places two decisions in it, and the report lists them as
chapters in the recording's order; a chapter seeks the page's player.
"""

import re
import time

from tests.audio import tone
from tests.realtime._daphne import run_python

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    Page = expect = None

SCREENSHOTS = "/tmp/e2e-radio-{}.png"
STREAM = "https://radio.example.org/live/jekafo.opus"


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_a_radio_session_its_replay_and_chapters_on_a_phone(site, sign_in, tmp_path):
    session = re.search(r"/webinaires/(\d+)/", site.seeded["webinar_room"])[1]
    page = sign_in("m", phone=True)

    page.goto(site.url(f"/webinaires/{session}/modifier/"))
    page.get_by_label("Séance radio").check()
    page.get_by_label("Lien du flux audio").fill(STREAM)
    page.get_by_label("Débit du flux en kb/s").fill("16")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_contain_text("Webinaire Ségou–Kayes")
    expect(page.locator(".page-head .badge.radio")).to_contain_text("Radio : audio seulement")
    player = page.locator("audio.stream-player")
    expect(player).to_have_attribute("preload", "none")
    expect(player).to_have_attribute("src", STREAM)
    expect(page.locator(".stream-cost")).to_contain_text("environ 7,2 Mo par heure")
    no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS.format("session"), full_page=True)

    # The live room: the audio above, the discussion and questions as before.
    page.goto(site.url(site.seeded["webinar_room"]))
    expect(page.locator("audio.stream-player")).to_have_attribute("src", STREAM)
    expect(page.locator("#chat-form")).to_be_visible()
    no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS.format("room"), full_page=False)

    # The recording, sent from the report page, waits for the converter.
    recording = tmp_path / "seance.webm"
    recording.write_bytes(tone("webm", 15.0))
    page.goto(site.url(f"/webinaires/{session}/bilan/"))
    page.get_by_text("Envoyer l'enregistrement de la séance").click()
    page.get_by_label("Enregistrement de la séance").set_input_files(str(recording))
    page.locator("#recording-form").get_by_role("button", name="Envoyer").click()
    expect(page.locator("#recording-status")).to_contain_text("conversion en cours")
    run_python(["manage.py", "convert_recordings"], site.env, timeout=120)

    # Two decisions, placed in the recording out of order; one has markup in its text.
    for text, moment in (("Former deux relais <b>à Mopti</b>", "0:12"), ("Relancer", "0:05")):
        page.goto(site.url(f"/webinaires/{session}/bilan/"))
        page.get_by_label("Nouvelle décision").fill(text)
        page.get_by_label("Moment dans l'enregistrement (mm:ss ou h:mm:ss)").fill(moment)
        page.get_by_role("button", name="Ajouter la décision").click()
    page.goto(site.url(f"/webinaires/{session}/bilan/#enregistrement"))
    chapters = page.locator("ol.chapters li")
    expect(chapters).to_have_count(2)
    expect(chapters.nth(0)).to_have_text("0:05 — Décision : Relancer")
    expect(chapters.nth(1)).to_have_text("0:12 — Décision : Former deux relais <b>à Mopti</b>")
    expect(page.locator("#replay")).to_have_attribute("preload", "none")
    expect(page.locator(".replay figcaption")).to_contain_text("15 s")
    no_horizontal_scroll(page)
    page.locator("#enregistrement").screenshot(path=SCREENSHOTS.format("minutes"))
    page.screenshot(path=SCREENSHOTS.format("minutes-page"), full_page=True)

    # A chapter seeks the page's player (without JS it is the file's #t=12 URL).
    link = chapters.nth(1).locator("a")
    expect(link).to_have_attribute("href", re.compile(r"/enregistrement\.opus#t=12$"))
    link.click()
    # (wait_for_function would evaluate a string: the page's CSP forbids it.)
    deadline = time.monotonic() + 10
    position = 0.0
    while time.monotonic() < deadline:
        position = page.evaluate("() => document.getElementById('replay').currentTime")
        if position >= 12:
            break
        page.wait_for_timeout(100)
    assert 12 <= position < 15.5, position
    assert page.url.endswith("#enregistrement")  # the page stayed; the player moved
