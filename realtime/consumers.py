"""
WebSocket consumers: transport only.

They check access before joining a group, hand every room action to
``rooms.actions.perform`` (the same table and services the HTTP door uses)
and forward frames that ``receivers`` serialised once. Every frame and close
code is described in docs/realtime-protocol.md.
"""

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections import deque
from typing import NamedTuple
from urllib.parse import parse_qs

from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from forum import frames as forum_frames
from forum import inputs
from forum import permissions as forum_permissions
from forum import selectors as forum_selectors
from forum.middleware import choose_language
from forum.models import Thread
from forum.presentation import audience_of
from forum.services.security import session_handle
from rooms import actions, selectors, services
from rooms.models import Room

from . import admission, groups, presence, wire
from .codes import ACCESS_LOST, BAD_REQUEST, LOGIN_REQUIRED, NOT_FOUND
from .health import health
from .local_groups import local_groups
from .middleware import resolve_user, user_is_resolved
from .pages import recent_pages, resume_page
from .publisher import publish
from .receivers import dumps, post_frame, thread_frame
from .sweep import sweeper
from .thread_poll import thread_poller

MAX_FRAME_BYTES = actions.MAX_FRAME_BYTES
# Frames of any kind one socket may send per window before being told to slow down.
FLOOD_FRAMES, FLOOD_SECONDS = 30, 10
TYPING_INTERVAL = 3.0
# Seconds a room socket waits for a change that another process publishes late
# before reading it from the database.
GAP_WAIT = 0.5
# Reads of a room's (or thread's) log in flight in this process, by (topic,
# variant, cursor): shared by all the sockets that ask for the same page, so a
# late publish costs one query, not one per socket.
_gap_fills: dict[tuple, asyncio.Future] = {}
# Seconds between two "still here" writes of a connection (see selectors.PRESENCE_TIMEOUT).
TOUCH_INTERVAL = 45.0

logger = logging.getLogger(__name__)


class Refuse(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, code: int) -> None:
        self.code = code


