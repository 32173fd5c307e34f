"""
Reads of live rooms, with the visibility rules applied (can't see → 404).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from forum.models import User

from . import kinds
from .models import Message, Room, RoomConnection, RoomEvent
from .permissions import check_view_room


def access_room(user: User | None, pk: int) -> Room:
    room = Room.objects.select_related("community").filter(pk=pk).first()
    if room is None:
        raise Http404
    check_view_room(user, room)
    return room


def access_message(user: User | None, pk: int) -> Message:
    message = Message.objects.select_related("room__community", "author").filter(pk=pk).first()
    if message is None:
        raise Http404
    check_view_room(user, message.room)
    return message


def _messages(room: Room) -> QuerySet[Message]:
    return Message.objects.filter(room=room).select_related("author")


def list_latest_messages(room: Room, before: int | None = None) -> tuple[list[Message], bool]:
    """The newest messages (older than message id ``before``), oldest first, and if more exist."""
    size = settings.JEKAFO["CHAT_HISTORY"]
    messages = _messages(room).order_by("-id")
    if before is not None:
        messages = messages.filter(id__lt=before)
    page = list(messages[: size + 1])
    return page[:size][::-1], len(page) > size


def list_room_changes(
    room: Room, after: int, limit: int = 200
) -> tuple[list[tuple[int, dict]], int, bool]:
    """What changed in ``room`` after sequence number ``after``, drawn as frames, in order.

    Returns (seq, frame) pairs — an object changed several times is given
    once, at its last sequence number, in its current state (see
    ``rooms.kinds``) — then the last sequence number read and whether more
    may follow it: at most ``limit`` events are read, so a caller pages on
    from that number.
    """
    changes = list(
        RoomEvent.objects.filter(room=room, seq__gt=after)
        .order_by("seq")
        .values_list("seq", "kind", "object_id")[:limit]
    )
    cursor = changes[-1][0] if changes else after
    return kinds.frames_for(room, changes), cursor, len(changes) == limit


# Seconds after which a connection that stopped pinging no longer counts as
# present (its process may have died without closing it).
PRESENCE_TIMEOUT = 75


def list_present(topic: str) -> tuple[list[User], int]:
    """Signed-in people connected to ``topic`` (once each), and anonymous connections."""
    since = timezone.now() - timedelta(seconds=PRESENCE_TIMEOUT)
    open_connections = RoomConnection.objects.filter(
        topic=topic, left_at__isnull=True, seen_at__gte=since
    )
    anonymous = open_connections.filter(user__isnull=True).count()
    users = list(
        User.objects.filter(
            pk__in=open_connections.filter(user__isnull=False).values("user_id")
        ).order_by("display_name")
    )
    return users, anonymous


def count_present(topic: str) -> int:
    since = timezone.now() - timedelta(seconds=PRESENCE_TIMEOUT)
    return RoomConnection.objects.filter(
        topic=topic, left_at__isnull=True, seen_at__gte=since
    ).count()
