"""
Every write of the forum goes through these functions.

They check permissions (``check_*``), validate, save in one transaction and
emit events that are delivered after commit. Views and consumers call them
and hold no business rules of their own.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import events
from .markup import render_markdown
from .models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Post,
    PostRevision,
    Thread,
    User,
)
from .models.threads import PATH_STEP
from .permissions import (
    check_delete_post,
    check_edit_post,
    check_leave_community,
    check_moderate_community,
    check_reply_to_thread,
    check_request_to_join,
    check_start_thread,
    forget_memberships,
    get_membership,
)
from .text import clean_body, clean_line, parse_tags, validate_body, validate_title

# Deeper replies are placed beside their parent in the tree (still linked to
# it by "in reply to"), which bounds the length of a path.
MAX_TREE_DEPTH = 60


def _log(
    *,
    actor: User,
    community: Community,
    kind: str,
    thread: Thread | None = None,
    post: Post | None = None,
    target_user: User | None = None,
    reason: str = "",
    details: dict | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        actor=actor,
        community=community,
        kind=kind,
        thread=thread,
        post=post,
        target_user=target_user,
        reason=clean_line(reason)[:500],
        details=details or {},
    )


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
    Post.objects.create(
        thread=thread,
        author=author,
        seq=1,
        path=f"{1:0{PATH_STEP}d}",
        depth=0,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    if tag_names:
        thread.tags.set(tag_names)
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
            {"parent": _("Le message auquel vous répondez n'appartient pas à cette discussion.")},
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
    post = Post.objects.create(
        thread=thread,
        parent=parent,
        author=author,
        seq=seq,
        path=path,
        depth=depth,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    Thread.objects.filter(pk=thread.pk).update(
        last_seq=seq,
        reply_count=F("reply_count") + 1,
        last_activity_at=now,
        last_poster=author,
    )
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
    post.body_html = render_markdown(body)
    post.edited_at = timezone.now()
    post.edit_count += 1
    post.save(update_fields=["body", "body_html", "edited_at", "edit_count"])
    if post.author_id != editor.pk:
        _log(
            actor=editor,
            community=community,
            kind=ModerationAction.Kind.EDIT_POST,
            thread=post.thread,
            post=post,
            target_user=post.author,
        )
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
    _log(
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
        _log(actor=moderator, community=thread.community, kind=kind, thread=thread)
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
        _log(actor=moderator, community=thread.community, kind=kind, thread=thread, reason=reason)
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
        _log(
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
        _log(
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
    _log(
        actor=moderator,
        community=source,
        kind=ModerationAction.Kind.MOVE_OUT,
        thread=thread,
        reason=reason,
        details=details,
    )
    _log(
        actor=moderator,
        community=target,
        kind=ModerationAction.Kind.MOVE_IN,
        thread=thread,
        reason=reason,
        details=details,
    )
    _thread_moderated(thread, ModerationAction.Kind.MOVE_OUT, previous=source.pk)
    return thread


# Membership ------------------------------------------------------------------------


def _membership_changed(membership_or_none, community: Community, user: User) -> None:
    forget_memberships(user)
    role = membership_or_none.role if membership_or_none else None
    events.emit(events.MembershipChanged(community_id=community.pk, user_id=user.pk, role=role))


def _other_moderators(membership: Membership):
    # Locks the other moderators' rows so that two demotions cannot both pass.
    return (
        Membership.objects.select_for_update()
        .filter(community_id=membership.community_id, role=Membership.Role.MODERATOR)
        .exclude(pk=membership.pk)
    )


@transaction.atomic
def request_to_join(*, user: User, community: Community, message: str = "") -> JoinRequest:
    check_request_to_join(user, community)
    if JoinRequest.objects.filter(
        user=user, community=community, status=JoinRequest.Status.PENDING
    ).exists():
        raise ValidationError(_("Votre demande est déjà en attente d'une réponse."), code="pending")
    message = clean_body(message)  # drops NUL, which PostgreSQL refuses
    if len(message) > 1000:
        raise ValidationError({"message": _("Le message fait 1000 caractères au plus.")})
    return JoinRequest.objects.create(user=user, community=community, message=message)


@transaction.atomic
def decide_join_request(
    *, moderator: User, join_request: JoinRequest, approve: bool
) -> JoinRequest:
    join_request = (
        JoinRequest.objects.select_for_update()
        .select_related("community", "user")
        .get(pk=join_request.pk)
    )
    community = join_request.community
    check_moderate_community(moderator, community)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("Cette demande a déjà reçu une réponse."), code="decided")
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REFUSED
    join_request.decided_at = timezone.now()
    join_request.decided_by = moderator
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    kind = ModerationAction.Kind.APPROVE_MEMBER if approve else ModerationAction.Kind.REFUSE_MEMBER
    _log(actor=moderator, community=community, kind=kind, target_user=join_request.user)
    if approve:
        membership, _created = Membership.objects.get_or_create(
            community=community, user=join_request.user
        )
        _membership_changed(membership, community, join_request.user)
    return join_request


@transaction.atomic
def leave_community(*, user: User, community: Community) -> None:
    check_leave_community(user, community)
    membership = Membership.objects.select_for_update().get(user=user, community=community)
    if membership.is_moderator and not _other_moderators(membership).exists():
        raise ValidationError(
            _(
                "Vous êtes la seule personne à modérer cette communauté : confiez d'abord ce rôle "
                "à quelqu'un d'autre."
            ),
            code="last_moderator",
        )
    membership.delete()
    _membership_changed(None, community, user)


@transaction.atomic
def change_member_role(*, moderator: User, membership: Membership, role: str) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("community", "user")
        .get(pk=membership.pk)
    )
    community = membership.community
    check_moderate_community(moderator, community)
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Rôle inconnu.")}, code="invalid_role")
    if membership.role == role:
        return membership
    if membership.is_moderator and not _other_moderators(membership).exists():
        raise ValidationError(
            _("Une communauté garde au moins une modératrice ou un modérateur."),
            code="last_moderator",
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _log(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.CHANGE_ROLE,
        target_user=membership.user,
        details={"old": old, "new": role},
    )
    _membership_changed(membership, community, membership.user)
    return membership


@transaction.atomic
def remove_member(*, moderator: User, membership: Membership, reason: str = "") -> None:
    membership = (
        Membership.objects.select_for_update()
        .select_related("community", "user")
        .get(pk=membership.pk)
    )
    community = membership.community
    check_moderate_community(moderator, community)
    if membership.user_id == moderator.pk:
        raise ValidationError(_("Pour partir vous-même, utilisez « Quitter la communauté »."))
    if membership.is_moderator and not moderator.is_staff:
        raise PermissionDenied(_("Seule l'équipe du site peut retirer un modérateur."))
    user = membership.user
    membership.delete()
    _log(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.REMOVE_MEMBER,
        target_user=user,
        reason=reason,
    )
    _membership_changed(None, community, user)


@transaction.atomic
def create_invitation(
    *, moderator: User, community: Community, days: int = 14, max_uses: int = 25
) -> Invitation:
    check_moderate_community(moderator, community)
    if not 1 <= days <= 90:
        raise ValidationError({"days": _("Un lien d'invitation vit de 1 à 90 jours.")})
    if not 1 <= max_uses <= 500:
        raise ValidationError({"max_uses": _("Un lien sert de 1 à 500 fois.")})
    invitation = Invitation.objects.create(
        community=community,
        created_by=moderator,
        expires_at=timezone.now() + timedelta(days=days),
        max_uses=max_uses,
    )
    _log(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.CREATE_INVITATION,
        details={"days": days, "max_uses": max_uses},
    )
    return invitation


@transaction.atomic
def revoke_invitation(*, moderator: User, invitation: Invitation) -> Invitation:
    check_moderate_community(moderator, invitation.community)
    if not invitation.revoked:
        invitation.revoked = True
        invitation.save(update_fields=["revoked"])
        _log(
            actor=moderator,
            community=invitation.community,
            kind=ModerationAction.Kind.REVOKE_INVITATION,
        )
    return invitation


def find_invitation(token: str) -> Invitation:
    """Return a usable invitation; an unknown, used-up or expired token is a 404."""
    if "\x00" in token:  # never a token; PostgreSQL refuses it in a query
        raise Http404
    invitation = Invitation.objects.select_related("community").filter(token=token[:64]).first()
    if invitation is None or not invitation.is_usable():
        raise Http404
    return invitation


@transaction.atomic
def accept_invitation(*, user: User, token: str) -> Membership:
    invitation = find_invitation(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable():
        raise Http404
    community = invitation.community
    existing = get_membership(user, community)
    if existing is not None:
        return existing
    membership = Membership.objects.create(community=community, user=user)
    Invitation.objects.filter(pk=invitation.pk).update(use_count=F("use_count") + 1)
    JoinRequest.objects.filter(
        user=user, community=community, status=JoinRequest.Status.PENDING
    ).update(status=JoinRequest.Status.APPROVED, decided_at=timezone.now())
    _membership_changed(membership, community, user)
    return membership


# Accounts ---------------------------------------------------------------------------


def render_description(text: str) -> str:
    """Render a CoP's or organisation's description (staff-written, still sanitised)."""
    return render_markdown(text) if text.strip() else ""
