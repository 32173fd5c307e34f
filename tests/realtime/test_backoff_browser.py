"""
The client's reconnection (static/js/live.js), run in Chromium against a fake socket.

No server: the page gets live.js with WebSocket, timers and fetch replaced by
fakes the test drives, so each wait the client chooses can be read exactly
(docs/realtime-protocol.md, "Reconnecting" and "Admission"):

- full jitter: a random wait below a ceiling that doubles per failure, to 30 s;
- after ``busy`` and close 4503, the server's ``retry`` plus up to a quarter
  more, without raising the ceiling; a busy server never sends the client to
  the HTTP fallback;
- every new socket resumes with ``after=`` the last seq it saw.
"""

import contextlib
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, require_browser

LIVE_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "live.js"

FAKES = """
window.__timers = []; window.__sockets = []; window.__fetches = []; window.__random = 0.5;
Math.random = () => window.__random;
window.setTimeout = (fn, ms) => { __timers.push({ fn, ms, live: true }); return __timers.length; };
window.clearTimeout = (id) => { if (id && __timers[id - 1]) __timers[id - 1].live = false; };
window.setInterval = () => 0;
window.clearInterval = () => {};
window.fetch = (url) => { __fetches.push(url); return new Promise(() => {}); };
window.WebSocket = class {
  constructor(url) { this.url = url; __sockets.push(this); }
  send() {}
  close() {}
};
window.__frame = (frame) => __sockets.at(-1).onmessage({ data: JSON.stringify(frame) });
window.__close = (code) => __sockets.at(-1).onclose({ code });
// The wait chosen for the next attempt (ms); the attempt is then made.
window.__retry = () => {
  const live = __timers.filter((t) => t.live);
  const timer = live.at(-1);
  timer.live = false;
  timer.fn();
  return timer.ms;
};
"""


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="jekafo-chromium-")
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield context
        finally:
            with contextlib.suppress(Exception):
                context.close()
            shutil.rmtree(profile, ignore_errors=True)


def live_page(browser, *, events_url: str = ""):
    page = browser.new_page()
    extra = f' data-events-url="{events_url}"' if events_url else ""
    page.set_content(f'<div data-live="/ws/rooms/7/" data-kind="room" data-after="5"{extra}></div>')
    page.add_script_tag(content=FAKES)
    page.add_script_tag(content=LIVE_JS.read_text())
    return page


def test_waits_are_full_jitter_below_a_doubling_ceiling_capped_at_30_s(browser):
    page = live_page(browser)
    page.evaluate("__frame({type: 'hello', heartbeat: 25})")

    page.evaluate("__random = 0.999")
    ceilings = []
    for _ in range(8):
        page.evaluate("__close(1006)")
        ceilings.append(page.evaluate("__retry()"))
    page.evaluate("__random = 0")
    page.evaluate("__close(1006)")
    lowest = page.evaluate("__retry()")

    assert [round(ms / 999) for ms in ceilings] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert lowest == 0  # full jitter: anywhere from nothing to the ceiling
    page.close()


def test_busy_server_names_the_least_wait_and_the_socket_resumes_after_its_last_seq(browser):
    page = live_page(browser)
    assert page.evaluate("__sockets[0].url").endswith("/ws/rooms/7/?after=5")
    page.evaluate("__frame({type: 'hello', heartbeat: 25})")
    page.evaluate("__frame({type: 'message', seq: 9, message: {}})")
    page.evaluate("__random = 0.999")

    page.evaluate("__close(1006)")
    first = page.evaluate("__retry()")
    page.evaluate("__frame({type: 'busy', retry: 3})")
    page.evaluate("__close(4503)")
    after_busy = page.evaluate("__retry()")
    page.evaluate("__random = 0")
    page.evaluate("__close(4503)")  # no busy frame came through: the default hint
    without_hint = page.evaluate("__retry()")
    page.evaluate("__random = 0.999")
    page.evaluate("__close(1006)")
    after_busies = page.evaluate("__retry()")

    assert first < 1000
    assert 3740 < after_busy < 3750  # the hint (a booked slot), plus up to a quarter more
    assert without_hint == 2000
    # Busy answers did not raise the ceiling: it is 2 s, as after the one drop.
    assert 1990 < after_busies < 2000
    urls = page.evaluate("__sockets.map((s) => s.url)")
    assert all(url.endswith("?after=9") for url in urls[1:]), urls
    page.close()


def test_a_busy_server_never_sends_the_client_to_the_http_fallback(browser):
    page = live_page(browser, events_url="/salons/7/evenements/")

    for _ in range(5):
        page.evaluate("__frame({type: 'busy', retry: 1})")
        page.evaluate("__close(4503)")
        page.evaluate("__retry()")
    fetched_while_busy = page.evaluate("__fetches.length")
    for _ in range(3):
        page.evaluate("__close(1006)")
        page.evaluate("__retry()")

    assert fetched_while_busy == 0
    # Three failures without an answer: the page polls over HTTP meanwhile.
    assert page.evaluate("__fetches.length") >= 1
    page.close()
