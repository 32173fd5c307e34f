"""
The live thread socket, /ws/threads/<thread_id>/ (docs/realtime-protocol.md, "Threads").

Each post is drawn once per audience (reader, member, moderator) and language
by the receivers; these tests check that every socket gets its own variant.
"""

import pytest
from django.db import transaction

from forum import services
from forum.models import Membership, Post, Thread, User

from ..factories import make_membership, make_user
from .wire import (
    AMBIENT,
    assert_no_frame,
    in_db,
    ping_pong,
    receive_any,
    receive_close,
    receive_frames,
    receive_type,
)

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Le numéro de Mariam est le 76 00 00 00"
# Member is the author of ``thread``: replies to it also ring her bell.
BELL = AMBIENT | {"notifications"}


def thread_path(thread, after=None) -> str:
    path = f"/ws/threads/{thread.pk}/"
    return path if after is None else f"{path}?after={after}"


async def reply(author, thread, body: str, parent=None) -> Post:
    return await in_db(services.create_post, author=author, thread=thread, parent=parent, body=body)


async def test_member_hello_gives_the_last_post_number_and_rights(connect, member, thread):
    await reply(member, thread, "Une première réponse")
    socket = await connect(member, thread_path(thread))

    hello = await receive_type(socket, "hello", skip=())

    assert hello == {
        "type": "hello",
        "topic": f"thread.{thread.pk}",
        "user": {"id": member.pk, "name": "Awa Traoré"},
        "can_post": True,
        "can_moderate": False,
        "last_seq": 2,
        "unread": 0,
        "heartbeat": 25,
    }
    await socket.disconnect()


async def test_reply_by_another_member_arrives_as_post_frame_with_its_article(
    connect, member, colleague, thread
):
    socket = await connect(member, thread_path(thread))
    await receive_type(socket, "hello")

    post = await reply(colleague, thread, "Voici notre expérience à Kati.")
    frame = await receive_type(socket, "post", skip=BELL)

    assert frame["event"] == "created"
    assert (frame["id"], frame["seq"], frame["path"]) == (post.pk, 2, post.path)
    assert frame["parent"] == post.parent_id
    assert f'id="post-{post.pk}"' in frame["html"]
    assert f'data-path="{post.path}"' in frame["html"]
    assert 'data-seq="2"' in frame["html"]
    assert "Voici notre expérience à Kati." in frame["html"]
    # Links only the author may use are marked for the client to reveal.
    assert f'data-owner="{colleague.pk}" hidden' in frame["html"]
    assert "csrfmiddlewaretoken" not in frame["html"]
    await socket.disconnect()


async def test_nested_reply_frame_carries_its_parent_and_depth_first_path(
    connect, member, colleague, thread
):
    first = await reply(member, thread, "Première réponse")
    socket = await connect(member, thread_path(thread, after=2))
    await receive_type(socket, "hello")

    nested = await reply(colleague, thread, "Réponse à la première", parent=first)
    frame = await receive_type(socket, "post", skip=BELL)

    assert (frame["id"], frame["parent"]) == (nested.pk, first.pk)
    assert frame["path"].startswith(first.path)
    assert frame["path"] > first.path
    await socket.disconnect()


async def test_each_audience_gets_its_own_variant_of_a_post(
    connect, member, moderator, colleague, visitor, thread
):
    reader = await connect(visitor, thread_path(thread))
    writer = await connect(colleague, thread_path(thread))
    moderating = await connect(moderator, thread_path(thread))
    for socket in (reader, writer, moderating):
        await receive_type(socket, "hello")

    await reply(member, thread, "Bonjour à toutes")
    frames = [await receive_type(socket, "post") for socket in (reader, writer, moderating)]

    assert ["Répondre" in frame["html"] for frame in frames] == [False, True, True]
    assert ["Masquer" in frame["html"] for frame in frames] == [False, False, True]
    for socket in (reader, writer, moderating):
        await socket.disconnect()


async def test_post_is_drawn_in_the_readers_language(connect, member, colleague, thread):
    await in_db(lambda: User.objects.filter(pk=colleague.pk).update(preferred_language="en"))
    french = await connect(member, thread_path(thread))
    english = await connect(colleague, thread_path(thread))
    await receive_type(french, "hello")
    await receive_type(english, "hello")

    await reply(member, thread, "Bonjour")

    assert ">Répondre<" in (await receive_type(french, "post"))["html"]
    assert ">Reply<" in (await receive_type(english, "post"))["html"]
    await french.disconnect()
    await english.disconnect()


