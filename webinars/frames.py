"""
The wire shape of a webinar room's own changes (see docs/realtime-protocol.md).

Drawn once per change and sent to the whole room, so a frame holds only what
every participant may see: a hidden question goes out without its text.
"""

from rooms.frames import iso_time, person, voice

from .models import Hand, Poll, Question


def question(item: Question) -> dict:
    hidden = item.hidden_at is not None
    return {
        "id": item.pk,
        # A hidden question names no one: the frame goes to the whole room.
        "author": None if hidden else person(item.author),
        "body": "" if hidden else item.body,
        "html": "" if hidden else item.body_html,
        # Hidden with its question (rooms.frames.voice gives None for a hidden note).
        "voice": None if hidden else voice(item.voice),
        "votes": item.votes,
        "answered": item.answered_at is not None,
        "hidden": hidden,
        "created_at": iso_time(item.created_at),
    }


def question_frame(seq: int, item: Question) -> dict:
    return {"type": "question", "seq": seq, "question": question(item)}


def votes_frame(seq: int, item: Question) -> dict:
    """An upvote, live: the question's new count only (a few dozen bytes)."""
    return {"type": "votes", "seq": seq, "question": item.pk, "votes": item.votes}


def poll(item: Poll) -> dict:
    options = list(item.options.all())
    return {
        "id": item.pk,
        "question": item.question,
        "closed": item.closed_at is not None,
        "total": sum(option.votes for option in options),
        "options": [
            {"id": option.pk, "label": option.label, "votes": option.votes} for option in options
        ],
    }


def poll_frame(seq: int, item: Poll) -> dict:
    return {"type": "poll", "seq": seq, "poll": poll(item)}


def tally_frame(seq: int, item: Poll) -> dict:
    """A vote in a poll, live: the counts only, not the question and labels again."""
    options = list(item.options.all())
    return {
        "type": "tally",
        "seq": seq,
        "poll": item.pk,
        "total": sum(option.votes for option in options),
        "options": [{"id": option.pk, "votes": option.votes} for option in options],
    }


def hand(item: Hand) -> dict:
    return {
        "id": item.pk,
        "user": person(item.user),
        "state": item.state,
        "raised_at": iso_time(item.raised_at),
    }


def hand_frame(seq: int, item: Hand) -> dict:
    return {"type": "hand", "seq": seq, "hand": hand(item)}


def session_times(session) -> dict:
    return {
        "id": session.pk,
        "starts_at": iso_time(session.starts_at),
        "ends_at": iso_time(session.ends_at),
    }
