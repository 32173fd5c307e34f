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

When the channel layer is unreachable (realtime/health.py), a room does not
stand still: one task per process reads each held room's log in the database
every ``POLL_INTERVAL`` seconds, after the highest seq the room handed out,
a page (``resume_page()`` events) at a time so that memory stays bounded
however long the outage or busy the room, and hands the changes to the
sockets through the same path as a push (they drop what they already have
by its seq). When the layer is back, each group
is joined again, then read once more, so nothing falls between the last read
and the first push. Presence and typing pause meanwhile.
"""

import asyncio
import contextlib
import logging

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async

from rooms import selectors
from rooms.models import Room

from . import groups
from .health import LayerDown, PerLoopAndLayer, background, health
from .pages import resume_page
from .receivers import dumps

logger = logging.getLogger(__name__)

# Sockets served before other tasks (a sender's acknowledgement, a new
# connection) get a turn of the event loop.
YIELD_EVERY = 100
# Layers that expire group membership (the core Redis layer, the in-memory
# one) drop a channel after ``group_expiry`` seconds: rejoin well before.
REFRESH_SHARE = 0.25
# Seconds between two reads of a room's log while the channel layer is down.
POLL_INTERVAL = 0.5


def read_room(group: str, after: int, limit: int) -> tuple[list[dict], int, bool]:
    """One page of the changes of the room of ``group`` after seq ``after``.

    Returns the room.change messages (``limit`` events read at most), the
    last seq read and whether the log may go on past it.
    """
    room = Room.objects.filter(pk=groups.room_of(group)).first()
    if room is None:
        return [], after, False
    pairs, last, more = selectors.list_room_changes(room, after, limit=limit)
    messages = [{"type": "room.change", "seq": seq, "text": dumps(frame)} for seq, frame in pairs]
    return messages, last, more


# How each kind of group held here is read from the database while the layer is down.
READERS = {"room": read_room}


class _Group:
    """A group held by this process: its channel, reader task and local sockets."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.channel: str | None = None
        # Insertion-ordered, so sockets are served in the order they joined.
        self.members: dict[object, None] = {}
        self.subscribed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task | None = None
        # Whether the channel is in the group on the layer (it may be down).
        self.joined = asyncio.Event()
        # The highest seq handed out, from a push or a read of the database.
        self.seq: int | None = None
        # Pushes and reads are handed out one at a time.
        self.lock = asyncio.Lock()


class LocalGroups:
    """The groups one event loop holds on one channel layer."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.groups: dict[str, _Group] = {}
        self.refresher: asyncio.Task | None = None
        self.poller: asyncio.Task | None = None
        self.health = health(layer)
        self.health.on_down.append(self._start_polling)

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

    def holding(self) -> bool:
        """Whether this process holds any group (the layer's health is watched meanwhile)."""
        return bool(self.groups)

    def discard_all(self, consumer) -> None:
        for name in [name for name, group in self.groups.items() if consumer in group.members]:
            self.discard(name, consumer)

    async def _run(self, group: _Group) -> None:
        try:
            await self._join(group)
        except asyncio.CancelledError:
            if self.groups.get(group.name) is group:
                del self.groups[group.name]
            group.subscribed.cancel()
            raise
        # Joined, or the layer is down and the group is read from the database
        # until it is back: either way the socket is served from now on.
        group.subscribed.set_result(None)
        self.health.watch(self.holding)
        if not group.joined.is_set():
            self._start_polling()
        try:
            while True:
                await group.joined.wait()
                try:
                    message = await self.layer.receive(group.channel)
                except Exception as error:
                    # A layer whose receive reads Redis (the core layer) fails
                    # here while Redis is away; the group is joined again after.
                    group.joined.clear()
                    self.health.failed(error)
                    continue
                async with group.lock:
                    await self._hand_out(group, message)
        finally:
            if group.channel is not None and self.health.up:
                with contextlib.suppress(LayerDown):
                    await self.health.call("group_discard", group.name, group.channel)

    async def _join(self, group: _Group) -> bool:
        """Put the group's channel in the group; False while the layer is down."""
        if not self.health.up:
            return False
        try:
            if group.channel is None:
                group.channel = await self.health.call("new_channel")
            await self.health.call("group_add", group.name, group.channel)
        except LayerDown:
            group.joined.clear()
            return False
        group.joined.set()
        return True

    # While the layer is down ----------------------------------------------------------

    def _start_polling(self) -> None:
        if self.groups and (self.poller is None or self.poller.done()):
            self.poller = background(self._poll())

    async def _poll(self) -> None:
        """Read each held room from the database until the layer is back and rejoined."""
        while self.groups:
            back = self.health.up
            if back:
                # Join first: what commits from now on is pushed, what
                # committed before is in the read below.
                for group in list(self.groups.values()):
                    if group.subscribed.done() and not await self._join(group):
                        back = False
                        break
            for group in list(self.groups.values()):
                try:
                    await self._read(group)
                except Exception:
                    logger.exception("Reading group %s from the database failed", group.name)
            if back and self.health.up:
                return
            await asyncio.sleep(POLL_INTERVAL)

    def position(self, group: _Group) -> int | None:
        """The seq after which to read: the highest handed out, else the lowest a socket has."""
        if group.seq is not None:
            return group.seq
        cursors = [getattr(member, "cursor", None) for member in group.members]
        known = [cursor for cursor in cursors if isinstance(cursor, int)]
        # Sockets still connecting read their own history after joining.
        return min(known) if known else None

    async def _read(self, group: _Group) -> None:
        """Read the group's log past its position, a page at a time, handing each page out."""
        reader = READERS.get(group.name.partition(".")[0])
        if reader is None or not group.subscribed.done():
            return
        after = self.position(group)
        if after is None:
            return
        while True:
            messages, last, more = await database_sync_to_async(reader)(
                group.name, after, resume_page()
            )
            async with group.lock:
                for message in messages:
                    if self.groups.get(group.name) is not group:
                        return  # its last socket left meanwhile
                    await self._hand_out(group, message)
            if not more or last <= after:
                return
            after = last

    async def _hand_out(self, group: _Group, message: dict) -> None:
        try:
            handler = get_handler_name(message)
        except ValueError:
            logger.error("Dropped a malformed message on group %s", group.name)
            return
        seq = message.get("seq")
        if isinstance(seq, int) and (group.seq is None or seq > group.seq):
            group.seq = seq
        for served, consumer in enumerate(list(group.members), start=1):
            if consumer not in group.members:
                continue  # left while earlier sockets were served
            try:
                if not consumer.deliver_now(handler, message):
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
                if group.subscribed.exception() is None and group.joined.is_set():
                    # A failure is logged once by health; the group is joined again on return.
                    with contextlib.suppress(LayerDown):
                        await self.health.call("group_add", group.name, group.channel)


local_groups = PerLoopAndLayer(
    LocalGroups, "The groups this event loop holds on ``layer`` (one set per loop, as layers are)."
)
