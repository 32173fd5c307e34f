"""
HTTP requests run their synchronous code on a few long-lived threads.

Django's ASGI handler enters a fresh ``ThreadSensitiveContext`` for every
request: asgiref then starts a new thread for the request's middleware and
view, and a second thread to join the first one when the request ends. A
database connection belongs to its thread, so each request also opened a new
one (with SQLite: a new file handle, its set-up pragmas, an empty page cache
and no prepared statements). On the 100-post thread page that was about 3 ms
of CPU per request, a sixth of it (bench/vs_spirit.py; docs/benchmarks.md).

``WarmThreads`` wraps the HTTP application: a request takes an idle thread
from a small pool (``HTTP_WARM_THREADS``, 4 by default) and gives it back at
the end, so that thread, its database connection (kept CONN_MAX_AGE) and its
statement cache serve request after request, as in a threaded WSGI server.
Django's own context then finds this one already entered and uses its thread.
When every warm thread is busy (a slow upload, a locked database), the
request gets a thread of its own exactly as without the pool: concurrency is
never lower than Django's. A pool thread serves one request at a time; code
inside a request that goes back to async and then to sync again is run on the
request's thread by asgiref, as before. ``HTTP_WARM_THREADS=0`` turns it off.
"""

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.exceptions import ImproperlyConfigured

DEFAULT_THREADS = 4
MAX_THREADS = 64


def parse_warm_threads(value: str | None) -> int:
    """Read ``HTTP_WARM_THREADS``: a whole number from 0 (off) to MAX_THREADS."""
    if value is None or not value.strip():
        return DEFAULT_THREADS
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_THREADS:
        raise ImproperlyConfigured(
            f"HTTP_WARM_THREADS must be a whole number from 0 (off) to {MAX_THREADS};"
            f" got {value!r}."
        )
    return int(text)


class WarmThreads:
    """ASGI middleware for HTTP: run each request's sync code on an idle pool thread."""

    def __init__(self, app, threads: int) -> None:
        self.app = app
        # Only changed on the event loop's thread: no lock needed.
        self.idle = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="http-sync")
            for _ in range(threads)
        ]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not self.idle:
            await self.app(scope, receive, send)
            return
        # The thread used last is the warmest (its connection and caches).
        executor = self.idle.pop()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive, send)
        finally:
            # Back to the pool once the thread is really free: a view still
            # running after its client left (Django stops waiting for it)
            # keeps its thread until it returns.
            loop = asyncio.get_running_loop()
            executor.submit(int).add_done_callback(lambda _done: self._give_back(loop, executor))

    def _give_back(self, loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor) -> None:
        # Runs on the pool thread; the list belongs to the loop's thread.
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server stops
            loop.call_soon_threadsafe(self.idle.append, executor)
