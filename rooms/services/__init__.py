"""
Every write of a live room goes through these functions.

They check permissions, validate, save in one transaction under the room's
row lock (which numbers the room's changes) and announce each change after
commit. Both doors — the WebSocket consumers and the HTTP views — reach them
through ``rooms.actions``; other apps (webinars) call them to open and update
their rooms. Callers import from ``rooms.services``.
"""

from .connections import close_connection, open_connection, touch_connection
from .messages import (
    delete_message,
    earlier_by_key,
    edit_message,
    erase_messages_of,
    send_message,
    validate_chat_body,
    validate_client_key,
)
from .moderation import (
    close_room,
    mute_participant,
    pin_message,
    set_slow_mode,
    unmute_participant,
)
from .rooms import create_room, ensure_salon, lock_room, record_change, update_room
from .voice import (
    TRANSCRIPT_MAX_LENGTH,
    erase_voice,
    hide_voice,
    set_transcript,
    store_voice,
)
from .voice import convert as convert_voice

__all__ = [
    "TRANSCRIPT_MAX_LENGTH",
    "convert_voice",
    "erase_voice",
    "hide_voice",
    "set_transcript",
    "store_voice",
    "close_connection",
    "close_room",
    "create_room",
    "delete_message",
    "earlier_by_key",
    "edit_message",
    "erase_messages_of",
    "ensure_salon",
    "lock_room",
    "mute_participant",
    "open_connection",
    "pin_message",
    "record_change",
    "send_message",
    "set_slow_mode",
    "touch_connection",
    "unmute_participant",
    "update_room",
    "validate_chat_body",
    "validate_client_key",
]
