"""Mutes and bans: in one CoP by its moderators, from the whole site by staff.

A sanction lasts a chosen time or until lifted; it is judged when used (see
``permissions.sanction_of``), so it ends on time with nothing scheduled.
Every change is logged (old → new), told to the member, and takes effect live
through ``MembershipChanged``: sockets of a banned member close, those of a
muted one are told their new rights (read-only).

Other apps learn of an exclusion (a ban, a removal) through ``on_exclusion``
handlers registered from their AppConfig.ready(): webinars cancels the
person's registrations there. The handlers run inside the transaction.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from .. import events
from ..models import Community, Membership, ModerationAction, Sanction, User
from ..permissions import (
    check_sanction_member,
    forget_memberships,
    in_force_q,
    is_staff,
    sanction_explanation,
)
from ..text import clean_line
from ._common import log_action
from .notifications import recount_notifications, tell_user
from .security import end_all_sessions

# Durations a moderator chooses from (None: until lifted).
DURATIONS: dict[str, tuple[timedelta | None, str]] = {
    "1h": (timedelta(hours=1), gettext_lazy("1 heure")),
    "1d": (timedelta(days=1), gettext_lazy("1 jour")),
    "7d": (timedelta(days=7), gettext_lazy("7 jours")),
    "30d": (timedelta(days=30), gettext_lazy("30 jours")),
    "forever": (None, gettext_lazy("jusqu'à levée")),
}
FIELD_LABEL = {
    Sanction.Kind.MUTE: gettext_noop("sourdine"),
    Sanction.Kind.BAN: gettext_noop("exclusion"),
}
NONE = gettext_noop("aucune")
UNTIL_LIFTED = gettext_noop("jusqu'à levée")

ExclusionHandler = Callable[[Community, User], None]
_exclusion_handlers: list[ExclusionHandler] = []


def on_exclusion(handler: ExclusionHandler) -> None:
    """Call ``handler(community, user)`` when ``user`` is banned or removed from ``community``."""
    if handler not in _exclusion_handlers:
        _exclusion_handlers.append(handler)


def excluded(community: Community, user: User) -> None:
    for handler in list(_exclusion_handlers):
        handler(community, user)


def until_of(duration: str, now=None) -> timedelta | None:
    if duration not in DURATIONS:
        raise ValidationError({"duration": _("Durée inconnue.")}, code="invalid_duration")
    delta = DURATIONS[duration][0]
    return None if delta is None else (now or timezone.now()) + delta


def plain_state(sanction: Sanction | None) -> str:
    """A sanction as the log keeps it: "aucune", "jusqu'à levée" or a local date."""
    if sanction is None or not sanction.in_force():
        return NONE
    if sanction.until is None:
        return UNTIL_LIFTED
    return timezone.localtime(sanction.until).strftime("%Y-%m-%d %H:%M")


def current_sanctions(community: Community | None, user: User, kind: str) -> list[Sanction]:
    return list(
        Sanction.objects.select_for_update()
        .filter(community=community, user=user, kind=kind)
        .filter(in_force_q())
    )


def _tell(user: User, community: Community, text: str, *, banned: bool = False) -> None:
    # A ban hides a private CoP: the notice then links to the notifications page.
    url = reverse("notifications") if banned else community.get_absolute_url()
    tell_user(user, community=community, subject=text, url=url)


def _in_language(user: User, function, *args) -> str:
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        return function(*args)


def announce(community: Community, user: User) -> None:
    """Tell the person's open sockets in ``community`` to judge their rights again."""
    forget_memberships(user)
    membership = Membership.objects.filter(community=community, user=user).first()
    banned = Sanction.objects.filter(community=community, user=user, kind=Sanction.Kind.BAN).filter(
        in_force_q()
    )
    role = membership.role if membership is not None and not banned.exists() else None
    if community.is_private:
        recount_notifications(user)
    events.emit(events.MembershipChanged(community_id=community.pk, user_id=user.pk, role=role))


