"""
Reads of live rooms, with the visibility rules applied (can't see → 404).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from forum.models import Membership, User
from forum.permissions import can_post_in_community, forget_memberships, preload_access_of

from . import frames, kinds
from .models import SALON, Message, Room, RoomConnection, RoomEvent, RoomMute, VoiceNote
from .permissions import (
    can_moderate_room,
    can_view_room,
    can_write_in_room,
    check_view_room,
    mute_of,
)


def forget_memberships_of(user: User | None) -> None:
    """Read rights afresh: a socket's user object outlives role changes."""
    if user is not None and user.is_authenticated:
        forget_memberships(user)


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


def find_messages(user: User | None, pks: list[int]) -> dict[int, Message]:
    """The messages ``pks`` that ``access_message`` would give ``user``, by pk.

    In a few queries whatever their number, with what the pages of their rooms
    read (``kinds.page_url``) loaded too.
    """
    messages = list(Message.objects.select_related("room__community", "author").filter(pk__in=pks))
    preload_access_of(user, {m.room.community_id for m in messages})
    found = {message.pk: message for message in messages if can_view_room(user, message.room)}
    kinds.preload_pages(message.room for message in found.values())
    return found


def access_voice(user: User | None, room_id: int, pk: int) -> VoiceNote:
    """A voice note of a room the reader may see now; a hidden one for its moderators only."""
    room = access_room(user, room_id)
    note = VoiceNote.objects.filter(room=room, pk=pk).first()
    if note is None or (note.hidden and not can_moderate_room(user, room)):
        raise Http404
    note.room = room
    return note


def find_voice(room: Room, pk: int) -> VoiceNote:
    """A voice note said in ``room`` (its visibility is the room's); 404 otherwise."""
    note = VoiceNote.objects.filter(room=room, pk=pk).first()
    if note is None:
        raise Http404
    note.room = room
    return note


def _messages(room: Room) -> QuerySet[Message]:
    return Message.objects.filter(room=room).select_related("author", "voice")


def list_latest_messages(room: Room, before: int | None = None) -> tuple[list[Message], bool]:
    """The newest messages (older than message id ``before``), oldest first, and if more exist."""
    size = settings.JEKAFO["CHAT_HISTORY"]
    messages = _messages(room).order_by("-id")
    if before is not None:
        messages = messages.filter(id__lt=before)
    page = list(messages[: size + 1])
    return page[:size][::-1], len(page) > size


# Loaders for rooms.kinds: the objects of a room's changes, in bulk.


def load_messages(room: Room, ids: list[int]) -> dict[int, Message]:
    return Message.objects.filter(room=room).select_related("author", "voice").in_bulk(ids)


def load_room(room: Room, ids: list[int]) -> dict[int, Room]:
    return (
        Room.objects.filter(pk=room.pk)
        .select_related("pinned__author", "pinned__voice")
        .in_bulk(ids)
    )


def load_mutes(room: Room, ids: list[int]) -> dict[int, RoomMute]:
    return RoomMute.objects.filter(room=room).select_related("user").in_bulk(ids)


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


# What a reader is told about a room -----------------------------------------------------


def reader_rights(user: User | None, room: Room, *, fresh: bool = False) -> dict:
    """The reader's rights in ``room``, as ``hello`` gives them (and the page draws them).

    ``fresh``: ``user`` was read from the database in this same call (a
    socket's handshake), so what is cached on it is current and is reused.
    """
    if not fresh:
        forget_memberships_of(user)
    kind = kinds.room_kind(room)
    return {
        # May write here when the room is open and they are not muted (a member):
        # the client follows the room's state and its own mute from there on.
        "member": can_post_in_community(user, room.community),
        # May write right now.
        "can_post": can_write_in_room(user, room),
        "can_moderate": can_moderate_room(user, room),
        **kind.hello(user, room, kind.subject(room)),
    }


def read_room_afresh(room: Room) -> Room:
    """``room`` read again, with what its state in ``hello`` draws (the pinned message)."""
    return Room.objects.select_related("pinned__author", "pinned__voice", "community").get(
        pk=room.pk
    )


def room_state(user: User | None, room: Room, *, fresh: Room | None = None) -> dict:
    """The room's settings, and the reader's own standing in it (``hello.room``).

    ``fresh``: the room as ``read_room_afresh`` gave it in this same call.
    """
    if fresh is None:
        fresh = read_room_afresh(room)
    state = frames.room_state(fresh)
    mute = mute_of(user, fresh)
    me = {"muted": frames.mute_state(mute) if mute is not None else None}
    kind = kinds.room_kind(room)
    extra = kind.state(user, room, kind.subject(room))
    state["me"] = {**me, **extra.pop("me", {})}
    state.update(extra)
    return state


def snapshot(room: Room, cursor: int) -> list[dict]:
    """The room as a newcomer sees it: the latest messages, then what its kind adds."""
    messages, _more = list_latest_messages(room)
    # A message newer than the cursor was committed after the reader joined
    # the room's group, so it also arrives live: send it only then, not twice.
    drawn = [frames.message_frame(m.seq, m) for m in messages if m.seq <= cursor]
    kind = kinds.room_kind(room)
    return drawn + kind.snapshot(room, kind.subject(room), cursor)


def list_active_mutes(room: Room) -> list[RoomMute]:
    """Mutes in force in ``room``, soonest end first (for its moderators)."""
    now = timezone.now()
    mutes = (
        RoomMute.objects.filter(room=room, lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .select_related("user", "muted_by")
    )
    return sorted(mutes, key=lambda m: (m.until is None, m.until or now, m.pk))


def list_recent_authors(room: Room, limit: int = 30) -> list[User]:
    """People who wrote in ``room`` lately, for the moderators' mute form."""
    ids = (
        Message.objects.filter(room=room, author__isnull=False)
        .order_by("-id")
        .values_list("author_id", flat=True)[:300]
    )
    seen = list(dict.fromkeys(ids))[:limit]
    return list(User.objects.filter(pk__in=seen, is_active=True).order_by("display_name"))


def find_salon(community) -> Room | None:
    """The CoP's salon, if it was opened (by its first message); None otherwise."""
    room = Room.objects.filter(community=community, kind=SALON).first()
    if room is not None:
        room.community = community
    return room


def moderator_ids(room: Room, user_ids) -> set[int]:
    """Which of ``user_ids`` moderate ``room`` (its CoP's moderators, and staff)."""
    ids = list(user_ids)
    if not ids:
        return set()
    moderators = Q(memberships__community=room.community_id) & Q(
        memberships__role=Membership.Role.MODERATOR
    )
    return set(
        User.objects.filter(pk__in=ids)
        .filter(Q(is_staff=True, is_active=True) | moderators)
        .values_list("pk", flat=True)
    )
