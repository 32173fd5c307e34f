"""
Access sweep: while the channel layer is down, a socket still loses access on time.

Access is taken away by a push to the person's group (realtime/receivers.py:
``user.access`` for a removal or a ban from a CoP, a deactivated account,
ended sessions) or to the thread's groups (a move into a private CoP). While
the layer is unreachable those pushes are not delivered, yet rooms keep
reading their log from the database (realtime/local_groups.py): without
this sweep a socket whose session was ended, or whose member was banned
from a private CoP, would go on receiving until the layer is back.

So while the layer is down (realtime/health.py), one task per process and
layer checks every open live socket of the process again: right when the
layer goes down (the push that was lost may be the one that just failed),
then every ``INTERVAL`` seconds, and once more when the layer is back
(pushes published during the outage may have been lost by the pub/sub
layer). The check is one database call for all the sockets, in a bounded
number of queries whatever their number (``judge``), with the rules of the
forum's and rooms' own permissions. A socket that lost access is closed
with the code the push would have given (docs/realtime-protocol.md):
4401 for an ended session, 4403 for access lost (in a public CoP too, as the
push does), 4404 for a thread moved where its reader may not follow. A
thread reader who kept access with other rights (a mute, a promotion) reads
them again, as after the push of her new role, so she gets her audience's
posts. After the outage, one line says how many sockets were closed.
"""

import asyncio
import logging
import weakref
from typing import NamedTuple

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from forum.models import Thread, User
from forum.permissions import can_open_thread, can_take_part_in_community, preload_access
from forum.presentation import READER, audience_of
from forum.services.security import open_sessions
from rooms.models import Room
from rooms.permissions import can_view_room

from .codes import ACCESS_LOST, LOGIN_REQUIRED, NOT_FOUND
from .health import PerLoopAndLayer, background, health

logger = logging.getLogger(__name__)

# Seconds between two sweeps while the layer is down.
INTERVAL = 2.0


class Probe(NamedTuple):
    """What a socket was opened with: whose session, and which room or thread it shows."""

    session_key: str | None
    user_id: int | None  # None: signed out
    room_id: int | None = None
    thread_id: int | None = None
    community_id: int | None = None  # the thread's CoP when the socket last followed it
    # Whether the reader had a place in the room's or thread's CoP (a member not banned).
    took_part: bool = False
    audience: str | None = None  # a thread socket's audience (forum.presentation)


# Not a close: the reader's rights in a thread changed, and with them what she is sent.
RIGHTS_CHANGED = 0


def judge(probes: list[Probe]) -> dict[int, int]:
    """The close code of each probe (by index) whose socket lost access; a few queries in all.

    ``RIGHTS_CHANGED`` for a thread socket whose reader kept access with
    other rights (a mute, a promotion): it reads them again, as after the
    push of a role change.

    At most one query each for the sessions, the users, the rooms, the
    threads, and two for the memberships and sanctions of those users in
    those CoPs (``preload_access``); then the permission functions the
    handshake uses answer from what was read.
    """
    signed_in = [p for p in probes if p.user_id is not None]
    sessions = open_sessions({p.session_key for p in signed_in if p.session_key})
    user_ids = {p.user_id for p in signed_in}
    users = User.objects.in_bulk(user_ids) if user_ids else {}
    room_ids = {p.room_id for p in probes if p.room_id is not None}
    rooms = Room.objects.select_related("community").in_bulk(room_ids) if room_ids else {}
    thread_ids = {p.thread_id for p in probes if p.thread_id is not None}
    threads = Thread.objects.select_related("community").in_bulk(thread_ids) if thread_ids else {}
    community_ids = {room.community_id for room in rooms.values()}
    community_ids |= {thread.community_id for thread in threads.values()}
    preload_access(users.values(), community_ids)
    anonymous = AnonymousUser()
    verdicts: dict[int, int] = {}
    for index, probe in enumerate(probes):
        code = _verdict(probe, sessions, users, rooms, threads, anonymous)
        if code is not None:
            verdicts[index] = code
    return verdicts


