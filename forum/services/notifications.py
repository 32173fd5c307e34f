"""Notifications (replies, mentions, new threads in followed CoPs) and follows."""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from .. import events
from ..markup import MENTION, link_mentions, mentioned_names, render_markdown
from ..models import (
    Community,
    CommunityFollow,
    Membership,
    Notification,
    Post,
    Sanction,
    Thread,
    User,
)
from ..permissions import check_view_community, in_force_q
from ..presentation import url_pattern
from ..selectors import list_notifications


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


def _notify(
    recipient_ids: Iterable[int],
    *,
    kind: str,
    actor: User,
    thread: Thread,
    post: Post | None,
) -> None:
    recipients = sorted(_can_see(set(recipient_ids) - {actor.pk}, thread.community))
    if not recipients:
        return
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id,
            kind=kind,
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


def notify_post(*, post: Post, thread: Thread, parent: Post | None, mentioned: set[int]) -> None:
    """Tell the parent's author of a reply and the members it mentions."""
    replied_to = {parent.author_id} if parent is not None and parent.author_id else set()
    _notify(replied_to, kind=Notification.Kind.REPLY, actor=post.author, thread=thread, post=post)
    _notify(
        mentioned - replied_to,
        kind=Notification.Kind.MENTION,
        actor=post.author,
        thread=thread,
        post=post,
    )


def notify_new_mentions(*, post: Post, editor: User, mentioned: set[int]) -> None:
    """After an edit, tell only the members the post did not mention before."""
    already = set(
        Notification.objects.filter(post=post, kind=Notification.Kind.MENTION).values_list(
            "recipient_id", flat=True
        )
    )
    _notify(
        mentioned - already - {post.author_id},
        kind=Notification.Kind.MENTION,
        actor=editor,
        thread=post.thread,
        post=post,
    )


def notify_new_thread(*, thread: Thread, opening: Post, mentioned: set[int]) -> None:
    followers = set(
        CommunityFollow.objects.filter(community_id=thread.community_id).values_list(
            "user_id", flat=True
        )
    )
    _notify(
        mentioned, kind=Notification.Kind.MENTION, actor=thread.author, thread=thread, post=opening
    )
    _notify(
        followers - mentioned,
        kind=Notification.Kind.NEW_THREAD,
        actor=thread.author,
        thread=thread,
        post=opening,
    )


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


@transaction.atomic
def follow_community(*, user: User, community: Community) -> CommunityFollow:
    check_view_community(user, community)
    follow, _created = CommunityFollow.objects.get_or_create(user=user, community=community)
    return follow


@transaction.atomic
def unfollow_community(*, user: User, community: Community) -> None:
    CommunityFollow.objects.filter(user=user, community=community).delete()
