"""Notifications: replies, mentions, new posts and threads in what one follows (its levels)."""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from .. import events
from ..markup import MENTION, link_mentions, mentioned_names, render_markdown
from ..models import (
    Community,
    Membership,
    Notification,
    Post,
    Sanction,
    Thread,
    User,
)
from ..permissions import in_force_q
from ..presentation import url_pattern
from ..selectors import list_notifications
from . import follows


def _members_named(community: Community, names: set[str], written: set[str]) -> dict[str, User]:
    """Map each folded name to the one active member of ``community`` who bears it.

    ``written`` are the names as the text spells them: the database folds the
    case of non-ASCII letters (É/é) only under some locales, SQLite never, so
    the folded names alone would miss "Émilie" on SQLite.
    """
    query = Q()
    for name in names | written:
        query |= Q(display_name__iexact=name)
    found: dict[str, list[User]] = {}
    members = User.objects.filter(query, is_active=True, memberships__community=community).only(
        "pk", "display_name"
    )
    for user in members:
        found.setdefault(user.display_name.casefold(), []).append(user)
    # A name two members share is ambiguous: it stays plain text.
    return {name: users[0] for name, users in found.items() if len(users) == 1 and name in names}


def render_post_body(community: Community, body: str) -> tuple[str, set[int]]:
    """Render a post's Markdown with its @[Name] mentions linked; return the mentioned ids."""
    names = mentioned_names(body)
    if not names:
        return render_markdown(body), set()
    written = {match.group(1).strip() for match in MENTION.finditer(body)}
    members = _members_named(community, names, written)
    profile = url_pattern("profile")
    links = {name: (user.display_name, profile.format(user.pk)) for name, user in members.items()}
    return render_markdown(link_mentions(body, links)), {user.pk for user in members.values()}


def _can_see(user_ids: Iterable[int], community: Community) -> set[int]:
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    active = User.objects.filter(pk__in=user_ids, is_active=True)
    if community.is_private:
        banned = Sanction.objects.filter(community=community, kind=Sanction.Kind.BAN).filter(
            in_force_q()
        )
        members = (
            Membership.objects.filter(community=community)
            .exclude(user_id__in=banned.values("user_id"))
            .values("user_id")
        )
        active = active.filter(Q(pk__in=members) | Q(is_staff=True))
    return set(active.values_list("pk", flat=True))


def _notify_each(
    kinds: dict[int, str], *, actor: User, thread: Thread, post: Post | None
) -> set[int]:
    """Leave each recipient one notification of the kind given; return who was told.

    The author is never told of her own post, nor anyone who may not see the
    thread's CoP now. A constant number of queries, however many recipients.
    """
    recipients = sorted(_can_see(set(kinds) - {actor.pk}, thread.community))
    if not recipients:
        return set()
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id,
            kind=kinds[user_id],
            actor=actor,
            community_id=thread.community_id,
            thread=thread,
            post=post,
            created_at=now,
        )
        for user_id in recipients
    )
    User.objects.filter(pk__in=recipients).update(
        unread_notifications=F("unread_notifications") + 1
    )
    events.emit(events.NotificationsChanged(user_ids=tuple(recipients)))
    return set(recipients)


def notify_post(*, post: Post, thread: Thread, parent: Post | None, mentioned: set[int]) -> None:
    """Tell of a new reply: its parent's author, who it mentions, who follows the thread.

    One notification a person at most (a reply to her that mentions her is a
    reply); nothing for whom the thread or its CoP is muted. The author then
    follows the thread, and so do those it mentions (``follows.auto_follow``).
    """
    levels = follows.levels_for(thread)
    kinds = dict.fromkeys(levels.every_post(), Notification.Kind.FOLLOWED)
    kinds.update(dict.fromkeys(mentioned, Notification.Kind.MENTION))
    if parent is not None and parent.author_id:
        kinds[parent.author_id] = Notification.Kind.REPLY
    for user_id in levels.muted():
        kinds.pop(user_id, None)
    told = _notify_each(kinds, actor=post.author, thread=thread, post=post)
    follows.auto_follow(thread, levels, author_id=post.author_id, mentioned=mentioned & told)


