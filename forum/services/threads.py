"""Threads, posts and their moderation."""

import math
import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import events, limits
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
    can_moderate_community,
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
    notify_users_in_their_language,
    recount_notifications,
    render_post_body,
)

# Deeper replies are placed beside their parent in the tree (still linked to
# it by "in reply to"), which bounds the length of a path.
MAX_TREE_DEPTH = 60

# A form's idempotency key (forms.POST_KEY_LENGTH writes them): the same shape as a chat
# message's, so one outbox on the device keeps both.
CLIENT_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def validate_post_key(key: str) -> str:
    """Return ``key`` (may be empty: no key) or refuse it with a message."""
    if not isinstance(key, str) or (key and not CLIENT_KEY.fullmatch(key)):
        raise ValidationError(
            {
                "key": _(
                    "La clé du message doit faire 8 à 64 caractères parmi A-Z, a-z, 0-9, - et _."
                )
            },
            code="invalid_key",
        )
    return key


def _post_by_key(author: User, key: str) -> Post | None:
    if not key:
        return None
    return Post.objects.select_related("thread").filter(author=author, client_key=key).first()


def _key_used_elsewhere() -> ValidationError:
    return ValidationError(
        {"key": _("Cette clé a déjà servi pour un autre message. Rechargez la page.")},
        code="invalid_key",
    )


def _create_keyed_post(**fields) -> Post:
    """Create a post; the same key sent at the same time elsewhere is refused, not a 500."""
    try:
        with transaction.atomic():
            return Post.objects.create(**fields)
    except IntegrityError:
        if (
            fields.get("client_key")
            and Post.objects.filter(
                author=fields["author"], client_key=fields["client_key"]
            ).exists()
        ):
            raise _key_used_elsewhere() from None
        raise


# Threads and posts -------------------------------------------------------------


@transaction.atomic
def create_thread(
    *,
    author: User,
    community: Community,
    title: str,
    body: str,
    tags: str | list[str] = (),
    key: str = "",
) -> Thread:
    """Open a thread; a ``key`` already used by ``author`` returns the thread it opened."""
    check_start_thread(author, community)
    key = validate_post_key(key)
    title = validate_title(title)
    body = validate_body(body)
    tag_names = parse_tags(tags)
    # The CoP's row lock serialises a double tap, so the second sees the first.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    keyed = _post_by_key(author, key)
    if keyed is not None:
        if not keyed.is_opening or keyed.thread.community_id != community.pk:
            raise _key_used_elsewhere()
        return keyed.thread
    earlier = _same_thread_sent_twice(author, community, title, body)
    if earlier is not None:
        return earlier
    limits.hit("thread", user=author)
    now = limits.now()  # the clock slow mode and the duplicate guard compare with
    pending = needs_premoderation(author, community)
    thread = Thread.objects.create(
        community=community,
        title=title,
        author=author,
        created_at=now,
        last_activity_at=now,
        last_poster=author,
        last_seq=1,
        is_pending=pending,
    )
    body_html, mentioned = render_post_body(community, body)
    opening = _create_keyed_post(
        thread=thread,
        author=author,
        seq=1,
        path=f"{1:0{PATH_STEP}d}",
        depth=0,
        body=body,
        body_html=body_html,
        created_at=now,
        is_pending=pending,
        client_key=key,
    )
    if tag_names:
        thread.tags.set(tag_names)
    if not pending:
        _announce_thread(thread, opening, mentioned)
    return thread


def _announce_thread(thread: Thread, opening: Post, mentioned: set[int]) -> None:
    notify_new_thread(thread=thread, opening=opening, mentioned=mentioned)
    events.emit(
        events.ThreadCreated(
            thread_id=thread.pk, community_id=thread.community_id, author_id=thread.author_id
        )
    )


def needs_premoderation(author: User, community: Community) -> bool:
    """Whether ``author``'s next post in ``community`` waits for a moderator.

    The CoP's first ``premoderation_posts`` posts of each member wait, counted
    among her posts already published there; moderators and staff never wait.
    """
    limit = community.premoderation_posts
    if not limit or can_moderate_community(author, community):
        return False
    published = Post.objects.filter(
        author=author, thread__community=community, is_pending=False
    ).count()
    return published < limit