def _verdict(probe: Probe, sessions, users, rooms, threads, anonymous) -> int | None:
    user = anonymous
    if probe.user_id is not None:
        # As the ``user.access`` push: a socket without a session (a test's,
        # a token's) is not closed for one.
        if probe.session_key and sessions.get(probe.session_key) != probe.user_id:
            return LOGIN_REQUIRED
        user = users.get(probe.user_id)
        if user is None or not user.is_active:
            return ACCESS_LOST
    room = rooms.get(probe.room_id)
    if room is not None:
        if not can_view_room(user, room):
            return ACCESS_LOST
        if probe.took_part and not can_take_part_in_community(user, room.community):
            return ACCESS_LOST  # removed or banned from a public CoP: the push closes it too
    thread = threads.get(probe.thread_id)
    if thread is None:
        # A room or thread that is gone sends nothing more; a merge waits for its push.
        return None
    moved = thread.community_id != probe.community_id
    if not can_open_thread(user, thread):
        # Moved into a CoP the reader may not see: the code of the move's
        # push (ThreadConsumer.follow); otherwise she lost her place in the CoP.
        return NOT_FOUND if moved else ACCESS_LOST
    if moved:
        return None  # followed when the move's push arrives
    if probe.took_part and not can_take_part_in_community(user, thread.community):
        return ACCESS_LOST
    if probe.audience is not None and audience_of(user, thread) != probe.audience:
        return RIGHTS_CHANGED
    return None


def probe_of(socket) -> Probe | None:
    """What ``socket`` (a realtime.consumers.LiveConsumer) shows, None if not yet known."""
    if getattr(socket, "closing", True) or not hasattr(socket, "signed_in"):
        return None
    session = socket.scope.get("session")
    room = getattr(socket, "room", None)
    thread = getattr(socket, "thread", None)
    audience = getattr(socket, "audience", None)
    rights = getattr(socket, "rights", None) or {}
    if thread is not None:
        took_part = audience is not None and audience != READER
    else:
        took_part = bool(rights.get("member") or rights.get("can_moderate"))
    return Probe(
        session_key=getattr(session, "session_key", None),
        user_id=socket.user.pk if socket.signed_in else None,
        room_id=room.pk if room is not None else None,
        thread_id=thread.pk if thread is not None else None,
        community_id=getattr(socket, "community_id", None),
        took_part=socket.signed_in and took_part,
        audience=audience if thread is not None else None,
    )


class Sweeper:
    """The open live sockets of one event loop on one layer, checked while the layer is down."""

    def __init__(self, layer) -> None:
        self.health = health(layer)
        self.sockets: weakref.WeakSet = weakref.WeakSet()
        self.task: asyncio.Task | None = None
        self.errors = 0
        self.health.on_down.append(self.start)

    def track(self, socket) -> None:
        """Check ``socket`` in each sweep from now on (until it is gone)."""
        self.sockets.add(socket)
        if not self.health.up:
            self.start()

    def forget(self, socket) -> None:
        self.sockets.discard(socket)

    def start(self) -> None:
        if self.sockets and (self.task is None or self.task.done()):
            self.task = background(self._run())

    async def _run(self) -> None:
        """Sweep now, every INTERVAL while the layer is down, and once when it is back."""
        closed = 0
        failed = False
        self.errors = 0
        while True:
            back = self.health.up
            try:
                closed += await self.sweep()
            except Exception:
                if not failed:  # once per outage, not once per sweep
                    logger.warning("Access sweep failed; tried again", exc_info=True)
                failed = True
            if back:
                break
            try:
                async with asyncio.timeout(INTERVAL):
                    await self.health.back.wait()
            except TimeoutError:
                pass
        if closed:
            logger.warning("sockets closed for lost access during the outage: %d", closed)

    async def sweep(self) -> int:
        """Check every tracked socket in one database call; close those that lost access."""
        sockets, probes = [], []
        for socket in list(self.sockets):
            probe = probe_of(socket)
            if probe is not None:
                sockets.append(socket)
                probes.append(probe)
        if not probes:
            return 0
        verdicts = await database_sync_to_async(judge)(probes)
        closed = 0
        # Closes first: they are what must not wait.
        order = sorted(verdicts.items(), key=lambda item: item[1] == RIGHTS_CHANGED)
        for index, code in order:
            socket = sockets[index]
            if socket.closing:
                continue  # closed meanwhile
            try:
                if code == RIGHTS_CHANGED:
                    await socket.rights_changed()
                else:
                    await socket.lose_access(code)
                    closed += 1
            except Exception as error:
                # A socket that went away meanwhile; one line, no traceback per socket.
                self.errors += 1
                if self.errors == 1:
                    logger.info("A socket could not be updated by the access sweep (%r)", error)
        return closed


sweeper = PerLoopAndLayer(
    Sweeper, "The sweeper of this event loop for ``layer`` (one per loop, as layers are)."
)
