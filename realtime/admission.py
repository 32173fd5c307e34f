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
again (``retry``, seconds): no database work, no error.

The ``retry`` hints are booked like appointments, so that the crowd comes
back one by one instead of all at once at the same hint to be turned away
again. While sockets wait in its queue, the process measures the pace at
which it serves them (handshakes a second, over its last ``PACE_SAMPLES``
turns given back with a crowd waiting, in the last ``PACE_WINDOW`` seconds).
The first socket turned away is told to come back in ``HANDSHAKE_RETRY``
seconds, each next one a slot later, at most ``MAX_RETRY`` seconds from now.
Slots follow ``OVERBOOK`` times the measured pace: a socket comes back
through nginx to any process, not necessarily this one, and a process that
has just restarted has taken no share of the burst yet; booked at this
process's own pace, the others would idle while the crowd waits for late
slots (measured: a restarted process served 20 sockets a second of the 60 it
can). A socket that finds the queue full again is simply booked again,
which costs a handshake and no database work.

In the first moments of a burst the pace is not known yet (what was measured
minutes ago, with other work, misleads): those sockets are told to come back
after a random wait between ``HANDSHAKE_RETRY`` and three times that, by
when it is. The client adds a little jitter (static/js/live.js), so slots
booked by two processes for the same moment spread too.
"""

import asyncio
import contextlib
import json
import random
import time
import weakref
from collections import deque

from django.conf import settings

# The close code of a socket turned away for now: "try again later" (as
# HTTP 503), in the application range like 4403/4404 (Daphne cannot send 1013).
TRY_AGAIN = 4503
# The longest wait a "busy" frame names, in seconds (the client's back-off ceiling):
# a burst larger than the process serves in that time comes back in a second round.
MAX_RETRY = 30.0
# The pace is measured over the last PACE_SAMPLES turns given back while sockets
# waited, within the last PACE_WINDOW seconds; fewer than PACE_LEAST: not known.
PACE_SAMPLES = 32
PACE_WINDOW = 3.0
PACE_LEAST = 8
# Slots are booked at this many times the measured pace (see above).
OVERBOOK = 2


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
        # When turns were given back while sockets waited (monotonic seconds).
        self.served: deque[float] = deque(maxlen=PACE_SAMPLES)
        # Monotonic time of the next free slot for a socket told to come back.
        self.booked = 0.0

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
        if self.waiting:
            self.served.append(time.monotonic())
        self.semaphore.release()

    @contextlib.asynccontextmanager
    async def turn(self):
        """``async with admission.turn() as admitted:`` the turn is given back on leaving."""
        admitted = await self.enter()
        try:
            yield admitted
        finally:
            if admitted:
                self.leave()

    def pace(self) -> float | None:
        """Handshakes a second served lately with sockets waiting; None while not known."""
        horizon = time.monotonic() - PACE_WINDOW
        recent = [at for at in self.served if at >= horizon]
        if len(recent) < PACE_LEAST or recent[-1] <= recent[0]:
            return None
        return (len(recent) - 1) / (recent[-1] - recent[0])

    def book_return(self) -> float:
        """Book a slot for a socket turned away now; the seconds until it (the ``retry`` hint)."""
        least = settings.JEKAFO["HANDSHAKE_RETRY"]
        rate = self.pace()
        if rate is None:
            return round(least * (1 + 2 * random.random()), 2)
        now = time.monotonic()
        slot = min(max(self.booked, now + least), now + MAX_RETRY)
        self.booked = slot + 1 / (OVERBOOK * rate)
        return round(slot - now, 2)


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
                await turn_away(receive, send, gate.book_return())
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
