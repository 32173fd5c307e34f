"""Channel-layer group names: the only place they are spelt.

A group only ever receives frames that every one of its members may see:
thread pushes are drawn per audience and per language, so each of those
gets its own group.
"""

from django.conf import settings

from forum.presentation import AUDIENCES


def room(room_id: int) -> str:
    return f"room.{room_id}"


def room_of(group: str) -> int | None:
    """The room id of a room group's name, None for another group."""
    kind, _dot, number = group.partition(".")
    return int(number) if kind == "room" and number.isdigit() else None


def thread(thread_id: int, audience: str, language: str) -> str:
    return f"thread.{thread_id}.{audience}.{language}"


def thread_all(thread_id: int) -> list[str]:
    """Every group of a thread, for frames that are the same for all its readers."""
    return [
        thread(thread_id, audience, code)
        for audience in AUDIENCES
        for code, _name in settings.LANGUAGES
    ]


def user(user_id: int) -> str:
    return f"user.{user_id}"
