"""
Admission: at most so many handshakes in flight per process, the rest told to come back.

A handshake reads the database (the user, the room, rights, history); all of
a process's reads run one after another on its one database thread. When a
region's connection blips, or a process restarts, hundreds of sockets open at
once: without a limit every handshake waits behind all the others, Daphne's
connect timeout runs out and it drops sockets without an answer (313/500,
then 73/500 in the measurement of issue 16).

So a process lets ``HANDSHAKES_IN_FLIGHT`` handshakes read at once; the next
``HANDSHAKE_QUEUE`` wait their turn, at most ``HANDSHAKE_WAIT`` seconds. The
socket is accepted before it waits (Daphne's connect timeout no longer runs),
so a queue costs memory only; a server that keeps the burst in its queue
serves it sooner than one that sends it away to come back. Any other socket is
closed at once with code 4503 after a ``busy`` frame that says when to try
again (``retry``, seconds: about how long the queue takes to drain, at least
``HANDSHAKE_RETRY``): no database work, no error, and the client backs off
with jitter (static/js/live.js), so the burst spreads itself out.
"""

import asyncio
import contextlib
import json
import time
import weakref

from django.conf import settings

# The close code of a socket turned away for now: "try again later" (as
# HTTP 503), in the application range like 4403/4404 (Daphne cannot send 1013).
TRY_AGAIN = 4503
# The longest wait a "busy" frame names, in seconds: the client adds its own jitter,
# and a process drains faster than its running mean says once the burst thins out.
MAX_RETRY = 10.0
# Weight of the latest handshake in the running mean of their durations.
SMOOTHING = 0.1


class Admission:
    """Handshakes in flight in one event loop, and those waiting for a turn."""

    def __init__(self, limit: int, queue: int, wait: float) -> None:
        self.limit = limit
        self.queue = queue
        self.wait = wait
        self.semaphore = asyncio.Semaphore(limit)
        self.waiting = 0
        # Counters for tests and benchmarks: admitted, turned away.
        self.admitted = 0
        self.turned_away = 0
        # Running mean of how long a handshake holds its turn (seconds).
        self.duration = 0.0

    @property
    def in_flight(self) -> int:
        return self.limit - self.semaphore._value  # noqa: SLF001 - asyncio has no public count

    async def enter(self) -> bool:
        """Take a turn (waiting for one if the queue has room); False: come back later."""
        if self.semaphore.locked() or self.waiting:
            if self.waiting >= self.queue:
                self.turned_away += 1
                return False
            self.waiting += 1
            try:
                async with asyncio.timeout(self.wait):
                    await self.semaphore.acquire()
            except TimeoutError:
                self.turned_away += 1
                return False
            finally:
                self.waiting -= 1
        else:
            await self.semaphore.acquire()
        self.admitted += 1
        return True

    def full(self) -> bool:
        """Whether a socket arriving now would be turned away without waiting."""
        return self.semaphore.locked() and self.waiting >= self.queue

    def leave(self) -> None:
        self.semaphore.release()

    @contextlib.asynccontextmanager
    async def turn(self):
        """``async with admission.turn() as admitted:`` the turn is given back on leaving."""
        admitted = await self.enter()
        started = time.monotonic()
        try:
            yield admitted
        finally:
            if admitted:
                self.leave()
                took = time.monotonic() - started
                self.duration += SMOOTHING * (took - self.duration) if self.duration else took

    def retry_after(self) -> float:
        """Seconds a turned-away client is told to wait: about how long the queue takes to drain."""
        drain = (self.waiting + self.limit) * self.duration / max(1, self.limit)
        return round(min(MAX_RETRY, max(settings.JEKAFO["HANDSHAKE_RETRY"], drain)), 1)


_registry: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def admission() -> Admission:
    """This event loop's admission (one per process under Daphne)."""
    loop = asyncio.get_running_loop()
    held = _registry.get(loop)
    if held is None:
        options = settings.JEKAFO
        held = _registry[loop] = Admission(
            options["HANDSHAKES_IN_FLIGHT"], options["HANDSHAKE_QUEUE"], options["HANDSHAKE_WAIT"]
        )
    return held


def reset() -> None:
    """Forget this loop's admission, so that changed settings apply (tests)."""
    _registry.pop(asyncio.get_running_loop(), None)


class AdmissionMiddleware:
    """Turn a socket away before anything is built for it when the queue is full.

    A consumer costs its channel (a Redis subscription with the pub/sub layer)
    before its ``connect`` runs; in a burst most sockets are turned away, so
    the ones that would be are answered here, from the bare ASGI messages:
    accept, the ``busy`` frame, close 4503. The consumer still turns away a
    socket whose wait in the queue ran out.
    """

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            gate = admission()
            if gate.full():
                gate.turned_away += 1
                await turn_away(receive, send, gate.retry_after())
                return None
        return await self.inner(scope, receive, send)


async def turn_away(receive, send, retry: float) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    text = json.dumps({"type": "busy", "retry": retry}, separators=(",", ":"))
    await send({"type": "websocket.send", "text": text})
    await send({"type": "websocket.close", "code": TRY_AGAIN})
