"""
Recording what a member has read: the one place a page view writes.

"A GET never writes" (tests/test_no_write_on_get.py) so that prefetchers,
link previews and crawlers change nothing. Reading is the one documented
exception: the thread page of a signed-in member, opened for real (not a
``Sec-Purpose: prefetch`` or other prefetch/preview request; the view
decides that from the headers), advances her mark with one conditional
UPDATE or INSERT, and only when it advances. A visitor has no mark; a
crawler is a visitor. Without this a member without JavaScript would have
to press a button after each thread to keep her unread markers true.

The mark is a watermark over post numbers: after a page view it is the
highest number N such that every post numbered up to N that could be new for
her was on this page or below her previous mark. A thread's page shows the
reply tree, not the numbers in order, so a page may show post 61 and not
post 58 (a reply further down the tree): the mark then stops at 57, and 58
stays new. It errs on the side of showing a post again, never of hiding one.
"""

from django.db import transaction
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Community, Post, Thread, ThreadRead, User
from ..permissions import check_view_community, check_view_thread
from ..selectors import published_q
from ..unread import new_posts_q, read_mark, signed_in


def record_reading(
    *, user: User | None, thread: Thread, shown: list[Post], whole_thread: bool = False
) -> int | None:
    """Advance ``user``'s mark on ``thread`` after she was shown ``shown``; return the new mark.

    One SELECT (her mark and the first new post she was not shown), then one
    write only when the mark advances. Returns None when nothing was written.
    ``whole_thread``: ``shown`` is every post of the thread she may see (the
    thread fits on the page), so there is no post she was not shown to look
    for: the SELECT reads her mark alone. One posted since the page was read
    is above the thread's last number as the page knew it, and stays new.
    """
    if not signed_in(user) or not shown:
        return None
    check_view_thread(user, thread)
    if whole_thread:
        old = (
            ThreadRead.objects.filter(user=user, thread=thread)
            .values_list("last_read_seq", flat=True)
            .first()
        )
        unseen = None
    else:
        shown_ids = [post.pk for post in shown]
        first_unseen = (
            Post.objects.filter(thread=OuterRef("pk"), seq__gt=Coalesce(OuterRef("old"), 0))
            .filter(new_posts_q(user))
            .filter(published_q(user, thread.community))
            .exclude(pk__in=shown_ids)
            .order_by("seq")
            .values("seq")[:1]
        )
        old, unseen = (
            Thread.objects.filter(pk=thread.pk)
            .annotate(old=read_mark(user))
            .annotate(unseen=Subquery(first_unseen, output_field=IntegerField()))
            .values_list("old", "unseen")
            .get()
        )
    newest_shown = max(post.seq for post in shown)
    mark = unseen - 1 if unseen is not None else max(newest_shown, thread.last_seq)
    now = timezone.now()
    if old is None:
        # Two tabs opening the thread at once: the second INSERT is dropped,
        # and the first one's mark (as far, give or take a post) stands.
        ThreadRead.objects.bulk_create(
            [ThreadRead(user=user, thread=thread, last_read_seq=mark, updated_at=now)],
            ignore_conflicts=True,
        )
        return mark
    if mark <= old:
        return None
    # Conditional: a slower request that computed a lower mark never moves it back.
    ThreadRead.objects.filter(user=user, thread=thread, last_read_seq__lt=mark).update(
        last_read_seq=mark, updated_at=now
    )
    return mark


@transaction.atomic
def mark_community_read(*, user: User, community: Community) -> int:
    """Mark every thread of ``community`` ``user`` may see as read up to its last post.

    A fixed number of queries whatever the number of threads: one UPDATE of
    the marks she has, one INSERT of those she has not. Returns the number of
    threads that had something new.
    """
    check_view_community(user, community)
    threads = Thread.objects.filter(community=community).filter(published_q(user, community))
    last_seq = Subquery(Thread.objects.filter(pk=OuterRef("thread_id")).values("last_seq")[:1])
    now = timezone.now()
    moved = (
        ThreadRead.objects.filter(user=user, thread__in=threads)
        .filter(last_read_seq__lt=last_seq)
        .update(last_read_seq=last_seq, updated_at=now)
    )
    missing = threads.exclude(reads__user=user).values_list("pk", "last_seq")
    created = ThreadRead.objects.bulk_create(
        [
            ThreadRead(user=user, thread_id=pk, last_read_seq=seq, updated_at=now)
            for pk, seq in missing
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return moved + len(created)


def reopen_for_approved_post(event) -> None:
    """A post approved after others read past its number becomes new for them again.

    A post waiting for validation keeps the number it took; readers who could
    not see it may have read past that number meanwhile. Their marks go back
    to just before it: the post is new for them, and so, again, are the few
    they had read after it (better shown twice than never). Called on commit
    of ``approve_post`` (``PostCreated`` with ``approved``); its author and
    those who moderate the CoP saw it while it waited and keep their marks.
    """
    from ..events import PostCreated
    from ..models import Membership

    if not isinstance(event, PostCreated) or not event.approved:
        return
    seq = Post.objects.filter(pk=event.post_id).values_list("seq", flat=True).first()
    if seq is None:
        return
    moderators = Membership.objects.filter(
        community_id=event.community_id, role=Membership.Role.MODERATOR
    ).values("user_id")
    (
        ThreadRead.objects.filter(thread_id=event.thread_id, last_read_seq__gte=seq)
        .exclude(user_id=event.author_id)
        .exclude(user_id__in=moderators)
        .update(last_read_seq=seq - 1, updated_at=timezone.now())
    )
