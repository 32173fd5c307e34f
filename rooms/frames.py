"""
The wire shape of a room's data, shared by both doors.

The realtime consumers and the HTTP views send exactly these dictionaries (as
JSON), so a client handles one format whichever way it receives it. See
docs/realtime-protocol.md.
"""

from django.urls import reverse

from forum.frames import iso_time, person
from forum.models import User

from .models import Message, Room, RoomMute, VoiceNote


def voice(note: VoiceNote | None) -> dict | None:
    """A voice note as every reader of its room gets it: where to fetch it, how long, how big.

    ``transcript`` is plain text: a client draws it as text, never as HTML.
    """
    if note is None or note.hidden:
        return None
    return {
        "id": note.pk,
        "url": reverse("room_voice_file", args=[note.room_id, note.pk]),
        "duration": round(note.duration, 1),
        "size": note.size,
        "transcript": note.transcript,
    }


def message(message: Message) -> dict:
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "room": message.room_id,
        "author": person(message.author),
        "body": "" if deleted else message.body,
        "html": "" if deleted else message.body_html,
        "created_at": iso_time(message.created_at),
        "edited_at": iso_time(message.edited_at),
        "deleted": deleted,
        "deleted_by_moderator": deleted and message.deleted_by_id != message.author_id,
        "voice": None if deleted else voice(message.voice),
    }


def message_frame(seq: int, msg: Message) -> dict:
    return {"type": "message", "seq": seq, "message": message(msg)}


def room_state(room: Room) -> dict:
    pinned = room.pinned
    return {
        "id": room.pk,
        "closed": room.is_closed,
        "slow_mode": room.slow_mode,
        "opens_at": iso_time(room.opens_at),
        "closes_at": iso_time(room.closes_at),
        "pinned": message(pinned) if pinned is not None and not pinned.is_deleted else None,
    }


def room_frame(seq: int, room: Room) -> dict:
    return {"type": "room", "seq": seq, "room": room_state(room)}


def mute_frame(seq: int, mute: RoomMute) -> dict:
    """A mute as the whole room sees it: who, and until when (the reason is not in it)."""
    return {
        "type": "mute",
        "seq": seq,
        "user": person(mute.user),
        "muted": mute.in_force(),
        "until": iso_time(mute.until) if mute.lifted_at is None else None,
    }


def mute_state(mute: RoomMute) -> dict:
    """A mute as the muted person (``hello.room.me.muted``) sees it: until when, and why."""
    return {"until": iso_time(mute.until), "reason": mute.reason}


def presence_frame(users: list[User], anonymous: int) -> dict:
    return {
        "type": "presence",
        "count": len(users) + anonymous,
        "anonymous": anonymous,
        "users": [person(user) for user in users],
    }
