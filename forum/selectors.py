"""
Reads that apply visibility rules.

``access_*`` fetch one object and raise Http404 when the viewer may not see
it; ``list_*`` return querysets already narrowed to what the viewer may see.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from . import inputs
from .models import (
    Community,
    CommunityFollow,
    JoinRequest,
    Membership,
    ModerationAction,
    Notification,
    Organisation,
    Post,
    PostFile,
    PostRevision,
    Region,
    Report,
    ReportCase,
    Sanction,
    Tag,
    TaggedThread,
    Thread,
    ThreadFollow,
    ThreadRedirect,
    User,
)
from .permissions import (
    can_moderate_community,
    can_open_thread,
    can_post_in_community,
    can_see_pending,
    can_view_post_body,
    can_view_thread,
    check_view_community,
    check_view_post_history,
    check_view_profile,
    check_view_thread,
    in_force_q,
    is_staff,
    preload_access_of,
    shows_to,
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


def in_visible_community(user: User | None, ref: str = "community_id") -> Exists:
    """A filter on a model with a CoP (``ref``): in a CoP ``user`` sees (visible_communities_q).

    A correlated EXISTS rather than a join: a list ordered by recency then
    walks its own index and stops at the page's end, where a join with the
    CoPs would read every thread of each CoP seen and sort them all.
    """
    return Exists(Community.objects.filter(visible_communities_q(user), pk=OuterRef(ref)))


def banned_community_ids(user: User) -> QuerySet:
    """The CoPs ``user`` is banned from now (a subquery)."""
    return (
        Sanction.objects.filter(user=user, kind=Sanction.Kind.BAN, community__isnull=False)
        .filter(in_force_q())
        .values("community_id")
    )


# Communities ------------------------------------------------------------------------


def count_of(rows: QuerySet, group: str) -> Coalesce:
    """A correlated subquery counting ``rows`` (filtered on an OuterRef), 0 when none."""
    # COUNT(*), not COUNT(id): the id is in no index but the primary key, and counting
    # it would make PostgreSQL visit every row instead of reading the index alone.
    counted = rows.order_by().values(group).annotate(number=Count("*")).values("number")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def list_communities(user: User | None) -> QuerySet[Community]:
    member_of = Membership.objects.filter(community=OuterRef("pk"))
    if user is not None and user.is_authenticated:
        is_member = Exists(member_of.filter(user=user))
    else:
        is_member = Exists(member_of.none())
    # One correlated count per CoP and figure, each read from an index alone
    # (thread_published_count; unique_membership): a join of threads with
    # memberships would cost threads × members per CoP (docs/architecture.md).
    threads = Thread.objects.filter(community=OuterRef("pk"), is_pending=False)
    members = Membership.objects.filter(community=OuterRef("pk"))
    return (
        Community.objects.filter(visible_communities_q(user))
        .annotate(
            thread_count=count_of(threads, "community"),
            member_count=count_of(members, "community"),
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


def published_q(user: User | None, community: Community | None, prefix: str = "") -> Q:
    """A filter on Post or Thread (``prefix`` for a relation) hiding what awaits validation.

    The one rule of pre-moderation: a pending post or thread is seen by its
    author and, when ``community`` is given, by that CoP's moderators; by
    nobody else, in any list, count or feed.
    """
    if community is not None and can_moderate_community(user, community):
        return Q()
    published = Q(**{f"{prefix}is_pending": False})
    if user is not None and user.is_authenticated:
        return published | Q(**{f"{prefix}author": user})
    return published


def list_threads(community: Community, user: User | None = None) -> QuerySet[Thread]:
    return (
        Thread.objects.filter(community=community)
        .filter(published_q(user, community))
        .select_related("author", "last_poster")
        .prefetch_related("tags")
        .order_by("-is_pinned", "-last_activity_at", "-pk")
    )


def read_page_number(page_number) -> int:
    """A page number from a query string: missing or malformed is 1, out of bounds a 404.

    A number out of bounds ("0", "-1", forty nines) is a page that does not
    exist; anything else ("abc", "²") is no page number at all.
    """
    number = 1 if page_number in (None, "") else inputs.read_whole_number(page_number)
    if number is None:
        digits = page_number.lstrip("-") if isinstance(page_number, str) else ""
        if digits.isascii() and digits.isdigit():
            raise Http404
        number = 1
    if number < 1:
        raise Http404
    return number


def paginate(queryset, page_number, per_page: int) -> Page:
    """Return the requested page; a missing or malformed number gives page 1, too big a 404."""
    paginator = Paginator(queryset, per_page)
    number = read_page_number(page_number)
    if number > paginator.num_pages:
        raise Http404
    return paginator.page(number)


class Window:
    """A page of a list read without counting the list (see ``window``).

    It answers what ``includes/pagination.html`` asks of a Django Page, but
    has no ``paginator``: no total, so no "Page 2 sur 40", only "Page 2".
    """

    paginator = None

    def __init__(self, rows: list, number: int, per_page: int) -> None:
        self.object_list = rows[:per_page]
        self.number = number
        self.more = len(rows) > per_page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def window(queryset: QuerySet, page_number, per_page: int) -> Window:
    """The requested page of ``queryset``, read as ``per_page + 1`` rows: one query, no COUNT.

    The extra row says whether a next page exists. A page past the end (no
    row) is a 404, as with ``paginate``; page 1 of an empty list is empty.
    """
    number = read_page_number(page_number)
    start = (number - 1) * per_page
    if start > inputs.MAX_ID:
        raise Http404  # no database offset that large: no such page either
    rows = list(queryset[start : start + per_page + 1])
    if number > 1 and not rows:
        raise Http404
    return Window(rows, number, per_page)


def paginate_counting_last(queryset, page_number, per_page: int, counted: QuerySet) -> Page:
    """paginate(), with no COUNT query when the page asked for is the last one.

    The page's rows are read with one row more: when it does not come, this
    page is the last and the total is known (a thread on one page, the last
    page of a long one). Otherwise ``counted`` (the same rows without the
    joins the page needs) is counted for the number of pages.
    """
    number = read_page_number(page_number)
    start = (number - 1) * per_page
    if start > inputs.MAX_ID:
        raise Http404  # no database offset that large: no such page either
    rows = list(queryset[start : start + per_page + 1])
    paginator = Paginator(queryset, per_page)
    if len(rows) > per_page:
        del rows[per_page:]
        paginator.count = counted.count()
    elif rows or number == 1:
        paginator.count = start + len(rows)  # the last page: no need to count
    else:
        raise Http404  # beyond the last page
    return Page(rows, number, paginator)


# A CoP can have thousands of members: its list is shown a page at a time.
MEMBERS_PER_PAGE = 50


def paginate_by_ids(
    queryset: QuerySet, page_number, per_page: int, rows: Callable[[QuerySet], QuerySet]
) -> Page:
    """Paginate ``queryset`` over its ids, then read that page's rows in one query.

    The ids query keeps the filters and the order but not the joins of
    select_related, so the database can walk an index in order and stop at the
    page's end; ``rows`` (e.g. the unread counts) then runs for the page's rows
    only. The ids are a subquery of the rows' query: no query more.
    """
    page = paginate(queryset.values("pk"), page_number, per_page)
    page.object_list = rows(queryset.filter(pk__in=page.object_list))
    return page


def list_members(community: Community, viewer: User | None = None, page_number=None) -> Page:
    """A page of the CoP's members, each with what they show ``viewer`` (organisation, region)."""
    members = (
        Membership.objects.filter(community=community)
        .select_related("user__organisation", "user__region")
        .order_by("-role", "user__display_name", "pk")
    )
    page = paginate(members, page_number, MEMBERS_PER_PAGE)
    page.object_list = list(page.object_list)
    mark_shown_fields(viewer, [membership.user for membership in page.object_list])
    return page


