"""Helpers shared by the forum's services."""

from ..models import Community, ModerationAction, Post, Thread, User
from ..text import clean_line


def log_action(
    *,
    actor: User | None,
    community: Community,
    kind: str,
    thread: Thread | None = None,
    post: Post | None = None,
    target_user: User | None = None,
    reason: str = "",
    details: dict | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        actor=actor,
        community=community,
        kind=kind,
        thread=thread,
        post=post,
        target_user=target_user,
        reason=clean_line(reason)[:500],
        details=details or {},
    )
