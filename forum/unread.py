"""
What is new for a member: reads about unread posts, with the visibility rules applied.

A member's place in a thread is one number (``ThreadRead.last_read_seq``): the
posts numbered above it are new for her, counting only those she may read
now: published (not waiting for validation), neither hidden nor deleted, and
written by someone else. Thread lists get their counts from one subquery
(``with_unread``), so a page of 25 threads costs what a page of 3 costs.
Writes (recording a reading, "tout marquer comme lu") are in
``forum.services.reading``.
"""

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from .models import (
    Community,
    JoinRequest,
    Membership,
    Notification,
    Post,
    ReportCase,
    Thread,
    ThreadRead,
    User,
)
from .selectors import banned_community_ids, list_moderated_communities, list_notifications

# "Quoi de neuf" (home) and "Nouveautés" look for news among her CoPs' threads last
# active, this many: a fixed cost whatever her CoPs' history (docs/architecture.md).
NEWS_WINDOW = 200


def signed_in(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def new_posts_q(user: User) -> Q:
    """A filter on Post for those that can be new for ``user``: published, readable, not hers."""
    readable = Q(is_pending=False, deleted_at__isnull=True, hidden_at__isnull=True)
    return readable & ~Q(author=user)


def read_mark(user: User, thread_ref="pk") -> Subquery:
    """The member's mark on the outer query's thread ``thread_ref`` (None: never read)."""
    return Subquery(
        ThreadRead.objects.filter(user=user, thread=OuterRef(thread_ref)).values("last_read_seq")[
            :1
        ],
        output_field=IntegerField(),
    )


def with_unread(threads: QuerySet[Thread], user: User | None) -> QuerySet[Thread]:
    """
    Annotate each thread with ``read_seq`` (None: never opened) and ``new_count``.

    Two correlated subqueries in the list's own query: no query per thread.
    A visitor has no reading: the queryset is returned as it is.
    """
    if not signed_in(user):
        return threads
    new = (
        Post.objects.filter(thread=OuterRef("pk"), seq__gt=Coalesce(OuterRef("read_seq"), 0))
        .filter(new_posts_q(user))
        .order_by()
        .values("thread")
        .annotate(number=Count("pk"))
        .values("number")
    )
    return threads.annotate(
        read_seq=read_mark(user),
        new_count=Coalesce(Subquery(new, output_field=IntegerField()), Value(0)),
    )


def unread_q(user: User) -> Q:
    """On a ``with_unread`` queryset: threads never opened (not hers) or with new posts."""
    never_opened = Q(read_seq__isnull=True) & ~Q(author=user)
    return never_opened | Q(new_count__gt=0)


def list_new_threads(user: User, *, among_latest: int | None = None) -> QuerySet[Thread]:
    """
    Threads with something new for ``user`` in the CoPs she belongs to now, latest first.

    Only CoPs she is a member of and not banned from, judged now; only threads
    active since she joined the CoP (a newcomer is not shown years of
    history as news); published threads only (moderators find waiting ones
    in their own section).

    ``among_latest``: look only among the N threads of hers last active (the
    home page), so that the cost does not grow with her CoPs' history: the
    unread counts are worked out for those N rows, not for every thread
    (found by profiling: 80 ms at 1,000 threads). The home and "Nouveautés"
    both look in such a window (``NEWS_WINDOW``).
    """
    threads = _her_threads(user)
    if among_latest is not None:
        latest = threads.order_by("-last_activity_at", "-pk").values("pk")[:among_latest]
        threads = Thread.objects.filter(pk__in=Subquery(latest))
    threads = threads.select_related("community", "author", "last_poster").prefetch_related("tags")
    return with_unread(threads, user).filter(unread_q(user)).order_by("-last_activity_at", "-pk")


def _her_threads(user: User) -> QuerySet[Thread]:
    """Published threads of her CoPs (not banned from) active since she joined each."""
    mine = (
        Membership.objects.filter(user=user)
        .exclude(community_id__in=banned_community_ids(user))
        .filter(community=OuterRef("community"), joined_at__lte=OuterRef("last_activity_at"))
    )
    return Thread.objects.filter(Exists(mine), is_pending=False)


def has_threads_beyond(user: User, among_latest: int) -> bool:
    """Whether her CoPs hold threads older than the ``among_latest`` last active ones.

    One query that stops at the ``among_latest + 1``-th of her threads (no
    order needed: more than N rows is all it asks): what tells "Nouveautés"
    to say that older news is not listed.
    """
    return _her_threads(user).order_by().values("pk")[among_latest : among_latest + 1].exists()


def first_unread_post(user: User, thread: Thread) -> Post | None:
    """The first new post of ``thread`` for ``user`` in the page order (the reply tree)."""
    mark = ThreadRead.objects.filter(user=user, thread=thread).values("last_read_seq")[:1]
    return (
        Post.objects.filter(thread=thread, seq__gt=Coalesce(Subquery(mark), 0))
        .filter(new_posts_q(user))
        .order_by("path")
        .first()
    )


def posts_numbered(user: User | None, thread: Thread, numbers: list[int]) -> list[Post]:
    """The posts of ``thread`` numbered ``numbers`` that ``user`` may read now (the others: none).

    What a live page says it showed (``unread_views.thread_read_live``) goes
    through this before ``record_reading``: a number is only a claim, the
    post must still be one she can see.
    """
    from .selectors import published_q

    if not numbers:
        return []
    return list(
        Post.objects.filter(thread=thread, seq__in=numbers)
        .filter(published_q(user, thread.community))
        .only("pk", "seq")
    )


def last_page(thread: Thread, user: User | None) -> int:
    """The number of the thread's last page for ``user``."""
    from .selectors import published_q

    shown = Post.objects.filter(thread=thread).filter(published_q(user, thread.community)).count()
    per_page = settings.JEKAFO["POSTS_PER_PAGE"]
    return max(1, (shown + per_page - 1) // per_page)


# Home: mentions and what waits for a moderator ------------------------------------------


def list_unread_mentions(user: User, limit: int) -> list[Notification]:
    """Unread mentions of ``user`` about what she may still see (judged now)."""
    return list(
        list_notifications(user).filter(kind=Notification.Kind.MENTION, read_at__isnull=True)[
            :limit
        ]
    )


def list_moderation_waiting(user: User) -> list[Community]:
    """
    The CoPs ``user`` moderates, each with what waits there, in one query.

    Each carries ``pending_posts`` (posts and threads to validate),
    ``open_cases`` (reports) and ``waiting_requests``.
    """

    def count(queryset) -> Coalesce:
        counted = (
            queryset.order_by()
            .values("community_ref")
            .annotate(number=Count("pk"))
            .values("number")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    pending = Post.objects.filter(
        thread__community=OuterRef("pk"), is_pending=True, hidden_at__isnull=True
    ).annotate(community_ref=F("thread__community"))
    cases = ReportCase.objects.filter(
        community=OuterRef("pk"), status=ReportCase.Status.OPEN
    ).annotate(community_ref=F("community"))
    requests = JoinRequest.objects.filter(
        community=OuterRef("pk"), status=JoinRequest.Status.PENDING
    ).annotate(community_ref=F("community"))
    return list(
        list_moderated_communities(user).annotate(
            pending_posts=count(pending),
            open_cases=count(cases),
            waiting_requests=count(requests),
        )
    )