def mark_shown_fields(viewer: User | None, people: list[User]) -> list[User]:
    """Set ``shown_organisation`` and ``shown_region``: what each person shows ``viewer``."""
    for person in people:
        person.shown_organisation = (
            person.organisation if shows_to(viewer, person, person.show_organisation) else None
        )
        person.shown_region = (
            person.region if shows_to(viewer, person, person.show_region) else None
        )
    return people


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
        hidden_side = any(
            f"{key}_id" in action.details and action.details[f"{key}_id"] not in visible_ids
            for key in ("from", "to")
        )
        if hidden_side and "changes" in action.details:
            # A merge or split with a CoP the reader cannot see: its titles and
            # name stay out; the count of moved posts says what happened.
            action.details = {
                **action.details,
                "changes": [
                    c for c in action.details["changes"] if c["field"] not in HIDDEN_ACROSS
                ],
            }
    return actions


# Audit fields that name another CoP's thread or the CoP itself.
HIDDEN_ACROSS = {"discussion", "communauté"}


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
    if not can_open_thread(user, thread):
        raise Http404
    return thread


def access_thread_or_successor(user: User | None, pk: int) -> Thread:
    """The thread ``pk``, or the one it was merged into; 404 unless the reader may see it."""
    try:
        return access_thread(user, pk)
    except Http404:
        successor = (
            ThreadRedirect.objects.filter(old_thread_id=pk)
            .values_list("thread_id", flat=True)
            .first()
        )
        if successor is None:
            raise
        return access_thread(user, successor)


