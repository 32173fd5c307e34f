"""
What only a browser proves: live.js and the templates together, over a real
Daphne, for two signed-in members of a public CoP in two browsers.

A reply posted by one member appears on the other's thread page without a
reload, in its place in the reply tree; a salon message typed and sent with
Enter appears on the other's screen, both ways, once, and is still there
after a reload.
"""

import re

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    Page = expect = None

SCREENSHOT_THREAD = "/tmp/e2e-thread.png"
SCREENSHOT_SALON = "/tmp/e2e-salon.png"


def mark(page: Page) -> None:
    """Tag the document; the tag survives anything but a navigation."""
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded or navigated"


def expect_live(page: Page) -> None:
    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live")
    expect(status).to_have_text("En direct")


def post_paths(page: Page) -> list[str]:
    return page.locator("#posts > article.post").evaluate_all(
        "articles => articles.map((a) => a.dataset.path)"
    )


def post_ids(page: Page) -> list[str]:
    return page.locator("#posts > article.post").evaluate_all(
        "articles => articles.map((a) => a.id)"
    )


def test_static_files_are_served_with_debug_off(site, sign_in):
    page = sign_in("a")
    page.goto(site.url(site.seeded["thread_url"]))
    # The manifest's hashed name, as {% static %} writes it, and the plain one.
    hashed = page.locator('script[src*="/static/js/live."]').get_attribute("src")
    assert re.fullmatch(r"/static/js/live\.[0-9a-f]{12}\.js", hashed), hashed
    for path in (hashed, "/static/js/live.js"):
        response = page.request.get(site.url(path))
        assert response.status == 200, path
        assert "javascript" in response.headers["content-type"], response.headers
        assert "docs/realtime-protocol.md" in response.text()


def test_reply_appears_live_on_the_other_readers_thread_page(site, sign_in):
    thread_url = site.url(site.seeded["thread_url"])
    first, second = site.seeded["first_reply"], site.seeded["second_reply"]
    awa, kadidia = sign_in("a"), sign_in("b")

    kadidia.goto(thread_url)
    expect_live(kadidia)
    awa.goto(thread_url)
    expect_live(awa)
    expect(kadidia.locator("#readers-count")).to_have_text("2 personnes lisent cette discussion")
    before = post_ids(kadidia)
    assert before[1:] == [f"post-{first['id']}", f"post-{second['id']}"]
    mark(kadidia)

    # A reply to the thread: a normal form post, Awa's page reloads.
    body = awa.locator("#reply-form textarea")
    body.press_sequentially("Le décret d'application ")
    expect(kadidia.locator("#typing")).to_have_text("Awa Traoré écrit une réponse…")
    body.press_sequentially("est paru hier à Bamako.")
    awa.get_by_role("button", name="Publier").click()
    expect(awa.locator("#posts article.post").last).to_contain_text("paru hier à Bamako")

    fresh = kadidia.locator("#posts > article.post", has_text="paru hier à Bamako")
    expect(fresh).to_be_visible()
    assert_not_reloaded(kadidia)
    # Her reply is there: she is no longer "writing a reply" (shown 5 s otherwise).
    expect(kadidia.locator("#typing")).to_have_text("", timeout=1000)
    expect(fresh).to_have_class(re.compile(r"\bfresh\b"))
    expect(fresh.locator(".author")).to_have_text("Awa Traoré")
    # Kadidia may reply to it; the owner's links stay hidden from her.
    expect(fresh.get_by_role("link", name="Répondre")).to_be_visible()
    expect(fresh.get_by_role("link", name="Modifier")).to_be_hidden()
    expect(kadidia.locator("#posts > article.post")).to_have_count(len(before) + 1)
    assert post_ids(kadidia)[-1] == fresh.get_attribute("id")
    expect_live(kadidia)
    expect(kadidia.locator("#live-announce")).to_have_text("Nouveau message de Awa Traoré")
    # Awa's socket closed with the reload and opened again with the new page.
    expect(kadidia.locator("#readers-count")).to_have_text("2 personnes lisent cette discussion")

    # A reply to the first reply belongs between it and the second one.
    awa.locator(f"#post-{first['id']}").get_by_role("link", name="Répondre").click()
    awa.locator("textarea[name=body]").fill("À Kati aussi, les femmes ont été entendues.")
    awa.get_by_role("button", name="Publier").click()
    expect(awa.locator("#posts article.post", has_text="ont été entendues")).to_be_visible()

    nested = kadidia.locator("#posts > article.post", has_text="ont été entendues")
    expect(nested).to_be_visible()
    assert_not_reloaded(kadidia)
    expect(nested.locator(".reply-to")).to_contain_text("Kadidia Keita")
    ids = post_ids(kadidia)
    assert len(ids) == len(before) + 2
    position = ids.index(nested.get_attribute("id"))
    assert ids[position - 1 : position + 2] == [
        f"post-{first['id']}",
        nested.get_attribute("id"),
        f"post-{second['id']}",
    ]
    paths = post_paths(kadidia)
    assert paths == sorted(paths)
    assert len(set(ids)) == len(ids)
    expect_live(kadidia)
    kadidia.screenshot(path=SCREENSHOT_THREAD, full_page=True)

    # What arrived live is what the server draws.
    kadidia.reload()
    assert post_ids(kadidia) == ids


