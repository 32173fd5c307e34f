"""Ending a session closes its own sockets only; login throttling leaves sockets alone."""

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from forum.services import security

from ..factories import PASSWORD
from .wire import assert_no_frame, in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "http://testserver"
PATH = "/ws/notifications/"


def signed_in_client(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


async def open_socket(client: Client) -> WebsocketCommunicator:
    from config.asgi import application  # after the test settings are in place

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    socket = WebsocketCommunicator(
        application,
        PATH,
        headers=[
            (b"origin", ORIGIN.encode()),
            (b"host", b"testserver"),
            (b"cookie", cookie.encode()),
        ],
    )
    accepted, _detail = await socket.connect(timeout=5)
    assert accepted
    await receive_type(socket, "hello")
    return socket


async def test_ending_a_session_closes_its_sockets_and_not_the_others(member):
    phone = await in_db(signed_in_client, "awa")
    laptop = await in_db(signed_in_client, "awa")
    phone_socket = await open_socket(phone)
    laptop_socket = await open_socket(laptop)

    await in_db(
        security.end_session,
        user=member,
        handle=security.session_handle(laptop.session.session_key),
        current_key=phone.session.session_key,
    )

    assert await laptop_socket.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": 4401,
    }
    await assert_no_frame(phone_socket)
    await phone_socket.disconnect()


async def test_changing_the_password_closes_the_other_sessions_sockets(member):
    here = await in_db(signed_in_client, "awa")
    there = await in_db(signed_in_client, "awa")
    here_socket = await open_socket(here)
    there_socket = await open_socket(there)

    await in_db(security.password_changed, user=member, current_key=here.session.session_key)

    assert (await there_socket.receive_output(timeout=3))["code"] == 4401
    await assert_no_frame(here_socket)
    await here_socket.disconnect()


async def test_signing_out_closes_that_sessions_sockets_in_other_tabs(member):
    here = await in_db(signed_in_client, "awa")
    there = await in_db(signed_in_client, "awa")
    tab = await open_socket(here)
    other_device = await open_socket(there)

    await in_db(lambda: here.post(reverse("logout")))

    assert (await tab.receive_output(timeout=3))["code"] == 4401
    await assert_no_frame(other_device)
    await other_device.disconnect()


async def test_a_locked_sign_in_does_not_touch_open_sockets(member):
    client = await in_db(signed_in_client, "awa")
    socket = await open_socket(client)

    def fail_many():
        attacker = Client()
        for _ in range(10):
            attacker.post(reverse("login"), {"username": "awa", "password": "faux"})
        return attacker.post(reverse("login"), {"username": "awa", "password": PASSWORD})

    response = await in_db(fail_many)

    assert response.status_code == 429
    await assert_no_frame(socket)
    # A new socket of the open session still connects: sockets never authenticate.
    second = await open_socket(client)
    await second.disconnect()
    await socket.disconnect()
