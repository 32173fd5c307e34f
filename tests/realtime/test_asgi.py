"""
The whole WebSocket stack as Daphne runs it: config.asgi.application.

Origin check (AllowedHostsOriginValidator), session cookie and
AuthMiddlewareStack, then the router. The other tests in this folder start
at the router with the user already in the scope.
"""

import pytest

from forum import services

from .wire import in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = "http://testserver"  # in ALLOWED_HOSTS under test


async def test_socket_from_an_allowed_origin_is_served_to_the_session_user(connect, member, salon):
    socket = await connect(member, f"/ws/rooms/{salon.pk}/", origin=ALLOWED)

    assert socket.accepted
    hello = await receive_type(socket, "hello")
    assert hello["user"] == {"id": member.pk, "name": "Awa Traoré"}
    assert hello["can_post"] is True
    await socket.disconnect()


async def test_socket_without_session_from_an_allowed_origin_is_anonymous(
    connect, anonymous, salon
):
    socket = await connect(anonymous, f"/ws/rooms/{salon.pk}/", origin=ALLOWED)

    hello = await receive_type(socket, "hello")
    assert (hello["user"], hello["can_post"]) == (None, False)
    await socket.disconnect()


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://testserver.evil.example", "null"]
)
async def test_socket_from_a_foreign_origin_is_refused_before_the_consumer(
    connect, member, salon, origin
):
    socket = await connect(member, f"/ws/rooms/{salon.pk}/", origin=origin)

    assert not socket.accepted
    await socket.disconnect()


async def test_anonymous_bell_through_the_full_stack_closes_4401(connect, anonymous):
    socket = await connect(anonymous, "/ws/notifications/", origin=ALLOWED)

    assert socket.accepted
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}
    await socket.disconnect()


async def test_deactivated_users_session_no_longer_signs_a_socket_in(connect, member, staff, salon):
    await in_db(services.deactivate_user, staff=staff, user=member)
    socket = await connect(member, f"/ws/rooms/{salon.pk}/", origin=ALLOWED)

    assert (await receive_type(socket, "hello"))["user"] is None
    await socket.disconnect()