@transaction.atomic
def create_post(
    *, author: User, thread: Thread, parent: Post | None, body: str, key: str = ""
) -> Post:
    """Reply to ``parent`` (or to the thread's opening post when None).

    A ``key`` already used by ``author`` returns the reply it made: the same
    form sent again (a retry, the device's outbox) is stored once.
    """
    key = validate_post_key(key)
    # Lock the thread row: it hands out the post number and is re-checked
    # for a lock or a move that happened since the page was shown.
    thread = Thread.objects.select_for_update().select_related("community").get(pk=thread.pk)
    keyed = _post_by_key(author, key)
    if keyed is not None:
        # Checked before the rights: a reply that went through stays the answer
        # even if the thread was locked since.
        if keyed.is_opening or keyed.thread_id != thread.pk:
            raise _key_used_elsewhere()
        return keyed
    check_reply_to_thread(author, thread)
    body = validate_body(body)
    if parent is None:
        parent = Post.objects.get(thread=thread, parent__isnull=True)
    elif parent.thread_id != thread.pk or (
        parent.is_pending
        and parent.author_id != author.pk
        and not can_moderate_community(author, thread.community)
    ):
        # A post waiting for validation is answered as one of another thread:
        # nobody learns of it from the answer.
        raise ValidationError(
            {"parent": _("Le message auquel vous répondez n'existe plus.")},
            code="wrong_thread",
        )
    earlier = _same_reply_sent_twice(author, thread, parent, body)
    if earlier is not None:
        return earlier
    _check_slow_mode(author, thread)
    limits.hit("reply", user=author)
    seq = thread.last_seq + 1
    segment = f"{seq:0{PATH_STEP}d}"
    if parent.depth + 1 > MAX_TREE_DEPTH:
        path = parent.path[:-PATH_STEP] + segment
        depth = parent.depth
    else:
        path = parent.path + segment
        depth = parent.depth + 1
    now = limits.now()  # the clock slow mode and the duplicate guard compare with
    body_html, mentioned = render_post_body(thread.community, body)
    # A reply to a waiting post waits with it: it would hang from nothing.
    pending = parent.is_pending or needs_premoderation(author, thread.community)
    post = _create_keyed_post(
        thread=thread,
        parent=parent,
        author=author,
        seq=seq,
        path=path,
        depth=depth,
        body=body,
        body_html=body_html,
        created_at=now,
        is_pending=pending,
        client_key=key,
    )
    if pending:
        # The number is taken (the tree keeps its place); nothing else
        # changes and nothing is announced until a moderator approves it.
        Thread.objects.filter(pk=thread.pk).update(last_seq=seq)
        return post
    Thread.objects.filter(pk=thread.pk).update(last_seq=seq)
    _announce_post(post, thread, parent, mentioned, approved=False)
    return post


def _announce_post(
    post: Post, thread: Thread, parent: Post, mentioned: set[int], *, approved: bool
) -> None:
    """Count a published reply, notify and push it (at creation, or at approval)."""
    Thread.objects.filter(pk=thread.pk).update(
        reply_count=F("reply_count") + 1,
        last_activity_at=timezone.now() if approved else post.created_at,
        last_poster=post.author,
    )
    notify_post(post=post, thread=thread, parent=parent, mentioned=mentioned)
    events.emit(
        events.PostCreated(
            post_id=post.pk,
            thread_id=thread.pk,
            community_id=thread.community_id,
            author_id=post.author_id,
            parent_author_id=parent.author_id,
            approved=approved,
        )
    )


