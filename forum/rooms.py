"""
What each kind of room change looks like on the wire.

A room's log (``RoomEvent``) holds ``(seq, kind, object_id)``. To replay it to
a client that reconnects, or to push one change live, each kind names how to
load its objects (in bulk) and how to draw one as a frame. The forum registers
chat messages, room settings and mutes; other apps register their own kinds
(webinar questions, polls, raised hands) from their ``AppConfig.ready()``, so
the forum never imports them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import Room


@dataclass(frozen=True, slots=True)
class ChangeKind:
    # (room, ids) -> {id: object}; objects that no longer exist are left out.
    load: Callable[[Room, list[int]], dict[int, object]]
    # (seq, object) -> frame (a dict ready for JSON), the same for every viewer.
    frame: Callable[[int, object], dict]


_kinds: dict[str, ChangeKind] = {}
# The page of a room, by room kind: (room) -> path.
_pages: dict[str, Callable[[Room], str]] = {}


def register(kind: str, *, load, frame) -> None:
    _kinds[kind] = ChangeKind(load=load, frame=frame)


def is_registered(kind: str) -> bool:
    return kind in _kinds


def frames_for(room: Room, changes: Iterable[tuple[int, str, int]]) -> list[tuple[int, dict]]:
    """Draw ``(seq, kind, object_id)`` changes as ``(seq, frame)``, in order.

    An object changed several times is drawn once, in its current state, at
    its last sequence number: the client needs where things stand, not how
    they got there.
    """
    last_seq: dict[tuple[str, int], int] = {}
    for seq, kind, object_id in changes:
        if kind in _kinds:
            last_seq[(kind, object_id)] = seq
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
    """Draw one change, or None when its kind is unknown or its object is gone."""
    drawn = frames_for(room, [(seq, kind, object_id)])
    return drawn[0][1] if drawn else None


def register_page(room_kind: str, page: Callable[[Room], str]) -> None:
    _pages[room_kind] = page


def page_url(room: Room) -> str:
    """The path of the page that shows ``room`` (a CoP's salon, a webinar's live room)."""
    return _pages[room.kind](room)
