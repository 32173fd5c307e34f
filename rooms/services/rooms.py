"""Rooms themselves: the salon of a CoP, rooms other apps open, and the room's log."""

from datetime import datetime

from django.db import IntegrityError, transaction

from forum.models import Community

from .. import events
from ..models import SALON, Room, RoomEvent


def lock_room(room: Room) -> Room:
    """Lock ``room``'s row for the transaction: its changes are numbered one at a time."""
    return Room.objects.select_for_update().select_related("community").get(pk=room.pk)


def record_change(room: Room, kind: str, object_id: int) -> int:
    """Give the next sequence number of the locked ``room`` to one change, announced on commit."""
    seq = room.last_seq + 1
    RoomEvent.objects.create(room=room, seq=seq, kind=kind, object_id=object_id)
    Room.objects.filter(pk=room.pk).update(last_seq=seq)
    room.last_seq = seq
    events.emit(
        events.RoomChanged(
            room_id=room.pk,
            community_id=room.community_id,
            seq=seq,
            kind=kind,
            object_id=object_id,
        )
    )
    return seq


def ensure_salon(community: Community) -> Room:
    """Return the CoP's salon, opening it on its first write."""
    room = Room.objects.filter(community=community, kind=SALON).first()
    if room is None:
        try:
            with transaction.atomic():
                room = Room.objects.create(community=community, kind=SALON, title=community.name)
        except IntegrityError:  # opened meanwhile by another request
            room = Room.objects.get(community=community, kind=SALON)
    room.community = community
    return room


def create_room(
    *,
    community: Community,
    kind: str,
    title: str,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Room:
    """Open a room of a registered ``kind`` (a webinar session's) in ``community``."""
    return Room.objects.create(
        community=community, kind=kind, title=title, opens_at=opens_at, closes_at=closes_at
    )


@transaction.atomic
def update_room(
    room: Room,
    *,
    title: str | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Room:
    """Rename a room or move its writing window; a new window is announced to its clients."""
    room = lock_room(room)
    if title is not None and room.title != title:
        Room.objects.filter(pk=room.pk).update(title=title)
        room.title = title
    if (room.opens_at, room.closes_at) != (opens_at, closes_at):
        Room.objects.filter(pk=room.pk).update(opens_at=opens_at, closes_at=closes_at)
        room.opens_at, room.closes_at = opens_at, closes_at
        record_change(room, RoomEvent.Kind.ROOM, room.pk)
    return room
