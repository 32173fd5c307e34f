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

from django.conf import settings


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