class LiveConsumer(AsyncWebsocketConsumer):
    """What every live endpoint shares: access on connect, frame checks, bell, heartbeat."""

    topic = ""

    # Connection ------------------------------------------------------------------

    async def connect(self) -> None:
        session = self.scope.get("session")
        # The public name of this socket's session: its sockets close when it is ended.
        self.session_handle = session_handle(getattr(session, "session_key", None))
        self.joined: list[str] = []
        # Groups this process holds once for all its sockets (see local_groups).
        self.joined_locally: set[str] = set()
        # Pushes of those groups wait here while the socket is busy (see hold).
        self.held: list[dict] | None = None
        self.hold()
        self.recent_frames: deque[float] = deque(maxlen=FLOOD_FRAMES)
        self.last_typing = 0.0
        self.last_touch = time.monotonic()
        self.closing = False
        self.present = False
        # Accepted at once, whatever follows: Daphne drops a socket that is not
        # accepted within its connect timeout (5 s) without an answer, and a
        # refused one must see its close code. No frame goes out before the
        # checks below, and frames the client sends meanwhile wait for them.
        await self.accept()
        gate = admission.admission()
        # The database part of a handshake waits for a turn (see realtime/admission.py).
        async with gate.turn() as admitted:
            if not admitted:
                await self.come_back_later(gate.book_return())
                return
            try:
                if not await self.admit():
                    return
                if self.signed_in:
                    await self.join(groups.user(self.user.pk))
                await self.ready()
            except BaseException:
                await self.abandon()
                raise
        await self.release()
        if self.channel_layer is not None:
            # Checked again while the layer is down: its pushes of lost access may not come.
            sweeper(self.channel_layer).track(self)

    async def admit(self) -> bool:
        """Read the user, then ``open()``; False once the socket was refused."""
        try:
            if self.reads_user_in_open or user_is_resolved(self.scope):
                # Resolved already (no database), or read in open()'s own call.
                if user_is_resolved(self.scope):
                    self.identify()
            else:
                await database_sync_to_async(self.identify)()
            await self.open()
        except Refuse as refusal:
            await self.refuse(refusal.code)
            return False
        except Http404:
            await self.refuse(NOT_FOUND)
            return False
        except PermissionDenied:
            await self.refuse(ACCESS_LOST)
            return False
        return True

    # Whether open() reads the user itself, in its one database call (rooms).
    reads_user_in_open = False

    def identify(self) -> None:
        """Read the socket's user from its session (in a worker thread, unless read already)."""
        self.user = resolve_user(self.scope)
        self.signed_in = bool(self.user is not None and self.user.is_authenticated)
        cookies = self.scope.get("cookies") or {}
        self.language = choose_language(self.user, cookies.get(settings.LANGUAGE_COOKIE_NAME))

    async def come_back_later(self, retry: float) -> None:
        """Turn the socket away for now: say when to retry, close with 4503 (no database work)."""
        await self.send_frame({"type": "busy", "retry": retry})
        self.closing = True
        await self.close(code=admission.TRY_AGAIN)

    async def abandon(self) -> None:
        """A handshake failed half-way: leave no presence behind it."""
        self.closing = True
        if self.present:
            self.present = False
            with contextlib.suppress(Exception):
                await database_sync_to_async(services.close_connection)(
                    channel_name=self.channel_name
                )

    async def refuse(self, code: int) -> None:
        # Accepted already, so the browser learns the code; no frame is sent before it,
        # and frames the client sent meanwhile are dropped (see receive).
        self.closing = True
        await self.leave_groups()
        await self.close(code=code)

    async def join(self, group: str, *, local: bool = False) -> None:
        """Join ``group``: on this socket's channel, or ``local``-ly, once per process.

        Never fails because the channel layer is down (realtime/health.py): a
        room is then read from the database, and a group on the socket's
        channel is joined when the layer is back.
        """
        if local:
            await local_groups(self.channel_layer).add(group, self)
            self.joined_locally.add(group)
        else:
            await health(self.channel_layer).group_add(group, self.channel_name)
        self.joined.append(group)

    async def leave(self, group: str) -> None:
        if group in self.joined_locally:
            local_groups(self.channel_layer).discard(group, self)
            self.joined_locally.discard(group)
        else:
            await health(self.channel_layer).group_discard(group, self.channel_name)
        self.joined.remove(group)

    async def leave_groups(self) -> None:
        for group in list(self.joined):
            await self.leave(group)

    async def deliver(self, handler: str, message: dict) -> None:
        """Take a push of a group held locally (called by local_groups)."""
        if self.held is not None:
            self.held.append(message)
        else:
            await getattr(self, handler)(message)

    def deliver_now(self, handler: str, message: dict) -> bool:
        """Send a local push at once, without a coroutine, when nothing is to decide; else False.

        local_groups calls it for every socket of a room before ``deliver``:
        for a room of 500 sockets the coroutines of the usual way (``deliver``,
        the handler, ``send_waiting``, ``send_pushed``) were a good share of
        the time per frame. Only the common case is taken here: nothing held,
        not closing, and a frame that can be written straight to a Daphne
        socket (realtime/wire.py). Anything else goes the usual way.
        """
        return False

    def write_now(self, text: str) -> bool:
        """Write a pushed frame straight to this Daphne socket; False: send it the usual way."""
        if self.held is not None or self.closing:
            return False
        return wire.write(self.wire_socket(), text)

    def wire_socket(self) -> wire.Socket | None:
        """The Daphne connection of this socket, looked up once (its ``send`` does not change)."""
        socket = self.__dict__.get("_wire_socket", False)
        if socket is False:
            socket = self._wire_socket = wire.daphne_socket(self.base_send)
        return socket

    def hold(self) -> bool:
        """Keep local pushes back until release(); False if already held.

        Channels hands a consumer one message at a time; local pushes come
        from another task, so they wait while this socket connects (the
        backlog goes first) or handles a frame (a sender gets its ack before
        its own message, as the protocol says).
        """
        if self.held is not None:
            return False
        self.held = []
        return True

    async def release(self) -> None:
        """Send what was held, in order, then take pushes as they come."""
        while self.held:
            message = self.held.pop(0)
            try:
                await getattr(self, get_handler_name(message))(message)
            except Exception:
                logger.exception("Held push %r failed", message.get("type"))
        self.held = None

    async def __call__(self, scope, receive, send) -> None:
        # AsyncConsumer.__call__, except that the socket's own channel is made
        # and read through realtime/health.py: a channel layer that is down
        # does not fail the handshake (see join).
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        try:
            if self.channel_layer is None:
                await await_many_dispatch([receive], self.dispatch)
            else:
                layer_health = health(self.channel_layer)
                self.channel_name = await layer_health.new_channel()
                self.channel_receive = functools.partial(layer_health.receive, self.channel_name)
                await await_many_dispatch([receive, self.channel_receive], self.dispatch)
        except StopConsumer:
            pass
        finally:
            # However the socket ended (even by an error in a handler), the
            # process stops handing it pushes.
            if getattr(self, "joined_locally", None):
                local_groups(self.channel_layer).discard_all(self)
            if self.channel_layer is not None:
                sweeper(self.channel_layer).forget(self)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        gap_task = getattr(self, "gap_task", None)
        if gap_task is not None:
            gap_task.cancel()
        await self.leave_groups()
        if self.topic and getattr(self, "present", False):
            self.present = False
            await database_sync_to_async(services.close_connection)(channel_name=self.channel_name)
            presence.announce(self.topic)

    async def lose_access(self, code: int = ACCESS_LOST) -> None:
        if not self.closing:
            self.closing = True
            await self.leave_groups()
            await self.close(code=code)

    async def be_present(self) -> None:
        if not self.present:  # a room socket is recorded in its first database call
            await database_sync_to_async(services.open_connection)(
                topic=self.topic, channel_name=self.channel_name, user=self.user
            )
            self.present = True
        presence.announce(self.topic)

    # Hooks for each endpoint -------------------------------------------------------

    async def open(self) -> None:
        """Check access and join groups; raise Refuse, Http404 or PermissionDenied."""

    async def ready(self) -> None:
        """Send the first frames once the socket is accepted."""
        await self.send_frame(self.hello())

    def hello(self, **extra) -> dict:
        return {
            "type": "hello",
            "topic": self.topic or None,
            "user": forum_frames.person(self.user) if self.signed_in else None,
            "unread": self.user.unread_notifications if self.signed_in else None,
            "heartbeat": settings.JEKAFO["HEARTBEAT"],
            **extra,
        }

    async def dispatch(self, message: dict) -> None:
        """Call the handler of ``message`` (without Channels' per-message database hop).

        Channels 4.2+ runs ``close_old_connections`` in the sync thread before
        every handler. A push to a room of 500 sockets then costs 500 thread
        hops on the one thread that also runs every query: the benchmark showed
        it as the largest cost. Handlers here reach the database only through
        ``database_sync_to_async``, which closes old connections itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # Incoming frames ---------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.closing:
            # Refused or closing: the socket has no room, thread or rights to
            # judge a frame by, and nothing more goes out on it.
            return
        held = self.hold()
        try:
            with translation.override(self.language):
                try:
                    await self.dispatch_frame(text_data, bytes_data)
                except actions.ActionError as error:
                    await self.send_error(error.code, error.message, ref=error.ref)
        finally:
            if held:
                await self.release()

    async def dispatch_frame(self, text_data, bytes_data) -> None:
        """Transport checks, then the frame's handler; what a frame asks is not judged here."""
        now = time.monotonic()
        if len(self.recent_frames) == FLOOD_FRAMES and now - self.recent_frames[0] < FLOOD_SECONDS:
            raise actions.ActionError(
                "rate_limited",
                _("Trop de messages envoyés d'un coup : attendez quelques secondes."),
            )
        self.recent_frames.append(now)
        if text_data is None:
            raise actions.ActionError("binary", _("Seuls les messages texte (JSON) sont acceptés."))
        if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode()) > MAX_FRAME_BYTES:
            raise actions.ActionError(
                "too_large", _("Message trop long : 16 Ko au plus par envoi.")
            )
        frame = actions.decode(text_data)
        kind = frame.get("type")
        if kind == "more":
            # Paced by the pages themselves (one read at a time): not a flood.
            self.recent_frames.pop()
            await self.on_more(frame)
        elif kind == "ping":
            await self.on_ping(frame)
        elif kind == "typing" and self.topic:
            await self.on_typing(frame)
        else:
            await self.on_frame(kind, frame)

    async def on_frame(self, kind, frame: dict) -> None:
        """A frame other than ping and typing: none here (rooms take actions)."""
        raise actions.ActionError("unknown_type", _("Type de message inconnu."))

    async def on_typing(self, frame: dict) -> None:
        """Someone is writing: relayed to the others (rooms, threads)."""
        raise actions.ActionError("unknown_type", _("Type de message inconnu."))

    async def on_more(self, frame: dict) -> None:
        """The client asks for the next page of its backlog (rooms, threads)."""
        raise actions.ActionError("unknown_type", _("Type de message inconnu."))

    async def on_ping(self, frame: dict) -> None:
        await self.send_frame({"type": "pong"})
        # Presence needs a sign of life every PRESENCE_TIMEOUT (75 s); writing
        # one per ping (25 s) would triple the writes for nothing.
        now = time.monotonic()
        if getattr(self, "present", False) and now - self.last_touch >= TOUCH_INTERVAL:
            self.last_touch = now
            await database_sync_to_async(services.touch_connection)(channel_name=self.channel_name)

    async def call(self, function, **kwargs):
        """Run a service in a worker thread, in the reader's language."""
        language = self.language

        def run():
            with translation.override(language):
                return function(**kwargs)

        return await database_sync_to_async(run)()

    async def typing(self, targets: list[str]) -> None:
        if not self.may_type:
            raise actions.ActionError("forbidden", _("Seuls les membres peuvent écrire ici."))
        now = time.monotonic()
        if now - self.last_typing < TYPING_INTERVAL:
            return
        self.last_typing = now
        text = dumps({"type": "typing", "user": forum_frames.person(self.user)})
        event = {"type": "live.typing", "text": text, "sender": self.channel_name}
        for group in targets:
            publish(group, event, keep=False)  # stale in a moment: dropped while the layer is down

    # Outgoing frames ---------------------------------------------------------------

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        # Once access is lost, nothing more goes out, not even pushes already
        # queued on this channel before it left its groups.
        if self.closing:
            return
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except Disconnected:
            # The client went away while this frame was on its way (a ping it sent
            # just before closing its page, answered after the close): there is no
            # one to send it to, and the disconnect that follows cleans up.
            self.closing = True

    async def send_frame(self, frame: dict) -> None:
        await self.send(text_data=dumps(frame))

    async def send_pushed(self, text: str) -> None:
        """Send a frame pushed to a group: on Daphne, framed once for all sockets (wire.py)."""
        if self.closing:
            return
        if not wire.write(self.wire_socket(), text):
            await self.send(text_data=text)

    async def send_error(self, code: str, text: str, *, key=None, ref=None) -> None:
        await self.send_frame(actions.error_frame(code, text, key=key, ref=ref))

    # Group messages, already serialised by receivers ---------------------------------

    async def user_notifications(self, event: dict) -> None:
        await self.send(text_data=event["text"])

    async def live_presence(self, event: dict) -> None:
        await self.send_pushed(event["text"])

    async def live_typing(self, event: dict) -> None:
        if event.get("sender") != self.channel_name:  # "typing" goes to the others only
            await self.send_pushed(event["text"])

    async def user_access(self, event: dict) -> None:
        if event.get("deactivated"):
            await self.lose_access()
        elif "sessions" in event:
            if self.session_handle and self.session_handle in event["sessions"]:
                await self.lose_access(code=LOGIN_REQUIRED)
        elif event.get("community_id") == getattr(self, "community_id", None):
            if event.get("role") is None:
                await self.lose_access()
            else:
                await self.rights_changed()

    async def rights_changed(self) -> None:
        """A role changed in this socket's CoP (e.g. member → moderator)."""

    async def user_room(self, event: dict) -> None:
        """The reader's standing in a room changed; only that room's sockets care."""


