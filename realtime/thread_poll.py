"""
Thread pages while the channel layer is down: one read per thread and process.

A thread socket joins its audience's group on a channel of its own (see
realtime/local_groups.py for why): while the layer is unreachable
(realtime/health.py) nothing reaches it. So each process keeps a note of its
open thread sockets, and while the layer is down one task reads, every
``POLL_INTERVAL`` seconds and for each thread they show, the posts published
after the last number it handed out, a page (``resume_page()``) at a time:
one query for the thread and one for the page's posts, whatever the number
of sockets. Each post is drawn once per audience and language among those
sockets, by ``receivers.post_frame`` (the drawing of live pushes), and only
for the audiences a push would reach (``receivers.push_audiences``): a
reply awaiting validation is in no page (it is pushed to no one either), a
post hidden or deleted before the read is drawn as such.

Each socket takes the page as a page of its own log (``ThreadConsumer
.thread_polled``): what is past its cursor goes out in order, once, and the
cursor moves on (so ``from_log`` knows it and an approval pushed late is
not sent twice). A socket reading its own backlog page by page, or behind
the read, or whose audience changed meanwhile, is only told that the log
goes on: its own gap filling reads it (shared by the sockets at the same
place, see ``OrderedStream.read_page``).

When the layer is back, health has joined the groups noted meanwhile before
it says so; the poller then reads once more, so a post committed between the
last read and the join is not lost, and stops. What was published during the
outage is still pushed on return (realtime/publisher.py keeps it): a socket
drops what it has by number.

Posts a socket already has may change meanwhile: a moderator hides one (a
member's address posted by mistake), its author edits or deletes it. Each
read also fetches the thread's posts at or below its position that were
edited, hidden or deleted since the outage began (a few seconds before it
was noticed, ``CHANGES_MARGIN``), at most ``CHANGES_LIMIT`` of them, drawn
as their push would be (``edited``, ``hidden``, ``deleted``); a socket sends
those it already has, and the poller hands each change out once. A restore
or an approval of a post a socket already passed still waits for its push,
when the layer is back (docs/architecture.md, "Degrade"): neither shows a
reader anything a push would not.
"""

import asyncio
import datetime
import logging
import weakref

from channels.db import database_sync_to_async
from django.db.models import Q
from django.utils import timezone

from forum import selectors as forum_selectors
from forum.models import Post, Thread

from .health import PerLoopAndLayer, background, health
from .pages import resume_page
from .receivers import dumps, post_frame, push_audiences

logger = logging.getLogger(__name__)

# Seconds between two reads of a thread while the channel layer is down.
POLL_INTERVAL = 0.5
# Changes to posts already sent are read from this long before the outage
# was noticed (a failed call takes health.TIMEOUT to count; a push that failed
# just before may be the one that mattered). Sending one twice is harmless.
CHANGES_MARGIN = datetime.timedelta(seconds=10)
# Changed posts read per thread and read, newest changes first.
CHANGES_LIMIT = 50


def changed_posts(thread: Thread, upto: int, since: datetime.datetime) -> list[tuple[str, Post]]:
    """Posts of ``thread`` numbered up to ``upto``, edited, hidden or deleted since ``since``.

    Each with the event its push carried; at most CHANGES_LIMIT, in number order.
    """
    posts = list(
        forum_selectors.published_posts_after(thread, 0)
        .filter(seq__lte=upto)
        .filter(Q(edited_at__gte=since) | Q(hidden_at__gte=since) | Q(deleted_at__gte=since))
        .order_by("-seq")[:CHANGES_LIMIT]
    )
    posts.reverse()
    return [
        ("deleted" if post.deleted_at else "hidden" if post.hidden_at else "edited", post)
        for post in posts
    ]


