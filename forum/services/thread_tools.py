"""
A moderator's thread tools: merge, split, close with a note, slow mode.

Posts keep their id, author, date, text and history whatever happens to their
thread, so a post's address (/messages/<id>/) leads to it wherever it went.
Each tool writes one audit entry per CoP involved, saying what changed
(``details["changes"]``: field, old, new), and emits events that the thread's
open pages receive live.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import events
from ..models import (
    Community,
    ModerationAction,
    Notification,
    Post,
    Thread,
    ThreadRedirect,
    User,
)
from ..models.threads import PATH_STEP
from ..permissions import check_moderate_community
from ..text import clean_line, validate_title
from ._common import log_action
from .follows import carry_follows
from .threads import MAX_TREE_DEPTH, thread_moderated

# Past this many moved posts, pages are told to reload instead of receiving
# every post one frame at a time.
LIVE_POSTS_MAX = 50
SLOW_MODE_MAX = 24 * 3600
NOTE_MAX = 500

# Audit field labels: plain French words kept in the record (translated when shown).
# "messages" counts the posts of the thread that stays: the target of a merge,
# the source of a split (before → after).
FIELD_THREAD = gettext_noop("discussion")
FIELD_COMMUNITY = gettext_noop("communauté")
FIELD_POSTS = gettext_noop("messages")
FIELD_TAGS = gettext_noop("étiquettes")
FIELD_LOCKED = gettext_noop("verrouillée")
FIELD_NOTE = gettext_noop("note de clôture")
FIELD_SLOW_MODE = gettext_noop("mode lent (secondes)")


def place(parent: tuple[str, int] | None, seq: int) -> tuple[str, int]:
    """Return the path and depth of post ``seq`` under ``parent`` (path, depth), or at the root."""
    segment = f"{seq:0{PATH_STEP}d}"
    if parent is None:
        return segment, 0
    parent_path, parent_depth = parent
    if parent_depth + 1 > MAX_TREE_DEPTH:
        # Beside its parent, as create_post places replies past the depth bound.
        return parent_path[:-PATH_STEP] + segment, parent_depth
    return parent_path + segment, parent_depth + 1


def _lock(*threads: Thread) -> list[Thread]:
    """Lock the rows in id order (two moderators merging A→B and B→A cannot deadlock)."""
    ids = [thread.pk for thread in threads]
    locked = {
        t.pk: t
        for t in Thread.objects.select_for_update()
        .select_related("community")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    if len(locked) != len(set(ids)):
        raise ValidationError(_("Cette discussion n'existe plus."), code="not_found")
    return [locked[pk] for pk in ids]


def _renumber(posts: list[Post], first_seq: int, root: tuple[str, int] | None) -> None:
    """
    Give ``posts`` (one subtree, root first) new numbers from ``first_seq`` in time order.

    The subtree's root goes under ``root`` (or becomes an opening post); the
    others keep their parent, so the conversation keeps its shape.
    """
    order = sorted(posts, key=lambda p: (p.created_at, p.seq))
    new_seq = {post.pk: first_seq + index for index, post in enumerate(order)}
    placed: dict[int, tuple[str, int]] = {}
    # Parents before children: the old path order is depth-first.
    for post in sorted(posts, key=lambda p: p.path):
        parent = placed.get(post.parent_id, root) if post is not posts[0] else root
        post.seq = new_seq[post.pk]
        post.path, post.depth = place(parent, post.seq)
        placed[post.pk] = (post.path, post.depth)


def _subtree(thread: Thread, root: Post) -> list[Post]:
    """``root`` and every reply below it, root first (followed by parent links)."""
    posts = list(Post.objects.filter(thread=thread).order_by("path"))
    children: dict[int, list[Post]] = {}
    for post in posts:
        children.setdefault(post.parent_id, []).append(post)
    found = [next(p for p in posts if p.pk == root.pk)]
    for post in found:  # grows while it is walked
        found.extend(children.get(post.pk, []))
    return found


def _refresh_counters(thread: Thread) -> None:
    """Recount a thread's replies and last activity from its posts."""
    posts = Post.objects.filter(thread=thread)
    last = posts.order_by("-created_at", "-seq").select_related("author").first()
    thread.reply_count = max(0, posts.count() - 1)
    thread.last_seq = max(thread.last_seq, posts.aggregate(m=Max("seq"))["m"] or 0)
    if last is not None:
        thread.last_activity_at = last.created_at
        thread.last_poster = last.author
    thread.save(update_fields=["reply_count", "last_seq", "last_activity_at", "last_poster"])