def _after(scope) -> int | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("after")
    if not values or values[0] == "":
        return None
    after = inputs.read_whole_number(values[0])
    if after is None:
        raise Refuse(BAD_REQUEST)
    return after


def _route_id(scope, name: str) -> int:
    number = inputs.read_whole_number(str(scope["url_route"]["kwargs"][name]))
    if number is None:
        raise Refuse(BAD_REQUEST)
    return number


class Page(NamedTuple):
    """One page of a room's (or thread's) log, drawn for one kind of reader."""

    cursor: int  # where the socket's stream stands once the page is sent
    items: list[tuple[int, str]]  # (seq, frame text) in seq order
    more: bool  # the log goes on past ``cursor``
    newest: int  # the log's last seq when it was read


class OrderedStream:
    """Frames numbered by ``seq``, sent once each and in order, backlog a page at a time.

    Live frames that come ahead of a hole wait (a page of them at most) while
    the one they overtook is on its way; after GAP_WAIT the log fills the hole,
    read once for every socket of this process at the same place. A socket
    further behind than a page reads the log page by page, each page asked for
    by the client (``more``), so it never holds more than one page whatever
    the gap. Subclasses give ``catch_up`` (one page of the log after a seq),
    ``stream_key`` and ``send_waiting``.
    """

    def start_stream(self) -> None:
        self.waiting: dict[int, str] = {}  # live frames that arrived ahead of a hole
        self.gap_task: asyncio.Task | None = None
        self.paging = False  # the client is reading its backlog page by page
        self.page_read = False  # a page it asked for is being read
        self.dropped = 0  # the last seq of a live frame not kept: the log gives it

    def catch_up(self, after: int | None) -> Page:
        raise NotImplementedError

    def stream_key(self, after: int) -> tuple:
        raise NotImplementedError

    async def send_waiting(self) -> None:
        raise NotImplementedError

    @property
    def behind(self) -> bool:
        """Something past the cursor is known to exist and was not sent yet."""
        return bool(self.waiting) or self.cursor < self.dropped

    def keep(self, seq: int, text: str) -> None:
        """Hold a live frame that came ahead of a hole; past a page of them, the log gives it."""
        if len(self.waiting) < resume_page():
            self.waiting[seq] = text
        else:
            self.dropped = max(self.dropped, seq)

    async def read_page(self, after: int) -> Page:
        """The page after ``after``, read once for this process's sockets that ask the same."""
        key = self.stream_key(after)
        task = _gap_fills.get(key)
        if task is None:
            task = asyncio.ensure_future(database_sync_to_async(self.catch_up)(after))
            _gap_fills[key] = task
            task.add_done_callback(lambda _task: _gap_fills.pop(key, None))
        return await asyncio.shield(task)

    async def send_first_page(self, page: Page) -> None:
        """After ``hello``: the first page of the backlog, and ``more`` if it goes on."""
        self.cursor = page.cursor
        for seq, text in page.items:
            await self.send(text_data=text)
            await self.sent_from_log(seq)
        await self.page_done(page)

    async def take(self, page: Page) -> None:
        """Send what ``page`` holds past the cursor, in order, and move the cursor on."""
        for seq, text in page.items:
            if seq > self.cursor:
                self.cursor = seq
                await self.send(text_data=text)
                await self.sent_from_log(seq)
        self.cursor = max(self.cursor, page.cursor)
        for seq in [seq for seq in self.waiting if seq <= self.cursor]:
            del self.waiting[seq]
        await self.caught_up_to_cursor()

    async def page_done(self, page: Page) -> None:
        """Ask the client to come back for more, or go on live from the cursor."""
        if page.more or self.cursor < self.dropped:
            self.paging = True
            await self.send_frame({"type": "more", "last_seq": self.cursor})
            return
        self.paging = False
        await self.send_waiting()

    async def on_more(self, frame: dict) -> None:
        if not self.paging or self.page_read:
            return  # nothing owed, or the page is on its way
        self.page_read = True
        try:
            page = await self.read_page(self.cursor)
            await self.take(page)
            await self.page_done(page)
        finally:
            self.page_read = False
        self.watch_gap()

    def watch_gap(self) -> None:
        """Fill a hole from the log if the frame it waits for does not come soon."""
        if self.behind and not self.paging and not self.closing and self.gap_task is None:
            self.gap_task = asyncio.get_running_loop().create_task(self.fill_gap())

    async def fill_gap(self) -> None:
        try:
            # An earlier change is still on its way: another process published
            # it later. Give it a moment to arrive before asking the database.
            await asyncio.sleep(GAP_WAIT)
            if self.paging or not self.behind:
                return
            page = await self.read_page(self.cursor)
            await self.take(page)
            await self.page_done(page)
        finally:
            self.gap_task = None
        self.watch_gap()

    async def sent_from_log(self, seq: int) -> None:
        """A frame read from the log went out (hook)."""

    async def caught_up_to_cursor(self) -> None:
        """The cursor moved on over frames read from the log (hook)."""


