"""Moderation of a room: slow mode, the pinned message, closing, mutes.

Each change is one room event, so every client sees (and, after a
reconnection, replays) the room's current settings and mutes.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.models import ModerationAction, User
from forum.services import log_action
from forum.text import clean_line

from ..models import Message, Room, RoomEvent, RoomMute
from ..permissions import can_moderate_room, check_moderate_room, check_view_room
from .rooms import lock_room, record_change

SLOW_MODE_MAX = 600


def _room_settings_changed(moderator: User, room: Room, details: dict) -> None:
    log_action(
        actor=moderator,
        community=room.community,
        kind=ModerationAction.Kind.ROOM_SETTINGS,
        details={"room_id": room.pk, **details},
    )
    record_change(room, RoomEvent.Kind.ROOM, room.pk)


@transaction.atomic
def set_slow_mode(*, moderator: User, room: Room, seconds: int) -> Room:
    """Let each participant send one message every ``seconds`` (0: off)."""
    room = lock_room(room)
    check_moderate_room(moderator, room)
    if type(seconds) is not int or not 0 <= seconds <= SLOW_MODE_MAX:
        raise ValidationError(
            _("Le mode lent se règle entre 0 (désactivé) et %(max)d secondes.")
            % {"max": SLOW_MODE_MAX},
            code="invalid",
        )
    if room.slow_mode != seconds:
        Room.objects.filter(pk=room.pk).update(slow_mode=seconds)
        room.slow_mode = seconds
        _room_settings_changed(moderator, room, {"slow_mode": seconds})
    return room


@transaction.atomic
def pin_message(*, moderator: User, room: Room, message: Message | None) -> Room:
    """Pin ``message`` above the room's log (None: unpin)."""
    room = lock_room(room)
    check_moderate_room(moderator, room)
    if message is not None and (message.room_id != room.pk or message.is_deleted):
        raise ValidationError(_("Ce message ne peut pas être épinglé."), code="invalid")
    pinned_id = message.pk if message is not None else None
    if room.pinned_id != pinned_id:
        Room.objects.filter(pk=room.pk).update(pinned=pinned_id)
        room.pinned_id = pinned_id
        _room_settings_changed(moderator, room, {"pinned": pinned_id})
    return room


@transaction.atomic
def close_room(*, moderator: User, room: Room, closed: bool = True) -> Room:
    """Make the room read-only (or writable again, within its opening hours)."""
    room = lock_room(room)
    check_moderate_room(moderator, room)
    if room.is_closed != closed:
        Room.objects.filter(pk=room.pk).update(is_closed=closed)
        room.is_closed = closed
        _room_settings_changed(moderator, room, {"closed": closed})
    return room


# A mute lasts from a few minutes to a month, or until a moderator lifts it (0).
MUTE_MAX_MINUTES = 30 * 24 * 60
MUTE_REASON_MAX_LENGTH = 300


def _check_mutable(moderator: User, room: Room, user: User) -> None:
    check_moderate_room(moderator, room)
    check_view_room(user, room)  # nobody learns of a stranger through this


@transaction.atomic
def mute_participant(
    *, moderator: User, room: Room, user: User, minutes: int = 0, reason: str = ""
) -> RoomMute:
    """Silence ``user`` in ``room`` for ``minutes`` (0: until lifted), saying why.

    Muting someone already muted sets the new duration and reason.
    """
    room = lock_room(room)
    _check_mutable(moderator, room, user)
    if can_moderate_room(user, room):
        raise ValidationError(
            _("On ne peut pas rendre muet·te une modératrice ou un modérateur."), code="invalid"
        )
    if type(minutes) is not int or not 0 <= minutes <= MUTE_MAX_MINUTES:
        raise ValidationError(
            _("Une durée de 0 (jusqu'à nouvel ordre) à %(max)d minutes.")
            % {"max": MUTE_MAX_MINUTES},
            code="invalid",
        )
    reason = clean_line(reason if isinstance(reason, str) else "")[:MUTE_REASON_MAX_LENGTH]
    now = timezone.now()
    until = now + timedelta(minutes=minutes) if minutes else None
    mute = RoomMute.objects.filter(room=room, user=user, lifted_at__isnull=True).first()
    if mute is not None and not mute.in_force(now):
        # Over by itself: closed at its end, so that this one takes its place.
        mute.lifted_at = mute.until
        mute.save(update_fields=["lifted_at"])
        mute = None
    if mute is None:
        mute = RoomMute.objects.create(
            room=room, user=user, muted_by=moderator, until=until, reason=reason
        )
    else:
        mute.muted_by, mute.until, mute.reason = moderator, until, reason
        mute.save(update_fields=["muted_by", "until", "reason"])
    log_action(
        actor=moderator,
        community=room.community,
        kind=ModerationAction.Kind.MUTE,
        target_user=user,
        reason=reason,
        details={"room_id": room.pk, "minutes": minutes},
    )
    record_change(room, RoomEvent.Kind.MUTE, mute.pk)
    return mute


@transaction.atomic
def unmute_participant(*, moderator: User, room: Room, user: User) -> RoomMute:
    """Give ``user`` the floor back in ``room`` before their mute ends."""
    room = lock_room(room)
    _check_mutable(moderator, room, user)
    mute = RoomMute.objects.filter(room=room, user=user, lifted_at__isnull=True).first()
    if mute is None or not mute.in_force():
        raise ValidationError(_("Cette personne n'est pas muette ici."), code="invalid")
    mute.lifted_at = timezone.now()
    mute.save(update_fields=["lifted_at"])
    log_action(
        actor=moderator,
        community=room.community,
        kind=ModerationAction.Kind.UNMUTE,
        target_user=user,
        details={"room_id": room.pk},
    )
    record_change(room, RoomEvent.Kind.MUTE, mute.pk)
    return mute