@transaction.atomic
def sanction_member(
    *,
    moderator: User,
    community: Community,
    user: User,
    kind: str,
    duration: str,
    reason: str = "",
) -> Sanction:
    """Mute or ban ``user`` in ``community`` for ``duration``; a new one replaces the old."""
    check_sanction_member(moderator, community, user)
    if kind not in Sanction.Kind.values:
        raise ValidationError({"kind": _("Sanction inconnue.")}, code="invalid_kind")
    if (
        kind == Sanction.Kind.MUTE
        and not Membership.objects.filter(community=community, user=user).exists()
    ):
        raise ValidationError(_("Seul un membre peut être mis en sourdine."), code="not_member")
    reason = clean_line(reason)[:500]
    now = timezone.now()
    until = until_of(duration, now)
    previous = current_sanctions(community, user, kind)
    old = plain_state(max(previous, key=lambda s: (s.until is None, s.until or now), default=None))
    Sanction.objects.filter(pk__in=[s.pk for s in previous]).update(
        lifted_at=now, lifted_by=moderator
    )
    sanction = Sanction.objects.create(
        community=community,
        user=user,
        kind=kind,
        reason=reason,
        created_by=moderator,
        created_at=now,
        until=until,
    )
    log_action(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.MUTE_MEMBER
        if kind == Sanction.Kind.MUTE
        else ModerationAction.Kind.BAN_MEMBER,
        target_user=user,
        reason=reason,
        details={
            "changes": [{"field": FIELD_LABEL[kind], "old": old, "new": plain_state(sanction)}]
        },
    )
    if kind == Sanction.Kind.BAN:
        excluded(community, user)
    text = _in_language(user, sanction_explanation, sanction)
    _tell(user, community, text, banned=kind == Sanction.Kind.BAN)
    announce(community, user)
    return sanction


@transaction.atomic
def lift_sanction(*, moderator: User, sanction: Sanction) -> Sanction:
    """End ``sanction`` (and any other of its kind on the same person and CoP) now."""
    sanction = Sanction.objects.select_related("community", "user").get(pk=sanction.pk)
    community, user = sanction.community, sanction.user
    if community is None:
        raise PermissionDenied(_("Une exclusion du site se lève depuis la page de l'équipe."))
    check_sanction_member(moderator, community, user)
    previous = current_sanctions(community, user, sanction.kind)
    if not previous:
        raise ValidationError(_("Cette sanction n'est plus en vigueur."), code="not_in_force")
    now = timezone.now()
    old = plain_state(max(previous, key=lambda s: (s.until is None, s.until or now)))
    Sanction.objects.filter(pk__in=[s.pk for s in previous]).update(
        lifted_at=now, lifted_by=moderator
    )
    sanction.refresh_from_db()
    log_action(
        actor=moderator,
        community=community,
        kind=ModerationAction.Kind.UNMUTE_MEMBER
        if sanction.kind == Sanction.Kind.MUTE
        else ModerationAction.Kind.UNBAN_MEMBER,
        target_user=user,
        details={"changes": [{"field": FIELD_LABEL[sanction.kind], "old": old, "new": NONE}]},
    )

    def lifted_text() -> str:
        if sanction.kind == Sanction.Kind.MUTE:
            return _("Votre sourdine dans « %(community)s » est levée : vous pouvez écrire.")
        return _("Votre exclusion de « %(community)s » est levée.")

    text = _in_language(user, lifted_text) % {"community": community.name}
    _tell(user, community, text)
    announce(community, user)
    return sanction


def list_sanctions_in_force(community: Community):
    return (
        Sanction.objects.filter(community=community)
        .filter(in_force_q())
        .select_related("user", "created_by")
        .order_by("user__display_name", "kind")
    )


# The whole site ----------------------------------------------------------------------


def _check_staff(staff: User, user: User) -> None:
    if not is_staff(staff):
        raise PermissionDenied(_("Seule l'équipe du site peut exclure un compte du site."))
    if user.pk == staff.pk:
        raise ValidationError(_("Vous ne pouvez pas exclure votre propre compte."))
    if user.is_staff and not staff.is_superuser:
        raise PermissionDenied(_("Seul un super-utilisateur peut exclure un membre de l'équipe."))


@transaction.atomic
def ban_from_site(*, staff: User, user: User, reason: str = "") -> Sanction:
    """Ban an account from the whole site: no more sign-in, sessions and sockets ended."""
    _check_staff(staff, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError(_("Ce compte est déjà exclu du site."), code="already_banned")
    sanction = Sanction.objects.create(
        community=None,
        user=user,
        kind=Sanction.Kind.BAN,
        reason=clean_line(reason)[:500],
        created_by=staff,
    )
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    end_all_sessions(user=user)
    events.emit(events.UserDeactivated(user_id=user.pk))
    return sanction


@transaction.atomic
def lift_site_ban(*, staff: User, user: User) -> User:
    _check_staff(staff, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ValidationError(_("Ce compte n'est pas exclu du site."), code="not_banned")
    Sanction.objects.filter(community__isnull=True, user=user, kind=Sanction.Kind.BAN).filter(
        in_force_q()
    ).update(lifted_at=timezone.now(), lifted_by=staff)
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return user


def site_ban_of(user: User) -> Sanction | None:
    return (
        Sanction.objects.filter(community__isnull=True, user=user, kind=Sanction.Kind.BAN)
        .filter(in_force_q())
        .select_related("created_by")
        .first()
    )