class RoomConsumer(OrderedStream, LiveConsumer):
    """A live room (a CoP's salon, a webinar's room): /ws/rooms/<room_id>/?after=<seq>."""

    reads_user_in_open = True

    async def open(self) -> None:
        self.after = _after(self.scope)
        await database_sync_to_async(self.enter_room)()
        # Join before reading the room's position: what commits from now on
        # arrives live, what committed before is read below.
        await self.join(groups.room(self.room.pk), local=True)

    def enter_room(self) -> None:
        """In one database call: the user, the room if she may see it, her rights, her presence.

        A handshake used to take a trip to the database thread for each of
        these (and one more for the user, in the auth middleware); under a
        burst every trip waits behind every other handshake's.
        """
        self.identify()
        selectors.forget_memberships_of(self.user)
        self.room: Room = self.find_room()
        self.community_id = self.room.community_id
        self.topic = f"room.{self.room.pk}"
        # The access check just read her memberships: the rights reuse them.
        self.read_rights(fresh=True)
        # Recorded before the socket is accepted: if the handshake fails after
        # this, abandon() closes the record.
        services.open_connection(topic=self.topic, channel_name=self.channel_name, user=self.user)
        self.present = True

    def find_room(self) -> Room:
        """The room of the URL, if the reader may see it (Http404 otherwise)."""
        return selectors.access_room(self.user, _route_id(self.scope, "room_id"))

    async def load_rights(self) -> None:
        await database_sync_to_async(self.read_rights)()

    def read_rights(self, *, fresh: bool = False) -> None:
        self.rights = selectors.reader_rights(self.user, self.room, fresh=fresh)
        self.can_post = self.rights["can_post"]
        self.can_moderate = self.rights["can_moderate"]
        # Whether the room is open, or the member muted, changes under the socket:
        # "typing" asks only for membership, and the services judge every action.
        self.may_type = self.rights["member"]

    def catch_up(self, after: int | None) -> Page:
        """Read the room's position, then one page of what the client has not seen yet."""
        newest = Room.objects.values_list("last_seq", flat=True).get(pk=self.room.pk)
        return self.read_page_of_log(after, newest)

    def read_page_of_log(self, after: int | None, newest: int) -> Page:
        """One page of the log after ``after``, the room's position being ``newest``."""
        if after is None:
            frames = selectors.snapshot(self.room, newest)
            return Page(newest, [(f.get("seq", 0), dumps(f)) for f in frames], False, newest)
        pairs, last, more = selectors.list_room_changes(self.room, after, limit=resume_page())
        read = last if last > after else 0  # the last seq read, not the client's claim
        cursor = read if more else max(newest, read)
        return Page(cursor, [(seq, dumps(frame)) for seq, frame in pairs], more, newest)

    def stream_key(self, after: int) -> tuple:
        return (self.topic, after)

    def read_start(self) -> tuple[Page, dict]:
        """The first page of the backlog and the room's state, in one database call.

        The room is read afresh once, for its position and its state.
        """
        fresh = selectors.read_room_afresh(self.room)
        # A crowd resuming from the same seq (a restart, a region back) reads it once.
        page = recent_pages.get(
            (self.room.pk, self.room.created_at, self.after, fresh.last_seq),
            functools.partial(self.read_page_of_log, self.after, fresh.last_seq),
        )
        return page, selectors.room_state(self.user, self.room, fresh=fresh)

    def room_hello(self) -> dict:
        """Hello of a room socket: the cursor, the reader's rights, the room's state."""
        return self.hello(last_seq=self.cursor, room=self.state, **self.rights)

    async def ready(self) -> None:
        self.start_stream()
        page, self.state = await self.call(self.read_start)
        self.cursor = page.cursor
        await self.send_frame({**self.room_hello(), "last_seq": page.newest})
        await self.send_first_page(page)
        await self.be_present()

    def deliver_now(self, handler: str, message: dict) -> bool:
        if self.held is not None:  # connecting, or handling a frame: in order, after it
            return False
        if handler == "live_presence":
            return self.write_now(message["text"])
        # The next change in order, with no hole known before it and no page being read.
        if (
            handler != "room_change"
            or message["seq"] != self.cursor + 1
            or self.waiting
            or self.dropped > self.cursor
            or self.paging
            or self.gap_task is not None
            or not self.write_now(message["text"])
        ):
            return False
        self.cursor += 1
        return True

    async def room_change(self, event: dict) -> None:
        seq = event["seq"]
        if seq <= self.cursor or seq in self.waiting:
            return  # already sent (history, gap fill) or already waiting
        self.keep(seq, event["text"])
        if self.paging:
            return  # the pages still to come lead up to it
        await self.send_waiting()
        self.watch_gap()

    async def send_waiting(self) -> None:
        """Send the frames that follow the cursor without a hole, in order."""
        while self.cursor + 1 in self.waiting:
            self.cursor += 1
            await self.send_pushed(self.waiting.pop(self.cursor))

    async def rights_changed(self) -> None:
        await self.load_rights()
        self.state = await self.call(selectors.room_state, user=self.user, room=self.room)
        await self.send_frame(self.room_hello())

    async def user_room(self, event: dict) -> None:
        """The reader's standing in a room changed (muted, given the floor back)."""
        if event.get("room_id") == self.room.pk and not self.closing:
            await self.rights_changed()

    async def on_frame(self, kind, frame: dict) -> None:
        """Every other frame is a room action: the table judges it, as for the HTTP door."""
        answer = await self.call(
            actions.perform, name=kind, user=self.user, room=self.room, data=frame
        )
        await self.send_frame(answer)

    async def on_typing(self, frame: dict) -> None:
        await self.typing([groups.room(self.room.pk)])


