"""
Reads that apply visibility rules.

``access_*`` fetch one object and raise Http404 when the viewer may not see
it; ``list_*`` return querysets already narrowed to what the viewer may see.
"""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import (
    Community,
    CommunityFollow,
    JoinRequest,
    Membership,
    ModerationAction,
    Notification,
    Organisation,
    Post,
    PostRevision,
    Region,
    Sanction,
    Tag,
    Thread,
    User,
)
from .permissions import (
    can_post_in_community,
    check_view_community,
    check_view_post_history,
    check_view_thread,
    in_force_q,
)


def visible_communities_q(user: User | None, prefix: str = "") -> Q:
    """A filter on Community (or on a relation to it, with ``prefix``) for what ``user`` sees."""
    public = Q(**{f"{prefix}visibility": Community.Visibility.PUBLIC})
    if user is None or not user.is_authenticated or not user.is_active:
        return public
    if user.is_staff:
        return Q()
    member_of = (
        Membership.objects.filter(user=user)
        .exclude(community_id__in=banned_community_ids(user))
        .values("community_id")
    )
    return public | Q(**{f"{prefix}pk__in": member_of})


def banned_community_ids(user: User) -> QuerySet:
    """The CoPs ``user`` is banned from now (a subquery)."""
    return (
        Sanction.objects.filter(user=user, kind=Sanction.Kind.BAN, community__isnull=False)
        .filter(in_force_q())
        .values("community_id")
    )


# Communities ------------------------------------------------------------------------


def list_communities(user: User | None) -> QuerySet[Community]:
    member_of = Membership.objects.filter(community=OuterRef("pk"))
    if user is not None and user.is_authenticated:
        is_member = Exists(member_of.filter(user=user))
    else:
        is_member = Exists(member_of.none())
    return (
        Community.objects.filter(visible_communities_q(user))
        .annotate(
            thread_count=Count("threads", distinct=True),
            member_count=Count("memberships", distinct=True),
            is_member=is_member,
        )
        .prefetch_related(Prefetch("regions", queryset=Region.objects.order_by("name")))
        .order_by("name")
    )


def access_community(user: User | None, slug: str) -> Community:
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    check_view_community(user, community)
    return community


def list_threads(community: Community) -> QuerySet[Thread]:
    return (
        Thread.objects.filter(community=community)
        .select_related("author", "last_poster")
        .prefetch_related("tags")
        .order_by("-is_pinned", "-last_activity_at", "-pk")
    )


def paginate(queryset, page_number, per_page: int) -> Page:
    """Return the requested page; a missing or malformed number gives page 1, too big a 404."""
    paginator = Paginator(queryset, per_page)
    try:
        number = int(page_number or 1)
    except (TypeError, ValueError):
        number = 1
    if number < 1 or number > paginator.num_pages:
        raise Http404
    return paginator.page(number)


def list_members(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community)
        .select_related("user__organisation", "user__region")
        .order_by("-role", "user__display_name")
    )


def list_pending_join_requests(community: Community) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(community=community, status=JoinRequest.Status.PENDING)
        .select_related("user__organisation", "user__region")
        .order_by("created_at")
    )


def has_pending_join_request(user: User | None, community: Community) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return JoinRequest.objects.filter(
        user=user, community=community, status=JoinRequest.Status.PENDING
    ).exists()


def list_moderation_log(community: Community) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.filter(community=community).select_related(
        "actor", "thread", "post", "target_user"
    )


def redact_moderation_log(
    user: User | None, actions: list[ModerationAction]
) -> list[ModerationAction]:
    """
    Keep what a log line says about another CoP out of sight of those who cannot see it.

    A move names both CoPs, and a thread moved into a private CoP keeps its log
    lines (title, old titles, tags) in the CoP it left, whose moderators may not
    be members of the private one.
    """
    cop_ids = {a.details.get(key) for a in actions for key in ("from_id", "to_id")} - {None}
    cop_ids |= {a.thread.community_id for a in actions if a.thread is not None}
    if not cop_ids:
        return actions
    visible_ids = set(
        Community.objects.filter(visible_communities_q(user), pk__in=cop_ids).values_list(
            "pk", flat=True
        )
    )
    unnamed = _("une communauté privée")
    for action in actions:
        if action.thread is not None and action.thread.community_id not in visible_ids:
            action.thread = None
            action.details = {}
        for key in ("from", "to"):
            if key in action.details and action.details.get(f"{key}_id") not in visible_ids:
                action.details = {**action.details, key: unnamed}
    return actions


def list_moderated_communities(user: User) -> QuerySet[Community]:
    if user.is_staff:
        return Community.objects.order_by("name")
    return Community.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.MODERATOR
    ).order_by("name")


# Threads and posts ------------------------------------------------------------------


def access_thread(user: User | None, pk: int) -> Thread:
    thread = Thread.objects.select_related("community", "author").filter(pk=pk).first()
    if thread is None:
        raise Http404
    check_view_thread(user, thread)
    return thread


def access_post(user: User | None, pk: int) -> Post:
    post = Post.objects.select_related("thread__community", "author").filter(pk=pk).first()
    if post is None:
        raise Http404
    check_view_thread(user, post.thread)
    return post


def thread_posts(thread: Thread) -> QuerySet[Post]:
    """The thread's posts in reply-tree order, with what one page needs to render."""
    return (
        Post.objects.filter(thread=thread)
        .select_related("author__organisation", "parent__author")
        .order_by("path")
    )


