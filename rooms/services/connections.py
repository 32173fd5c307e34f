"""Live connections: who is in a room (or on a thread page) now, and who was.

Written by the realtime consumers after they have checked access; they only
record who is connected, for presence, readers and webinar attendance.
"""

from django.utils import timezone

from forum.models import User

from ..models import RoomConnection


def open_connection(*, topic: str, channel_name: str, user: User | None) -> RoomConnection:
    """Record ``channel_name`` as connected to ``topic`` now (again, if it was before).

    One INSERT ... ON CONFLICT statement: every handshake writes one, so a
    burst of reconnections costs one query each, not a transaction of three.
    """
    now = timezone.now()
    connection = RoomConnection(
        topic=topic,
        channel_name=channel_name,
        user=user if user is not None and user.is_authenticated else None,
        connected_at=now,
        seen_at=now,
        left_at=None,
    )
    RoomConnection.objects.bulk_create(
        [connection],
        update_conflicts=True,
        unique_fields=["channel_name"],
        update_fields=["topic", "user", "connected_at", "seen_at", "left_at"],
    )
    return connection


def touch_connection(*, channel_name: str) -> None:
    RoomConnection.objects.filter(channel_name=channel_name, left_at__isnull=True).update(
        seen_at=timezone.now()
    )


def close_connection(*, channel_name: str) -> None:
    now = timezone.now()
    RoomConnection.objects.filter(channel_name=channel_name, left_at__isnull=True).update(
        seen_at=now, left_at=now
    )
