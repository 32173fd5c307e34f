"""Membership of communities, invitations and descriptions."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events, limits
from ..markup import render_markdown
from ..models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    User,
)
from ..permissions import (
    check_leave_community,
    check_moderate_community,
    check_request_to_join,
    forget_memberships,
    get_membership,
)
from ..text import clean_body
from ._common import log_action
from .notifications import recount_notifications

# Membership ------------------------------------------------------------------------


def _membership_changed(membership_or_none, community: Community, user: User) -> None:
    forget_memberships(user)
    role = membership_or_none.role if membership_or_none else None
    if role is None and community.is_private:
        # Notifications about a private CoP one has left no longer count on the bell.
        recount_notifications(user)
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
    log_action(actor=moderator, community=community, kind=kind, target_user=join_request.user)
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
    log_action(
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
    log_action(
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
    limits.hit("invitation", user=moderator)
    invitation = Invitation.objects.create(
        community=community,
        created_by=moderator,
        expires_at=timezone.now() + timedelta(days=days),
        max_uses=max_uses,
    )
    log_action(
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
        log_action(
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


@transaction.atomic
def deactivate_user(*, staff: User, user: User) -> User:
    """Ban an account from the whole site: no more sign-in, live connections closed."""
    if not (staff.is_authenticated and staff.is_active and staff.is_staff):
        raise PermissionDenied(_("Seule l'équipe du site peut désactiver un compte."))
    if user.pk == staff.pk:
        raise ValidationError(_("Vous ne pouvez pas désactiver votre propre compte."))
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    events.emit(events.UserDeactivated(user_id=user.pk))
    return user