def thread_page(thread: Thread, page_number) -> Page:
    return paginate(thread_posts(thread), page_number, settings.JEKAFO["POSTS_PER_PAGE"])


def page_of_post(post: Post) -> int:
    """The page of its thread on which ``post`` appears."""
    before = Post.objects.filter(thread_id=post.thread_id, path__lt=post.path).count()
    return before // settings.JEKAFO["POSTS_PER_PAGE"] + 1


def list_post_revisions(user: User | None, post: Post) -> QuerySet[PostRevision]:
    check_view_post_history(user, post)
    return post.revisions.select_related("replaced_by")


# Tags ----------------------------------------------------------------------------------


def access_tag(user: User | None, slug: str) -> tuple[Tag, QuerySet[Thread], QuerySet]:
    """
    Return a tag with the threads and organisations the viewer may see under it.

    A tag used only inside private CoPs the viewer cannot see is a 404: its
    name alone could reveal what they discuss.
    """
    # A NUL is never in a slug, and PostgreSQL refuses it in a query.
    tag = Tag.objects.filter(slug=slug).first() if "\x00" not in slug else None
    if tag is None:
        raise Http404
    threads = (
        Thread.objects.filter(visible_communities_q(user, "community__"), tags=tag)
        .select_related("community", "author", "last_poster")
        .prefetch_related("tags")
        .order_by("-last_activity_at", "-pk")
    )
    organisations = Organisation.objects.filter(domains=tag).order_by("name")
    if not threads.exists() and not organisations.exists():
        raise Http404
    return tag, threads, organisations


def list_popular_tags(user: User | None, limit: int = 30) -> QuerySet[Tag]:
    visible = Thread.objects.filter(visible_communities_q(user, "community__"))
    return (
        Tag.objects.filter(thread_items__content_object__in=visible)
        .annotate(uses=Count("thread_items", distinct=True))
        .order_by("-uses", "name")[:limit]
    )


# Members and organisations ----------------------------------------------------------


def access_profile(pk: int) -> User:
    user = User.objects.select_related("region", "organisation").filter(pk=pk, is_active=True)
    found = user.first()
    if found is None:
        raise Http404
    return found


def list_profile_communities(viewer: User | None, profile: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=profile)
        .filter(visible_communities_q(viewer, "community__"))
        .select_related("community")
        .order_by("community__name")
    )


def list_profile_posts(viewer: User | None, profile: User, limit: int = 20) -> QuerySet[Post]:
    return (
        Post.objects.filter(
            author=profile,
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .filter(visible_communities_q(viewer, "thread__community__"))
        .select_related("thread__community")
        .order_by("-created_at")[:limit]
    )


def list_organisations(*, domain: str = "", region: str = "") -> QuerySet[Organisation]:
    organisations = Organisation.objects.prefetch_related(
        "domains", Prefetch("regions", queryset=Region.objects.order_by("name"))
    ).order_by("name")
    if domain:
        organisations = organisations.filter(domains__slug=domain)
    if region:
        organisations = organisations.filter(regions__slug=region)
    return organisations.distinct()


def list_domain_tags() -> QuerySet[Tag]:
    return Tag.objects.filter(organisation_items__isnull=False).distinct().order_by("name")


def access_organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.prefetch_related("domains", "regions").filter(slug=slug)
    found = organisation.first()
    if found is None:
        raise Http404
    return found


def find_user(pk: int) -> User | None:
    """An active account by id (a moderator names a participant to mute)."""
    return User.objects.filter(pk=pk, is_active=True).first()


# Notifications ---------------------------------------------------------------------


def list_notifications(user: User) -> QuerySet[Notification]:
    """The user's notifications about things they may still see, newest first."""
    # A notification about a thread is judged by the thread's CoP now, not the
    # one it was in when written: a move into a private CoP hides it.
    about_thread = Q(thread__isnull=False) & visible_communities_q(user, "thread__community__")
    about_other = Q(thread__isnull=True) & visible_communities_q(user, "community__")
    # A decision about the reader is told to her even when a ban hides its CoP.
    about_other |= Q(kind=Notification.Kind.MODERATION)
    return (
        Notification.objects.filter(recipient=user)
        .filter(about_thread | about_other)
        .select_related("actor", "thread", "community", "post")
    )


def access_notification(user: User, pk: int) -> Notification:
    notification = list_notifications(user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def is_following(user: User | None, community: Community) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return CommunityFollow.objects.filter(user=user, community=community).exists()


def list_mention_candidates(user: User | None, community: Community, query: str) -> list[User]:
    """Members of ``community`` whose name starts with ``query``, for the @ autocomplete."""
    check_view_community(user, community)
    if not can_post_in_community(user, community):
        return []
    query = query.strip()[:80].casefold()
    members = User.objects.filter(memberships__community=community, is_active=True)
    members = members.order_by("display_name").only("pk", "display_name")
    # Matched in Python: SQLite folds the case of A-Z only, and names here
    # often start with an accented capital (Émilie, Ousmane…). A CoP has at
    # most a few hundred members.
    found = [
        user
        for user in members
        if not query
        or user.display_name.casefold().startswith(query)
        or f" {query}" in f" {user.display_name.casefold()}"
    ]
    return found[:8]