def split_candidates(post: Post) -> int:
    """How many posts a split at ``post`` would move (it and the replies below it)."""
    return Post.objects.filter(thread_id=post.thread_id, path__startswith=post.path).count()


def access_post(user: User | None, pk: int) -> Post:
    post = Post.objects.select_related("thread__community", "author").filter(pk=pk).first()
    if post is None:
        raise Http404
    check_view_thread(user, post.thread)
    community = post.thread.community
    if not can_see_pending(user, post.thread, community) or not can_see_pending(
        user, post, community
    ):
        raise Http404
    return post


def find_posts(user: User | None, pks: list[int]) -> dict[int, Post]:
    """The posts ``pks`` that ``access_post`` would give ``user``, by pk (3 queries at most)."""
    posts = list(Post.objects.select_related("thread__community", "author").filter(pk__in=pks))
    preload_access_of(user, {p.thread.community_id for p in posts})
    return {
        post.pk: post
        for post in posts
        if can_view_thread(user, post.thread)
        and can_see_pending(user, post.thread, post.thread.community)
        and can_see_pending(user, post, post.thread.community)
    }


def find_threads(user: User | None, pks: list[int]) -> dict[int, Thread]:
    """The threads ``pks`` that ``access_thread`` would give ``user``, by pk (4 queries at most).

    Each carries its opening post (``opening_post``), which a report case shows.
    """
    threads = list(Thread.objects.select_related("community", "author").filter(pk__in=pks))
    preload_access_of(user, {t.community_id for t in threads})
    found = {thread.pk: thread for thread in threads if can_open_thread(user, thread)}
    for post in Post.objects.filter(thread_id__in=found, parent__isnull=True):
        found[post.thread_id].opening_post = post
    return found


def access_post_file(user: User | None, post_id: int, file_id: int) -> PostFile:
    """A file of a post, if ``user`` may read that post's content now; 404 otherwise.

    The same answer as for a file that does not exist: a private CoP's file,
    a hidden post's file (for those who cannot read hidden posts), a deleted
    post's (its files are gone anyway) or a file asked under another post.
    """
    post = access_post(user, post_id)
    if not can_view_post_body(user, post):
        raise Http404
    attached = PostFile.objects.filter(pk=file_id, post=post).first()
    if attached is None:
        raise Http404
    attached.post = post
    return attached


# The columns a thread page draws (forum/post_html.py) and checks (forum/permissions.py):
# a page of 100 posts joins five rows per post, and loading every column of
# each (a member's e-mail, phone and biography, an organisation's description,
# the Markdown source…) was most of the page's time.
POST_PAGE_FIELDS = (
    "thread_id",
    "parent_id",
    "author_id",
    "seq",
    "path",
    "depth",
    "body_html",
    "created_at",
    "edited_at",
    "edit_count",
    "deleted_at",
    "hidden_at",
    "hidden_reason",
    "is_pending",
    "author__display_name",
    "author__organisation_id",
    "author__show_organisation",
    "author__is_active",
    "author__is_staff",
    "author__deleted_at",
)


def visible_posts(thread: Thread, user: User | None = None) -> QuerySet[Post]:
    """The thread's posts ``user`` may see, nothing joined (what a page count needs)."""
    return Post.objects.filter(thread=thread).filter(published_q(user, thread.community))


