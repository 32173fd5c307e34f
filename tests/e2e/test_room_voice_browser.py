"""
A voice note in a salon, between two phones (360×740), over a real Daphne.

Member A puts a recording in the salon's voice input (what static/js/voice.js
does once a recording is kept, or the phone's own recorder without it: here
``set_input_files`` with a tone from tests/audio.py); room.js sends it up the
voice door. Member B sees the player appear live, with its length and
weight before anything is downloaded, and can play it.
"""

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    expect = None

from ..audio import tone
from .test_live_browser import assert_not_reloaded, expect_live, mark
from .test_room_phone_browser import no_horizontal_scroll

SCREENSHOTS = "/tmp/e2e-voice-{}.png"


def test_a_voice_note_reaches_another_member_live_with_its_duration(site, sign_in):
    salon = site.url(f"/communautes/{site.seeded['community']}/salon/")
    speaker, listener = sign_in("a", phone=True), sign_in("b", phone=True)
    for page in (speaker, listener):
        page.goto(salon)
        expect_live(page)
        mark(page)

    speaker.locator("#voice-input").set_input_files(
        {"name": "note.webm", "mimeType": "audio/webm", "buffer": tone("webm", 3.0)}
    )

    heard = listener.locator("#chat-log > li.msg .voice")
    expect(heard).to_have_count(1)
    expect(heard.locator(".voice-meta time")).to_have_text("0:03")
    expect(heard.locator(".voice-meta")).to_contain_text("Ko")
    player = heard.locator("audio[data-voice-player]")
    expect(player).to_have_attribute("preload", "none")
    src = player.get_attribute("src")
    assert src.startswith("/salles/") and "/voix/" in src
    # The sender's own line becomes the stored message (no longer pending).
    mine = speaker.locator("#chat-log > li.msg .voice audio[data-voice-player]")
    expect(mine).to_have_count(1)
    expect(speaker.locator("#chat-log > li.pending")).to_have_count(0)

    # The listener plays it: the server answers with the Opus, by ranges.
    duration = player.evaluate(
        """(audio) => new Promise((resolve) => {
            audio.addEventListener('loadedmetadata', () => resolve(audio.duration), { once: true });
            audio.addEventListener('error', () => resolve(-1), { once: true });
            audio.load();
        })"""
    )
    assert 2.5 <= duration <= 3.5, duration
    assert_not_reloaded(speaker)
    assert_not_reloaded(listener)
    no_horizontal_scroll(listener)
    no_horizontal_scroll(speaker)
    listener.screenshot(path=SCREENSHOTS.format("listener"))
    speaker.screenshot(path=SCREENSHOTS.format("speaker"), full_page=True)

    # After a reload, the page draws the same player without JavaScript's help.
    listener.reload()
    expect(listener.locator("#chat-log > li.msg .voice .voice-meta time")).to_have_text("0:03")


def test_a_voice_note_recorded_offline_survives_a_closed_page_and_leaves_once(site, sign_in):
    salon = site.url(f"/communautes/{site.seeded['community']}/salon/")
    speaker, listener = sign_in("a", phone=True), sign_in("b", phone=True)
    for page in (speaker, listener):
        page.goto(salon)
        expect_live(page)
    before = listener.locator("#chat-log > li.msg .voice").count()

    context = speaker.context
    context.set_offline(True)
    speaker.locator("#voice-input").set_input_files(
        {"name": "hors-ligne.webm", "mimeType": "audio/webm", "buffer": tone("webm", 2.0)}
    )
    waiting = speaker.locator("#chat-log > li.pending .voice")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Ko")
    # The recording is kept on the phone, under its key, before the page is closed.
    keys = speaker.evaluate(
        """() => new Promise((resolve) => {
            const req = indexedDB.open('jekafo-chat-voice', 1);
            req.onsuccess = () => {
                const all = req.result.transaction('notes').objectStore('notes').getAllKeys();
                all.onsuccess = () => resolve(all.result);
            };
        })"""
    )
    assert len(keys) == 1
    speaker.close()

    context.set_offline(False)
    again = context.new_page()
    again.goto(salon)
    expect_live(again)
    heard = listener.locator("#chat-log > li.msg .voice")
    expect(heard).to_have_count(before + 1)
    expect(heard.last.locator(".voice-meta time")).to_have_text("0:02")
    expect(again.locator("#chat-log > li.pending")).to_have_count(0)
    # Sent once, and the phone keeps nothing more.
    listener.wait_for_timeout(1500)
    expect(heard).to_have_count(before + 1)
    left = again.evaluate(
        """() => new Promise((resolve) => {
            const req = indexedDB.open('jekafo-chat-voice', 1);
            req.onsuccess = () => {
                const all = req.result.transaction('notes').objectStore('notes').getAllKeys();
                all.onsuccess = () => resolve(all.result.length);
            };
        })"""
    )
    assert left == 0


def test_a_question_asked_aloud_in_a_webinar_room(site, sign_in):
    room = site.url(site.seeded["webinar_room"] + "?onglet=questions")
    asker, moderator = sign_in("a", phone=True), sign_in("m", phone=True)
    for page in (asker, moderator):
        page.goto(room)
        expect_live(page)
    asker.locator("#ask-voice-input").set_input_files(
        {"name": "question.webm", "mimeType": "audio/webm", "buffer": tone("webm", 2.0)}
    )
    asked = moderator.locator("#questions-list > li.question .voice")
    expect(asked).to_have_count(1)
    expect(asked.locator(".voice-meta time")).to_have_text("0:02")
    expect(asker.locator("#questions-list > li.pending")).to_have_count(0)
    expect(asker.locator("#questions-list > li.question .voice")).to_have_count(1)
    # The moderator writes what it says; everyone reads it as text.
    asked.locator("summary").click()
    asked.locator("textarea[name=text]").fill("Comment saisir le juge <vite> ?")
    asked.get_by_role("button", name="Enregistrer la transcription").click()
    transcript = asker.locator("#questions-list > li.question [data-transcript]")
    expect(transcript).to_contain_text("Comment saisir le juge <vite> ?")
    no_horizontal_scroll(asker)
    asker.screenshot(path=SCREENSHOTS.format("webinar-question"))
