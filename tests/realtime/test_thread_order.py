"""
Replies reach a live thread once each, in thread order, whatever order they were published in.

Two processes that save replies a moment apart may publish them the other way
round (or one publish may be lost): the socket holds a reply that overtook
another until the one it overtook arrives, or reads it from the database
after a short wait (docs/realtime-protocol.md, "Threads"). With REDIS_URL set
the same tests run over Redis.
"""

import random

import pytest

from forum import events, services
from forum.models import Membership
from realtime import receivers

from ..factories import make_membership, make_user
from .wire import AMBIENT, assert_no_frame, in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

SKIP = AMBIENT | {"notifications"}


def thread_path(thread, after=None) -> str:
    path = f"/ws/threads/{thread.pk}/"
    return path if after is None else f"{path}?after={after}"


def held_back(write):
    """Run ``write`` with nothing published; return the events it emitted, in order."""
    written: list[events.Event] = []
    events.unsubscribe(receivers.dispatch)
    events.subscribe(written.append)
    try:
        write()
    finally:
        events.unsubscribe(written.append)
        events.subscribe(receivers.dispatch)
    return written


def created(written) -> list[events.PostCreated]:
    return [event for event in written if isinstance(event, events.PostCreated)]


def others(written) -> list[events.Event]:
    return [event for event in written if not isinstance(event, events.PostCreated)]


async def posts_until_quiet(socket, count: int, timeout: float = 5) -> list[dict]:
    frames = [await receive_type(socket, "post", timeout=timeout, skip=SKIP) for _ in range(count)]
    await assert_no_frame(socket, timeout=0.8, ignore=SKIP)
    return frames


@pytest.fixture
def replies(member, colleague, thread):
    """``replies(n)``: n replies saved with nothing published; returns their PostCreated events."""

    def write(n: int, author=None):
        def save():
            for number in range(n):
                services.create_post(
                    author=author or (member, colleague)[number % 2],
                    thread=thread,
                    parent=None,
                    body=f"Réponse numéro {number + 1}",
                )

        written = held_back(save)
        for event in others(written):
            receivers.dispatch(event)
        return created(written)

    return write


async def test_a_reply_that_overtakes_another_waits_for_it(connect, colleague, thread, replies):
    socket = await connect(colleague, thread_path(thread))
    await receive_type(socket, "hello")
    first, second = await in_db(replies, 2)

    # Another process publishes seq 3 before this one's seq 2 gets through.
    await in_db(receivers.dispatch, second)
    await in_db(receivers.dispatch, first)
    frames = await posts_until_quiet(socket, 2)

    assert [(f["event"], f["id"], f["seq"]) for f in frames] == [
        ("created", first.post_id, 2),
        ("created", second.post_id, 3),
    ]
    assert "Réponse numéro 1" in frames[0]["html"]
    await socket.disconnect()


async def test_a_reply_whose_push_never_comes_is_read_from_the_database_in_its_place(
    connect, colleague, thread, replies
):
    socket = await connect(colleague, thread_path(thread))
    await receive_type(socket, "hello")
    events_ = await in_db(replies, 3)

    # Only the last one is published: the two it overtook are lost on the way.
    await in_db(receivers.dispatch, events_[2])
    frames = await posts_until_quiet(socket, 3)

    assert [(f["id"], f["seq"]) for f in frames] == [
        (event.post_id, seq) for seq, event in enumerate(events_, start=2)
    ]
    await socket.disconnect()


async def test_replies_published_in_any_order_reach_every_audience_once_in_order(
    connect, member, colleague, moderator, anonymous, thread, replies
):
    sockets = [await connect(person, thread_path(thread)) for person in (colleague, member)]
    sockets += [
        await connect(moderator, thread_path(thread)),
        await connect(anonymous, thread_path(thread)),
    ]
    for socket in sockets:
        await receive_type(socket, "hello", skip=SKIP)
    written = await in_db(replies, 20)
    shuffled = written[:]
    random.Random(16).shuffle(shuffled)
    # A few pushes are lost on the way, one comes twice.
    for event in shuffled[3:] + shuffled[3:4]:
        await in_db(receivers.dispatch, event)

    expected = [(event.post_id, seq) for seq, event in enumerate(written, start=2)]
    for socket in sockets:
        frames = await posts_until_quiet(socket, 20)
        assert [(f["id"], f["seq"]) for f in frames] == expected
        assert {f["event"] for f in frames} == {"created"}
    for socket in sockets:
        await socket.disconnect()


async def test_an_edit_of_a_reply_still_behind_a_hole_follows_the_reply(
    connect, member, colleague, thread, replies
):
    socket = await connect(member, thread_path(thread))
    await receive_type(socket, "hello")
    first, second = await in_db(replies, 2)

    def edit_second():
        from forum.models import Post

        post = Post.objects.get(pk=second.post_id)
        services.edit_post(editor=post.author, post=post, body="Deuxième, corrigée")

    [edited] = [e for e in await in_db(held_back, edit_second) if isinstance(e, events.PostEdited)]
    # The second reply, then its edit, both before the first reply.
    await in_db(receivers.dispatch, second)
    await in_db(receivers.dispatch, edited)
    await in_db(receivers.dispatch, first)
    frames = await posts_until_quiet(socket, 3)

    assert [(f["event"], f["seq"]) for f in frames] == [
        ("created", 2),
        ("created", 3),
        ("edited", 3),
    ]
    assert "Deuxième, corrigée" in frames[2]["html"]
    await socket.disconnect()


async def test_edits_deletions_and_moderation_of_sent_posts_go_out_at_once(
    connect, member, colleague, moderator, thread
):
    post = await in_db(
        services.create_post, author=colleague, thread=thread, parent=None, body="À corriger"
    )
    socket = await connect(moderator, thread_path(thread, after=2))
    await receive_type(socket, "hello", skip=SKIP)

    await in_db(services.edit_post, editor=colleague, post=post, body="Corrigée")
    assert (await receive_type(socket, "post", skip=SKIP))["event"] == "edited"
    await in_db(services.hide_post, moderator=moderator, post=post, reason="spam")
    assert (await receive_type(socket, "post", skip=SKIP))["event"] == "hidden"
    await socket.disconnect()


def _newcomer(community):
    person = make_user(username="salimata", display_name="Salimata Koné")
    make_membership(person, community, Membership.Role.MEMBER)
    community.premoderation_posts = 1
    community.save()
    return person


async def test_a_reply_after_one_waiting_for_validation_arrives_then_the_approved_one_once(
    connect, member, colleague, moderator, thread
):
    newcomer = await in_db(_newcomer, thread.community)
    socket = await connect(colleague, thread_path(thread))
    await receive_type(socket, "hello")

    waiting = await in_db(
        services.create_post, author=newcomer, thread=thread, parent=None, body="En attente"
    )
    later = await in_db(
        services.create_post, author=member, thread=thread, parent=None, body="Publiée"
    )
    # Number 2 never comes (it waits for a moderator): the database says so.
    [frame] = await posts_until_quiet(socket, 1)
    assert (frame["id"], frame["seq"]) == (later.pk, 3)

    await in_db(services.approve_post, moderator=moderator, post=waiting)
    [frame] = await posts_until_quiet(socket, 1)
    assert (frame["event"], frame["id"], frame["seq"]) == ("created", waiting.pk, 2)

    # Replies go on live, in order, after it.
    after = await in_db(
        services.create_post, author=member, thread=thread, parent=None, body="Suite"
    )
    [frame] = await posts_until_quiet(socket, 1)
    assert (frame["id"], frame["seq"]) == (after.pk, 4)
    await socket.disconnect()
