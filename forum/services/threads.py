"""Threads, posts and their moderation."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events
from ..models import (
    Community,
    ModerationAction,
    Notification,
    Post,
    PostRevision,
    Thread,
    User,
)
from ..models.threads import PATH_STEP
from ..permissions import (
    check_delete_post,
    check_edit_post,
    check_moderate_community,
    check_reply_to_thread,
    check_start_thread,
)
from ..text import clean_line, parse_tags, validate_body, validate_title
from ._common import log_action
from .notifications import (
    notify_new_mentions,
    notify_new_thread,
    notify_post,
    recount_notifications,
    render_post_body,
)

# Deeper replies are placed beside their parent in the tree (still linked to
# it by "in reply to"), which bounds the length of a path.
MAX_TREE_DEPTH = 60


# Threads and posts -------------------------------------------------------------


@transaction.atomic
def create_thread(
    *, author: User, community: Community, title: str, body: str, tags: str | list[str] = ()
) -> Thread:
    check_start_thread(author, community)
    title = validate_title(title)
    body = validate_body(body)
    tag_names = parse_tags(tags)
    now = timezone.now()
    thread = Thread.objects.create(
        community=community,
        title=title,
        author=author,
        created_at=now,
        last_activity_at=now,
        last_poster=author,
        last_seq=1,
    )
    body_html, mentioned = render_post_body(community, body)
    opening = Post.objects.create(
        thread=thread,
        author=author,
        seq=1,
        path=f"{1:0{PATH_STEP}d}",
        depth=0,
        body=body,
        body_html=body_html,
        created_at=now,
    )
    if tag_names:
        thread.tags.set(tag_names)
    notify_new_thread(thread=thread, opening=opening, mentioned=mentioned)
    events.emit(
        events.ThreadCreated(thread_id=thread.pk, community_id=community.pk, author_id=author.pk)
    )
    return thread


@transaction.atomic
def create_post(*, author: User, thread: Thread, parent: Post | None, body: str) -> Post:
    """Reply to ``parent`` (or to the thread's opening post when None)."""
    # Lock the thread row: it hands out the post number and is re-checked
    # for a lock or a move that happened since the page was shown.
    thread = Thread.objects.select_for_update().select_related("community").get(pk=thread.pk)
    check_reply_to_thread(author, thread)
    body = validate_body(body)
    if parent is None:
        parent = Post.objects.get(thread=thread, parent__isnull=True)
    elif parent.thread_id != thread.pk:
        raise ValidationError(
            {"parent": _("Le message auquel vous répondez n'existe plus.")},
            code="wrong_thread",
        )
    seq = thread.last_seq + 1
    segment = f"{seq:0{PATH_STEP}d}"
    if parent.depth + 1 > MAX_TREE_DEPTH:
        path = parent.path[:-PATH_STEP] + segment
        depth = parent.depth
    else:
        path = parent.path + segment
        depth = parent.depth + 1
    now = timezone.now()
    body_html, mentioned = render_post_body(thread.community, body)
    post = Post.objects.create(
        thread=thread,
        parent=parent,
        author=author,
        seq=seq,
        path=path,
        depth=depth,
        body=body,
        body_html=body_html,
        created_at=now,
    )
    Thread.objects.filter(pk=thread.pk).update(
        last_seq=seq,
        reply_count=F("reply_count") + 1,
        last_activity_at=now,
        last_poster=author,
    )
    notify_post(post=post, thread=thread, parent=parent, mentioned=mentioned)
    events.emit(
        events.PostCreated(
            post_id=post.pk,
            thread_id=thread.pk,
            community_id=thread.community_id,
            author_id=author.pk,
            parent_author_id=parent.author_id,
        )
    )
    return post


@transaction.atomic
def edit_post(*, editor: User, post: Post, body: str) -> Post:
    """Replace a post's text, keeping the previous version in its history."""
    post = Post.objects.select_for_update().select_related("thread__community").get(pk=post.pk)
    check_edit_post(editor, post)
    body = validate_body(body)
    if body == post.body:
        return post
    community = post.thread.community
    PostRevision.objects.create(
        post=post,
        body=post.body,
        body_html=post.body_html,
        written_at=post.edited_at or post.created_at,
        replaced_by=editor,
    )
    post.body = body
    post.body_html, mentioned = render_post_body(community, body)
    post.edited_at = timezone.now()
    post.edit_count += 1
    post.save(update_fields=["body", "body_html", "edited_at", "edit_count"])
    if post.author_id != editor.pk:
        log_action(
            actor=editor,
            community=community,
            kind=ModerationAction.Kind.EDIT_POST,
            thread=post.thread,
            post=post,
            target_user=post.author,
        )
    notify_new_mentions(post=post, editor=editor, mentioned=mentioned)
    events.emit(
        events.PostEdited(post_id=post.pk, thread_id=post.thread_id, community_id=community.pk)
    )
    return post


@transaction.atomic
def delete_post(*, user: User, post: Post) -> Post:
    """
    Delete a post by its author.

    The text and its earlier versions are erased for everyone; a "message
    deleted" marker keeps the reply tree intact.
    """
    post = Post.objects.select_for_update().select_related("thread__community").get(pk=post.pk)
    check_delete_post(user, post)
    post.revisions.all().delete()
    post.body = ""
    post.body_html = ""
    post.deleted_at = timezone.now()
    post.save(update_fields=["body", "body_html", "deleted_at"])
    events.emit(
        events.PostDeleted(
            post_id=post.pk, thread_id=post.thread_id, community_id=post.thread.community_id
        )
    )
    return post


@transaction.atomic
def hide_post(*, moderator: User, post: Post, reason: str) -> Post:
    post = Post.objects.select_for_update().select_related("thread__community").get(pk=post.pk)
    community = post.thread.community
    check_moderate_community(moderator, community)
    reason = clean_line(reason)
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du masquage.")}, code="required")
    if len(reason) > 500:
        raise ValidationError({"reason": _("Le motif fait 500 caractères au plus.")})
    if post.is_deleted:
        raise ValidationError(_("Ce message a déjà été supprimé par son auteur."))
    if post.is_hidden:
        raise ValidationError(_("Ce message est déjà masqué."))
    return _set_post_hidden(post, moderator, hidden=True, reason=reason)


@transaction.atomic
def restore_post(*, moderator: User, post: Post, reason: str = "") -> Post:
    post = Post.objects.select_for_update().select_related("thread__community").get(pk=post.pk)
    community = post.thread.community
    check_moderate_community(moderator, community)
    if not post.is_hidden:
        raise ValidationError(_("Ce message n'est pas masqué."))
    return _set_post_hidden(post, moderator, hidden=False, reason=reason)


def _set_post_hidden(post: Post, moderator: User, *, hidden: bool, reason: str) -> Post:
    post.hidden_at = timezone.now() if hidden else None
    post.hidden_by = moderator if hidden else None
    post.hidden_reason = reason if hidden else ""
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    community = post.thread.community
    log_action(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.HIDE_POST if hidden else ModerationAction.Kind.RESTORE_POST,
        thread=post.thread,
        post=post,
        target_user=post.author,
        reason=reason,
    )
    events.emit(
        events.PostModerated(
            post_id=post.pk, thread_id=post.thread_id, community_id=community.pk, hidden=hidden
        )
    )
    return post


# Moderating threads --------------------------------------------------------------


def _locked_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update().select_related("community").get(pk=thread.pk)


def _thread_moderated(thread: Thread, action: str, previous: int | None = None) -> None:
    events.emit(
        events.ThreadModerated(
            thread_id=thread.pk,
            community_id=thread.community_id,
            action=action,
            previous_community_id=previous,
        )
    )


@transaction.atomic
def set_thread_pinned(*, moderator: User, thread: Thread, pinned: bool) -> Thread:
    thread = _locked_thread(thread)
    check_moderate_community(moderator, thread.community)
    if thread.is_pinned != pinned:
        thread.is_pinned = pinned
        thread.save(update_fields=["is_pinned"])
        kind = ModerationAction.Kind.PIN if pinned else ModerationAction.Kind.UNPIN
        log_action(actor=moderator, community=thread.community, kind=kind, thread=thread)
        _thread_moderated(thread, kind)
    return thread


@transaction.atomic
def set_thread_locked(*, moderator: User, thread: Thread, locked: bool, reason: str = "") -> Thread:
    thread = _locked_thread(thread)
    check_moderate_community(moderator, thread.community)
    if thread.is_locked != locked:
        thread.is_locked = locked
        thread.save(update_fields=["is_locked"])
        kind = ModerationAction.Kind.LOCK if locked else ModerationAction.Kind.UNLOCK
        log_action(
            actor=moderator, community=thread.community, kind=kind, thread=thread, reason=reason
        )
        _thread_moderated(thread, kind)
    return thread


@transaction.atomic
def rename_thread(*, moderator: User, thread: Thread, title: str) -> Thread:
    thread = _locked_thread(thread)
    check_moderate_community(moderator, thread.community)
    title = validate_title(title)
    if title != thread.title:
        old = thread.title
        thread.title = title
        thread.save(update_fields=["title"])
        log_action(
            actor=moderator,
            community=thread.community,
            kind=ModerationAction.Kind.RENAME,
            thread=thread,
            details={"old": old, "new": title},
        )
        _thread_moderated(thread, ModerationAction.Kind.RENAME)
    return thread


@transaction.atomic
def retag_thread(*, moderator: User, thread: Thread, tags: str | list[str]) -> Thread:
    thread = _locked_thread(thread)
    check_moderate_community(moderator, thread.community)
    names = parse_tags(tags)
    old = sorted(thread.tags.names())
    if sorted(names) != old:
        thread.tags.set(names)
        log_action(
            actor=moderator,
            community=thread.community,
            kind=ModerationAction.Kind.RETAG,
            thread=thread,
            details={"old": ", ".join(old), "new": ", ".join(sorted(names))},
        )
        _thread_moderated(thread, ModerationAction.Kind.RETAG)
    return thread


@transaction.atomic
def move_thread(*, moderator: User, thread: Thread, target: Community, reason: str = "") -> Thread:
    """Move a thread to another CoP; the moderator must moderate both."""
    thread = _locked_thread(thread)
    source = thread.community
    check_moderate_community(moderator, source)
    check_moderate_community(moderator, target)
    if target.pk == source.pk:
        raise ValidationError(
            {"target": _("La discussion est déjà dans cette communauté.")}, code="same_community"
        )
    thread.community = target
    thread.save(update_fields=["community"])
    details = {"from": source.name, "to": target.name, "from_id": source.pk, "to_id": target.pk}
    log_action(
        actor=moderator,
        community=source,
        kind=ModerationAction.Kind.MOVE_OUT,
        thread=thread,
        reason=reason,
        details=details,
    )
    log_action(
        actor=moderator,
        community=target,
        kind=ModerationAction.Kind.MOVE_IN,
        thread=thread,
        reason=reason,
        details=details,
    )
    _thread_moderated(thread, ModerationAction.Kind.MOVE_OUT, previous=source.pk)
    # Notifications are judged by the thread's CoP now: the bells of those told
    # about it before count again what they may still see.
    told = (
        Notification.objects.filter(thread=thread, read_at__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for recipient in User.objects.filter(pk__in=list(told)):
        recount_notifications(recipient)
    return thread
