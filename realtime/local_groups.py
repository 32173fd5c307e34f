"""
Room pushes: one subscription per process, handed to its sockets in one loop.

In Channels' own model every socket of a group has a channel of its own: a
push to a room of 500 sockets puts 500 messages in 500 queues and wakes 500
consumer tasks, each of which goes through ``asyncio.wait`` and starts a new
receive task before its handler runs. Profiled under bench/fanout.py, that
bookkeeping was a third of Daphne's time per delivered frame.

Here a process joins a room's group once, on a channel of its own, and one
task hands each message to the process's sockets of that room, in the order
it arrived, by calling their handler directly. Redis (or the in-memory layer)
carries one copy per process, as with the pub/sub layer already; what goes
is the per-socket queue and task switching.

Only groups whose handlers never wait on anything but the socket belong
here (rooms: changes, presence, typing): a handler that waits holds up the
room's next push for every socket of the process. What is addressed to one
person (user groups) and thread pages (whose moderation handler re-reads
access per socket) keep Channels' per-socket channels.
"""

import asyncio
import logging
import weakref

from channels.consumer import get_handler_name

logger = logging.getLogger(__name__)

# Sockets served before other tasks (a sender's acknowledgement, a new
# connection) get a turn of the event loop.
YIELD_EVERY = 100
# Layers that expire group membership (the core Redis layer, the in-memory
# one) drop a channel after ``group_expiry`` seconds: rejoin well before.
REFRESH_SHARE = 0.25


class _Group:
    """A group held by this process: its channel, reader task and local sockets."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.channel: str | None = None
        # Insertion-ordered, so sockets are served in the order they joined.
        self.members: dict[object, None] = {}
        self.subscribed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task | None = None


class LocalGroups:
    """The groups one event loop holds on one channel layer."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.groups: dict[str, _Group] = {}
        self.refresher: asyncio.Task | None = None

    async def add(self, name: str, consumer) -> None:
        """Deliver ``name``'s messages to ``consumer.deliver`` from now on.

        Returns once the process's channel is in the group, so that what is
        published afterwards reaches the consumer; raises what joining raised.
        """
        group = self.groups.get(name)
        if group is None:
            group = self.groups[name] = _Group(name)
            group.task = asyncio.get_running_loop().create_task(self._run(group))
        group.members[consumer] = None
        try:
            await asyncio.shield(group.subscribed)
        except BaseException:
            # Joining failed, or this socket went away while it was joining.
            group.members.pop(consumer, None)
            if not group.members and self.groups.get(name) is group:
                del self.groups[name]
                group.task.cancel()
            raise
        self._start_refresher()

    def discard(self, name: str, consumer) -> None:
        """Stop delivering ``name`` to ``consumer``; leave the group after its last socket."""
        group = self.groups.get(name)
        if group is None:
            return
        group.members.pop(consumer, None)
        if not group.members:
            del self.groups[name]
            if group.task is not None:
                group.task.cancel()

    def discard_all(self, consumer) -> None:
        for name in [name for name, group in self.groups.items() if consumer in group.members]:
            self.discard(name, consumer)

    async def _run(self, group: _Group) -> None:
        try:
            group.channel = await self.layer.new_channel()
            await self.layer.group_add(group.name, group.channel)
        except BaseException as error:
            if self.groups.get(group.name) is group:
                del self.groups[group.name]
            if isinstance(error, asyncio.CancelledError):
                group.subscribed.cancel()
                raise
            group.subscribed.set_exception(error)
            return
        group.subscribed.set_result(None)
        try:
            while True:
                message = await self.layer.receive(group.channel)
                await self._hand_out(group, message)
        finally:
            try:
                await self.layer.group_discard(group.name, group.channel)
            except Exception:
                logger.exception("Could not leave group %s", group.name)

    async def _hand_out(self, group: _Group, message: dict) -> None:
        try:
            handler = get_handler_name(message)
        except ValueError:
            logger.error("Dropped a malformed message on group %s", group.name)
            return
        for served, consumer in enumerate(list(group.members), start=1):
            if consumer not in group.members:
                continue  # left while earlier sockets were served
            try:
                await consumer.deliver(handler, message)
            except Exception:
                logger.exception("Push %r to one socket of %s failed", handler, group.name)
            if served % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    def _start_refresher(self) -> None:
        expiry = getattr(self.layer, "group_expiry", None)
        if expiry and (self.refresher is None or self.refresher.done()):
            self.refresher = asyncio.get_running_loop().create_task(
                self._refresh(expiry * REFRESH_SHARE)
            )

    async def _refresh(self, interval: float) -> None:
        while self.groups:
            await asyncio.sleep(interval)
            for group in list(self.groups.values()):
                if not group.subscribed.done() or group.subscribed.cancelled():
                    continue
                if group.subscribed.exception() is None:
                    try:
                        await self.layer.group_add(group.name, group.channel)
                    except Exception:
                        logger.exception("Could not renew group %s", group.name)


_registry: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def local_groups(layer) -> LocalGroups:
    """The groups this event loop holds on ``layer`` (one set per loop, as layers are)."""
    loop = asyncio.get_running_loop()
    by_layer = _registry.setdefault(loop, weakref.WeakKeyDictionary())
    held = by_layer.get(layer)
    if held is None:
        held = by_layer[layer] = LocalGroups(layer)
    return held
