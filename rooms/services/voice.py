"""Voice notes of a room: stored once converted, erased with what carries them, transcribed.

The conversion (``forum.media.convert_voice``: seconds of CPU for a long
recording) runs before the caller's transaction, so no room lock is held
while FFmpeg works; ``store_voice`` then writes the Opus and its row inside
that transaction. Erasing deletes the row at once and the file once the
transaction commits (a rolled-back erasure keeps both).
"""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from forum import media
from forum.models import ModerationAction, User
from forum.permissions import Refused
from forum.services import log_action
from forum.text import clean_body

from ..models import Room, VoiceNote
from ..permissions import can_moderate_room, check_view_room, check_write_in_room
from .rooms import lock_room, record_change

# A transcript is a message's worth of text (it travels in one frame of at most 16 KB).
TRANSCRIPT_MAX_LENGTH = 4000


def convert(upload) -> media.Voice:
    """``upload`` re-encoded as Opus; ValidationError (not_audio, too_long…) with a message."""
    if upload is None or not hasattr(upload, "read"):
        raise ValidationError(_("Joignez un enregistrement audio."), code="bad_frame")
    return media.convert_voice(upload)


def store_voice(
    *, room: Room, author: User, voice: media.Voice, owner_kind: str, owner_id: int
) -> VoiceNote:
    """Save a converted voice note of ``room`` (inside the caller's transaction)."""
    note = VoiceNote(
        room=room,
        author=author,
        duration=round(voice.duration, 2),
        size=voice.size,
        owner_kind=owner_kind,
        owner_id=owner_id,
    )
    note.file.save("voix.opus", ContentFile(voice.data), save=False)
    try:
        note.save()
    except Exception:
        # Written but not recorded: nothing may point at it.
        note.file.storage.delete(note.file.name)
        raise
    return note


def erase_voice(note: VoiceNote | None) -> None:
    """Delete a voice note: its row now, its audio once the transaction commits."""
    if note is None:
        return
    storage, name = note.file.storage, note.file.name
    VoiceNote.objects.filter(pk=note.pk).delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def hide_voice(note: VoiceNote | None, hidden: bool) -> None:
    """Keep a voice note for the moderators only (its owner is hidden), or show it again."""
    if note is not None and note.hidden != hidden:
        VoiceNote.objects.filter(pk=note.pk).update(hidden=hidden)
        note.hidden = hidden


def validate_transcript(value) -> str:
    text = clean_body(value) if isinstance(value, str) else ""
    if len(text) > TRANSCRIPT_MAX_LENGTH:
        raise ValidationError(
            _("La transcription fait %(length)d caractères ; %(max)d au plus.")
            % {"length": len(text), "max": TRANSCRIPT_MAX_LENGTH},
            code="invalid",
        )
    return text


def check_transcribe(user: User | None, note: VoiceNote) -> None:
    """Its author (who may write in the room) or a moderator of the room writes a transcript."""
    check_view_room(user, note.room)
    if can_moderate_room(user, note.room):
        return
    if user is None or not user.is_authenticated or note.author_id != user.pk:
        raise Refused(
            _("Seules l'autrice ou l'auteur et la modération peuvent transcrire cette note.")
        )
    check_write_in_room(user, note.room)


@transaction.atomic
def set_transcript(*, user: User, note: VoiceNote, text: str) -> VoiceNote:
    """Write (or clear, with an empty text) the transcript of ``note``; its owner is redrawn."""
    room = lock_room(note.room)
    note = VoiceNote.objects.select_for_update().get(pk=note.pk)
    note.room = room
    check_transcribe(user, note)
    text = validate_transcript(text)
    if text != note.transcript:
        old, note.transcript = note.transcript, text
        note.save(update_fields=["transcript"])
        if note.author_id != user.pk:  # a moderator wrote it: the CoP's log says what changed
            log_action(
                actor=user,
                community=room.community,
                kind=ModerationAction.Kind.TRANSCRIBE,
                target_user=note.author,
                details={
                    "room_id": room.pk,
                    "changes": [{"field": _("transcription"), "old": old, "new": text}],
                },
            )
        if note.owner_kind and note.owner_id:
            record_change(room, note.owner_kind, note.owner_id)
    return note
