"""Thread tools seen live on /ws/threads/<id>/: merge, split, close with a note, slow mode."""

import pytest

from forum import services
from forum.models import Post

from ..factories import make_post, make_thread
from .wire import AMBIENT, assert_no_frame, in_db, receive_close, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

BELL = AMBIENT | {"notifications"}


def thread_path(thread) -> str:
    return f"/ws/threads/{thread.pk}/"


async def test_readers_of_a_merged_thread_are_told_and_follow_the_target(
    connect, member, moderator, thread, public_cop
):
    target = await in_db(make_thread, moderator, public_cop, title="Fil principal")
    reader = await connect(member, thread_path(thread))
    watcher = await connect(moderator, thread_path(target))
    await receive_type(reader, "hello")
    await receive_type(watcher, "hello")

    await in_db(services.merge_threads, moderator=moderator, source=thread, target=target)

    frame = await receive_type(reader, "thread", skip=BELL)
    assert frame["event"] == "merged"
    assert frame["title"] == "Fil principal"
    assert frame["url"] == target.get_absolute_url()
    # The target's readers see the moved posts arrive.
    moved = await receive_type(watcher, "post", skip=BELL)
    assert moved["event"] == "created"
    assert moved["id"] == (await in_db(Post.objects.get, thread=target, seq=2)).pk
    # The reader's socket now follows the target: a new reply there reaches it.
    reply = await in_db(make_post, moderator, target, body="Bienvenue dans ce fil")
    pushed = await receive_type(reader, "post", skip=BELL)
    assert pushed["id"] == reply.pk
    await reader.disconnect()
    await watcher.disconnect()


async def test_an_outsider_reading_a_thread_merged_into_a_private_cop_learns_nothing(
    connect, outsider, moderator, thread, private_thread
):
    reader = await connect(outsider, thread_path(thread))
    await receive_type(reader, "hello")

    await in_db(services.merge_threads, moderator=moderator, source=thread, target=private_thread)

    # No frame with the private thread's title or address: the socket just closes.
    assert await receive_close(reader, skip=AMBIENT) == 4404
    await reader.disconnect()


async def test_split_removes_the_moved_posts_from_open_pages_without_saying_where(
    connect, member, moderator, thread, private_cop
):
    root = await in_db(make_post, member, thread, body="Début")
    child = await in_db(make_post, moderator, thread, parent=root, body="Suite")
    reader = await connect(member, thread_path(thread))
    await receive_type(reader, "hello")

    await in_db(
        services.split_thread,
        moderator=moderator,
        post=root,
        title="Ailleurs",
        community=private_cop,
    )

    frame = await receive_type(reader, "thread", skip=BELL)
    assert frame == {"type": "thread", "event": "split", "removed": [root.pk, child.pk]}
    await reader.disconnect()


async def test_close_with_note_and_slow_mode_reach_open_pages(connect, member, moderator, thread):
    reader = await connect(member, thread_path(thread))
    await receive_type(reader, "hello")

    await in_db(services.set_thread_slow_mode, moderator=moderator, thread=thread, seconds=90)
    slow = await receive_type(reader, "thread", skip=BELL)
    assert (slow["event"], slow["slow_mode"]) == ("slow_mode", 90)

    await in_db(services.close_thread, moderator=moderator, thread=thread, note="Sujet clos")
    closed = await receive_type(reader, "thread", skip=BELL)
    assert (closed["event"], closed["locked"], closed["note"]) == ("locked", True, "Sujet clos")
    await assert_no_frame(reader)
    await reader.disconnect()
