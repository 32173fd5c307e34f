"""
The wire shape of forum data that live parts share (a person, a time).

The rooms app and the HTTP JSON views draw people and times with these, so a
client handles one format whichever door it came through. See
docs/realtime-protocol.md.
"""

from datetime import datetime

from .models import User


def iso_time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.display_name or user.username}


def error(code: str, message: str) -> dict:
    """A refusal, as every JSON door answers it (rooms add the action's key and ref)."""
    return {"type": "error", "code": code, "message": str(message)}
