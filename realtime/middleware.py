"""
The session of a WebSocket, read once when it opens.

Channels' SessionMiddleware wraps ``send`` so that it can save a changed
session on ``http.response.start``, a message a WebSocket never sends; yet
the wrapper still looks into the session (two LazyObject lookups) for every
frame. At 500 sockets a room push is 500 frames, and profiling
bench/fanout.py put the wrapper at an eighth of Daphne's time per frame.

Consumers only read the session (through ``scope["user"]``), so this
middleware, placed above AuthMiddlewareStack, gives the scope a session
store of the cookie's key; Channels' SessionMiddleware sees a session is
already there and passes frames straight through, as it does under any outer
session middleware. AuthMiddleware reads the user from that store as before.
"""

from importlib import import_module
from types import SimpleNamespace

from channels.auth import UserLazyObject
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import empty


class SocketSessionMiddleware:
    """Put a (read-only) session in the scope, from the cookies CookieMiddleware parsed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        if "session" not in scope:
            key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
            scope = dict(scope, session=self.store(key))
        return await self.inner(scope, receive, send)


class SocketAuthMiddleware:
    """Put a user in the scope that is read later, in the consumer's own database call.

    Channels' AuthMiddleware reads the session and the user in a database call
    of its own before the consumer starts: one more trip to the database
    thread per handshake, which a burst of reconnections queues behind every
    other. Here ``scope["user"]`` stays unresolved until ``resolve_user`` is
    called in a worker thread; a room socket does it in the same call that
    checks the room (realtime.consumers), other sockets in one call of their
    own, as before. The session is checked as django.contrib.auth checks it
    for a page (backend, session hash, fallbacks).
    """

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if "user" not in scope:
            scope = dict(scope, user=UserLazyObject())
        return await self.inner(scope, receive, send)


def user_is_resolved(scope) -> bool:
    user = scope.get("user")
    return not isinstance(user, UserLazyObject) or user._wrapped is not empty


def resolve_user(scope):
    """Return the scope's user, reading it from the session if not done yet (sync)."""
    user = scope.get("user")
    if user is None:
        return AnonymousUser()
    if isinstance(user, UserLazyObject):
        if user._wrapped is empty:
            user._wrapped = auth.get_user(SimpleNamespace(session=scope["session"]))
        return user._wrapped
    return user