def read_thread(
    thread_id: int,
    after: int,
    variants: set[tuple[str, str]],
    limit: int,
    since: datetime.datetime | None = None,
) -> dict | None:
    """One page of the posts of ``thread_id`` published after ``after``, drawn per variant.

    Returns the ``thread.polled`` message the sockets take (None if the
    thread is gone): ``items`` maps each (audience, language) a push would
    reach to its (seq, frame text) pairs, ``cursor`` is where a socket at
    ``after`` stands once it sent them, ``more`` whether the log goes on.
    With ``since``, ``changes`` holds, in the same way, the posts up to
    ``after`` changed since then (``changed_posts``), and ``stamps`` a
    (post, event, when) per change, by which the poller hands each out once
    and not for a post it drew (``drawn``, at ``read_at``) after the change.
    """
    read_at = timezone.now()  # what changed before is drawn as it is now
    thread = Thread.objects.select_related("community").filter(pk=thread_id).first()
    if thread is None:
        return None
    newest = thread.last_seq
    if thread.is_pending:
        posts = []  # awaiting validation: nothing is pushed either
    else:
        posts = list(forum_selectors.published_posts_after(thread, after)[: limit + 1])
    more = len(posts) > limit
    posts = posts[:limit]
    audiences = push_audiences(thread)
    drawn = [(audience, language) for audience, language in variants if audience in audiences]
    items = {
        (audience, language): [
            (post.seq, dumps(post_frame(post, thread, audience, language, "created")))
            for post in posts
        ]
        for audience, language in drawn
    }
    changed = [] if since is None or thread.is_pending else changed_posts(thread, after, since)
    changes = {
        (audience, language): [
            (post.seq, dumps(post_frame(post, thread, audience, language, kind)))
            for kind, post in changed
        ]
        for audience, language in drawn
    }
    stamps = [
        (post.pk, kind, post.deleted_at or post.hidden_at or post.edited_at)
        for kind, post in changed
    ]
    # Numbers without a post here are replies still waiting for validation.
    read = posts[-1].seq if posts else after
    return {
        "type": "thread.polled",
        "thread_id": thread_id,
        "after": after,
        "cursor": read if more else max(newest, read),
        "newest": max(newest, read),
        "more": more,
        "audiences": list(audiences),
        "items": items,
        "changes": changes,
        "stamps": stamps,
        "drawn": [post.pk for post in posts],
        "read_at": read_at,
        "rows": len(posts),
    }


class ThreadPoller:
    """The thread sockets of one event loop, read from the database while the layer is down."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.sockets: weakref.WeakSet = weakref.WeakSet()
        # The number after which each thread is read next (during one outage).
        self.positions: dict[int, int] = {}
        # Since when changes to posts already sent are read, and those handed out.
        self.since: datetime.datetime | None = None
        self.changes_sent: set[tuple] = set()
        # When the poll drew each post it handed out (already showing earlier changes).
        self.drawn_at: dict[int, datetime.datetime] = {}
        self.task: asyncio.Task | None = None
        self.health = health(layer)
        self.health.on_down.append(self._start)

    def add(self, consumer) -> None:
        """Serve ``consumer`` (a thread socket with its first page sent) during outages."""
        self.sockets.add(consumer)
        # The probe runs while thread sockets are open: a process that only
        # serves threads still learns that the layer stopped answering.
        self.health.watch(self.holding)
        if not self.health.up:
            self._start()

    def discard(self, consumer) -> None:
        self.sockets.discard(consumer)

    def holding(self) -> bool:
        return any(not socket.closing for socket in self.sockets)

    def by_thread(self) -> dict[int, list]:
        threads: dict[int, list] = {}
        for socket in list(self.sockets):
            thread = getattr(socket, "thread", None)
            if thread is not None and not socket.closing and hasattr(socket, "cursor"):
                threads.setdefault(thread.pk, []).append(socket)
        return threads

    def _start(self) -> None:
        if self.holding() and (self.task is None or self.task.done()):
            self.task = background(self._poll())

    async def _poll(self) -> None:
        """Read each open thread until the layer is back, then once more."""
        self.since = timezone.now() - CHANGES_MARGIN
        try:
            while self.holding():
                back = self.health.up
                for thread_id, members in self.by_thread().items():
                    try:
                        await self.read(thread_id, members)
                    except Exception:
                        logger.exception("Reading thread %s from the database failed", thread_id)
                if back:
                    return
                await asyncio.sleep(POLL_INTERVAL)
        finally:
            self.positions.clear()
            self.changes_sent.clear()
            self.drawn_at.clear()
            self.since = None

    async def read(self, thread_id: int, members: list) -> None:
        """Read ``thread_id`` page by page past its position, handing each page out."""
        after = self.positions.get(thread_id)
        if after is None:
            # The first read of an outage starts where the least advanced socket
            # that is not paging stands: the others drop what they have.
            cursors = [socket.cursor for socket in members if not socket.paging]
            if not cursors:
                return
            after = min(cursors)
        while True:
            variants = {(socket.audience, socket.language) for socket in members}
            message = await database_sync_to_async(read_thread)(
                thread_id, after, variants, resume_page(), since=self.since
            )
            if message is None:
                return
            fresh = [
                n
                for n, (post_id, _kind, when) in enumerate(message["stamps"])
                if message["stamps"][n] not in self.changes_sent
                and not (post_id in self.drawn_at and when <= self.drawn_at[post_id])
            ]
            self.changes_sent.update(message["stamps"])
            self.drawn_at.update(dict.fromkeys(message["drawn"], message["read_at"]))
            message["changes"] = {
                variant: [changes[n] for n in fresh]
                for variant, changes in message["changes"].items()
            }
            for socket in members:
                if not socket.closing:
                    await socket.deliver("thread_polled", message)
            after = self.positions[thread_id] = message["cursor"]
            if not message["more"]:
                return
            members = [socket for socket in members if not socket.closing]


thread_poller = PerLoopAndLayer(
    ThreadPoller, "The thread poller of this event loop on ``layer`` (one per loop, as layers are)."
)