async def test_hidden_post_body_reaches_moderators_only(
    connect, member, moderator, colleague, anonymous, thread
):
    post = await reply(colleague, thread, SECRET)
    reader = await connect(anonymous, thread_path(thread, after=2))
    writer = await connect(member, thread_path(thread, after=2))
    moderating = await connect(moderator, thread_path(thread, after=2))
    for socket in (reader, writer, moderating):
        await receive_type(socket, "hello")

    await in_db(services.hide_post, moderator=moderator, post=post, reason="Données personnelles")
    frames = [await receive_type(socket, "post") for socket in (reader, writer, moderating)]

    assert [frame["event"] for frame in frames] == ["hidden"] * 3
    assert [frame["id"] for frame in frames] == [post.pk] * 3
    assert SECRET not in frames[0]["html"]
    assert SECRET not in frames[1]["html"]
    assert "Message masqué par la modération." in frames[1]["html"]
    assert SECRET in frames[2]["html"]
    assert "Données personnelles" in frames[2]["html"]
    assert "csrfmiddlewaretoken" not in frames[2]["html"]
    for socket in (reader, writer, moderating):
        await socket.disconnect()


async def test_deleted_post_frame_carries_no_text(connect, member, colleague, thread):
    post = await reply(colleague, thread, SECRET)
    socket = await connect(member, thread_path(thread, after=2))
    await receive_type(socket, "hello")

    await in_db(services.delete_post, user=colleague, post=post)
    frame = await receive_type(socket, "post")

    assert frame["event"] == "deleted"
    assert SECRET not in frame["html"]
    await socket.disconnect()


async def test_edit_arrives_as_edited_post_frame(connect, member, colleague, thread):
    post = await reply(colleague, thread, "Première version")
    socket = await connect(member, thread_path(thread, after=2))
    await receive_type(socket, "hello")

    await in_db(services.edit_post, editor=colleague, post=post, body="Seconde version")
    frame = await receive_type(socket, "post")

    assert (frame["event"], frame["id"]) == ("edited", post.pk)
    assert "Seconde version" in frame["html"]
    assert "Première version" not in frame["html"]
    await socket.disconnect()


async def test_lock_sends_thread_frame_with_locked_true(connect, member, moderator, thread):
    socket = await connect(member, thread_path(thread))
    await receive_type(socket, "hello")

    await in_db(services.set_thread_locked, moderator=moderator, thread=thread, locked=True)
    frame = await receive_type(socket, "thread", skip=BELL)

    assert frame["event"] == "locked"
    assert frame["locked"] is True
    assert frame["title"] == "Loi 052 : où en est-on ?"
    assert frame["url"] == thread.get_absolute_url()
    # Still live: a moderator's reply in the locked thread arrives.
    await reply(moderator, thread, "Discussion close, merci à toutes.")
    assert (await receive_type(socket, "post", skip=BELL))["event"] == "created"
    await socket.disconnect()


async def test_reply_drawn_after_lock_offers_no_reply_link_to_members(
    connect, member, moderator, thread
):
    socket = await connect(member, thread_path(thread))
    await receive_type(socket, "hello")

    await in_db(services.set_thread_locked, moderator=moderator, thread=thread, locked=True)
    await receive_type(socket, "thread", skip=BELL)
    await reply(moderator, thread, "Discussion close.")

    assert ">Répondre<" not in (await receive_type(socket, "post", skip=BELL))["html"]
    await socket.disconnect()


async def test_moving_public_thread_to_private_cop_closes_outsider_socket_4404(
    connect, member, moderator, outsider, thread, private_cop
):
    reader = await connect(outsider, thread_path(thread))
    writer = await connect(member, thread_path(thread))
    await receive_type(reader, "hello")
    await receive_type(writer, "hello")

    await in_db(services.move_thread, moderator=moderator, thread=thread, target=private_cop)

    # The outsider is closed with no frame: a title would tell where it went.
    assert await receive_close(reader) == 4404
    # The member of both CoPs stays, gets the full frame, and keeps receiving the thread.
    moved = await receive_type(writer, "thread")
    assert moved["event"] == "moved" and moved["title"] == thread.title
    await reply(member, thread, "Suite dans la communauté privée")
    assert (await receive_type(writer, "post"))["event"] == "created"
    await assert_no_frame(reader, ignore=())
    await reader.disconnect()
    await writer.disconnect()


