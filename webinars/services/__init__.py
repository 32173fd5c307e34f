"""
Every write about webinars goes through these functions.

As in the forum: they check permissions, validate, save in one transaction,
and the live room's changes are announced after commit. Views and the
realtime consumer call them and hold no rules of their own.
"""

from .radio import (
    convert_waiting_recordings,
    remove_recording,
    set_decision_offset,
    upload_recording,
)
from .registration import (
    cancel_registration,
    fill_from_waiting_list,
    register,
    withdraw_from_all,
)
from .room import (
    answer_question,
    ask_question,
    call_hand,
    close_poll,
    create_poll,
    erase_questions_of,
    hide_question,
    lower_hand,
    lower_hands_of,
    raise_hand,
    upvote_question,
    vote_in_poll,
)
from .sessions import (
    add_document,
    cancel_session,
    create_series,
    create_session,
    edit_session,
    generate_sessions,
    remove_document,
)

__all__ = [
    "convert_waiting_recordings",
    "remove_recording",
    "set_decision_offset",
    "upload_recording",
    "add_document",
    "answer_question",
    "ask_question",
    "call_hand",
    "cancel_registration",
    "cancel_session",
    "close_poll",
    "create_poll",
    "erase_questions_of",
    "lower_hands_of",
    "withdraw_from_all",
    "create_series",
    "create_session",
    "edit_session",
    "fill_from_waiting_list",
    "generate_sessions",
    "hide_question",
    "lower_hand",
    "raise_hand",
    "register",
    "remove_document",
    "upvote_question",
    "vote_in_poll",
]
