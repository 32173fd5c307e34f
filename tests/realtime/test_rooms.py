"""
The chat room socket, /ws/rooms/<room_id>/ (docs/realtime-protocol.md, "Rooms").

Writes made outside a socket go through forum.services, as the HTTP fallback
does; what a socket sends is checked against the database afterwards.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from forum import events, services
from forum.models import Membership
from realtime import consumers, receivers
from rooms import services as room_services
from rooms.models import Message

from .wire import (
    AMBIENT,
    assert_no_frame,
    in_db,
    ping_pong,
    receive_close,
    receive_frames,
    receive_type,
)

pytestmark = pytest.mark.django_db(transaction=True)

BELL = AMBIENT | {"notifications"}


def room_path(room, after=None) -> str:
    path = f"/ws/rooms/{room.pk}/"
    return path if after is None else f"{path}?after={after}"


def send_frame(key: str, body: str) -> dict:
    return {"type": "send", "key": key, "body": body}


async def say(author, room, body: str) -> Message:
    message, _created = await in_db(room_services.send_message, author=author, room=room, body=body)
    return message


async def count_messages(**filters) -> int:
    return await in_db(lambda: Message.objects.filter(**filters).count())


# Opening a socket ---------------------------------------------------------------------------


async def test_member_hello_describes_room_reader_rights_and_heartbeat(connect, member, salon):
    await say(member, salon, "Bonjour à toutes")
    socket = await connect(member, room_path(salon))

    hello = await receive_type(socket, "hello")

    assert hello == {
        "type": "hello",
        "topic": f"room.{salon.pk}",
        "user": {"id": member.pk, "name": "Awa Traoré"},
        "member": True,
        "can_post": True,
        "can_moderate": False,
        "last_seq": 1,
        "unread": 0,
        "heartbeat": 25,
        "room": {
            "id": salon.pk,
            "closed": False,
            "slow_mode": 0,
            "opens_at": None,
            "closes_at": None,
            "pinned": None,
            "me": {"muted": None},
        },
    }
    await socket.disconnect()


async def test_moderator_hello_says_can_moderate(connect, moderator, salon):
    socket = await connect(moderator, room_path(salon))

    hello = await receive_type(socket, "hello")

    assert hello["can_post"] is True
    assert hello["can_moderate"] is True
    await socket.disconnect()


async def test_staff_without_membership_may_open_and_moderate_private_room(
    connect, staff, private_salon
):
    socket = await connect(staff, room_path(private_salon))

    hello = await receive_type(socket, "hello")

    assert hello["topic"] == f"room.{private_salon.pk}"
    assert hello["can_moderate"] is True
    await socket.disconnect()


async def test_join_sends_hello_then_last_50_messages_in_seq_order_then_presence(
    connect, member, colleague, salon, no_chat_rate
):
    def fill():
        for number in range(1, 61):
            room_services.send_message(author=member, room=salon, body=f"Message {number}")

    await in_db(fill)
    socket = await connect(colleague, room_path(salon))

    hello = await receive_type(socket, "hello", skip=())
    history = await receive_frames(socket, 50, "message")
    presence = await receive_type(socket, "presence", skip=())

    assert hello["last_seq"] == 60
    assert [frame["seq"] for frame in history] == list(range(11, 61))
    assert history[0]["message"]["html"] == "Message 11"
    assert history[-1]["message"]["html"] == "Message 60"
    assert history[-1]["message"]["author"] == {"id": member.pk, "name": "Awa Traoré"}
    assert presence["users"] == [{"id": colleague.pk, "name": "Kadidia Keita"}]
    await assert_no_frame(socket)
    await socket.disconnect()


async def test_outsider_socket_to_private_room_closes_4404_before_any_frame(
    connect, member, visitor, private_salon
):
    await say(member, private_salon, "Adresse du refuge : rue 12")
    socket = await connect(visitor, room_path(private_salon))

    assert socket.accepted  # accepted, so that the browser learns the code
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    await socket.disconnect()


async def test_socket_to_unknown_room_closes_4404_before_any_frame(connect, member, salon):
    socket = await connect(member, f"/ws/rooms/{salon.pk + 1000}/")

    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    await socket.disconnect()


@pytest.mark.parametrize(
    "path", ["/ws/rooms/{pk}/?after=abc", "/ws/rooms/{pk}/?after=-1", "/ws/rooms/abc/"]
)
async def test_malformed_url_closes_4400_before_any_frame(connect, member, salon, path):
    socket = await connect(member, path.format(pk=salon.pk))

    assert await socket.receive_output() == {"type": "websocket.close", "code": 4400}
    await socket.disconnect()


# Sending ------------------------------------------------------------------------------------


async def test_send_is_acked_to_sender_and_broadcast_to_another_member(
    connect, member, colleague, salon
):
    sender = await connect(member, room_path(salon))
    watcher = await connect(colleague, room_path(salon))
    await receive_type(sender, "hello")
    await receive_type(watcher, "hello")

    await sender.send_json_to(
        send_frame("k-0001-bonjour", "Réunion à 10h, voir https://example.org")
    )
    ack = await receive_type(sender, "ack")
    seen = await receive_type(watcher, "message")

    message = await in_db(Message.objects.get, client_key="k-0001-bonjour")
    assert ack == {
        "type": "ack",
        "action": "send",
        "key": "k-0001-bonjour",
        "id": message.pk,
        "seq": 1,
    }
    assert seen["seq"] == 1
    assert seen["message"]["id"] == message.pk
    assert seen["message"]["room"] == salon.pk
    assert seen["message"]["author"] == {"id": member.pk, "name": "Awa Traoré"}
    assert seen["message"]["html"].startswith('Réunion à 10h, voir <a href="https://example.org"')
    assert seen["message"]["deleted"] is False
    assert seen["message"]["edited_at"] is None
    # The sender's own copy of the broadcast comes too (after or before the ack).
    assert (await receive_type(sender, "message"))["seq"] == 1
    await sender.disconnect()
    await watcher.disconnect()


async def test_chat_text_is_escaped_not_rendered(connect, member, colleague, salon):
    sender = await connect(member, room_path(salon))
    watcher = await connect(colleague, room_path(salon))
    await receive_type(watcher, "hello")

    await sender.send_json_to(send_frame("k-escape-01", "<script>alert(1)</script> **gras**"))
    seen = await receive_type(watcher, "message")

    assert seen["message"]["html"] == "&lt;script&gt;alert(1)&lt;/script&gt; **gras**"
    assert seen["message"]["body"] == "<script>alert(1)</script> **gras**"  # drawn as text
    await sender.disconnect()
    await watcher.disconnect()


async def test_resent_key_gets_the_same_ack_and_makes_one_message(
    connect, member, colleague, salon
):
    sender = await connect(member, room_path(salon))
    watcher = await connect(colleague, room_path(salon))
    await receive_type(sender, "hello")
    await receive_type(watcher, "hello")

    await sender.send_json_to(send_frame("retry-key-42", "Une seule fois"))
    first = await receive_type(sender, "ack", skip={"presence", "message"})
    await sender.send_json_to(send_frame("retry-key-42", "Une seule fois"))
    second = await receive_type(sender, "ack", skip={"presence", "message"})

    assert first == second
    assert await count_messages(client_key="retry-key-42") == 1
    assert (await receive_type(watcher, "message"))["seq"] == first["seq"]
    await assert_no_frame(watcher)  # one message, broadcast once
    await sender.disconnect()
    await watcher.disconnect()


async def test_resent_key_on_a_new_socket_gets_the_original_ack(connect, member, salon):
    first_socket = await connect(member, room_path(salon))
    await first_socket.send_json_to(send_frame("k-dropped-1", "Envoyé juste avant la coupure"))
    first = await receive_type(first_socket, "ack", skip={"hello", "presence", "message"})
    await first_socket.disconnect()

    second_socket = await connect(member, room_path(salon, after=0))
    await second_socket.send_json_to(send_frame("k-dropped-1", "Envoyé juste avant la coupure"))
    second = await receive_type(second_socket, "ack", skip={"hello", "presence", "message"})

    assert second == first
    assert await count_messages(author=member) == 1
    await second_socket.disconnect()


async def test_sixth_message_within_ten_seconds_is_rate_limited_and_not_saved(
    connect, member, salon
):
    socket = await connect(member, room_path(salon))
    await receive_type(socket, "hello")

    for number in range(5):
        await socket.send_json_to(send_frame(f"rate-key-{number}", f"Message {number}"))
        await receive_type(socket, "ack", skip={"presence", "message"})
    await socket.send_json_to(send_frame("rate-key-5", "Un de trop"))
    error = await receive_type(socket, "error", skip={"presence", "message"})

    assert error["code"] == "rate_limited"
    assert error["key"] == "rate-key-5"
    assert error["message"]
    assert await count_messages(author=member) == 5
    await socket.disconnect()


@pytest.mark.parametrize(
    "body",
    ["x" * 2001, "", "   \n\t ", "\x00\x07\x1b"],
    ids=["2001-characters", "empty", "blank", "control-characters-only"],
)
async def test_refused_body_is_invalid_and_not_saved(connect, member, salon, body):
    socket = await connect(member, room_path(salon))
    await receive_type(socket, "hello")

    await socket.send_json_to(send_frame("k-invalid-1", body))
    error = await receive_type(socket, "error")

    assert error["code"] == "invalid"
    assert error["key"] == "k-invalid-1"
    assert await count_messages() == 0
    await ping_pong(socket)
    await socket.disconnect()


async def test_2000_characters_is_accepted(connect, member, salon):
    socket = await connect(member, room_path(salon))

    await socket.send_json_to(send_frame("k-longest-1", "é" * 2000))

    assert (await receive_type(socket, "ack", skip={"hello", "presence", "message"}))["seq"] == 1
    await socket.disconnect()


# Editing and deleting -----------------------------------------------------------------------


async def test_author_edits_own_message_and_members_see_the_current_text(
    connect, member, colleague, salon
):
    message = await say(member, salon, "Rendez-vous à 10h")
    author = await connect(member, room_path(salon))
    watcher = await connect(colleague, room_path(salon))
    await receive_type(author, "message", skip={"hello", "presence"})
    await receive_type(watcher, "message", skip={"hello", "presence"})

    await author.send_json_to({"type": "edit", "id": message.pk, "body": "Rendez-vous à 11h"})
    ack = await receive_type(author, "ack")
    seen = await receive_type(watcher, "message")

    assert ack == {"type": "ack", "action": "edit", "id": message.pk}
    assert seen["seq"] == 2
    assert seen["message"]["id"] == message.pk
    assert seen["message"]["html"] == "Rendez-vous à 11h"
    assert seen["message"]["body"] == "Rendez-vous à 11h"
    assert seen["message"]["edited_at"] is not None
    assert (await receive_type(author, "message"))["seq"] == 2
    saved = await in_db(Message.objects.get, pk=message.pk)
    assert saved.body == "Rendez-vous à 11h"
    await author.disconnect()
    await watcher.disconnect()


async def test_edit_after_15_minutes_is_refused_with_edit_window_closed(
    connect, member, colleague, salon
):
    message = await say(member, salon, "Rendez-vous à 10h")
    sixteen_minutes_ago = timezone.now() - timedelta(minutes=16)
    await in_db(
        lambda: Message.objects.filter(pk=message.pk).update(created_at=sixteen_minutes_ago)
    )
    author = await connect(member, room_path(salon, after=1))
    watcher = await connect(colleague, room_path(salon, after=1))
    await receive_type(author, "hello")
    await receive_type(watcher, "hello")

    await author.send_json_to({"type": "edit", "id": message.pk, "body": "Rendez-vous à 11h"})
    error = await receive_type(author, "error")

    assert error["code"] == "edit_window_closed"
    assert error["ref"] == message.pk
    assert (await in_db(Message.objects.get, pk=message.pk)).body == "Rendez-vous à 10h"
    await assert_no_frame(watcher)
    await author.disconnect()
    await watcher.disconnect()


async def test_editing_someone_elses_message_is_forbidden(connect, member, colleague, salon):
    message = await say(colleague, salon, "Mon message")
    socket = await connect(member, room_path(salon, after=1))
    await receive_type(socket, "hello")

    await socket.send_json_to({"type": "edit", "id": message.pk, "body": "Réécrit par une autre"})
    error = await receive_type(socket, "error")

    assert error["code"] == "forbidden"
    assert error["ref"] == message.pk
    assert (await in_db(Message.objects.get, pk=message.pk)).body == "Mon message"
    await assert_no_frame(socket)
    await socket.disconnect()


async def test_author_deletes_own_message(connect, member, colleague, salon):
    message = await say(member, salon, "Publié par erreur")
    author = await connect(member, room_path(salon, after=1))
    watcher = await connect(colleague, room_path(salon, after=1))
    await receive_type(author, "hello")
    await receive_type(watcher, "hello")

    await author.send_json_to({"type": "delete", "id": message.pk})
    seen = await receive_type(watcher, "message")

    assert seen["seq"] == 2
    assert seen["message"]["id"] == message.pk
    assert seen["message"]["deleted"] is True
    assert seen["message"]["deleted_by_moderator"] is False
    assert (seen["message"]["html"], seen["message"]["body"]) == ("", "")
    saved = await in_db(Message.objects.get, pk=message.pk)
    assert saved.body == ""
    assert saved.deleted_at is not None
    await author.disconnect()
    await watcher.disconnect()


async def test_moderator_deletes_anothers_message_marked_deleted_by_moderator(
    connect, member, moderator, colleague, salon
):
    message = await say(colleague, salon, "Propos injurieux")
    socket = await connect(moderator, room_path(salon, after=1))
    watcher = await connect(member, room_path(salon, after=1))
    await receive_type(socket, "hello")
    await receive_type(watcher, "hello")

    await socket.send_json_to({"type": "delete", "id": message.pk})
    seen = await receive_type(watcher, "message")

    assert seen["message"]["deleted"] is True
    assert seen["message"]["deleted_by_moderator"] is True
    assert seen["message"]["html"] == ""
    await socket.disconnect()
    await watcher.disconnect()


async def test_member_cannot_delete_anothers_message(connect, member, colleague, salon):
    message = await say(colleague, salon, "Mon message")
    socket = await connect(member, room_path(salon, after=1))
    await receive_type(socket, "hello")

    await socket.send_json_to({"type": "delete", "id": message.pk})
    error = await receive_type(socket, "error")

    assert error["code"] == "forbidden"
    assert error["ref"] == message.pk
    assert (await in_db(Message.objects.get, pk=message.pk)).deleted_at is None
    await assert_no_frame(socket)
    await socket.disconnect()


@pytest.mark.parametrize("kind", ["edit", "delete"])
async def test_edit_or_delete_of_a_message_of_another_room_is_not_found(
    connect, member, salon, private_salon, kind
):
    elsewhere = await say(member, private_salon, "Dans le salon privé")
    socket = await connect(member, room_path(salon))
    await receive_type(socket, "hello")

    await socket.send_json_to({"type": kind, "id": elsewhere.pk, "body": "Changé"})
    error = await receive_type(socket, "error")

    assert error["code"] == "not_found"
    assert error["ref"] == elsewhere.pk
    saved = await in_db(Message.objects.get, pk=elsewhere.pk)
    assert (saved.body, saved.deleted_at) == ("Dans le salon privé", None)
    await socket.disconnect()


# Readers who may not write --------------------------------------------------------------------


async def test_non_member_reads_public_room_but_send_is_forbidden(connect, member, salon, visitor):
    await say(member, salon, "Bienvenue dans le salon")
    socket = await connect(visitor, room_path(salon))

    hello = await receive_type(socket, "hello")
    history = await receive_type(socket, "message")
    await socket.send_json_to(send_frame("k-reader-01", "Puis-je écrire ?"))
    error = await receive_type(socket, "error")

    assert hello["can_post"] is False
    assert hello["can_moderate"] is False
    if not visitor.is_authenticated:
        assert (hello["user"], hello["unread"]) == (None, None)
    assert history["message"]["html"] == "Bienvenue dans le salon"
    assert error["code"] == "forbidden"
    assert error["key"] == "k-reader-01"
    assert await count_messages() == 1
    await ping_pong(socket)
    await socket.disconnect()


async def test_non_member_cannot_signal_typing(connect, member, salon, visitor):
    watcher = await connect(member, room_path(salon))
    await receive_type(watcher, "hello")
    socket = await connect(visitor, room_path(salon))
    await receive_type(socket, "hello")

    await socket.send_json_to({"type": "typing"})

    assert (await receive_type(socket, "error"))["code"] == "forbidden"
    await assert_no_frame(watcher)
    await socket.disconnect()
    await watcher.disconnect()


# Fan-out and exclusion --------------------------------------------------------------------------


async def test_messages_of_one_room_never_reach_another_rooms_sockets(
    connect, member, colleague, salon, private_salon
):
    here = await connect(colleague, room_path(salon))
    elsewhere = await connect(colleague, room_path(private_salon))
    await receive_type(here, "hello")
    await receive_type(elsewhere, "hello")

    await say(member, salon, "Seulement dans le salon public")

    assert (await receive_type(here, "message"))["message"]["html"] == (
        "Seulement dans le salon public"
    )
    await assert_no_frame(elsewhere)
    await here.disconnect()
    await elsewhere.disconnect()


async def test_typing_is_relayed_to_the_other_members_not_the_sender(
    connect, member, colleague, salon
):
    writer = await connect(member, room_path(salon))
    watcher = await connect(colleague, room_path(salon))
    await receive_type(writer, "hello")
    await receive_type(watcher, "hello")

    await writer.send_json_to({"type": "typing"})

    assert await receive_type(watcher, "typing") == {
        "type": "typing",
        "user": {"id": member.pk, "name": "Awa Traoré"},
    }
    await assert_no_frame(writer)
    await writer.disconnect()
    await watcher.disconnect()


async def test_typing_is_relayed_at_most_once_per_3_seconds(connect, member, colleague, salon):
    writer = await connect(member, room_path(salon))
    watcher = await connect(colleague, room_path(salon))
    await receive_type(writer, "hello")
    await receive_type(watcher, "hello")

    for _ in range(3):
        await writer.send_json_to({"type": "typing"})

    await receive_type(watcher, "typing")
    await assert_no_frame(watcher)
    await writer.disconnect()
    await watcher.disconnect()


async def test_presence_lists_signed_in_people_once_each_and_counts_anonymous(
    connect, member, colleague, anonymous, salon
):
    sockets = [
        await connect(member, room_path(salon)),
        await connect(member, room_path(salon)),  # a second tab
        await connect(colleague, room_path(salon)),
        await connect(anonymous, room_path(salon)),
    ]
    watcher = sockets[-1]

    # Announced about a second after the joins, once for all of them.
    presence = await receive_type(watcher, "presence", skip={"hello"})
    while presence["count"] < 3:
        presence = await receive_type(watcher, "presence")

    assert presence == {
        "type": "presence",
        "count": 3,
        "anonymous": 1,
        "users": [
            {"id": member.pk, "name": "Awa Traoré"},
            {"id": colleague.pk, "name": "Kadidia Keita"},
        ],
    }
    await sockets[2].disconnect()
    presence = await receive_type(watcher, "presence")
    while presence["count"] != 2:  # an announcement made before the departure may come first
        presence = await receive_type(watcher, "presence")
    assert presence["users"] == [{"id": member.pk, "name": "Awa Traoré"}]
    for socket in sockets:
        await socket.disconnect()


# Reconnecting -------------------------------------------------------------------------------


async def test_reconnect_with_after_sends_exactly_the_missed_changes_in_seq_order(
    connect, member, colleague, moderator, salon
):
    socket = await connect(member, room_path(salon))
    first = await say(colleague, salon, "Premier")
    seen = await receive_type(socket, "message", skip={"hello", "presence"})
    assert seen["seq"] == 1
    await socket.disconnect()

    # While away: two messages, an edit of one of them and a deletion.
    second = await say(colleague, salon, "Deuxième")  # seq 2
    third = await say(colleague, salon, "Troisième")  # seq 3
    await in_db(
        room_services.edit_message, editor=colleague, message=second, body="Deuxième, corrigé"
    )
    await in_db(room_services.delete_message, user=moderator, message=first)  # seq 5

    socket = await connect(member, room_path(salon, after=seen["seq"]))
    hello = await receive_type(socket, "hello", skip=())
    missed = await receive_frames(socket, 3, "message")

    assert hello["last_seq"] == 5
    assert [(frame["seq"], frame["message"]["id"]) for frame in missed] == [
        (3, third.pk),
        (4, second.pk),
        (5, first.pk),
    ]
    # Each message once, in its current state.
    assert missed[1]["message"]["html"] == "Deuxième, corrigé"
    assert missed[1]["message"]["edited_at"] is not None
    assert missed[2]["message"]["deleted_by_moderator"] is True
    await assert_no_frame(socket)

    # The live stream goes on from there, with nothing twice.
    await say(colleague, salon, "Quatrième")
    assert (await receive_type(socket, "message"))["seq"] == 6
    await assert_no_frame(socket)
    await socket.disconnect()


async def test_reconnect_with_current_seq_sends_no_history(connect, member, colleague, salon):
    await say(colleague, salon, "Déjà vu")

    socket = await connect(member, room_path(salon, after=1))

    assert (await receive_type(socket, "hello", skip=()))["last_seq"] == 1
    await assert_no_frame(socket)
    await socket.disconnect()


async def test_after_ahead_of_the_room_still_gets_the_next_messages(
    connect, member, colleague, salon
):
    # A client can hold a seq the room never reached (a restored database).
    await say(colleague, salon, "Premier")
    socket = await connect(member, room_path(salon, after=999))

    assert (await receive_type(socket, "hello", skip=()))["last_seq"] == 1
    await say(colleague, salon, "Deuxième")
    assert (await receive_type(socket, "message"))["seq"] == 2
    await socket.disconnect()


async def test_live_change_that_overtakes_an_earlier_one_is_preceded_by_the_gap(
    connect, member, colleague, salon
):
    socket = await connect(member, room_path(salon))
    await receive_type(socket, "hello")
    first = await say(colleague, salon, "Premier")
    await receive_type(socket, "message")

    # Another process publishes seq 3 before this one's seq 2 gets through.
    def write_two_publish_last():
        written: list[events.Event] = []
        events.unsubscribe(receivers.dispatch)
        events.subscribe(written.append)
        try:
            room_services.send_message(author=colleague, room=salon, body="Deuxième")
            room_services.edit_message(editor=colleague, message=first, body="Premier, corrigé")
        finally:
            events.unsubscribe(written.append)
            events.subscribe(receivers.dispatch)
        assert [event.seq for event in written] == [2, 3]
        receivers.dispatch(written[-1])

    await in_db(write_two_publish_last)
    frames = await receive_frames(socket, 2, "message")

    assert [frame["seq"] for frame in frames] == [2, 3]
    assert frames[0]["message"]["html"] == "Deuxième"
    assert frames[1]["message"]["html"] == "Premier, corrigé"
    await assert_no_frame(socket)
    await socket.disconnect()


# Refused frames -------------------------------------------------------------------------------

BAD_FRAMES = [
    ("not-json", "{type: ping}", "bad_json"),
    ("json-array", '["ping"]', "bad_json"),
    ("json-string", '"ping"', "bad_json"),
    ("no-type", '{"body": "Bonjour"}', "unknown_type"),
    ("type-not-a-string", '{"type": 7}', "unknown_type"),
    ("unknown-type", '{"type": "shout"}', "unknown_type"),
    ("send-without-key", '{"type": "send", "body": "Bonjour"}', "bad_frame"),
    ("key-not-a-string", '{"type": "send", "key": 12345678, "body": "Bonjour"}', "bad_frame"),
    ("key-too-short", '{"type": "send", "key": "abc", "body": "Bonjour"}', "bad_frame"),
    ("key-too-long", '{"type": "send", "key": "' + "k" * 65 + '", "body": "Bonjour"}', "bad_frame"),
    (
        "key-bad-characters",
        '{"type": "send", "key": "clé avec espaces", "body": "Bonjour"}',
        "bad_frame",
    ),
    ("send-without-body", '{"type": "send", "key": "abcdefgh"}', "bad_frame"),
    ("body-not-a-string", '{"type": "send", "key": "abcdefgh", "body": ["Bonjour"]}', "bad_frame"),
    ("edit-id-string", '{"type": "edit", "id": "12", "body": "Bonjour"}', "bad_frame"),
    ("edit-id-bool", '{"type": "edit", "id": true, "body": "Bonjour"}', "bad_frame"),
    ("delete-id-bool", '{"type": "delete", "id": false}', "bad_frame"),
    ("delete-id-float", '{"type": "delete", "id": 1.5}', "bad_frame"),
    ("delete-id-negative", '{"type": "delete", "id": -3}', "bad_frame"),
    ("delete-without-id", '{"type": "delete"}', "bad_frame"),
    (
        "17-kb",
        '{"type": "send", "key": "abcdefgh", "body": "' + "x" * (17 * 1024) + '"}',
        "too_large",
    ),
    (
        "16-kb-of-characters-over-16-kb-of-utf8",
        '{"type": "send", "key": "abcdefgh", "body": "' + "é" * 9000 + '"}',
        "too_large",
    ),
]


@pytest.mark.parametrize(
    ("text", "code"), [case[1:] for case in BAD_FRAMES], ids=[case[0] for case in BAD_FRAMES]
)
async def test_bad_frame_gets_an_error_and_the_socket_keeps_working(
    connect, member, salon, text, code
):
    socket = await connect(member, room_path(salon))
    await receive_type(socket, "hello")

    await socket.send_to(text_data=text)
    error = await receive_type(socket, "error")

    assert error["code"] == code
    assert error["message"]
    await ping_pong(socket)
    assert await count_messages() == 0
    await socket.disconnect()


@pytest.mark.parametrize(
    ("key", "echo"),
    [
        ("abc", "abc"),
        ("clé avec espaces", None),
        ("\ud800", None),  # a lone surrogate could not even be written to the socket
        ("k" * 65, None),
        (12345678, None),
    ],
    ids=["short", "bad-characters", "lone-surrogate", "65-characters", "not-a-string"],
)
async def test_refused_key_is_echoed_only_in_the_keys_alphabet(connect, member, salon, key, echo):
    socket = await connect(member, room_path(salon))
    await receive_type(socket, "hello")

    await socket.send_json_to({"type": "send", "key": key, "body": "Bonjour"})
    error = await receive_type(socket, "error")

    assert error["code"] == "bad_frame"
    assert error.get("key") == echo
    await socket.disconnect()


async def test_binary_frame_gets_an_error_and_the_socket_keeps_working(connect, member, salon):
    socket = await connect(member, room_path(salon))
    await receive_type(socket, "hello")

    await socket.send_to(bytes_data=b'{"type": "ping"}')

    assert (await receive_type(socket, "error"))["code"] == "binary"
    await ping_pong(socket)
    await socket.disconnect()


async def test_flood_of_frames_is_rate_limited_then_the_socket_answers_again(
    connect, member, salon, monkeypatch
):
    now = [1000.0]
    monkeypatch.setattr(consumers, "time", SimpleNamespace(monotonic=lambda: now[0]))
    socket = await connect(member, room_path(salon))
    await receive_type(socket, "hello")

    for _ in range(40):
        await socket.send_json_to({"type": "ping"})
    answers = [
        frame["type"] if frame["type"] == "pong" else frame["code"]
        for frame in [await receive_type(socket, kind) for kind in ["pong"] * 30 + ["error"] * 10]
    ]

    assert answers == ["pong"] * 30 + ["rate_limited"] * 10
    now[0] += consumers.FLOOD_SECONDS + 1
    await ping_pong(socket)
    await socket.disconnect()


async def test_pings_are_answered(connect, anonymous, salon):
    socket = await connect(anonymous, room_path(salon))
    await receive_type(socket, "hello")

    for _ in range(3):
        await ping_pong(socket)
    await socket.disconnect()


# Access lost while connected --------------------------------------------------------------------


async def test_member_removed_from_private_cop_while_connected_is_closed_4403(
    connect, member, moderator, colleague, private_cop, private_salon
):
    socket = await connect(member, room_path(private_salon))
    await receive_type(socket, "hello")

    membership = await in_db(Membership.objects.get, user=member, community=private_cop)
    await in_db(services.remove_member, moderator=moderator, membership=membership)

    # The bell may be recounted first (notifications about the CoP no longer count).
    assert await receive_close(socket, skip=BELL) == 4403
    await say(colleague, private_salon, "Après son départ")
    await assert_no_frame(socket, ignore=())
    await socket.disconnect()


async def test_member_who_leaves_cop_is_closed_4403_and_others_stay(
    connect, member, colleague, public_cop, salon
):
    leaving = await connect(member, room_path(salon))
    staying = await connect(colleague, room_path(salon))
    await receive_type(leaving, "hello")
    await receive_type(staying, "hello")

    await in_db(services.leave_community, user=member, community=public_cop)

    assert await receive_close(leaving) == 4403
    await ping_pong(staying)
    await leaving.disconnect()
    await staying.disconnect()


async def test_member_promoted_to_moderator_may_delete_others_messages_without_reconnecting(
    connect, member, moderator, colleague, public_cop, salon
):
    message = await say(colleague, salon, "À supprimer")
    socket = await connect(member, room_path(salon, after=1))
    await receive_type(socket, "hello")

    membership = await in_db(Membership.objects.get, user=member, community=public_cop)
    await in_db(
        services.change_member_role,
        moderator=moderator,
        membership=membership,
        role=Membership.Role.MODERATOR,
    )
    # The socket hears of its new rights in a fresh hello, without reconnecting.
    hello = await receive_type(socket, "hello")
    assert hello["can_moderate"] is True
    await socket.send_json_to({"type": "delete", "id": message.pk})
    assert (await receive_type(socket, "ack"))["action"] == "delete"
    answer = await receive_type(socket, "message")
    assert answer["message"]["deleted_by_moderator"] is True
    await socket.disconnect()


async def test_deactivated_user_is_closed_4403_on_every_socket(
    connect, member, colleague, staff, salon, thread
):
    room = await connect(member, room_path(salon))
    page = await connect(member, f"/ws/threads/{thread.pk}/")
    bell = await connect(member, "/ws/notifications/")
    other = await connect(colleague, room_path(salon))
    for socket in (room, page, bell, other):
        await receive_type(socket, "hello")

    await in_db(services.deactivate_user, staff=staff, user=member)

    for socket in (room, page, bell):
        assert await receive_close(socket) == 4403
    await ping_pong(other)
    # What the banned account wrote before stays; nothing more reaches it.
    await say(colleague, salon, "Après le bannissement")
    await assert_no_frame(room, ignore=())
    for socket in (room, page, bell, other):
        await socket.disconnect()


# The bell on the room socket ----------------------------------------------------------------------


async def test_reply_to_members_post_updates_their_bell_on_the_room_socket(
    connect, member, moderator, colleague, salon, thread
):
    socket = await connect(member, room_path(salon))
    other = await connect(colleague, room_path(salon))
    await receive_type(socket, "hello")
    await receive_type(other, "hello")

    await in_db(
        services.create_post,
        author=moderator,
        thread=thread,
        parent=None,
        body="Merci Awa, voici la réponse du ministère.",
    )

    assert await receive_type(socket, "notifications") == {"type": "notifications", "unread": 1}
    await assert_no_frame(other)
    await socket.disconnect()
    await other.disconnect()
