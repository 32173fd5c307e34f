"""Chat rooms: send, edit and delete messages; open and close live connections."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events
from ..markup import render_chat_text
from ..models import (
    Community,
    Message,
    ModerationAction,
    Room,
    RoomConnection,
    RoomEvent,
    RoomMute,
    User,
)
from ..permissions import (
    can_moderate_room,
    check_delete_message,
    check_edit_message,
    check_moderate_room,
    check_view_room,
    check_write_in_room,
)
from ..text import clean_body
from ._common import log_action

CLIENT_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _limits() -> dict:
    return settings.JEKAFO


def validate_client_key(key: str) -> str:
    if not isinstance(key, str) or (key and not CLIENT_KEY.fullmatch(key)):
        raise ValidationError(
            _("La clé du message doit faire 8 à 64 caractères parmi A-Z, a-z, 0-9, - et _."),
            code="bad_frame",
        )
    return key


def validate_chat_body(value: str) -> str:
    body = clean_body(value) if isinstance(value, str) else ""
    if not body:
        raise ValidationError(_("Le message ne peut pas être vide."), code="invalid")
    maximum = _limits()["CHAT_MAX_LENGTH"]
    if len(body) > maximum:
        raise ValidationError(
            _("Le message fait %(length)d caractères ; %(max)d au plus.")
            % {"length": len(body), "max": maximum},
            code="invalid",
        )
    return body


def get_salon(community: Community) -> Room:
    """Return the CoP's chat salon, creating it on first use."""
    room = Room.objects.filter(community=community, kind=Room.Kind.SALON).first()
    if room is None:
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    community=community, kind=Room.Kind.SALON, title=community.name
                )
        except IntegrityError:  # created meanwhile by another request
            room = Room.objects.get(community=community, kind=Room.Kind.SALON)
    room.community = community
    return room


def lock_room(room: Room) -> Room:
    return Room.objects.select_for_update().select_related("community").get(pk=room.pk)


def record_change(room: Room, kind: str, object_id: int) -> int:
    """Give the next sequence number of the locked ``room`` to one change."""
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


def _check_slow_mode(author: User, room: Room) -> None:
    if not room.slow_mode or can_moderate_room(author, room):
        return
    last = (
        Message.objects.filter(room=room, author=author)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return
    wait = room.slow_mode - (timezone.now() - last).total_seconds()
    if wait > 0:
        raise ValidationError(
            _("Mode lent : un message toutes les %(seconds)d secondes ; encore %(wait)d s.")
            % {"seconds": room.slow_mode, "wait": max(1, round(wait))},
            code="slow_mode",
        )


def _check_rate(author: User) -> None:
    count, seconds = _limits()["CHAT_RATE"]
    since = timezone.now() - timedelta(seconds=seconds)
    if Message.objects.filter(author=author, created_at__gte=since).count() >= count:
        raise ValidationError(
            _("Doucement : %(count)d messages au plus en %(seconds)d secondes.")
            % {"count": count, "seconds": seconds},
            code="rate_limited",
        )


@transaction.atomic
def send_message(
    *, author: User, room: Room, body: str, client_key: str = ""
) -> tuple[Message, bool]:
    """Save a message and announce it; return it and whether it is new.

    A repeated ``client_key`` from the same author returns the message that
    key made the first time, so a client may retry until it gets its ack.
    """
    if author is None or not author.is_authenticated:
        check_write_in_room(author, room)  # refuses, with the reason
    client_key = validate_client_key(client_key)
    # The room lock orders the room's changes and serialises retries of one key.
    room = lock_room(room)
    if client_key:
        existing = Message.objects.filter(author=author, client_key=client_key).first()
        if existing is not None:
            if existing.room_id != room.pk:
                raise ValidationError(
                    _("Cette clé a déjà servi pour un autre salon."), code="bad_frame"
                )
            return existing, False
    check_write_in_room(author, room)
    body = validate_chat_body(body)
    _check_rate(author)
    _check_slow_mode(author, room)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                room=room,
                author=author,
                seq=room.last_seq + 1,
                body=body,
                body_html=render_chat_text(body),
                client_key=client_key,
            )
    except IntegrityError:  # the same key, sent at the same time to another room
        raise ValidationError(
            _("Cette clé a déjà servi pour un autre salon."), code="bad_frame"
        ) from None
    record_change(room, RoomEvent.Kind.MESSAGE, message.pk)
    message.room = room
    return message, True


