"""Messages of a room: send, edit, delete."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum import media
from forum.markup import render_chat_text
from forum.models import ModerationAction, User
from forum.services import log_action
from forum.text import clean_body

from ..models import Message, Room, RoomEvent
from ..permissions import (
    can_moderate_room,
    check_delete_message,
    check_edit_message,
    check_write_in_room,
)
from . import voice as voice_services
from .rooms import lock_room, record_change

CLIENT_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _limits() -> dict:
    return settings.JEKAFO


# The longest message, once trimmed (settings.JEKAFO, read once: the action table declares it).
CHAT_MAX_LENGTH = settings.JEKAFO["CHAT_MAX_LENGTH"]


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
    maximum = CHAT_MAX_LENGTH
    if len(body) > maximum:
        raise ValidationError(
            _("Le message fait %(length)d caractères ; %(max)d au plus.")
            % {"length": len(body), "max": maximum},
            code="invalid",
        )
    return body


def earlier_by_key(model, *, author: User, client_key: str, place: dict, elsewhere: str):
    """What ``author`` already made with ``client_key`` in this ``place``, or None.

    A client retries with the same key until it gets its ack: the retry gets
    the first object back. The same key used in another place is refused
    (``elsewhere``: the translated reason), never a second object. Both the
    chat and the webinar's questions keep their keys by this one rule.
    """
    if not client_key or author is None or not author.is_authenticated:
        return None
    existing = model.objects.filter(author=author, client_key=client_key).first()
    if existing is not None and any(getattr(existing, k) != v for k, v in place.items()):
        raise ValidationError(elsewhere, code="bad_frame")
    return existing


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
            ngettext(
                "Mode lent : un message toutes les %(seconds)d seconde ; encore %(wait)d s.",
                "Mode lent : un message toutes les %(seconds)d secondes ; encore %(wait)d s.",
                room.slow_mode,
            )
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


def send_message(
    *, author: User, room: Room, body: str = "", client_key: str = "", voice=None
) -> tuple[Message, bool]:
    """Save a message (its text, a voice note, or both) and announce it; return it and if new.

    A repeated ``client_key`` from the same author returns the message that
    key made the first time, so a client may retry until it gets its ack.
    ``voice`` is an uploaded recording (a file object): it is converted to
    Opus before the transaction, once the checks that need no lock passed, so
    a refused sender costs no conversion and no lock waits for FFmpeg.
    """
    converted = None
    if voice is not None:
        client_key = validate_client_key(client_key)
        if author is None or not author.is_authenticated:
            check_write_in_room(author, room)  # refuses, with the reason
        existing = _earlier(author, room, client_key)
        if existing is not None:
            return existing, False
        check_write_in_room(author, room)
        _validate_caption(body)
        _check_rate(author)
        _check_slow_mode(author, room)
        converted = voice_services.convert(voice)
    return _send(author=author, room=room, body=body, client_key=client_key, voice=converted)


def _earlier(author: User, room: Room, client_key: str) -> Message | None:
    return earlier_by_key(
        Message,
        author=author,
        client_key=client_key,
        place={"room_id": room.pk},
        elsewhere=_("Cette clé a déjà servi pour un autre salon."),
    )


def _validate_caption(body) -> str:
    """The text said with a voice note: optional, bounded like a message."""
    if not isinstance(body, str) or not clean_body(body):
        return ""
    return validate_chat_body(body)


@transaction.atomic
def _send(
    *, author: User, room: Room, body: str, client_key: str, voice: media.Voice | None
) -> tuple[Message, bool]:
    if author is None or not author.is_authenticated:
        check_write_in_room(author, room)  # refuses, with the reason
    client_key = validate_client_key(client_key)
    # The room lock orders the room's changes and serialises retries of one key.
    room = lock_room(room)
    existing = _earlier(author, room, client_key)
    if existing is not None:
        return existing, False
    check_write_in_room(author, room)
    body = validate_chat_body(body) if voice is None else _validate_caption(body)
    _check_rate(author)
    _check_slow_mode(author, room)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                room=room,
                author=author,
                seq=room.last_seq + 1,
                body=body,
                body_html=render_chat_text(body) if body else "",
                client_key=client_key,
            )
    except IntegrityError:  # the same key, sent at the same time to another room
        raise ValidationError(
            _("Cette clé a déjà servi pour un autre salon."), code="bad_frame"
        ) from None
    if voice is not None:
        message.voice = voice_services.store_voice(
            room=room,
            author=author,
            voice=voice,
            owner_kind=RoomEvent.Kind.MESSAGE,
            owner_id=message.pk,
        )
        message.save(update_fields=["voice"])
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
    _erase(message, by=user)
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


def _erase(message: Message, *, by: User) -> None:
    """Erase a message's words, written and spoken, leaving a marker."""
    voice_services.erase_voice(message.voice)
    message.voice = None
    message.body = ""
    message.body_html = ""
    message.deleted_at = timezone.now()
    message.deleted_by = by
    message.save(update_fields=["body", "body_html", "deleted_at", "deleted_by", "voice"])


@transaction.atomic
def erase_messages_of(user: User) -> int:
    """
    Erase the text of every message ``user`` wrote, as a deletion by its author.

    Called when a member deletes their account and asks for their words to go
    too; no permission check, since the member may no longer see every room.
    """
    count = 0
    room_ids = (
        Message.objects.filter(author=user, deleted_at__isnull=True)
        .values_list("room_id", flat=True)
        .distinct()
    )
    for room in Room.objects.filter(pk__in=list(room_ids)).order_by("pk"):
        room = lock_room(room)
        for message in Message.objects.filter(room=room, author=user, deleted_at__isnull=True):
            _erase(message, by=user)
            record_change(room, RoomEvent.Kind.MESSAGE, message.pk)
            count += 1
    return count
