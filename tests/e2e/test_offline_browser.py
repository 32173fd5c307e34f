"""
Offline on a 360×740 phone, in real browsers over a real Daphne.

A member opens a thread and the salon, loses the network, still reads the
thread, writes a reply and a chat message, closes the page and opens it again
from the service worker's copy; when the network returns each is stored once
(read in the server's database) and appears live for another member who has
the thread and the salon open. Pages the device never kept show the offline
page; signing out leaves nothing of hers on the phone.
"""

import re
import time

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    Page = expect = None

from tests.audio import tone

from .test_live_browser import expect_live
from .test_room_phone_browser import no_horizontal_scroll

SCREENSHOTS = "/tmp/e2e-offline-{}.png"
# A real recording (the server converts it, and refuses what is not audio).
RECORDING = tone("ogg", 2.0)
REPLY = "Écrit sans réseau à Kati : la réunion est reportée à jeudi."
CHAT = "Message du salon écrit hors connexion."


def controlled(page: Page) -> None:
    """Wait until the service worker controls the page (it claims it once active)."""
    page.wait_for_function(
        "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)"
    )


def until(page: Page, script: str, arg=None, seconds: float = 10) -> None:
    """Evaluate ``script`` (which may return a promise) until it is truthy.

    ``wait_for_function`` takes a promise for a truthy value without awaiting it.
    """
    deadline = time.monotonic() + seconds
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {script}"
        page.wait_for_timeout(100)


def kept(page: Page, path: str) -> None:
    """Wait until the service worker keeps a copy of ``path``."""
    until(
        page,
        "path => caches.open('jekafo-pages').then((c) => c.match(path)).then((r) => !!r)",
        path,
    )


def count(site, sql: str, text: str) -> int:
    return site.database.query(sql, (text,))[0][0]


def test_reply_and_chat_written_offline_leave_once_when_the_network_returns(site, sign_in):
    thread_path = site.seeded["thread_url"]
    salon_path = f"/communautes/{site.seeded['community']}/salon/"
    writer = sign_in("a", phone=True)
    context = writer.context

    # Online: the worker installs; the thread and the salon are opened (and kept).
    writer.goto(site.url(thread_path))
    controlled(writer)
    writer.goto(site.url(thread_path))
    kept(writer, thread_path)
    writer.goto(site.url(salon_path))
    expect_live(writer)
    kept(writer, salon_path)

    # The other member has both open.
    reader_thread = sign_in("c", phone=True)
    reader_thread.goto(site.url(thread_path))
    expect_live(reader_thread)
    reader_salon = reader_thread.context.new_page()
    reader_salon.goto(site.url(salon_path))
    expect_live(reader_salon)

    context.set_offline(True)

    # The thread opened before is readable offline, from the worker's copy.
    writer.goto(site.url(thread_path))
    expect(writer.locator("h1")).to_have_text("Loi 052 : où en est-on ?")
    expect(writer.locator("#posts")).to_contain_text("la commission foncière s'est réunie")

    # A reply written offline waits on the device, with a visible note.
    writer.locator("#reply-form textarea").fill(REPLY)
    writer.locator("#reply-form button[type=submit]").click()
    note = writer.locator("#outbox-waiting")
    expect(note).to_have_text(re.compile(r"^1 message en attente d’envoi"))
    expect(note).to_be_in_viewport()  # below the form she used, not at the top of the thread
    expect(writer.locator("#reply-form textarea")).to_have_value("")
    no_horizontal_scroll(writer)
    writer.screenshot(path=SCREENSHOTS.format("outbox-note"))

    # A chat message written offline in the salon (room.js keeps its own outbox).
    writer.goto(site.url(salon_path))
    writer.locator("#chat-body").fill(CHAT)
    writer.locator("#chat-body").press("Enter")
    expect(writer.locator("#chat-log li.pending", has_text=CHAT)).to_be_visible()

    # An address the device never kept: the offline page, which lists what it has.
    writer.goto(site.url("/organisations/"))
    expect(writer.locator("h1")).to_have_text("Pas de connexion")
    expect(writer.locator("#kept-pages")).to_contain_text("Loi 052 : où en est-on ?")
    no_horizontal_scroll(writer)
    writer.screenshot(path=SCREENSHOTS.format("offline-page"), full_page=True)

    # Closed, and opened again from the copy: still waiting, nothing sent.
    writer.close()
    writer = context.new_page()
    writer.goto(site.url(thread_path))
    expect(writer.locator("#outbox-waiting")).to_have_text(
        re.compile(r"^1 message en attente d’envoi")
    )
    assert count(site, "SELECT COUNT(*) FROM forum_post WHERE body = %s", REPLY) == 0
    assert count(site, "SELECT COUNT(*) FROM forum_message WHERE body = %s", CHAT) == 0

    # The network returns: the reply leaves from the open page, the note goes.
    context.set_offline(False)
    expect(writer.locator("#outbox-waiting")).to_be_hidden(timeout=20_000)
    expect(reader_thread.locator("#posts")).to_contain_text(REPLY)
    # The chat message leaves when the salon opens again.
    writer.goto(site.url(salon_path))
    expect_live(writer)
    expect(reader_salon.locator("#chat-log")).to_contain_text(CHAT)
    expect(writer.locator("#chat-log li.pending")).to_have_count(0)

    # Opened again and again: each stored exactly once.
    writer.reload()
    expect_live(writer)
    writer.goto(site.url(thread_path))
    expect_live(writer)
    expect(writer.locator("#posts article", has_text=REPLY)).to_have_count(1)
    assert count(site, "SELECT COUNT(*) FROM forum_post WHERE body = %s", REPLY) == 1
    assert count(site, "SELECT COUNT(*) FROM forum_message WHERE body = %s", CHAT) == 1