async def test_post_written_right_after_a_move_to_private_never_reaches_outsiders(
    connect, member, moderator, outsider, thread, private_cop
):
    reader = await connect(outsider, thread_path(thread))
    await receive_type(reader, "hello")

    def move_then_reply():
        services.move_thread(moderator=moderator, thread=thread, target=private_cop)
        services.create_post(author=member, thread=thread, parent=None, body=SECRET)

    # Both pushes are published before the outsider's socket handles the move.
    await in_db(move_then_reply)

    assert await receive_close(reader) == 4404
    await assert_no_frame(reader, ignore=())
    await reader.disconnect()


async def test_member_removed_from_private_cop_is_closed_4403_on_thread_socket(
    connect, member, moderator, private_cop, private_thread
):
    socket = await connect(member, thread_path(private_thread))
    await receive_type(socket, "hello")

    membership = await in_db(Membership.objects.get, user=member, community=private_cop)
    await in_db(services.remove_member, moderator=moderator, membership=membership)

    # The bell may be recounted first (notifications about the CoP no longer count).
    assert await receive_close(socket, skip=BELL) == 4403
    await socket.disconnect()


async def test_after_replays_the_posts_created_since_in_order(
    connect, member, colleague, moderator, thread
):
    first = await reply(colleague, thread, "Première réponse")
    second = await reply(moderator, thread, "Deuxième réponse", parent=first)

    socket = await connect(member, thread_path(thread, after=1))
    hello = await receive_type(socket, "hello", skip=())
    frames = await receive_frames(socket, 2, "post")

    assert hello["last_seq"] == 3
    assert [(frame["id"], frame["seq"], frame["event"]) for frame in frames] == [
        (first.pk, 2, "created"),
        (second.pk, 3, "created"),
    ]
    assert [frame["path"] for frame in frames] == [first.path, second.path]
    assert "Deuxième réponse" in frames[1]["html"]
    assert (await receive_type(socket, "readers", skip=()))["count"] == 1
    await assert_no_frame(socket, ignore=BELL)

    # Then live, with nothing twice.
    third = await reply(colleague, thread, "Troisième réponse")
    assert (await receive_type(socket, "post", skip=BELL))["id"] == third.pk
    await assert_no_frame(socket, ignore=BELL)
    await socket.disconnect()


async def test_after_replay_draws_posts_for_the_readers_audience(
    connect, colleague, moderator, anonymous, thread
):
    post = await reply(colleague, thread, SECRET)
    await in_db(services.hide_post, moderator=moderator, post=post, reason="Données personnelles")

    reader = await connect(anonymous, thread_path(thread, after=1))
    moderating = await connect(moderator, thread_path(thread, after=1))

    assert SECRET not in (await receive_type(reader, "post", skip={"hello"}))["html"]
    assert SECRET in (await receive_type(moderating, "post", skip={"hello"}))["html"]
    await reader.disconnect()
    await moderating.disconnect()


async def test_readers_frame_counts_the_open_sockets(connect, member, colleague, anonymous, thread):
    sockets = [
        await connect(member, thread_path(thread)),
        await connect(colleague, thread_path(thread)),
        await connect(anonymous, thread_path(thread)),
    ]

    readers = await receive_type(sockets[0], "readers", skip={"hello"})
    while readers["count"] < 3:
        readers = await receive_type(sockets[0], "readers")
    assert readers == {"type": "readers", "count": 3}

    await sockets[2].disconnect()
    readers = await receive_type(sockets[0], "readers")
    while readers["count"] != 2:
        readers = await receive_type(sockets[0], "readers")
    assert readers == {"type": "readers", "count": 2}
    for socket in sockets:
        await socket.disconnect()


