"""Membership of communities, invitations and descriptions."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import events, limits
from ..markup import render_markdown
from ..models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Sanction,
    User,
)
from ..permissions import (
    Refused,
    check_enter_community,
    check_leave_community,
    check_moderate_community,
    check_request_to_join,
    forget_memberships,
    get_membership,
    is_banned,
    sanction_explanation,
)
from ..text import clean_body, clean_line
from . import sanctions
from ._common import log_action
from .follows import forget_follows_out_of_sight
from .notifications import recount_notifications, tell_user

# Membership ------------------------------------------------------------------------


def _membership_changed(membership_or_none, community: Community, user: User) -> None:
    forget_memberships(user)
    role = membership_or_none.role if membership_or_none else None
    if role is None and community.is_private:
        # Notifications about a private CoP one has left no longer count on the bell.
        recount_notifications(user)
    if role is None:
        forget_follows_out_of_sight(user, community)
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
    applicant = join_request.user
    check_moderate_community(moderator, community)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("Cette demande a déjà reçu une réponse."), code="decided")
    if approve and is_banned(applicant, community):
        # A banned person stays out until a moderator lifts the ban.
        raise ValidationError(
            _("Cette personne est exclue de la communauté : levez d'abord son exclusion."),
            code="banned",
        )
    old_status = status_label(join_request.status)
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REFUSED
    join_request.decided_at = timezone.now()
    join_request.decided_by = moderator
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    kind = ModerationAction.Kind.APPROVE_MEMBER if approve else ModerationAction.Kind.REFUSE_MEMBER
    changes = [
        {
            "field": gettext_noop("demande d'adhésion"),
            "old": old_status,
            "new": status_label(join_request.status),
        }
    ]
    if approve:
        membership, created = Membership.objects.get_or_create(community=community, user=applicant)
        if created:
            role = role_label(Membership.Role.MEMBER)
            changes.append({"field": gettext_noop("rôle"), "old": None, "new": role})
    log_action(
        actor=moderator,
        community=community,
        kind=kind,
        target_user=applicant,
        details={"changes": changes},
    )
    if approve:
        with translation.override(applicant.preferred_language or settings.LANGUAGE_CODE):
            text = _("Votre demande est acceptée : vous êtes membre de « %(community)s ».") % {
                "community": community.name
            }
        tell_user(applicant, community=community, subject=text, url=community.get_absolute_url())
        _membership_changed(membership, community, applicant)
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
        details={
            "old": old,
            "new": role,
            "changes": [
                {"field": gettext_noop("rôle"), "old": role_label(old), "new": role_label(role)}
            ],
        },
    )
    _membership_changed(membership, community, membership.user)
    return membership


@transaction.atomic
def remove_member(
    *, moderator: User, membership: Membership, reason: str = "", duration: str = "forever"
) -> None:
    """Remove a member; she stays out (no invitation, no request) for ``duration``.

    A removal is a ban of that duration: it holds against an invitation link
    still in her hands until it ends or a moderator lifts it.
    """
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
    until = sanctions.until_of(duration)
    old_role = role_label(membership.role)
    membership.delete()
    previous = sanctions.current_sanctions(community, user, Sanction.Kind.BAN)
    old_ban = sanctions.plain_state(previous[0] if previous else None)
    now = timezone.now()
    Sanction.objects.filter(pk__in=[s.pk for s in previous]).update(
        lifted_at=now, lifted_by=moderator
    )
    reason = clean_line(reason)[:500]
    ban = Sanction.objects.create(
        community=community,
        user=user,
        kind=Sanction.Kind.BAN,
        reason=reason,
        created_by=moderator,
        created_at=now,
        until=until,
    )
    log_action(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.REMOVE_MEMBER,
        target_user=user,
        reason=reason,
        details={
            "changes": [
                {"field": gettext_noop("rôle"), "old": old_role, "new": None},
                {
                    "field": gettext_noop("exclusion"),
                    "old": old_ban,
                    "new": sanctions.plain_state(ban),
                },
            ]
        },
    )
    sanctions.excluded(community, user)
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        text = _("Vous avez été retiré·e de « %(community)s ».") % {"community": community.name}
        text += " " + sanction_explanation(ban)
    tell_user(user, community=community, subject=text, url=reverse("notifications"))
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
        details={
            "days": days,
            "max_uses": max_uses,
            "changes": [
                {"field": gettext_noop("durée du lien (jours)"), "old": None, "new": days},
                {"field": gettext_noop("utilisations au plus"), "old": None, "new": max_uses},
            ],
        },
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
            details={
                "changes": [
                    {
                        "field": gettext_noop("lien d'invitation"),
                        "old": gettext_noop("actif"),
                        "new": gettext_noop("révoqué"),
                    }
                ]
            },
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


def accept_invitation(*, user: User, token: str) -> Membership:
    """Join through an invitation link; someone banned from the CoP is refused, and logged."""
    invitation = find_invitation(token)
    community = invitation.community
    if get_membership(user, community) is None:
        try:
            check_enter_community(user, community)
        except Refused:
            # Logged outside the joining transaction, which the refusal would roll back.
            _log_refused_entry(invitation, user)
            raise
    return _join_by_invitation(user=user, invitation=invitation)


@transaction.atomic
def _join_by_invitation(*, user: User, invitation: Invitation) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable():
        raise Http404
    community = invitation.community
    existing = get_membership(user, community)
    if existing is not None:
        return existing
    check_enter_community(user, community)
    membership = Membership.objects.create(community=community, user=user)
    Invitation.objects.filter(pk=invitation.pk).update(use_count=F("use_count") + 1)
    JoinRequest.objects.filter(
        user=user, community=community, status=JoinRequest.Status.PENDING
    ).update(status=JoinRequest.Status.APPROVED, decided_at=timezone.now())
    _membership_changed(membership, community, user)
    return membership


def _log_refused_entry(invitation: Invitation, user: User) -> None:
    log_action(
        actor=user,
        community=invitation.community,
        kind=ModerationAction.Kind.ENTRY_REFUSED,
        target_user=user,
        details={"via": "invitation", "invitation_id": invitation.pk},
    )


def status_label(status: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(JoinRequest.Status(status).label)


def role_label(role: str | None) -> str | None:
    """A role as the log keeps it: its French label (a msgid, translated where shown)."""
    if role is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        return str(Membership.Role(role).label)


# Accounts ---------------------------------------------------------------------------


def render_description(text: str) -> str:
    """Render a CoP's or organisation's description (staff-written, still sanitised)."""
    return render_markdown(text) if text.strip() else ""


def deactivate_user(*, staff: User, user: User, reason: str = "") -> User:
    """Ban an account from the whole site (see ``sanctions.ban_from_site``)."""
    sanctions.ban_from_site(staff=staff, user=user, reason=reason)
    user.is_active = False
    return user