def test_a_draft_comes_back_and_signing_out_forgets_everything(site, sign_in):
    thread_path = site.seeded["thread_url"]
    page = sign_in("b", phone=True)
    page.goto(site.url(thread_path))
    controlled(page)
    page.goto(site.url(thread_path))
    kept(page, thread_path)
    page.locator("#reply-form textarea").fill("Un brouillon sur la loi 052")
    page.wait_for_function(
        "() => Object.keys(localStorage).some((k) => k.startsWith('jekafo-draft:'))"
    )

    page.reload()
    expect(page.locator("#reply-form textarea")).to_have_value("Un brouillon sur la loi 052")

    page.get_by_role("button", name="Déconnexion").click()
    expect(page.locator(".site-header")).to_contain_text("Connexion")
    assert (
        page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('jekafo-'))")
        == []
    )
    assert not page.evaluate("() => caches.has('jekafo-pages')")


def test_a_reply_whose_post_fails_on_the_network_is_kept_with_its_voice_note(site, sign_in):
    """The link drops while the page thinks it is online: the service worker keeps the
    form (a voice note's file too); a stale CSRF token is replaced from the form page."""
    thread_path = site.seeded["thread_url"]
    reply_url = re.compile(r".*/actions/repondre/$")
    text = "Envoyé pendant une coupure, avec une note vocale."
    page = sign_in("b", phone=True)
    page.goto(site.url(thread_path))
    controlled(page)
    page.goto(site.url(thread_path))
    kept(page, thread_path)

    # The voice recorder (voice.js) puts its recording in an input[data-voice] of the form.
    page.evaluate(
        """() => {
        const input = document.createElement('input');
        Object.assign(input, { type: 'file', name: 'voice', id: 'voice-test' });
        input.dataset.voice = '';
        const form = document.querySelector('#reply-form form');
        form.enctype = 'multipart/form-data';  // as a form with a voice note has
        form.append(input);
    }"""
    )
    page.locator("#voice-test").set_input_files(
        files=[{"name": "note.ogg", "mimeType": "audio/ogg", "buffer": RECORDING}]
    )
    page.locator("#reply-form textarea").fill(text)
    page.context.route(reply_url, lambda route: route.abort("internetdisconnected"))
    page.locator("#reply-form button[type=submit]").click()

    # Back on the thread (its copy), the reply waits.
    expect(page.locator("#outbox-waiting")).to_have_text(re.compile(r"^1 message en attente"))
    item = page.evaluate(
        """() => JekafoOutbox.list().then(([item]) => ({
        key: item.key,
        voice: item.fields.filter(([n]) => n === 'voice')
            .map(([, blob, name]) => [blob.size, blob.type, name]),
    }))"""
    )
    assert item["voice"] == [[len(RECORDING), "audio/ogg", "note.ogg"]]
    assert count(site, "SELECT COUNT(*) FROM forum_post WHERE body = %s", text) == 0

    # As if she signed in again since: the token the form carried is stale.
    page.evaluate(
        """() => new Promise((resolve) => indexedDB.open('jekafo').onsuccess = (e) => {
        const store = e.target.result.transaction('outbox', 'readwrite').objectStore('outbox');
        store.getAll().onsuccess = (r) => {
            const item = r.target.result[0];
            item.fields = item.fields.map(
                ([n, v, f]) => n === 'csrfmiddlewaretoken' ? [n, 'x'.repeat(64)] : [n, v, f]);
            store.put(item).onsuccess = resolve;
        };
    })"""
    )
    page.context.unroute(reply_url)
    log_start = site.process.log_path.stat().st_size
    page.reload()  # opening a page sends what waits
    # The note starts hidden on every page, so it says nothing yet: wait for the outbox
    # itself to empty (a reload while the send is in flight would only send it again).
    until(page, "() => JekafoOutbox.list().then((items) => items.length === 0)", seconds=20)
    expect(page.locator("#outbox-waiting")).to_be_hidden()
    page.reload()
    expect(page.locator("#posts article", has_text=text)).to_have_count(1)
    assert count(site, "SELECT COUNT(*) FROM forum_post WHERE body = %s", text) == 1
    # Its voice note came with it, converted by the server.
    voice_files = (
        "SELECT COUNT(*) FROM forum_postfile f JOIN forum_post p ON f.post_id = p.id"
        " WHERE p.body = %s AND f.kind = 'voice' AND f.duration > 1"
    )
    assert count(site, voice_files, text) == 1
    assert page.evaluate("() => JekafoOutbox.list().then((items) => items.length)") == 0
    site.process.log_tail()  # flushes the log
    with site.process.log_path.open("rb") as log:
        log.seek(log_start)
        sent = re.findall(rb'"POST /discussions/\d+/actions/repondre/" (\d+)', log.read())
    # Refused with the stale token, then stored with a fresh one. A sending cut short by the
    # reload (its fresh token never fetched) may add a 403 first; stored once all the same.
    assert sent[-1] == b"302" and sent.count(b"302") == 1, sent
    assert set(sent[:-1]) == {b"403"}, sent