def _follow_posts(posts: list[Post], thread: Thread) -> None:
    """Point notifications about ``posts`` at their new thread and its CoP.

    A notification's CoP decides who may still open it: once a post sits in
    another CoP, that is the one that counts (as for a moved thread).
    """
    Notification.objects.filter(post__in=[p.pk for p in posts]).update(
        thread=thread, community=thread.community
    )


def _announce_posts(posts: list[Post], thread: Thread) -> None:
    if len(posts) > LIVE_POSTS_MAX:
        thread_moderated(thread, "reload")
        return
    for post in sorted(posts, key=lambda p: p.seq):
        events.emit(
            events.PostCreated(
                post_id=post.pk,
                thread_id=thread.pk,
                community_id=thread.community_id,
                author_id=post.author_id,
                parent_author_id=None,
            )
        )


def _log_both(
    *, moderator: User, kind: str, thread: Thread, communities: list[Community], **details
) -> None:
    """One audit entry in each CoP involved (once when it is the same CoP)."""
    seen = set()
    for community in communities:
        if community.pk in seen:
            continue
        seen.add(community.pk)
        log_action(actor=moderator, community=community, kind=kind, thread=thread, **details)


@transaction.atomic
def merge_threads(*, moderator: User, source: Thread, target: Thread, reason: str = "") -> Thread:
    """
    Move every post of ``source`` into ``target`` and delete ``source``.

    The source's opening post becomes a reply to the target's opening post,
    its replies stay below it; all take new numbers after the target's last,
    in the order they were written. The source's address redirects to the
    target. The moderator must moderate both CoPs.
    """
    if source.pk == target.pk:
        raise ValidationError(
            {"target": _("Une discussion ne peut pas être fusionnée avec elle-même.")},
            code="invalid",
        )
    source, target = _lock(source, target)
    check_moderate_community(moderator, source.community)
    check_moderate_community(moderator, target.community)
    posts = list(Post.objects.filter(thread=source).order_by("path"))
    target_root = Post.objects.get(thread=target, parent__isnull=True)
    _renumber(posts, target.last_seq + 1, (target_root.path, target_root.depth))
    opening = posts[0]
    opening.parent = target_root
    for post in posts:
        post.thread = target
    Post.objects.bulk_update(posts, ["thread", "parent", "seq", "path", "depth"])
    before = target.reply_count + 1
    target.last_seq += len(posts)
    _refresh_counters(target)
    _follow_posts(posts, target)
    carry_follows(source=source, target=target)
    Notification.objects.filter(thread=source).update(thread=target, community=target.community)
    # Earlier merges into the source now lead to the target too.
    ThreadRedirect.objects.filter(thread=source).update(thread=target)
    ThreadRedirect.objects.create(old_thread_id=source.pk, thread=target)
    changes = [
        {"field": FIELD_THREAD, "old": source.title, "new": target.title},
        {"field": FIELD_POSTS, "old": before, "new": target.reply_count + 1},
    ]
    if source.community_id != target.community_id:
        changes.insert(
            1,
            {"field": FIELD_COMMUNITY, "old": source.community.name, "new": target.community.name},
        )
    old_tags = sorted(target.tags.names())
    new_tags = sorted(set(old_tags) | set(source.tags.names()))
    # The source's tags join the target's while the thread's bound allows.
    if new_tags != old_tags and len(new_tags) <= settings.JEKAFO["MAX_TAGS_PER_THREAD"]:
        target.tags.set(new_tags)
        changes.append(
            {"field": FIELD_TAGS, "old": ", ".join(old_tags), "new": ", ".join(new_tags)}
        )
    _log_both(
        moderator=moderator,
        kind=ModerationAction.Kind.MERGE,
        thread=target,
        communities=[source.community, target.community],
        reason=reason,
        details={
            "changes": changes,
            "source_id": source.pk,
            "moved": len(posts),
            "from_id": source.community_id,
            "to_id": target.community_id,
        },
    )
    events.emit(
        events.ThreadMerged(
            thread_id=source.pk,
            community_id=source.community_id,
            target_id=target.pk,
            target_community_id=target.community_id,
        )
    )
    _announce_posts(posts, target)
    source.delete()
    return target


