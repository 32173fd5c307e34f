"""realtime.middleware: a WebSocket's session is read once, frames go straight out, and
the user is read by the consumer (in its own database call), as Django reads it for a page."""

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client

from realtime.middleware import (
    SocketAuthMiddleware,
    SocketSessionMiddleware,
    resolve_user,
    user_is_resolved,
)

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


# SocketAuthMiddleware: the user is read later, in the consumer's own database call.


def _auth_stack(inner):
    return CookieMiddleware(SocketSessionMiddleware(SocketAuthMiddleware(inner)))


class Deferred:
    """An application that checks the user is not read yet, then reads it as a consumer does."""

    async def __call__(self, scope, receive, send):
        self.resolved_before = user_is_resolved(scope)
        self.user = await database_sync_to_async(resolve_user)(scope)
        self.resolved_after = user_is_resolved(scope)


async def test_the_user_is_read_by_the_consumer_not_before(member):
    cookie = await database_sync_to_async(_cookie_for)(member)
    inner = Deferred()

    await _call(_auth_stack(inner), [(b"cookie", cookie)])

    assert (inner.resolved_before, inner.resolved_after) == (False, True)
    assert inner.user.pk == member.pk


async def test_a_session_whose_password_changed_gives_an_anonymous_socket(member):
    cookie = await database_sync_to_async(_cookie_for)(member)

    def change_password():
        member.set_password("un-autre-mot-de-passe")
        member.save()

    await database_sync_to_async(change_password)()
    inner = Deferred()

    await _call(_auth_stack(inner), [(b"cookie", cookie)])

    assert inner.user.is_authenticated is False


async def test_without_a_cookie_the_deferred_user_is_anonymous():
    inner = Deferred()

    await _call(_auth_stack(inner), [])

    assert inner.user.is_authenticated is False