def thread_posts(thread: Thread, user: User | None = None) -> QuerySet[Post]:
    """The thread's posts ``user`` may see, in reply-tree order, with what a page needs.

    The author comes as a row of her own (permissions read it), her
    organisation's name and the post replied to as plain columns: every reply
    to the thread has the opening post for parent, and building a Post, a
    User and an Organisation object per row for two short strings was a third
    of the page's time.
    """
    return (
        visible_posts(thread, user)
        .select_related("author")
        .only(*POST_PAGE_FIELDS)
        .annotate(
            author_org_name=F("author__organisation__name"),
            author_org_acronym=F("author__organisation__acronym"),
            parent_seq=F("parent__seq"),
            parent_author_id=F("parent__author_id"),
            parent_author_name=F("parent__author__display_name"),
        )
        .order_by("path")
    )


def files_of_posts(posts: list[Post]) -> dict[int, list[PostFile]]:
    """The files of ``posts`` by post id, in one query (none when there is no post).

    What ``prefetch_related("files")`` did, at a tenth of the cost: it built
    one related queryset per post, 3.6 ms for a page of 100 posts.
    """
    grouped: dict[int, list[PostFile]] = {}
    if posts:
        for attached in PostFile.objects.filter(post_id__in=[post.pk for post in posts]):
            grouped.setdefault(attached.post_id, []).append(attached)
    return grouped


def published_posts_after(thread: Thread, seq: int) -> QuerySet[Post]:
    """Published posts numbered above ``seq``, for a live page catching up."""
    return (
        Post.objects.filter(thread=thread, seq__gt=seq, is_pending=False)
        .select_related("author__organisation", "parent__author")
        .prefetch_related("files")
        .order_by("seq")
    )


def thread_page(thread: Thread, page_number, user: User | None = None) -> Page:
    return paginate_counting_last(
        thread_posts(thread, user),
        page_number,
        settings.JEKAFO["POSTS_PER_PAGE"],
        counted=visible_posts(thread, user),
    )


def page_of_post(post: Post, user: User | None = None) -> int:
    """The page of its thread on which ``post`` appears for ``user``."""
    before = (
        Post.objects.filter(thread_id=post.thread_id, path__lt=post.path)
        .filter(published_q(user, post.thread.community))
        .count()
    )
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
    tagged = TaggedThread.objects.filter(tag=tag, content_object=OuterRef("pk"))
    threads = (
        Thread.objects.filter(in_visible_community(user), Exists(tagged))
        .filter(published_q(user, None))
        .select_related("community", "author", "last_poster")
        .prefetch_related("tags")
        .order_by("-last_activity_at", "-pk")
    )
    organisations = Organisation.objects.filter(domains=tag).order_by("name")
    if not threads.exists() and not organisations.exists():
        raise Http404
    return tag, threads, organisations


# Popular tags are counted over this many threads last active that the reader may see:
# a fixed cost, and what is discussed now rather than what was years ago.
POPULAR_TAGS_THREADS = 500


def list_popular_tags(user: User | None, limit: int = 30) -> QuerySet[Tag]:
    """The tags most used by the threads last active that ``user`` may see."""
    visible = Thread.objects.filter(in_visible_community(user), is_pending=False)
    recent = visible.order_by("-last_activity_at", "-pk").values("pk")[:POPULAR_TAGS_THREADS]
    return (
        Tag.objects.filter(thread_items__content_object__in=Subquery(recent))
        .annotate(uses=Count("*"))
        .order_by("-uses", "name")[:limit]
    )


# Members and organisations ----------------------------------------------------------


def access_profile(viewer: User | None, pk: int) -> User:
    """A member's profile if ``viewer`` may see it, else 404 (as for an unknown id)."""
    member = User.objects.select_related("region", "organisation").filter(pk=pk).first()
    if member is None:
        raise Http404
    check_view_profile(viewer, member)
    # What the member chose to show, decided once here; templates read these.
    mark_shown_fields(viewer, [member])
    return member


def _sees_everything(viewer: User | None, member: User) -> bool:
    return viewer is not None and (viewer.pk == member.pk or is_staff(viewer))


def list_profile_communities(viewer: User | None, profile: User) -> QuerySet[Membership]:
    """The member's CoPs that the viewer shares (all of them for the member and staff)."""
    memberships = Membership.objects.filter(user=profile)
    if not _sees_everything(viewer, profile):
        # Public CoPs too: their member lists are for their members only.
        memberships = memberships.filter(community__memberships__user=viewer)
    return memberships.select_related("community").order_by("community__name")