class ThreadConsumer(OrderedStream, LiveConsumer):
    """A live thread page: /ws/threads/<thread_id>/?after=<post seq>."""

    async def open(self) -> None:
        thread_id = _route_id(self.scope, "thread_id")
        self.after = _after(self.scope)
        self.thread: Thread = await database_sync_to_async(forum_selectors.access_thread)(
            self.user, thread_id
        )
        self.topic = f"thread.{self.thread.pk}"
        await self.subscribe()

    async def subscribe(self) -> None:
        def rights():
            if self.signed_in:
                forum_permissions.forget_memberships(self.user)
            return (
                audience_of(self.user, self.thread),
                forum_permissions.can_reply_to_thread(self.user, self.thread),
                forum_permissions.can_moderate_community(self.user, self.thread.community),
            )

        self.audience, self.can_post, self.can_moderate = await database_sync_to_async(rights)()
        self.may_type = self.can_post
        self.community_id = self.thread.community_id
        group = groups.thread(self.thread.pk, self.audience, self.language)
        if group in self.joined:
            return  # leaving and joining again would drop what is pushed meanwhile
        previous = [g for g in self.joined if g.startswith("thread.")]
        # Join the new audience's group before leaving the old one, so that no
        # push falls between the two (a post sent to both is skipped by seq).
        await self.join(group)
        for old in previous:
            await self.leave(old)

    def catch_up(self, after: int | None) -> Page:
        """The thread's last post number, then one page of the posts published after ``after``."""
        newest = Thread.objects.values_list("last_seq", flat=True).get(pk=self.thread.pk)
        if after is None:
            return Page(newest, [], False, newest)  # the page drew the posts
        size = resume_page()
        posts = list(forum_selectors.published_posts_after(self.thread, after)[: size + 1])
        more = len(posts) > size
        posts = posts[:size]
        thread, audience, language = self.thread, self.audience, self.language
        items = [
            (post.seq, dumps(post_frame(post, thread, audience, language, "created")))
            for post in posts
        ]
        # Numbers without a post here are replies still waiting for validation.
        read = posts[-1].seq if posts else 0
        cursor = read if more else max(newest, read)
        return Page(cursor, items, more, max(newest, read))

    def stream_key(self, after: int) -> tuple:
        return (self.topic, self.audience, self.language, after)

    async def ready(self) -> None:
        self.start_stream()
        # Edits, deletions and moderation of posts not sent yet: they follow the post.
        self.later: dict[int, list[str]] = {}
        # Posts lately read from the thread's log: an approval pushed after the
        # read is not sent twice.
        self.from_log: deque[int] = deque(maxlen=4 * resume_page())
        page = await database_sync_to_async(self.catch_up)(self.after)
        await self.send_frame(
            self.hello(last_seq=page.newest, can_post=self.can_post, can_moderate=self.can_moderate)
        )
        await self.send_first_page(page)
        await self.be_present()
        if self.channel_layer is not None:
            # While the layer is down, the process reads the thread for it.
            thread_poller(self.channel_layer).add(self)

    async def disconnect(self, code: int) -> None:
        if self.channel_layer is not None:
            thread_poller(self.channel_layer).discard(self)
        await super().disconnect(code)

    @property
    def behind(self) -> bool:
        return super().behind or bool(self.later)

    async def thread_polled(self, event: dict) -> None:
        """A page of the thread's log that the process read while the layer is down.

        Taken as a page of the socket's own log (realtime/thread_poll.py).
        """
        if self.closing or event["thread_id"] != self.thread.pk:
            return
        items = event["items"].get((self.audience, self.language))
        if items is None and self.audience not in event["audiences"]:
            return  # nothing is pushed to this audience either
        if items is None or self.paging or self.cursor < event["after"]:
            # Reading its backlog page by page, behind the read, or of an
            # audience not drawn: its own gap filling reads from its cursor.
            self.dropped = max(self.dropped, event["cursor"])
            self.watch_gap()
            return
        # Posts it already has that changed during the outage (hidden, edited,
        # deleted): sent as their pushes would have been.
        for seq, text in event.get("changes", {}).get((self.audience, self.language), ()):
            if seq <= self.cursor and not self.closing:
                await self.send(text_data=text)
        page = Page(event["cursor"], items, False, event["newest"])
        await self.take(page)
        await self.page_done(page)

    async def thread_push(self, event: dict) -> None:
        seq, text = event["seq"], event["text"]
        if event["event"] != "created":
            if seq <= self.cursor:
                await self.send(text_data=text)
            elif seq in self.later or len(self.later) < resume_page():
                # Its post has not gone out yet (behind a hole, or in a page
                # still to come): it follows the post.
                self.later.setdefault(seq, []).append(text)
                self.watch_gap()
            return
        if seq <= self.cursor:
            # An approved post keeps the number it took while it waited: it
            # arrives below the cursor and is new all the same, unless the
            # thread's log gave it already. Anything else was sent already.
            if event.get("approved") and seq not in self.from_log:
                self.from_log.append(seq)
                await self.send(text_data=text)
            return
        if seq in self.waiting:
            return
        self.keep(seq, text)
        if self.paging:
            return  # the pages still to come lead up to it
        await self.send_waiting()
        self.watch_gap()

    async def send_waiting(self) -> None:
        """Send the posts that follow the cursor without a hole, in thread order."""
        while self.cursor + 1 in self.waiting:
            self.cursor += 1
            await self.send(text_data=self.waiting.pop(self.cursor))
            await self.send_later(self.cursor)

    async def send_later(self, seq: int) -> None:
        for text in self.later.pop(seq, ()):
            await self.send(text_data=text)

    async def sent_from_log(self, seq: int) -> None:
        self.from_log.append(seq)
        await self.send_later(seq)

    async def caught_up_to_cursor(self) -> None:
        # Frames of posts the log skipped (none pushed before it) or already gave.
        for seq in sorted(seq for seq in self.later if seq <= self.cursor):
            await self.send_later(seq)

    async def thread_moderated(self, event: dict) -> None:
        frame = json.loads(event["text"])
        if frame.get("event") not in {"moved", "locked", "unlocked"}:
            await self.send(text_data=event["text"])
            return
        # Access first: a reader a move shuts out is closed without the frame
        # (its title would tell where the thread went).
        if not await self.follow(self.thread.pk):
            return
        if "title" in frame:
            await self.send(text_data=event["text"])
        else:  # a move into a private CoP: the details for those who may see it
            await self.send_frame(thread_frame(self.thread, "move_in"))

    async def follow(self, thread_id: int) -> bool:
        """Read ``thread_id`` again with the reader's rights now, or close (4404) if hidden."""
        if self.signed_in:
            forum_permissions.forget_memberships(self.user)
        try:
            self.thread = await database_sync_to_async(forum_selectors.access_thread)(
                self.user, thread_id
            )
        except Http404:
            self.closing = True
            await self.leave_groups()
            await self.close(code=NOT_FOUND)
            return False
        topic = f"thread.{self.thread.pk}"
        if topic != self.topic:
            # Merged away: the reader now counts among the target's readers.
            if getattr(self, "present", False):
                self.present = False
                await database_sync_to_async(services.close_connection)(
                    channel_name=self.channel_name
                )
                presence.announce(self.topic)
            self.topic = topic
            await self.subscribe()
            await self.be_present()
            return True
        await self.subscribe()
        return True

    async def thread_merged(self, event: dict) -> None:
        """The thread was merged: follow the target if the reader may see it, else close."""
        if not await self.follow(event["target_id"]):
            return
        # Posts of the target written from now on are pushed as usual.
        if self.gap_task is not None:
            self.gap_task.cancel()
        self.start_stream()
        self.later.clear()
        self.from_log.clear()
        self.cursor = await database_sync_to_async(
            Thread.objects.values_list("last_seq", flat=True).get
        )(pk=self.thread.pk)
        frame = {
            "type": "thread",
            "event": "merged",
            "title": self.thread.title,
            "url": self.thread.get_absolute_url(),
            "locked": self.thread.is_locked,
            "pinned": self.thread.is_pinned,
            "note": self.thread.closed_note,
            "slow_mode": self.thread.slow_mode,
        }
        await self.send_frame(frame)

    async def rights_changed(self) -> None:
        await self.subscribe()
        await self.send_frame(
            self.hello(last_seq=self.cursor, can_post=self.can_post, can_moderate=self.can_moderate)
        )

    async def on_typing(self, frame: dict) -> None:
        await self.typing(groups.thread_all(self.thread.pk))


class NotificationsConsumer(LiveConsumer):
    """The bell alone, for pages with no other live part: /ws/notifications/."""

    async def open(self) -> None:
        if not self.signed_in:
            raise Refuse(LOGIN_REQUIRED)


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other /ws/ path: accepted only to close with 4404, as for something not found."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=NOT_FOUND)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """Frames sent before the close arrived are dropped."""
