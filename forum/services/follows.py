"""
Follows of threads and CoPs, and their levels (docs/architecture.md, "Follows and levels").

Every door (the thread page, the CoP page, "Mes abonnements") calls these
services; ``forum.services.notifications`` reads ``levels_for`` to decide who
hears of a post, and ``auto_follow`` after telling them.

The level for a thread is the member's own level for that thread when she has
one, else her level for its CoP, else none (replies to her and mentions of her
only). A muted thread or CoP tells her nothing at all, not even a reply to her
or a mention of her: muting is a safety tool against someone who harasses.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Community, CommunityFollow, FollowLevel, Thread, ThreadFollow, User
from ..permissions import can_view_community, check_view_community, check_view_thread

UNFOLLOW = "none"  # what the forms send for "ne plus suivre"


def parse_level(value: object, *, allow_none: bool = False) -> str:
    """Return ``value`` if it names a level (or ``UNFOLLOW`` when allowed); else refuse it."""
    if isinstance(value, str) and (
        value in FollowLevel.values or (allow_none and value == UNFOLLOW)
    ):
        return value
    raise ValidationError(
        {
            "level": _(
                "Niveau de suivi inconnu : choisissez tout, réponses et mentions, ou en sourdine."
            )
        },
        code="bad_level",
    )


# Doors ------------------------------------------------------------------------------------


@transaction.atomic
def set_thread_follow(*, user: User, thread: Thread, level: str) -> ThreadFollow:
    """Set ``user``'s own level for ``thread``; automatic follows never change it after."""
    check_view_thread(user, thread)
    level = parse_level(level)
    follow, _created = ThreadFollow.objects.update_or_create(
        user=user, thread=thread, defaults={"level": level, "chosen": True}
    )
    return follow


@transaction.atomic
def unfollow_thread(*, user: User, thread: Thread) -> None:
    ThreadFollow.objects.filter(user=user, thread=thread).delete()


@transaction.atomic
def follow_community(
    *, user: User, community: Community, level: str = FollowLevel.ALL
) -> CommunityFollow:
    """Set ``user``'s level for ``community`` ("tout": hear of every new thread)."""
    check_view_community(user, community)
    level = parse_level(level)
    follow, _created = CommunityFollow.objects.update_or_create(
        user=user, community=community, defaults={"level": level}
    )
    return follow


@transaction.atomic
def unfollow_community(*, user: User, community: Community) -> None:
    CommunityFollow.objects.filter(user=user, community=community).delete()


def forget_follows_out_of_sight(user: User, community: Community) -> None:
    """Drop ``user``'s follows of ``community`` and its threads once she may not see it.

    Called when she leaves or is removed: a private CoP's follows then go
    (she starts afresh if she comes back); a public CoP's stay, since anyone
    may read and follow it. Notifications re-check visibility anyway.
    """
    if can_view_community(user, community):
        return
    CommunityFollow.objects.filter(user=user, community=community).delete()
    ThreadFollow.objects.filter(user=user, thread__community=community).delete()


def carry_follows(*, source: Thread, target: Thread) -> None:
    """Give ``target`` the follows of ``source`` (merged into it); a level on ``target`` stays."""
    rows = ThreadFollow.objects.filter(thread=source).values_list("user_id", "level", "chosen")
    ThreadFollow.objects.bulk_create(
        [
            ThreadFollow(user_id=user_id, thread=target, level=level, chosen=chosen)
            for user_id, level, chosen in rows
        ],
        ignore_conflicts=True,
    )


# What notifications read ----------------------------------------------------------------


@dataclass(frozen=True)
class Levels:
    """Every follow of one thread and of its CoP, read in two queries."""

    thread: dict[int, tuple[str, bool]] = field(default_factory=dict)  # user → (level, chosen)
    community: dict[int, str] = field(default_factory=dict)  # user → level

    def of(self, user_id: int) -> str | None:
        if user_id in self.thread:
            return self.thread[user_id][0]
        return self.community.get(user_id)

    def muted(self) -> set[int]:
        users = self.thread.keys() | self.community.keys()
        return {user_id for user_id in users if self.of(user_id) == FollowLevel.MUTED}

    def every_post(self) -> set[int]:
        """Who hears of every new post in the thread."""
        return {user_id for user_id, (level, _c) in self.thread.items() if level == FollowLevel.ALL}

    def every_thread(self) -> set[int]:
        """Who hears of every new thread in the CoP."""
        return {user_id for user_id, level in self.community.items() if level == FollowLevel.ALL}


def levels_for(thread: Thread) -> Levels:
    return Levels(
        thread={
            user_id: (level, chosen)
            for user_id, level, chosen in ThreadFollow.objects.filter(thread=thread).values_list(
                "user_id", "level", "chosen"
            )
        },
        community=dict(
            CommunityFollow.objects.filter(community_id=thread.community_id).values_list(
                "user_id", "level"
            )
        ),
    )


def auto_follow(
    thread: Thread, levels: Levels, *, author_id: int | None, mentioned: set[int]
) -> None:
    """Follow ``thread`` for its new post's author ("tout") and for who it mentions.

    The mentioned (already known to see the thread) follow at "réponses et
    mentions" unless they follow it already. Nothing here changes a level the
    member chose, nor follows a thread of a CoP she muted. At most two queries.
    """
    if author_id is not None:
        known = levels.thread.get(author_id)
        if known is None:
            if levels.community.get(author_id) != FollowLevel.MUTED:
                ThreadFollow.objects.bulk_create(
                    [ThreadFollow(user_id=author_id, thread=thread, level=FollowLevel.ALL)],
                    ignore_conflicts=True,
                )
        elif not known[1] and known[0] == FollowLevel.REPLIES:
            ThreadFollow.objects.filter(user_id=author_id, thread=thread, chosen=False).update(
                level=FollowLevel.ALL
            )
    newcomers = [
        user_id
        for user_id in sorted(mentioned - {author_id})
        if user_id not in levels.thread and levels.community.get(user_id) != FollowLevel.MUTED
    ]
    if newcomers:
        ThreadFollow.objects.bulk_create(
            [
                ThreadFollow(user_id=user_id, thread=thread, level=FollowLevel.REPLIES)
                for user_id in newcomers
            ],
            ignore_conflicts=True,
        )
