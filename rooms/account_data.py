"""The rooms' part of a member's own data (see ``forum.account_data``)."""

from forum.account_data import Section, register
from forum.frames import iso_time
from forum.models import User

from .models import Message, VoiceNote
from .services import erase_messages_of, erase_voice


def voice_path(note: VoiceNote | None) -> str | None:
    """Where a voice note is in the download's ZIP (``files`` below puts it there)."""
    return f"fichiers/voix/{note.pk}.opus" if note is not None and note.file else None


def export_voice(note: VoiceNote | None) -> dict | None:
    if note is None:
        return None
    return {
        "duration": round(note.duration, 1),
        "size": note.size,
        "transcript": note.transcript,
        "file": voice_path(note),
    }


def export_messages(user: User) -> list[dict]:
    """The chat messages the member wrote, with the room's CoP, oldest first."""
    return [
        {
            "id": message.pk,
            "room": message.room.title or message.room.community.name,
            "created_at": iso_time(message.created_at),
            "edited_at": iso_time(message.edited_at),
            "deleted": message.deleted_at is not None,
            "body": message.body,
            "voice": export_voice(message.voice),
        }
        for message in Message.objects.filter(author=user)
        .select_related("room__community", "voice")
        .order_by("pk")
    ]


def files(user: User):
    """The member's voice notes (chat messages and webinar questions alike)."""
    for note in VoiceNote.objects.filter(author=user).order_by("pk"):
        if note.file:
            yield f"voix/{note.pk}.opus", note.file


def erase(user: User, erase_content: bool) -> None:
    if erase_content:
        erase_messages_of(user)
        # Notes whose owner erased its own (a question) are gone; any left go too.
        for note in VoiceNote.objects.filter(author=user):
            erase_voice(note)


def register_section() -> None:
    register(Section(name="chat_messages", export=export_messages, files=files, erase=erase))
