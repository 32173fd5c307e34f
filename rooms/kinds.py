"""
What the rooms app knows of the things other apps put in a room.

Two registries, filled from ``AppConfig.ready()`` so that rooms never imports
the apps that use it:

- **change kinds**: a room's log (``RoomEvent``) holds ``(seq, kind,
  object_id)``. To replay it to a client that reconnects, or to push one
  change live, each kind names how to load its objects (in bulk) and how to
  draw one as a frame. Rooms registers chat messages, room settings and
  mutes; webinars register questions, polls and raised hands.
- **room kinds**: a CoP's salon (here) and a webinar's room (webinars). Each
  names the page that shows a room of that kind, and may add to what a
  newcomer is sent (the snapshot), to the room's state in ``hello``, and to
  the context of its actions (rooms.actions).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .models import Room


@dataclass(frozen=True, slots=True)
class ChangeKind:
    # (room, ids) -> {id: object}; objects that no longer exist are left out.
    load: Callable[[Room, list[int]], dict[int, object]]
    # (seq, object) -> frame (a dict ready for JSON), the same for every viewer.
    frame: Callable[[int, object], dict]
    # A small live change of an object another kind draws whole (a question's
    # new vote count): pushed live as its own small frame, replayed to a
    # reconnecting client as that other kind, so it still gets each object
    # once, in its current state.
    replay_as: str | None = None


def _nothing(*args) -> dict:
    return {}


def _no_frames(*args) -> list:
    return []


@dataclass(frozen=True, slots=True)
class RoomKind:
    name: str
    # (room) -> the path of the page that shows the room.
    page: Callable[[Room], str]
    # (room) -> what the kind's actions and pages work on besides the room
    # (a webinar's session); None: the room itself.
    subject: Callable[[Room], object] = lambda room: room
    # (user, room, subject) -> extra keys of the room's state in ``hello``,
    # for this reader (a webinar room adds the session and "me").
    state: Callable = field(default=_nothing)
    # (user, room, subject) -> extra keys of ``hello`` itself.
    hello: Callable = field(default=_nothing)
    # (room, subject, cursor) -> frames a newcomer gets after the latest messages.
    snapshot: Callable = field(default=_no_frames)
    # (rooms) -> None: load at once what ``page`` reads of each of ``rooms``
    # (a webinar room's session), so that a list of rooms costs one query.
    preload_pages: Callable[[list[Room]], None] = field(default=_nothing)


_kinds: dict[str, ChangeKind] = {}
_room_kinds: dict[str, RoomKind] = {}


def register(kind: str, *, load, frame, replay_as: str | None = None) -> None:
    """Register a kind of change: how to load its objects and draw one (see ChangeKind)."""
    if replay_as is not None and replay_as not in _kinds:
        raise ValueError(f"{kind!r} is replayed as {replay_as!r}, which is not registered")
    _kinds[kind] = ChangeKind(load=load, frame=frame, replay_as=replay_as)


def is_registered(kind: str) -> bool:
    return kind in _kinds


def register_room_kind(room_kind: RoomKind) -> None:
    _room_kinds[room_kind.name] = room_kind


def room_kind(room: Room) -> RoomKind:
    return _room_kinds[room.kind]


def room_kinds() -> list[str]:
    return list(_room_kinds)


def frames_for(room: Room, changes: Iterable[tuple[int, str, int]]) -> list[tuple[int, dict]]:
    """Draw ``(seq, kind, object_id)`` changes as ``(seq, frame)``, in order.

    An object changed several times is drawn once, in its current state, at
    its last sequence number: the client needs where things stand, not how
    they got there.
    """
    last_seq: dict[tuple[str, int], int] = {}
    for seq, kind, object_id in changes:
        if kind in _kinds:
            last_seq[(_kinds[kind].replay_as or kind, object_id)] = seq
    by_kind: dict[str, list[int]] = {}
    for kind, object_id in last_seq:
        by_kind.setdefault(kind, []).append(object_id)
    loaded = {kind: _kinds[kind].load(room, ids) for kind, ids in by_kind.items()}
    drawn = [
        (seq, _kinds[kind].frame(seq, loaded[kind][object_id]))
        for (kind, object_id), seq in last_seq.items()
        if object_id in loaded[kind]
    ]
    drawn.sort(key=lambda pair: pair[0])
    return drawn


def frame_for(room: Room, seq: int, kind: str, object_id: int) -> dict | None:
    """Draw one change as pushed live, or None when its kind is unknown or its object is gone."""
    change = _kinds.get(kind)
    if change is None:
        return None
    item = change.load(room, [object_id]).get(object_id)
    return None if item is None else change.frame(seq, item)


def page_url(room: Room) -> str:
    """The path of the page that shows ``room`` (a CoP's salon, a webinar's live room)."""
    return _room_kinds[room.kind].page(room)


def preload_pages(rooms: Iterable[Room]) -> None:
    """Load what ``page_url`` reads of each of ``rooms``: one query per room kind at most."""
    by_kind: dict[str, list[Room]] = {}
    for room in rooms:
        by_kind.setdefault(room.kind, []).append(room)
    for kind, some in by_kind.items():
        _room_kinds[kind].preload_pages(some)
