"""
Files in a thread, in Chromium on a 360×740 phone: a voice reply sent through the
plain form (no recorder script: the phone's own file input), with a photo and a
document, appears live on another member's page with its player, duration and
size, the photo's preview and the document's link; nothing scrolls sideways.
"""

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect

from tests.audio import tone
from tests.factories import small_pdf

SCREENSHOT = "/tmp/e2e-post-files.png"
SCREENSHOT_READER = "/tmp/e2e-post-files-reader.png"
SCREENSHOT_FORM = "/tmp/e2e-post-files-form.png"


def photo() -> bytes:
    size = (1600, 1200)
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 25)
    image = Image.merge("RGB", (gradient, noise, gradient.rotate(90).resize(size)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide"


def test_voice_reply_with_photo_and_document_appears_live_on_a_phone(site, sign_in):
    thread_url = site.url(site.seeded["thread_url"])
    awa, kadidia = sign_in("a", phone=True), sign_in("b", phone=True)
    kadidia.goto(thread_url)
    expect(kadidia.locator("#live-status")).to_have_attribute("data-state", "live")
    kadidia.evaluate("window.__marker = 1")
    awa.goto(thread_url)

    form = awa.locator("#reply-form form")
    voice = form.locator('input[type=file][name=voice][accept="audio/*"][data-voice]')
    assert voice.get_attribute("capture") is not None
    voice.set_input_files(
        {"name": "enregistrement.webm", "mimeType": "audio/webm", "buffer": tone("webm", 7.0)}
    )
    form.locator("input[type=file][name=files]").set_input_files(
        [
            {"name": "marché de Ségou.jpg", "mimeType": "image/jpeg", "buffer": photo()},
            {"name": "Plaidoyer 2024.pdf", "mimeType": "application/pdf", "buffer": small_pdf()},
        ]
    )
    form.get_by_role("button", name="Publier").click()  # no text: the voice note says it
    mine = awa.locator("#posts article.post", has=awa.locator("audio"))
    expect(mine).to_be_visible()

    fresh = kadidia.locator("#posts > article.post", has=kadidia.locator("audio"))
    expect(fresh).to_be_visible()
    assert kadidia.evaluate("window.__marker") == 1, "the reader's page was reloaded"
    player = fresh.locator("audio[data-voice-player]")
    expect(player).to_have_attribute("preload", "none")
    expect(fresh.locator(".file-voice .file-meta")).to_contain_text(re.compile(r"0:07\s·\s\d+\sKo"))
    preview = fresh.locator(".file-image img")
    expect(preview).to_have_attribute("loading", "lazy")
    expect(fresh.locator(".file-image")).to_contain_text(re.compile(r"Voir l'original \(\d"))
    expect(fresh.get_by_role("link", name="Plaidoyer 2024.pdf")).to_be_visible()

    # The player's source answers by ranges, as a seek asks.
    src = player.get_attribute("src")
    status = kadidia.evaluate(
        "async (src) => (await fetch(src, {headers: {Range: 'bytes=0-99'}})).status", src
    )
    assert status == 206
    # The browser plays what the server made (Ogg/Opus served as an attachment).
    played = player.evaluate(
        """async (audio) => {
            audio.muted = true;
            await audio.play();
            await new Promise((done) => setTimeout(done, 600));
            audio.pause();
            return {time: audio.currentTime, duration: audio.duration, error: audio.error};
        }"""
    )
    assert played["error"] is None and played["time"] > 0.2, played
    assert abs(played["duration"] - 7.0) < 0.2, played
    # The preview loads once scrolled to, and it is small.
    fresh.scroll_into_view_if_needed()
    preview.scroll_into_view_if_needed()
    expect(preview).to_have_js_property("complete", True)
    assert preview.evaluate("img => img.naturalWidth") == 480
    response = kadidia.request.get(site.url(preview.get_attribute("src")))
    assert response.status == 200 and len(response.body()) <= 25 * 1024

    for page in (awa, kadidia):
        no_sideways_scroll(page)
    mine.scroll_into_view_if_needed()
    awa.screenshot(path=SCREENSHOT)
    fresh.locator(".files").scroll_into_view_if_needed()
    kadidia.screenshot(path=SCREENSHOT_READER)
    awa.locator("#reply-form").screenshot(path=SCREENSHOT_FORM)


def test_voice_reply_recorded_in_the_browser_is_heard_live_by_another_member(site, sign_in):
    """The whole path with the recorder: microphone → voice.js → form → Opus → live → played."""
    thread_url = site.url(site.seeded["thread_url"])
    awa = sign_in("a", phone=True, microphone=True)
    kadidia = sign_in("b", phone=True)
    kadidia.goto(thread_url)
    expect(kadidia.locator("#live-status")).to_have_attribute("data-state", "live")
    kadidia.evaluate("window.__marker = 1")
    before = kadidia.locator("#posts > article.post audio").count()

    awa.goto(thread_url)
    form = awa.locator("#reply-form form")
    form.get_by_role("button", name="Enregistrer").click()
    expect(form.locator(".voice-time")).to_contain_text("0:03", timeout=8000)
    form.get_by_role("button", name="Arrêter").click()
    expect(form.get_by_role("status")).to_contain_text("Enregistré (0:0")
    form.get_by_role("button", name="Garder").click()
    expect(form.get_by_role("status")).to_contain_text("Message vocal prêt")
    form.locator("textarea[name=body]").fill("Voici mon témoignage de Kayes, à écouter.")
    form.get_by_role("button", name="Publier").click()
    expect(awa.locator("#posts article.post", has_text="témoignage de Kayes")).to_be_visible()

    fresh = kadidia.locator("#posts > article.post", has_text="témoignage de Kayes")
    expect(fresh).to_be_visible()
    assert kadidia.evaluate("window.__marker") == 1, "the reader's page was reloaded"
    assert kadidia.locator("#posts > article.post audio").count() == before + 1
    player = fresh.locator("audio[data-voice-player]")
    expect(player).to_have_attribute("preload", "none")
    # Length and size are written beside the player before anything downloads.
    expect(fresh.locator(".file-voice .file-meta")).to_contain_text(re.compile(r"0:0[3-9]\s·"))
    # voice.js reached the live post too: its speed buttons are there.
    expect(fresh.get_by_role("button", name=re.compile("1,5"))).to_be_visible()
    played = player.evaluate(
        """async (audio) => {
            audio.muted = true;
            await audio.play();
            await new Promise((done) => setTimeout(done, 600));
            audio.pause();
            return {time: audio.currentTime, duration: audio.duration, error: audio.error};
        }"""
    )
    assert played["error"] is None and played["time"] > 0.2, played
    assert 2.5 < played["duration"] < 10, played
    no_sideways_scroll(kadidia)
    fresh.scroll_into_view_if_needed()
    kadidia.screenshot(path="/tmp/e2e-voice-reply-live.png")