def _locked_message(message: Message) -> tuple[Room, Message]:
    room = lock_room(message.room)
    message = Message.objects.get(pk=message.pk)
    message.room = room
    return room, message


@transaction.atomic
def edit_message(*, editor: User, message: Message, body: str) -> Message:
    room, message = _locked_message(message)
    check_edit_message(editor, message)
    window = _limits()["CHAT_EDIT_WINDOW"]
    if timezone.now() - message.created_at > timedelta(seconds=window):
        raise ValidationError(
            _("Un message se modifie pendant %(minutes)d minutes après son envoi.")
            % {"minutes": window // 60},
            code="edit_window_closed",
        )
    body = validate_chat_body(body)
    if body != message.body:
        message.body = body
        message.body_html = render_chat_text(body)
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "body_html", "edited_at"])
        record_change(room, RoomEvent.Kind.MESSAGE, message.pk)
    return message


@transaction.atomic
def delete_message(*, user: User, message: Message) -> Message:
    """Erase a message's text, leaving a marker; by its author or a moderator."""
    room, message = _locked_message(message)
    check_delete_message(user, message)
    message.body = ""
    message.body_html = ""
    message.deleted_at = timezone.now()
    message.deleted_by = user
    message.save(update_fields=["body", "body_html", "deleted_at", "deleted_by"])
    if message.author_id != user.pk:
        log_action(
            actor=user,
            community=room.community,
            kind=ModerationAction.Kind.DELETE_MESSAGE,
            target_user=message.author,
            details={"room_id": room.pk, "message_id": message.pk},
        )
    record_change(room, RoomEvent.Kind.MESSAGE, message.pk)
    return message


# Moderation of a room -------------------------------------------------------------
# Each change is one room event, so every client sees (and, after a
# reconnection, replays) the room's current settings and mutes.

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


@transaction.atomic
def mute_participant(*, moderator: User, room: Room, user: User, muted: bool = True) -> RoomMute:
    """Silence ``user`` in ``room`` (or give them the floor back)."""
    room = lock_room(room)
    check_moderate_room(moderator, room)
    check_view_room(user, room)  # nobody learns of a stranger through this
    if muted and can_moderate_room(user, room):
        raise ValidationError(
            _("On ne peut pas rendre muet·te une modératrice ou un modérateur."), code="invalid"
        )
    active = RoomMute.objects.filter(room=room, user=user, lifted_at__isnull=True).first()
    if muted == (active is not None):
        if active is None:
            raise ValidationError(_("Cette personne n'est pas muette ici."), code="invalid")
        return active
    if muted:
        mute = RoomMute.objects.create(room=room, user=user, muted_by=moderator)
    else:
        mute = active
        mute.lifted_at = timezone.now()
        mute.save(update_fields=["lifted_at"])
    log_action(
        actor=moderator,
        community=room.community,
        kind=ModerationAction.Kind.MUTE if muted else ModerationAction.Kind.UNMUTE,
        target_user=user,
        details={"room_id": room.pk},
    )
    record_change(room, RoomEvent.Kind.MUTE, mute.pk)
    return mute


# Live connections ----------------------------------------------------------------
# Written by the realtime consumers after they have checked access; they only
# record who is connected, for presence, readers and attendance.


def open_connection(*, topic: str, channel_name: str, user: User | None) -> RoomConnection:
    now = timezone.now()
    connection, _created = RoomConnection.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "topic": topic,
            "user": user if user is not None and user.is_authenticated else None,
            "connected_at": now,
            "seen_at": now,
            "left_at": None,
        },
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
