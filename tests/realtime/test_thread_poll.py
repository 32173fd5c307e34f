"""
Thread pages while the channel layer is down (issue 16, items 6 and 7).

The settings' layer is wrapped in test_degrade's ``PausableLayer`` (nothing
answers while paused, as a Redis stopped with SIGSTOP). Each process then
reads each open thread from the database, one read per thread (not per
socket), a page at a time, and hands the posts to its thread sockets drawn
as pushes are, each audience its own drawing. Real Daphne processes and a
real paused Redis: tests/realtime/test_redis_outage.py.
"""

import asyncio
import json

import pytest

from forum import services
from forum.models import Membership, Post
from realtime import local_groups as local_groups_module
from realtime import thread_poll
from realtime.health import health
from rooms import services as room_services

from ..factories import make_membership, make_user
from .test_degrade import pausable_layer
from .wire import AMBIENT, in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

SKIP = AMBIENT | {"notifications"}


@pytest.fixture
def layer(monkeypatch):
    yield from pausable_layer(monkeypatch)


@pytest.fixture
def count_reads(monkeypatch):
    """Every ``read_thread`` call, as (thread id, after, rows read)."""
    calls: list[tuple[int, int, int]] = []
    original = thread_poll.read_thread

    def counted(thread_id, after, variants, limit, **options):
        message = original(thread_id, after, variants, limit, **options)
        calls.append((thread_id, after, 0 if message is None else message["rows"]))
        return message

    monkeypatch.setattr(thread_poll, "read_thread", counted)
    return calls


def reply(author, thread, body: str) -> Post:
    return services.create_post(author=author, thread=thread, parent=None, body=body)


def reply_and_hide(author, moderator, thread, body: str) -> Post:
    """Reply, then hide it, in one database call: no read of the thread falls between."""
    post = reply(author, thread, body)
    return services.hide_post(moderator=moderator, post=post, reason="Hors sujet")


async def posts_within(socket, seconds: float) -> list[dict]:
    """Every ``post`` frame that arrives within ``seconds`` (anything else but ambient fails)."""
    await asyncio.sleep(seconds)
    frames = []
    while not socket.output_queue.empty():
        output = socket.output_queue.get_nowait()
        assert output["type"] == "websocket.send", output
        frame = json.loads(output["text"])
        if frame["type"] in SKIP:
            continue
        assert frame["type"] == "post", frame
        frames.append(frame)
    return frames


async def test_thread_sockets_read_the_thread_while_the_layer_is_down(
    layer, connect, member, colleague, moderator, anonymous, thread, count_reads
):
    path = f"/ws/threads/{thread.pk}/"
    people = {"colleague": colleague, "moderator": moderator, "anonymous": anonymous}
    sockets = {name: await connect(person, path) for name, person in people.items()}
    for socket in sockets.values():
        await receive_type(socket, "hello", skip=SKIP)
    newcomer = await in_db(make_user, username="nouvelle")
    await in_db(make_membership, newcomer, thread.community, Membership.Role.MEMBER)
    thread.community.premoderation_posts = 1  # the member opened the thread
    await in_db(thread.community.save, update_fields=["premoderation_posts"])

    layer.pause()
    first = await in_db(reply, member, thread, "Première réponse pendant la panne")
    for socket in sockets.values():
        frame = await receive_type(socket, "post", timeout=5, skip=SKIP)
        assert (frame["id"], frame["seq"], frame["event"]) == (first.pk, first.seq, "created")
    assert not health(layer).up

    # Awaiting validation: in no page, as it is pushed to no one.
    pending = await in_db(reply, newcomer, thread, "En attente de validation")
    assert pending.is_pending
    hidden = await in_db(reply_and_hide, member, moderator, thread, "Texte masqué ensuite")
    last = await in_db(reply, member, thread, "Dernière réponse pendant la panne")
    seen = {}
    for name, socket in sockets.items():
        frames = [await receive_type(socket, "post", timeout=5, skip=SKIP) for _ in range(2)]
        frames += await posts_within(socket, 0.5)
        assert [(f["id"], f["seq"]) for f in frames] == [
            (hidden.pk, hidden.seq),
            (last.pk, last.seq),
        ], name
        seen[name] = frames[0]["html"]
    # The hidden reply is drawn as hidden for readers; moderators keep its text.
    assert "Texte masqué ensuite" in seen["moderator"]
    assert "Texte masqué ensuite" not in seen["colleague"]
    assert "Texte masqué ensuite" not in seen["anonymous"]
    # One read per thread and poll (three sockets), each at most a page.
    assert count_reads and {call[0] for call in count_reads} == {thread.pk}
    cycles = len(count_reads)
    await asyncio.sleep(0.5)
    assert len(count_reads) - cycles <= 0.5 / thread_poll.POLL_INTERVAL + 1

    layer.resume()
    poller = thread_poll.thread_poller(layer)
    async with asyncio.timeout(5):
        await health(layer).back.wait()
        while poller.task is not None and not poller.task.done():
            await asyncio.sleep(0.05)
    after = await in_db(reply, member, thread, "Après la panne")
    for name, socket in sockets.items():
        frames = await posts_within(socket, 1.5)
        # Live again, once. The pushes queued during the outage arrived too:
        # each socket dropped the posts it had by seq; the hide is a change
        # to a post it has (drawn hidden already): the poll did not send it
        # again, its queued push may come.
        assert [(f["id"], f["event"]) for f in frames if f["event"] == "created"] == [
            (after.pk, "created")
        ], name
        assert [(f["id"], f["event"]) for f in frames if f["event"] != "created"] in (
            [],
            [(hidden.pk, "hidden")],
        ), name
    for socket in sockets.values():
        await socket.disconnect()


