"""
Domain events of the forum.

Services ``emit`` events; they are delivered only after the surrounding
transaction commits, so nothing is announced for a write that rolled back.
The forum never knows who listens: ``realtime`` subscribes from its
AppConfig.ready(). Other apps (rooms) define events of their own on the same
``Event`` base and deliver them through the same ``emit``.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    @property
    def type(self) -> str:
        """The wire name, e.g. PostCreated → "post.created"."""
        name = type(self).__name__
        for index, char in enumerate(name[1:], start=1):
            if char.isupper():
                return f"{name[:index].lower()}.{name[index:].lower()}"
        return name.lower()


@dataclass(frozen=True, slots=True)
class ThreadCreated(Event):
    thread_id: int
    community_id: int
    author_id: int


@dataclass(frozen=True, slots=True)
class PostCreated(Event):
    post_id: int
    thread_id: int
    community_id: int
    author_id: int
    parent_author_id: int | None
    # Published by a moderator's approval, after posts with higher numbers:
    # live pages must show it although their cursor has passed its number.
    approved: bool = False


@dataclass(frozen=True, slots=True)
class PostEdited(Event):
    post_id: int
    thread_id: int
    community_id: int


@dataclass(frozen=True, slots=True)
class PostDeleted(Event):
    post_id: int
    thread_id: int
    community_id: int


@dataclass(frozen=True, slots=True)
class PostModerated(Event):
    post_id: int
    thread_id: int
    community_id: int
    hidden: bool


@dataclass(frozen=True, slots=True)
class ThreadModerated(Event):
    thread_id: int
    community_id: int
    action: str
    previous_community_id: int | None = None


@dataclass(frozen=True, slots=True)
class ThreadMerged(Event):
    """Thread ``thread_id`` (now deleted) was merged into ``target_id``."""

    thread_id: int
    community_id: int
    target_id: int
    target_community_id: int


@dataclass(frozen=True, slots=True)
class PostsRemoved(Event):
    """These posts left thread ``thread_id`` (split into another thread)."""

    thread_id: int
    community_id: int
    post_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MembershipChanged(Event):
    community_id: int
    user_id: int
    role: str | None  # None: no longer a member


@dataclass(frozen=True, slots=True)
class NotificationsChanged(Event):
    """The unread notification count of these users changed."""

    user_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class UserDeactivated(Event):
    user_id: int


@dataclass(frozen=True, slots=True)
class SessionsEnded(Event):
    """These sessions of the user were ended: their open sockets must close."""

    user_id: int
    handles: tuple[str, ...]  # forum.services.security.session_handle() of each ended key


Subscriber = Callable[[Event], None]
_subscribers: list[Subscriber] = []


def subscribe(handler: Subscriber) -> None:
    if handler not in _subscribers:
        _subscribers.append(handler)


def unsubscribe(handler: Subscriber) -> None:
    if handler in _subscribers:
        _subscribers.remove(handler)


def _deliver(event: Event) -> None:
    for handler in list(_subscribers):
        try:
            handler(event)
        except Exception:
            # The write is committed; a failing listener must not turn it into an error page.
            logger.exception("Event subscriber %r failed on %s", handler, event)


def emit(event: Event) -> None:
    """Deliver ``event`` to subscribers once the current transaction commits."""
    transaction.on_commit(lambda: _deliver(event), robust=True)