def test_quick_exit_forgets_the_outbox_and_the_pages_kept(site, sign_in):
    thread_path = site.seeded["thread_url"]
    page = sign_in("b", phone=True)
    page.goto(site.url(thread_path))
    controlled(page)
    page.goto(site.url(thread_path))
    kept(page, thread_path)
    page.context.set_offline(True)
    page.locator("#reply-form textarea").fill("Texte que personne d'autre ne doit lire.")
    page.locator("#reply-form button[type=submit]").click()
    expect(page.locator("#outbox-waiting")).to_be_visible()
    page.context.set_offline(False)
    page.context.route(re.compile(r".*/actions/repondre/$"), lambda route: route.abort())
    # A chat voice note waiting to leave (room.js keeps its recording in a database of its own).
    page.evaluate(
        """() => new Promise((resolve) => {
        const open = indexedDB.open('jekafo-chat-voice', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('notes');
        open.onsuccess = () => {
            const tx = open.result.transaction('notes', 'readwrite');
            tx.objectStore('notes').put(new Blob(['enregistrement']), 'k1');
            tx.oncomplete = () => { open.result.close(); resolve(); };
        };
    })"""
    )

    page.locator("#quick-exit").click()
    page.wait_for_url(re.compile(r"/web/$"))
    until(page, "() => caches.has('jekafo-pages').then((has) => !has)")
    until(
        page,
        """() => new Promise((resolve) => indexedDB.open('jekafo').onsuccess = (e) => {
        const db = e.target.result;
        if (!db.objectStoreNames.contains('outbox')) { resolve(true); return; }
        db.transaction('outbox').objectStore('outbox').count().onsuccess =
            (r) => resolve(r.target.result === 0);
    })""",
    )
    assert (
        page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('jekafo-'))")
        == []
    )
    until(
        page,
        "() => indexedDB.databases()"
        ".then((all) => !all.some((d) => d.name === 'jekafo-chat-voice'))",
    )


def test_the_device_keeps_the_last_twenty_pages_opened(site, sign_in):
    thread_path = site.seeded["thread_url"]
    page = sign_in("c", phone=True)
    page.goto(site.url(thread_path))
    controlled(page)
    for n in range(1, 23):  # 22 addresses (a query makes another copy)
        page.goto(site.url(f"{thread_path}?vue={n}"))
    page.goto(site.url(f"{thread_path}?vue=2"))  # opened again: the newest use
    keys = (
        "() => caches.open('jekafo-pages').then((c) => c.keys()).then((ks) => ks.map((k) => k.url))"
    )
    until(page, f"() => ({keys})().then((urls) => urls.at(-1).endsWith('?vue=2'))")
    page.wait_for_timeout(300)  # the last copy's trimming
    urls = page.evaluate(keys)
    views = [int(url.rsplit("=", 1)[1]) for url in urls]
    assert len(views) == 20
    assert views[-1] == 2  # moved last by its new use
    assert 1 not in views and 3 not in views  # the least recently used went first
