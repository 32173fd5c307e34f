"""
One table of room actions, read by both doors (see table.py).

Rooms registers chat and moderation (core.py); webinars registers questions,
polls and hands from its AppConfig.ready(). A new action is a service, a row
and a client handler.
"""

from .fields import MAX_FRAME_BYTES, ActionError, Audio, Bool, Field, Int, Key, Ref, Text, TextList
from .table import (
    AUTHOR,
    AUTHOR_OR_MODERATOR,
    ERRORS,
    MEMBER,
    MODERATOR,
    READER,
    Action,
    Context,
    Rows,
    all_actions,
    decode,
    echo_key,
    error_frame,
    find,
    names_for,
    perform,
    refusal,
    register,
    status_of,
)

__all__ = [
    "AUTHOR",
    "AUTHOR_OR_MODERATOR",
    "ERRORS",
    "MAX_FRAME_BYTES",
    "MEMBER",
    "MODERATOR",
    "READER",
    "Action",
    "ActionError",
    "Audio",
    "Bool",
    "Context",
    "Field",
    "Int",
    "Key",
    "Ref",
    "Rows",
    "Text",
    "TextList",
    "all_actions",
    "decode",
    "echo_key",
    "error_frame",
    "find",
    "names_for",
    "perform",
    "refusal",
    "register",
    "status_of",
]
