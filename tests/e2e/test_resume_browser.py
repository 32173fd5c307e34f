"""
What only a browser proves about resuming: live.js follows the backlog's pages.

A salon page whose socket resumes from the very start (``after=0``, as after
a long time offline) gets the room's messages a page of RESUME_PAGE (200) at
a time: the server sends ``more`` after each page and nothing further until
the page's script answers ``more``. Every message ends up in the log once,
in order (docs/realtime-protocol.md, "Resuming: the backlog in pages").
"""

import json

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    expect = None

from tests.realtime._daphne import run_python

COUNT = 450  # two full pages and a half

# Every socket of the page resumes from the room's first change.
FROM_THE_START = """
(() => {
  const Native = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    return new Native(String(url).replace(/after=\\d+/, 'after=0'), protocols);
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
"""


def test_a_salon_resumed_from_the_start_pages_through_every_message_once(site, sign_in):
    output = run_python(["-m", "tests.e2e._seed_backlog", str(COUNT)], site.env, timeout=60)
    seeded = json.loads(output.strip().splitlines()[-1])
    page = sign_in("a")
    received, sent = [], []

    def watch(socket) -> None:
        socket.on("framereceived", lambda payload: received.append(payload))
        socket.on("framesent", lambda payload: sent.append(payload))

    page.on("websocket", watch)
    page.add_init_script(FROM_THE_START)
    page.goto(site.url(seeded["salon_url"]))

    messages = page.locator("#chat-log > li.msg")
    expect(messages).to_have_count(COUNT, timeout=30_000)
    bodies = page.locator("#chat-log > li.msg .msg-body").all_inner_texts()
    assert bodies == [f"Message {n}" for n in range(1, COUNT + 1)]
    # The last page redraws messages already shown (the latest 50): wait for its frames.
    for _ in range(100):
        frames = [json.loads(text) for text in received if isinstance(text, str)]
        if sum(1 for f in frames if f["type"] == "message") >= COUNT:
            break
        page.wait_for_timeout(100)
    assert [f for f in frames if f["type"] == "more"] == [
        {"type": "more", "last_seq": 200},
        {"type": "more", "last_seq": 400},
    ]
    assert sum(1 for text in sent if '"more"' in text) == 2
    # Each message came once: the page drew the latest 50, the socket sent all 450.
    assert sorted(f["seq"] for f in frames if f["type"] == "message") == list(range(1, COUNT + 1))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
