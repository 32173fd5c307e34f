"""
The registry of the parts of a member's data (``Section``), one per app.

Apps register their part from ``forum/account_data.py`` (the forum) or their
``AppConfig.ready()`` (rooms, webinars). The download (``forum.account_data``)
and account deletion (``forum.services.account_data``) both read it; it
imports neither.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.files import File

from .models import User


@dataclass(frozen=True)
class Section:
    """One app's part of a member's data."""

    name: str  # the key in data.json
    export: Callable[[User], object]  # JSON-serialisable
    # (path inside the ZIP, the stored file) for each file the member uploaded.
    files: Callable[[User], Iterable[tuple[str, File]]] | None = None
    # Called by account deletion, inside its transaction; ``erase_content`` is
    # the member's choice to erase what they wrote too.
    erase: Callable[[User, bool], None] | None = None


_sections: dict[str, Section] = {}


def register(section: Section) -> None:
    _sections[section.name] = section


def sections() -> list[Section]:
    return list(_sections.values())
