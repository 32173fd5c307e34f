"""realtime.middleware: a WebSocket's session is read once, and frames go straight out."""

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client

from realtime.middleware import SocketSessionMiddleware

pytestmark = pytest.mark.django_db(transaction=True)


class Inner:
    """An application that records its scope and sends one frame."""

    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.send = send
        self.user = await _resolve(scope["user"])
        await send({"type": "websocket.send", "text": "bonjour"})


async def _resolve(user):
    return await database_sync_to_async(lambda: (user.is_authenticated, user.pk))()


def _stack(inner):
    return CookieMiddleware(SocketSessionMiddleware(AuthMiddlewareStack(inner)))


def _cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def _call(app, headers):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "websocket.connect"}

    scope = {"type": "websocket", "path": "/ws/notifications/", "headers": headers}
    await app(scope, receive, send)
    return sent


async def test_the_session_user_is_signed_in_and_frames_pass_unchanged(member):
    cookie = await database_sync_to_async(_cookie_for)(member)
    inner = Inner()

    sent = await _call(_stack(inner), [(b"cookie", cookie)])

    assert inner.user == (True, member.pk)
    assert isinstance(inner.scope["session"], SessionBase)  # a store, not a lazy proxy
    assert sent == [{"type": "websocket.send", "text": "bonjour"}]
    # Channels' own session wrapper saw a session already there: it stays out of each frame.
    assert inner.send.__self__.activated is False


async def test_without_a_cookie_the_socket_is_anonymous():
    inner = Inner()

    sent = await _call(_stack(inner), [])

    assert inner.user == (False, None)
    assert inner.scope["session"].session_key is None
    assert sent == [{"type": "websocket.send", "text": "bonjour"}]


async def test_a_session_already_in_the_scope_is_kept():
    seen = {}

    async def inner(scope, receive, send):
        seen["session"] = scope["session"]

    marker = object()
    await SocketSessionMiddleware(inner)({"session": marker, "cookies": {}}, None, None)

    assert seen["session"] is marker
