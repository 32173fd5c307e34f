"""
Replies that arrive live on an open thread page count as read, on a 360 px phone.

Kadidia reads the thread on her phone; Awa replies from another browser. The reply
appears on Kadidia's page without a reload, and a few seconds later live.js tells the
server (one form-encoded POST to /discussions/<id>/actions/lu/): back on the CoP's
list, the thread has nothing new for her. While her page is hidden, nothing is sent;
once it is seen again, the replies that came meanwhile are. Screenshot:
/tmp/i15-live-read.png.
"""

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    expect = None

READ_URL = "**/actions/lu/"
# live.js waits 5 s after the first reply shown before it tells the server.
WAIT_MS = 9_000


def row(page):
    return page.locator(".thread-row", has_text="Loi 052")


def reply_from(page, text: str) -> None:
    page.locator("#reply-form textarea").fill(text)
    page.get_by_role("button", name="Publier").click()
    expect(page.locator("#posts article.post", has_text=text)).to_be_visible()


def set_hidden(page, hidden: bool) -> None:
    """What the browser says when the tab goes to the background (headless has no tabs)."""
    page.evaluate(
        """(hidden) => {
          Object.defineProperty(document, 'visibilityState',
            { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
          document.dispatchEvent(new Event('visibilitychange'));
        }""",
        hidden,
    )


def test_replies_shown_live_are_read_on_a_phone(site, sign_in):
    thread_url = site.url(site.seeded["thread_url"])
    cop_url = site.url(f"/communautes/{site.seeded['community']}/")
    kadidia, awa = sign_in("b", phone=True), sign_in("a")

    kadidia.goto(thread_url)
    expect(kadidia.locator("#live-status")).to_have_attribute("data-state", "live")
    awa.goto(thread_url)

    with kadidia.expect_request(READ_URL, timeout=WAIT_MS) as sent:
        reply_from(awa, "Le décret d'application est paru hier à Bamako.")
        expect(kadidia.locator("#posts > article.post", has_text="paru hier")).to_be_visible()
    request = sent.value
    assert request.method == "POST"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.post_data.startswith("seq=")
    assert request.response().status == 204
    assert kadidia.evaluate("document.documentElement.scrollWidth") <= 360
    kadidia.screenshot(path="/tmp/i15-live-read.png", full_page=True)

    # Hidden: a reply arrives and is shown, but nothing is said while nobody looks.
    set_hidden(kadidia, True)
    posts = []
    kadidia.on("request", lambda r: posts.append(r.url) if r.url.endswith("/actions/lu/") else 0)
    reply_from(awa, "À Kati, la commission se réunit lundi.")
    expect(kadidia.locator("#posts > article.post", has_text="lundi")).to_be_visible()
    kadidia.wait_for_timeout(6_500)
    assert posts == []
    check = sign_in("b")  # another browser of hers: the thread has one new reply
    check.goto(cop_url)
    expect(row(check)).to_contain_text("1 nouveau")

    # Seen again: told once, a few seconds later.
    with kadidia.expect_request(READ_URL, timeout=WAIT_MS) as sent:
        set_hidden(kadidia, False)
    assert sent.value.response().status == 204
    assert len(posts) == 1
    check.goto(cop_url)
    expect(row(check)).to_be_visible()
    expect(row(check)).not_to_contain_text("nouveau")