def _check_slow_mode(author: User, thread: Thread) -> None:
    """Refuse a member's reply that comes sooner than the thread's slow mode allows."""
    if not thread.slow_mode or can_moderate_community(author, thread.community):
        return
    last = (
        Post.objects.filter(thread=thread, author=author)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return
    wait = math.ceil(thread.slow_mode - (limits.now() - last).total_seconds())
    if wait > 0:
        raise limits.RateLimited(
            ngettext(
                "Mode lent : une réponse toutes les %(seconds)d seconde dans cette discussion"
                " ; encore %(wait)d s.",
                "Mode lent : une réponse toutes les %(seconds)d secondes dans cette discussion"
                " ; encore %(wait)d s.",
                thread.slow_mode,
            )
            % {"seconds": thread.slow_mode, "wait": wait},
            retry_after=wait,
            code="slow_mode",
        )


def _recent() -> object:
    return limits.now() - timedelta(seconds=limits.DUPLICATE_WINDOW)


def _same_thread_sent_twice(
    author: User, community: Community, title: str, body: str
) -> Thread | None:
    """The thread ``author`` opened with this title and text a moment ago, if any."""
    if not limits.active():
        return None
    return (
        Thread.objects.filter(
            community=community,
            author=author,
            title=title,
            created_at__gte=_recent(),
            posts__parent__isnull=True,
            posts__body=body,
            posts__deleted_at__isnull=True,
        )
        .order_by("-pk")
        .first()
    )


def _same_reply_sent_twice(author: User, thread: Thread, parent: Post, body: str) -> Post | None:
    """
    The reply ``author`` sent with this text to ``parent`` a moment ago, if any.

    A double tap on a slow phone sends the form twice: the second gets the
    first post back (and is redirected to it) instead of an error about a
    post that did go through.
    """
    if not limits.active():
        return None
    return (
        Post.objects.filter(
            thread=thread,
            parent=parent,
            author=author,
            body=body,
            deleted_at__isnull=True,
            created_at__gte=_recent(),
        )
        .order_by("-pk")
        .first()
    )


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
    if not post.is_pending:  # a waiting post mentions no one until it is published
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


@transaction.atomic
def auto_hide_post(*, post: Post, reason: str) -> Post:
    """Hide ``post`` pending review, by no one: enough members reported it."""
    post = Post.objects.select_for_update().select_related("thread__community").get(pk=post.pk)
    if post.is_hidden or post.is_deleted:
        return post
    post.hidden_at = timezone.now()
    post.hidden_by = None
    post.hidden_reason = reason[:500]
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    community = post.thread.community
    log_action(
        actor=None,
        community=community,
        kind=ModerationAction.Kind.AUTO_HIDE,
        thread=post.thread,
        post=post,
        target_user=post.author,
        reason=reason,
        details={"changes": [{"field": _("visibilité"), "old": _("visible"), "new": _("masqué")}]},
    )
    events.emit(
        events.PostModerated(
            post_id=post.pk, thread_id=post.thread_id, community_id=community.pk, hidden=True
        )
    )
    return post


# Pre-moderation -----------------------------------------------------------------


def _pending_post(post: Post, moderator: User) -> Post:
    post = Post.objects.select_for_update().select_related("thread__community").get(pk=post.pk)
    check_moderate_community(moderator, post.thread.community)
    if not post.is_pending or post.is_hidden or post.is_deleted:
        raise ValidationError(_("Ce message n'attend plus de validation."), code="not_pending")
    return post


@transaction.atomic
def approve_post(*, moderator: User, post: Post) -> Post:
    """Publish a post that waited for a moderator: counted, notified and pushed live now."""
    post = _pending_post(post, moderator)
    if post.parent is not None and post.parent.is_pending:
        raise ValidationError(
            _("Validez d'abord le message auquel celui-ci répond."), code="parent_pending"
        )
    thread = Thread.objects.select_for_update().select_related("community").get(pk=post.thread_id)
    post.is_pending = False
    post.save(update_fields=["is_pending"])
    community = thread.community
    log_action(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.APPROVE_POST,
        thread=thread,
        post=post,
        target_user=post.author,
        details={
            "changes": [
                {"field": _("état"), "old": _("en attente de validation"), "new": _("publié")}
            ]
        },
    )
    _body_html, mentioned = render_post_body(community, post.body)
    if post.parent_id is None:
        thread.is_pending = False
        thread.last_activity_at = timezone.now()
        thread.save(update_fields=["is_pending", "last_activity_at"])
        _announce_thread(thread, post, mentioned)
    else:
        _announce_post(post, thread, post.parent, mentioned, approved=True)
    return post


@transaction.atomic
def refuse_post(*, moderator: User, post: Post, note: str) -> Post:
    """Refuse a waiting post: it stays unseen by others, and its author is told why."""
    post = _pending_post(post, moderator)
    note = clean_line(note)
    if not note:
        raise ValidationError({"note": _("Dites à l'auteur·e pourquoi.")}, code="required")
    if len(note) > 500:
        raise ValidationError({"note": _("La note fait 500 caractères au plus.")})
    post.hidden_at = timezone.now()
    post.hidden_by = moderator
    post.hidden_reason = note
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    community = post.thread.community
    log_action(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.REFUSE_POST,
        thread=post.thread,
        post=post,
        target_user=post.author,
        reason=note,
        details={
            "changes": [
                {"field": _("état"), "old": _("en attente de validation"), "new": _("refusé")}
            ]
        },
    )
    if post.author_id:
        notify_users_in_their_language(
            [post.author_id],
            community=community,
            subject=lambda: _("Votre message n'a pas été publié : %(note)s") % {"note": note},
            url=post.thread.get_absolute_url(),
        )
    return post


# Moderating threads --------------------------------------------------------------


def _locked_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update().select_related("community").get(pk=thread.pk)


def thread_moderated(thread: Thread, action: str, previous: int | None = None) -> None:
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
        thread_moderated(thread, kind)
    return thread


@transaction.atomic
def set_thread_locked(*, moderator: User, thread: Thread, locked: bool, reason: str = "") -> Thread:
    """Lock or unlock ``thread``; unlocking also takes down its closing note."""
    thread = _locked_thread(thread)
    check_moderate_community(moderator, thread.community)
    if thread.is_locked != locked:
        changes = [{"field": "verrouillée", "old": thread.is_locked, "new": locked}]
        thread.is_locked = locked
        if not locked and thread.closed_note:
            changes.append({"field": "note de clôture", "old": thread.closed_note, "new": ""})
            thread.closed_note = ""
        thread.save(update_fields=["is_locked", "closed_note"])
        kind = ModerationAction.Kind.LOCK if locked else ModerationAction.Kind.UNLOCK
        log_action(
            actor=moderator,
            community=thread.community,
            kind=kind,
            thread=thread,
            reason=reason,
            details={"changes": changes},
        )
        thread_moderated(thread, kind)
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
        thread_moderated(thread, ModerationAction.Kind.RENAME)
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
        thread_moderated(thread, ModerationAction.Kind.RETAG)
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
    thread_moderated(thread, ModerationAction.Kind.MOVE_OUT, previous=source.pk)
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