def notify_new_mentions(*, post: Post, editor: User, mentioned: set[int]) -> None:
    """After an edit, tell only the members the post had told of nothing before."""
    already = set(Notification.objects.filter(post=post).values_list("recipient_id", flat=True))
    levels = follows.levels_for(post.thread)
    newly = mentioned - already - {post.author_id} - levels.muted()
    kinds = dict.fromkeys(newly, Notification.Kind.MENTION)
    told = _notify_each(kinds, actor=editor, thread=post.thread, post=post)
    follows.auto_follow(post.thread, levels, author_id=None, mentioned=told)


def notify_new_thread(*, thread: Thread, opening: Post, mentioned: set[int]) -> None:
    """Tell of a new thread who follows its CoP at "tout" and who it mentions."""
    levels = follows.levels_for(thread)
    kinds = dict.fromkeys(levels.every_thread(), Notification.Kind.NEW_THREAD)
    kinds.update(dict.fromkeys(mentioned, Notification.Kind.MENTION))
    for user_id in levels.muted():
        kinds.pop(user_id, None)
    told = _notify_each(kinds, actor=thread.author, thread=thread, post=opening)
    follows.auto_follow(thread, levels, author_id=thread.author_id, mentioned=mentioned & told)


@transaction.atomic
def notify_users(
    user_ids: Iterable[int],
    *,
    community: Community,
    subject: str,
    url: str,
    actor: User | None = None,
) -> list[int]:
    """Leave a plain-text notice linking to ``url`` (a path on this site); return who got it.

    For other apps (webinar reminders, a seat freed on a waiting list). Only
    people who may still see ``community`` are told.
    """
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("A notification links to a path on this site.")
    recipients = sorted(_can_see(user_ids, community))
    if not recipients:
        return []
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id,
            kind=Notification.Kind.OTHER,
            actor=actor,
            community=community,
            subject=subject[:200],
            url=url,
            created_at=now,
        )
        for user_id in recipients
    )
    User.objects.filter(pk__in=recipients).update(
        unread_notifications=F("unread_notifications") + 1
    )
    events.emit(events.NotificationsChanged(user_ids=tuple(recipients)))
    return recipients


def notify_users_in_their_language(
    user_ids: Iterable[int], *, community: Community, subject: Callable[[], str], url: str
) -> list[int]:
    """``notify_users`` with ``subject()`` written in each recipient's own language.

    The notice is stored as text, so it is drawn once per language, not in
    the language of whoever caused it. No actor is named.
    """
    by_language: dict[str, list[int]] = {}
    for pk, language in User.objects.filter(pk__in=set(user_ids)).values_list(
        "pk", "preferred_language"
    ):
        by_language.setdefault(language or "fr", []).append(pk)
    told: list[int] = []
    for language, ids in sorted(by_language.items()):
        with translation.override(language):
            told += notify_users(ids, community=community, subject=subject(), url=url)
    return sorted(told)


@transaction.atomic
def tell_user(user: User, *, community: Community, subject: str, url: str) -> Notification:
    """Tell ``user`` of a moderators' decision about her, even if a ban hides ``community``."""
    notification = Notification.objects.create(
        recipient=user,
        kind=Notification.Kind.MODERATION,
        community=community,
        subject=subject[:200],
        url=url,
    )
    User.objects.filter(pk=user.pk).update(unread_notifications=F("unread_notifications") + 1)
    events.emit(events.NotificationsChanged(user_ids=(user.pk,)))
    return notification


def recount_notifications(user: User) -> None:
    """Recount the user's unread notifications about what they may still see."""
    unread = list_notifications(user).filter(read_at__isnull=True).count()
    User.objects.filter(pk=user.pk).update(unread_notifications=unread)
    user.unread_notifications = unread
    events.emit(events.NotificationsChanged(user_ids=(user.pk,)))


@transaction.atomic
def mark_notification_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        recount_notifications(user)
    return notification


@transaction.atomic
def mark_all_notifications_read(*, user: User) -> int:
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    recount_notifications(user)
    return count
