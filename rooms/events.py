"""Events of live rooms, delivered after commit through the forum's event bus."""

from dataclasses import dataclass

from forum.events import Event, emit

__all__ = ["RoomChanged", "emit"]


@dataclass(frozen=True, slots=True)
class RoomChanged(Event):
    """Something in a room took sequence number ``seq`` (a message, a setting, a mute…)."""

    room_id: int
    community_id: int
    seq: int
    kind: str
    object_id: int