def list_profile_posts(viewer: User | None, profile: User, limit: int = 20) -> QuerySet[Post]:
    """
    The member's recent posts, as they chose to show them, in CoPs the viewer may see now.

    ``show_activity``: SHARED lists posts in CoPs both belong to, VISIBLE every
    post the viewer may read, NOBODY none; the member and staff see all.
    """
    posts = Post.objects.filter(
        author=profile,
        deleted_at__isnull=True,
        hidden_at__isnull=True,
        is_pending=False,
        thread__is_pending=False,
    ).filter(visible_communities_q(viewer, "thread__community__"))
    if not _sees_everything(viewer, profile):
        if profile.show_activity == User.ActivityShown.NOBODY:
            return posts.none()
        if profile.show_activity == User.ActivityShown.SHARED:
            shared = Membership.objects.filter(user=viewer).values("community_id")
            posts = posts.filter(
                thread__community__in=shared,
                thread__community__memberships__user=profile,
            )
    return posts.select_related("thread__community").order_by("-created_at")[:limit]


# The directory is shown a page at a time (its filters kept in the page links).
ORGANISATIONS_PER_PAGE = 30


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
    return community_follow_level(user, community) is not None


def community_follow_level(user: User | None, community: Community) -> str | None:
    """``user``'s level for ``community`` (FollowLevel), or None when she does not follow it."""
    if user is None or not user.is_authenticated:
        return None
    return (
        CommunityFollow.objects.filter(user=user, community=community)
        .values_list("level", flat=True)
        .first()
    )


def thread_follow_levels(user: User | None, thread: Thread) -> tuple[str | None, str | None]:
    """``user``'s own level for ``thread`` and her level for its CoP, in one query."""
    if user is None or not user.is_authenticated:
        return None, None
    own = ThreadFollow.objects.filter(user=OuterRef("pk"), thread=thread).values("level")[:1]
    community = CommunityFollow.objects.filter(
        user=OuterRef("pk"), community_id=thread.community_id
    ).values("level")[:1]
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(own=Subquery(own), community=Subquery(community))
        .values_list("own", "community")
        .first()
    )
    return row or (None, None)


def list_followed_threads(user: User) -> QuerySet[ThreadFollow]:
    """The threads ``user`` follows that she may still see, latest activity first."""
    return (
        ThreadFollow.objects.filter(user=user)
        .filter(visible_communities_q(user, "thread__community__"))
        .filter(Q(thread__is_pending=False) | Q(thread__author=user))
        .select_related("thread", "thread__community")
        .order_by("-thread__last_activity_at", "-pk")
    )


def list_followed_communities(user: User) -> QuerySet[CommunityFollow]:
    """The CoPs ``user`` follows that she may still see, by name."""
    return (
        CommunityFollow.objects.filter(user=user)
        .filter(visible_communities_q(user, "community__"))
        .select_related("community")
        .order_by("community__name", "pk")
    )


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


# Reports and pre-moderation -----------------------------------------------------------


def list_open_cases(communities) -> QuerySet[ReportCase]:
    """Open report cases of ``communities``, most reported first, with their reports."""
    return (
        ReportCase.objects.filter(community__in=communities, status=ReportCase.Status.OPEN)
        .select_related("community", "author")
        .prefetch_related(Prefetch("reports", queryset=Report.objects.order_by("created_at")))
        .order_by("-report_count", "created_at", "pk")
    )


def list_pending_posts(communities) -> QuerySet[Post]:
    """Posts and threads waiting for validation in ``communities``, oldest first."""
    return (
        Post.objects.filter(
            thread__community__in=communities, is_pending=True, hidden_at__isnull=True
        )
        .select_related("thread__community", "author")
        .prefetch_related("files")
        .order_by("created_at", "pk")
    )


def access_report_case(user: User | None, pk: int) -> ReportCase:
    """An open or closed case of a CoP ``user`` moderates; 404 for anyone else."""
    case = ReportCase.objects.select_related("community", "author").filter(pk=pk).first()
    if case is None or not can_moderate_community(user, case.community):
        raise Http404
    return case


def count_to_review(community: Community) -> int:
    """Open report cases and posts waiting for validation in ``community``."""
    return list_open_cases([community]).count() + list_pending_posts([community]).count()
