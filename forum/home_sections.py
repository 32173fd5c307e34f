"""
The registry of the signed-in home page's sections ("Quoi de neuf").

Each section is a template and a function that gives its context for the
member: the forum registers its own (``forum/home.py``), higher apps theirs
from their ``AppConfig.ready()`` (webinars: "mon prochain webinaire"), so the
forum never imports them. A section's function costs a fixed number of
queries whatever the member's history: the home page stays at a constant
number of queries (tests/forum/test_unread.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import User


@dataclass(frozen=True)
class HomeSection:
    """One part of the signed-in home page."""

    name: str
    template: str
    context: Callable[[User], dict]
    order: int = 50  # lower comes first


_sections: dict[str, HomeSection] = {}


def register(section: HomeSection) -> None:
    _sections[section.name] = section


def sections() -> list[HomeSection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.name))


def render_context(user: User) -> list[dict]:
    """Each section's template and context, in order, for ``user``."""
    return [
        {"name": section.name, "template": section.template, **section.context(user)}
        for section in sections()
    ]