def chat_message(page: Page, text: str):
    return page.locator("#chat-log > li.msg", has_text=text)


def test_salon_messages_cross_both_ways_without_reload_and_persist(site, sign_in):
    salon_url = site.url(f"/communautes/{site.seeded['community']}/salon/")
    awa, kadidia = sign_in("a"), sign_in("b")
    for page in (awa, kadidia):
        page.goto(salon_url)
        expect_live(page)
        mark(page)
    for page in (awa, kadidia):
        expect(page.locator("#presence-count")).to_have_text("2 présent·es")
        expect(page.locator("#presence-list")).to_contain_text("Awa Traoré")
        expect(page.locator("#presence-list")).to_contain_text("Kadidia Keita")

    question = "On se retrouve à la radio de Ségou jeudi ?"
    awa.locator("#chat-body").fill(question)
    awa.locator("#chat-body").press("Enter")
    expect(awa.locator("#chat-body")).to_have_value("")
    expect(chat_message(kadidia, question)).to_be_visible()
    expect(chat_message(kadidia, question).locator(".msg-author")).to_have_text("Awa Traoré")

    answer = "Oui, à 10 h, j'apporte le texte de la loi."
    kadidia.locator("#chat-body").fill(answer)
    kadidia.locator("#chat-body").press("Enter")
    expect(chat_message(awa, answer)).to_be_visible()
    expect(chat_message(awa, answer).locator(".msg-author")).to_have_text("Kadidia Keita")

    for page in (awa, kadidia):
        assert_not_reloaded(page)
        # The sender's pending line became the message: once each, acknowledged, in order.
        for text in (question, answer):
            expect(chat_message(page, text)).to_have_count(1)
            expect(chat_message(page, text)).to_have_attribute("id", re.compile(r"^msg-\d+$"))
        expect(page.locator("#chat-log > li.pending, #chat-log > li.failed")).to_have_count(0)
        texts = page.locator("#chat-log > li.msg .msg-body").all_inner_texts()
        assert texts == [question, answer]
    # Only one's own message may be edited.
    expect(chat_message(awa, question).locator(".msg-edit")).to_be_visible()
    expect(chat_message(awa, answer).locator(".msg-edit")).to_be_hidden()
    kadidia.screenshot(path=SCREENSHOT_SALON, full_page=True)

    for page in (awa, kadidia):
        page.reload()
        expect_live(page)
        for text in (question, answer):
            expect(chat_message(page, text)).to_have_count(1)
        assert page.locator("#chat-log > li.msg .msg-body").all_inner_texts() == [question, answer]