async def test_typing_in_thread_is_relayed_to_other_readers(
    connect, member, colleague, anonymous, thread
):
    writer = await connect(member, thread_path(thread))
    reader = await connect(anonymous, thread_path(thread))
    await receive_type(writer, "hello")
    await receive_type(reader, "hello")

    await writer.send_json_to({"type": "typing"})

    assert (await receive_type(reader, "typing"))["user"] == {"id": member.pk, "name": "Awa Traoré"}
    await assert_no_frame(writer)
    await writer.disconnect()
    await reader.disconnect()


async def test_visitor_cannot_signal_typing_in_thread(connect, visitor, thread):
    socket = await connect(visitor, thread_path(thread))
    await receive_type(socket, "hello")

    await socket.send_json_to({"type": "typing"})

    assert (await receive_type(socket, "error"))["code"] == "forbidden"
    await ping_pong(socket)
    await socket.disconnect()


@pytest.mark.parametrize("kind", ["send", "edit", "delete"])
async def test_room_frames_are_unknown_on_a_thread_socket(connect, member, thread, kind):
    socket = await connect(member, thread_path(thread))
    await receive_type(socket, "hello")

    await socket.send_json_to({"type": kind, "key": "abcdefgh", "id": 1, "body": "Bonjour"})

    assert (await receive_type(socket, "error"))["code"] == "unknown_type"
    await ping_pong(socket)
    await socket.disconnect()


async def test_visitor_socket_to_private_thread_closes_4404_before_any_frame(
    connect, visitor, private_thread
):
    socket = await connect(visitor, thread_path(private_thread))

    assert socket.accepted
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    await socket.disconnect()


async def test_posts_of_a_private_thread_never_reach_public_thread_sockets(
    connect, member, colleague, thread, private_thread
):
    public = await connect(colleague, thread_path(thread))
    await receive_type(public, "hello")

    await reply(member, private_thread, SECRET)

    await assert_no_frame(public)
    await public.disconnect()


@pytest.mark.parametrize("path", ["/ws/threads/{pk}/?after=x", "/ws/threads/x/"])
async def test_malformed_thread_url_closes_4400(connect, member, thread, path):
    socket = await connect(member, path.format(pk=thread.pk))

    assert await socket.receive_output() == {"type": "websocket.close", "code": 4400}
    await socket.disconnect()


async def test_unknown_thread_closes_4404(connect, member, thread):
    socket = await connect(member, thread_path(Thread(pk=thread.pk + 1000)))

    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    await socket.disconnect()


async def test_thread_socket_carries_the_bell(connect, member, moderator, thread):
    socket = await connect(member, thread_path(thread))
    await receive_type(socket, "hello")

    post = await reply(moderator, thread, "Réponse à Awa")

    frames = [await receive_any(socket, {"post", "notifications"}) for _ in range(2)]
    assert {frame["type"] for frame in frames} == {"post", "notifications"}
    assert {"type": "notifications", "unread": 1} in frames
    assert post.pk in [frame.get("id") for frame in frames]
    await socket.disconnect()


async def test_unlock_after_lock_keeps_the_socket_subscribed(connect, member, moderator, thread):
    socket = await connect(member, thread_path(thread))
    await receive_type(socket, "hello")

    def lock_and_unlock():
        with transaction.atomic():
            services.set_thread_locked(moderator=moderator, thread=thread, locked=True)
        services.set_thread_locked(moderator=moderator, thread=thread, locked=False)

    await in_db(lock_and_unlock)
    events = [(await receive_type(socket, "thread", skip=BELL))["event"] for _ in range(2)]
    await reply(moderator, thread, "Rouvert")

    assert events == ["locked", "unlocked"]
    assert (await receive_type(socket, "post", skip=BELL))["event"] == "created"
    await socket.disconnect()


async def test_moved_frame_into_private_cop_carries_no_title_to_a_member_of_the_old_cop_only(
    connect, moderator, thread, public_cop, private_cop
):
    """A member of the CoP the thread left, not of the private one, learns nothing of it."""

    def public_member():
        user = make_user(username="oumou", display_name="Oumou Sangaré")
        make_membership(user, public_cop, Membership.Role.MEMBER)
        return user

    socket = await connect(await in_db(public_member), thread_path(thread))
    await receive_type(socket, "hello")

    await in_db(services.move_thread, moderator=moderator, thread=thread, target=private_cop)

    assert await receive_close(socket, skip=BELL) == 4404
    await socket.disconnect()