@transaction.atomic
def split_thread(
    *, moderator: User, post: Post, title: str, community: Community | None = None, reason: str = ""
) -> Thread:
    """
    Move reply ``post`` and every reply below it into a new thread titled ``title``.

    The new thread lives in ``community`` (default: the same CoP), which the
    moderator must moderate too. The moved posts keep their authors, dates
    and ids; ``post`` becomes the new thread's opening post.
    """
    post = Post.objects.select_related("thread").get(pk=post.pk)
    (source,) = _lock(post.thread)
    check_moderate_community(moderator, source.community)
    community = community or source.community
    check_moderate_community(moderator, community)
    if post.parent_id is None:
        raise ValidationError(
            _("Le message d'ouverture ne se scinde pas : déplacez la discussion."), code="invalid"
        )
    title = validate_title(title)
    posts = _subtree(source, post)
    _renumber(posts, 1, None)
    root = posts[0]
    root.parent = None
    last = max(posts, key=lambda p: (p.created_at, p.seq))
    new = Thread.objects.create(
        community=community,
        title=title,
        author=root.author,
        created_at=root.created_at,
        last_activity_at=last.created_at,
        last_poster=last.author,
        last_seq=len(posts),
        reply_count=len(posts) - 1,
    )
    for moved in posts:
        moved.thread = new
    Post.objects.bulk_update(posts, ["thread", "parent", "seq", "path", "depth"])
    _refresh_counters(source)
    _follow_posts(posts, new)
    changes = [
        {"field": FIELD_THREAD, "old": source.title, "new": new.title},
        {
            "field": FIELD_POSTS,
            "old": source.reply_count + 1 + len(posts),
            "new": source.reply_count + 1,
        },
    ]
    if community.pk != source.community_id:
        changes.insert(
            1, {"field": FIELD_COMMUNITY, "old": source.community.name, "new": community.name}
        )
    _log_both(
        moderator=moderator,
        kind=ModerationAction.Kind.SPLIT,
        thread=new,
        communities=[source.community, community],
        post=root,
        reason=reason,
        details={
            "changes": changes,
            "source_id": source.pk,
            "moved": len(posts),
            "from_id": source.community_id,
            "to_id": community.pk,
        },
    )
    events.emit(
        events.PostsRemoved(
            thread_id=source.pk,
            community_id=source.community_id,
            post_ids=tuple(p.pk for p in posts),
        )
    )
    events.emit(
        events.ThreadCreated(thread_id=new.pk, community_id=community.pk, author_id=root.author_id)
    )
    return new


@transaction.atomic
def close_thread(*, moderator: User, thread: Thread, note: str, reason: str = "") -> Thread:
    """Lock ``thread`` with a note every reader sees ("Discussion close par la modération…")."""
    (thread,) = _lock(thread)
    check_moderate_community(moderator, thread.community)
    note = clean_line(note)
    if not note:
        raise ValidationError({"note": _("Écrivez la note affichée aux lecteurs.")}, code="invalid")
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("La note fait 500 caractères au plus.")}, code="invalid")
    changes = []
    if not thread.is_locked:
        changes.append({"field": FIELD_LOCKED, "old": False, "new": True})
    if note != thread.closed_note:
        changes.append({"field": FIELD_NOTE, "old": thread.closed_note, "new": note})
    if not changes:
        return thread
    thread.is_locked = True
    thread.closed_note = note
    thread.save(update_fields=["is_locked", "closed_note"])
    log_action(
        actor=moderator,
        community=thread.community,
        kind=ModerationAction.Kind.LOCK,
        thread=thread,
        reason=reason,
        details={"changes": changes},
    )
    thread_moderated(thread, ModerationAction.Kind.LOCK)
    return thread


@transaction.atomic
def set_thread_slow_mode(*, moderator: User, thread: Thread, seconds: int) -> Thread:
    """Let each member reply at most once per ``seconds`` in ``thread`` (0: off)."""
    (thread,) = _lock(thread)
    check_moderate_community(moderator, thread.community)
    if not 0 <= seconds <= SLOW_MODE_MAX:
        raise ValidationError(
            {"seconds": _("Le mode lent va de 0 (arrêt) à 86400 secondes (un jour).")},
            code="invalid",
        )
    if seconds != thread.slow_mode:
        old = thread.slow_mode
        thread.slow_mode = seconds
        thread.save(update_fields=["slow_mode"])
        log_action(
            actor=moderator,
            community=thread.community,
            kind=ModerationAction.Kind.SLOW_MODE,
            thread=thread,
            details={"changes": [{"field": FIELD_SLOW_MODE, "old": old, "new": seconds}]},
        )
        thread_moderated(thread, ModerationAction.Kind.SLOW_MODE)
    return thread
