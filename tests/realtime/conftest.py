"""
Fixtures for the WebSocket consumer tests.

``connect(user, path)`` opens a socket on the WebSocket router with
``scope["user"]`` set, as AuthMiddlewareStack would; with ``origin=...`` it
goes through ``config.asgi.application`` instead (origin check, session
cookie, auth middleware), as a browser would. Every socket a test opened is
disconnected at teardown even when the test failed half-way; tests still
disconnect their own sockets.

The channel layer is whatever the settings give: in memory by default, Redis
(pub/sub) when REDIS_URL is set.
"""

import asyncio
import contextlib

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from forum.models import Membership, User
from realtime.routing import websocket_urlpatterns
from rooms import services as room_services

from ..factories import make_membership, make_user

router = URLRouter(websocket_urlpatterns)


def _fresh(user):
    # Each socket gets its own copy of the user, as a new connection would:
    # nothing cached on the test's object (memberships) leaks into it.
    if user is None or not user.is_authenticated:
        return AnonymousUser()
    return User.objects.get(pk=user.pk)


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


@pytest.fixture
async def connect():
    """``await connect(user, path, origin=None)``: a connected WebsocketCommunicator.

    ``communicator.accepted`` tells whether the socket was accepted and
    ``communicator.close_code`` the code when it was refused outright.
    """
    opened: list[WebsocketCommunicator] = []

    async def open_socket(user, path: str, *, origin: str | None = None):
        if origin is None:
            communicator = WebsocketCommunicator(router, path)
            communicator.scope["user"] = await database_sync_to_async(_fresh)(user)
        else:
            from config.asgi import application  # after the test settings are in place

            headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
            if user is not None and user.is_authenticated:
                cookie = await database_sync_to_async(_session_cookie)(user)
                headers.append((b"cookie", cookie.encode()))
            communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        accepted, detail = await communicator.connect(timeout=5)
        communicator.accepted = accepted
        communicator.close_code = None if accepted else detail
        return communicator

    yield open_socket
    for communicator in opened:
        # A socket the test already closed, or whose consumer crashed (the
        # test then failed on its own), has nothing more to say here.
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await communicator.disconnect()


@pytest.fixture
def colleague(public_cop, private_cop):
    """A second plain member of both CoPs, to watch what another member receives."""
    user = make_user(username="kadidia", display_name="Kadidia Keita")
    make_membership(user, public_cop, Membership.Role.MEMBER)
    make_membership(user, private_cop, Membership.Role.MEMBER)
    return user


@pytest.fixture
def salon(public_cop):
    return room_services.ensure_salon(public_cop)


@pytest.fixture
def private_salon(private_cop):
    return room_services.ensure_salon(private_cop)


@pytest.fixture
def no_chat_rate(settings):
    """Lift the per-user chat rate limit, for tests that need many messages."""
    settings.JEKAFO = {**settings.JEKAFO, "CHAT_RATE": (10_000, 10)}


@pytest.fixture(params=["anonymous", "outsider"])
def visitor(request):
    """Someone who is not a member: signed out, then signed in without a membership."""
    return request.getfixturevalue(request.param)
