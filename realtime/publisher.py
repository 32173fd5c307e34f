"""
Publish without waiting: the database thread hands frames to the event loop.

Receivers run in the thread that ran the write (``forum.events`` delivers on
commit), which is the one thread of the process that runs every query. If
that thread waited on Redis, a paused Redis would freeze every write and
every acknowledgement of the process. Here ``publish()`` puts the message in
the process's queue and returns at once; one task per event loop sends the
queue in order (so each group gets its messages in the order they
committed), each send with a short timeout (realtime/health.py).

While the layer is down the queue keeps what must arrive (room changes,
thread posts, what is addressed to one person) and sends it when the layer
is back; rooms meanwhile read their changes from the database, and sockets
drop what they already have by its seq. What is stale a moment later
(presence, typing) is dropped instead (``keep=False``).
"""

import asyncio
import contextvars
import logging
import os
from collections import deque

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

from .health import LayerDown, PerLoopAndLayer, background, health

logger = logging.getLogger(__name__)

# Messages kept while the layer is down; beyond, the oldest go (rooms and
# threads fill the gap from the database when the next one arrives).
MAX_QUEUED = 10_000


class Publisher:
    """The send queue of one event loop on one channel layer."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.health = health(layer)
        self.queue: deque[tuple[str, dict]] = deque()
        self.task: asyncio.Task | None = None
        self.dropped = 0

    def put(self, group: str, message: dict, *, keep: bool = True) -> None:
        if not self.health.up and not keep:
            return
        if len(self.queue) >= MAX_QUEUED:
            self.queue.popleft()
            self.dropped += 1
            if self.dropped == 1:
                logger.warning(
                    "channel layer still unreachable: more than %d pushes waiting, "
                    "the oldest are dropped (clients fill the gap from the database)",
                    MAX_QUEUED,
                )
        self.queue.append((group, message))
        if self.task is None or self.task.done():
            self.task = background(self._run())

    async def _run(self) -> None:
        while self.queue:
            if not self.health.up:
                await self.health.back.wait()
                self.dropped = 0
                continue
            group, message = self.queue[0]
            try:
                await self.health.call("group_send", group, message)
            except LayerDown:
                continue  # kept at the head: sent again once the layer is back
            # A put() meanwhile may have dropped the head already.
            if self.queue and self.queue[0][1] is message:
                self.queue.popleft()


publisher = PerLoopAndLayer(Publisher, "The publisher of this event loop for ``layer``.")


def _serving_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop this thread works for, if any (asgiref notes it in its threads)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


def _put(layer, group: str, message: dict, keep: bool) -> None:
    publisher(layer).put(group, message, keep=keep)


async def _send_now(layer, group: str, message: dict) -> None:
    async with asyncio.timeout(5):
        await layer.group_send(group, message)


def publish(group: str, message: dict, *, keep: bool = True) -> None:
    """Send ``message`` to ``group`` soon, in order; return at once.

    From a thread that works for an event loop (a view, a consumer's
    database call), or from the loop itself, the loop's publisher sends it.
    Elsewhere (a management command) there is no loop to hand it to: it is
    sent before returning, with a timeout, and a failure is logged.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _serving_loop()
    if loop is None:
        try:
            async_to_sync(_send_now)(layer, group, message)
        except Exception as error:
            logger.warning("Push to %s not sent: channel layer unreachable (%s)", group, error)
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        _put(layer, group, message, keep)
    else:
        loop.call_soon_threadsafe(_put, layer, group, message, keep, context=contextvars.Context())
