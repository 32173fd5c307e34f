"""
Sanctions take effect live (issue 13): a banned member's sockets close, a muted
member's sockets are told they are read-only and the room refuses her writes,
a lifted mute gives the floor back.
"""

import pytest

from forum import services

from .test_rooms import BELL, room_path, send_frame
from .wire import in_db, receive_close, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


async def test_mute_makes_room_and_thread_sockets_read_only_and_refuses_a_write(
    connect, member, moderator, salon, thread
):
    room = await connect(member, room_path(salon))
    page = await connect(member, f"/ws/threads/{thread.pk}/")
    assert (await receive_type(room, "hello"))["can_post"] is True
    assert (await receive_type(page, "hello"))["can_post"] is True

    await in_db(
        services.sanction_member,
        moderator=moderator,
        community=salon.community,
        user=member,
        kind="mute",
        duration="1h",
        reason="Propos blessants",
    )

    hello = await receive_type(room, "hello", skip=BELL)
    assert (hello["can_post"], hello["member"]) == (False, False)
    assert (await receive_type(page, "hello", skip=BELL))["can_post"] is False
    await room.send_json_to(send_frame("k-muted-0001", "Je parle quand même"))
    error = await receive_type(room, "error", skip=BELL)
    assert error["code"] == "muted"
    assert "Propos blessants" in error["message"]
    await room.disconnect()
    await page.disconnect()


async def test_lifting_a_mute_gives_the_floor_back_live(connect, member, moderator, salon):
    sanction = await in_db(
        services.sanction_member,
        moderator=moderator,
        community=salon.community,
        user=member,
        kind="mute",
        duration="forever",
    )
    room = await connect(member, room_path(salon))
    assert (await receive_type(room, "hello", skip=BELL))["can_post"] is False

    await in_db(services.lift_sanction, moderator=moderator, sanction=sanction)

    assert (await receive_type(room, "hello", skip=BELL))["can_post"] is True
    await room.send_json_to(send_frame("k-unmuted-01", "Merci"))
    assert (await receive_type(room, "ack", skip=BELL | {"message"}))["action"] == "send"
    await room.disconnect()


async def test_ban_closes_the_members_sockets_of_that_cop_4403(
    connect, member, moderator, private_salon, private_thread, salon
):
    room = await connect(member, room_path(private_salon))
    page = await connect(member, f"/ws/threads/{private_thread.pk}/")
    elsewhere = await connect(member, room_path(salon))
    for socket in (room, page, elsewhere):
        await receive_type(socket, "hello")

    await in_db(
        services.sanction_member,
        moderator=moderator,
        community=private_salon.community,
        user=member,
        kind="ban",
        duration="7d",
        reason="Menaces",
    )

    assert await receive_close(room, skip=BELL) == 4403
    assert await receive_close(page, skip=BELL) == 4403
    # Her sockets elsewhere stay open; her bell rings for the notice.
    assert (await receive_type(elsewhere, "notifications"))["unread"] >= 1
    for socket in (room, page, elsewhere):
        await socket.disconnect()


async def test_banned_member_cannot_open_a_socket_on_the_private_cop(
    connect, member, moderator, private_salon
):
    await in_db(
        services.sanction_member,
        moderator=moderator,
        community=private_salon.community,
        user=member,
        kind="ban",
        duration="1d",
    )
    socket = await connect(member, room_path(private_salon))
    assert await receive_close(socket) == 4404
    await socket.disconnect()


async def test_site_ban_closes_every_socket(connect, member, staff, salon):
    bell = await connect(member, "/ws/notifications/")
    room = await connect(member, room_path(salon))
    await receive_type(bell, "hello")
    await receive_type(room, "hello")

    await in_db(services.ban_from_site, staff=staff, user=member, reason="Usurpation")

    assert await receive_close(bell) == 4403
    assert await receive_close(room) == 4403
    await bell.disconnect()
    await room.disconnect()