async def test_posts_already_shown_that_change_during_the_outage_are_sent_again(
    layer, connect, member, colleague, moderator, thread
):
    """A moderator hides a reply (an address posted by mistake) while Redis is away:
    open pages do not keep showing it until the layer returns."""
    shown = await in_db(reply, member, thread, "Mon numéro : 76 00 00 00")
    kept = await in_db(reply, member, thread, "Une réponse qui reste")
    path = f"/ws/threads/{thread.pk}/"
    people = {"colleague": colleague, "moderator": moderator}
    sockets = {name: await connect(person, path) for name, person in people.items()}
    for socket in sockets.values():
        await receive_type(socket, "hello", skip=SKIP)

    layer.pause()
    first = await in_db(reply, colleague, thread, "Pendant la panne")
    for socket in sockets.values():
        frame = await receive_type(socket, "post", timeout=5, skip=SKIP)
        assert (frame["id"], frame["event"]) == (first.pk, "created")
    assert not health(layer).up

    await in_db(services.hide_post, moderator=moderator, post=shown, reason="Données personnelles")
    await in_db(services.edit_post, editor=member, post=kept, body="Une réponse corrigée")
    for name, socket in sockets.items():
        frames = [await receive_type(socket, "post", timeout=5, skip=SKIP) for _ in range(2)]
        frames += await posts_within(socket, 1.0)  # each change once, not at every read
        assert sorted((f["id"], f["event"]) for f in frames) == sorted(
            [(shown.pk, "hidden"), (kept.pk, "edited")]
        ), name
        by_id = {f["id"]: f["html"] for f in frames}
        assert "Une réponse corrigée" in by_id[kept.pk]
        if name == "moderator":
            assert "76 00 00 00" in by_id[shown.pk]
        else:
            assert "76 00 00 00" not in by_id[shown.pk]
    layer.resume()
    async with asyncio.timeout(5):
        await health(layer).back.wait()
    for socket in sockets.values():
        await socket.disconnect()


class FakeSocket:
    """What the poller reads of a thread socket, and the pages it is handed."""

    def __init__(self, thread, audience: str, cursor: int) -> None:
        self.thread = thread
        self.audience = audience
        self.language = "fr"
        self.cursor = cursor
        self.paging = False
        self.closing = False
        self.pages: list[dict] = []

    async def deliver(self, handler: str, message: dict) -> None:
        assert handler == "thread_polled"
        self.pages.append(message)


async def test_a_long_gap_in_a_thread_is_read_in_pages(
    layer, settings, member, thread, count_reads
):
    settings.JEKAFO = {**settings.JEKAFO, "RESUME_PAGE": 10}

    def write() -> list[int]:
        return [reply(member, thread, f"Réponse {n}").seq for n in range(25)]

    seqs = await in_db(write)
    start = seqs[0] - 1
    sockets = [FakeSocket(thread, audience, start) for audience in ("reader", "member")]
    poller = thread_poll.thread_poller(layer)
    await poller.read(thread.pk, sockets)

    # Three reads of at most a page each, from where the last one stopped.
    assert [(after, rows) for _id, after, rows in count_reads] == [
        (start, 10),
        (seqs[9], 10),
        (seqs[19], 5),
    ]
    for socket in sockets:
        assert [len(page["items"][(socket.audience, "fr")]) for page in socket.pages] == [
            10,
            10,
            5,
        ]
        variant = (socket.audience, "fr")
        assert [seq for page in socket.pages for seq, _text in page["items"][variant]] == seqs
        assert [page["more"] for page in socket.pages] == [True, True, False]
    assert poller.positions[thread.pk] == seqs[-1]


async def test_a_long_gap_in_a_room_is_read_in_pages(
    layer, settings, monkeypatch, member, colleague, salon
):
    settings.JEKAFO = {**settings.JEKAFO, "RESUME_PAGE": 10, "CHAT_RATE": (100_000, 10)}
    calls: list[tuple[int, int]] = []
    original = local_groups_module.read_room

    def counted(group, after, limit):
        messages, last, more = original(group, after, limit)
        calls.append((after, len(messages)))
        return messages, last, more

    monkeypatch.setattr(local_groups_module, "READERS", {"room": counted})

    def write() -> list[int]:
        return [
            room_services.send_message(author=member, room=salon, body=f"Message {n}")[0].seq
            for n in range(25)
        ]

    seqs = await in_db(write)
    handed: list[int] = []

    class Member:
        cursor = seqs[0] - 1

        def deliver_now(self, handler, message):
            return False

        async def deliver(self, handler, message):
            handed.append(message["seq"])

    held = local_groups_module.local_groups(layer)
    group = local_groups_module._Group(f"room.{salon.pk}")
    group.subscribed.set_result(None)
    group.members[Member()] = None
    held.groups[group.name] = group
    try:
        await held._read(group)
    finally:
        del held.groups[group.name]

    assert [rows for _after, rows in calls] == [10, 10, 5]
    assert [after for after, _rows in calls] == [seqs[0] - 1, seqs[9], seqs[19]]
    assert handed == seqs
