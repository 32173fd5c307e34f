"""
Who may see and do what around webinars.

A session is seen by whoever may see its CoP (a private CoP's sessions are a
404 to everyone else); members register and take part; the CoP's moderators
manage it. The live room's own rules (open hours, mutes) are the forum's room
rules. Nothing here takes a request, so views and consumers share them.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.models import User
from forum.permissions import (
    Refused,
    can_moderate_community,
    can_post_in_community,
    can_view_community,
    check_not_sanctioned,
    check_view_community,
)
from rooms.permissions import check_room_open, room_window

from .models import Registration, Session


def can_view_session(user: User | None, session: Session) -> bool:
    return can_view_community(user, session.community)


def check_view_session(user: User | None, session: Session) -> None:
    check_view_community(user, session.community)


def can_manage_session(user: User | None, session: Session) -> bool:
    return can_moderate_community(user, session.community)


def check_manage_session(user: User | None, session: Session) -> None:
    check_view_session(user, session)
    if not can_manage_session(user, session):
        raise PermissionDenied(_("Cette action est réservée aux modératrices et modérateurs."))


def registration_closed_reason(session: Session, now=None) -> str | None:
    now = now or timezone.now()
    if session.cancelled_at is not None:
        return _("Cette séance est annulée.")
    if now >= session.ends_at or session.room.is_closed:
        return _("Cette séance est terminée : les inscriptions sont closes.")
    return None


def can_register(user: User | None, session: Session) -> bool:
    return (
        registration_closed_reason(session) is None
        and user is not None
        and user.is_authenticated
        and can_post_in_community(user, session.community)
    )


def check_register(user: User | None, session: Session) -> None:
    check_view_session(user, session)
    if user is None or not user.is_authenticated:
        raise Refused(_("Connectez-vous pour vous inscrire."), code="login_required")
    check_not_sanctioned(user, session.community)
    if not can_post_in_community(user, session.community):
        raise Refused(_("Seuls les membres de la communauté peuvent s'inscrire."))
    reason = registration_closed_reason(session)
    if reason:
        raise Refused(reason, code="closed")


def can_see_video_link(user: User | None, session: Session, registration=None) -> bool:
    """The external link is for confirmed participants and moderators (its seats are limited)."""
    if user is None or not user.is_authenticated:
        return False
    if can_manage_session(user, session):
        return True
    if registration is None:
        registration = Registration.objects.filter(session=session, user=user).first()
    return registration is not None and registration.status == Registration.Status.CONFIRMED


def can_take_part(user: User | None, session: Session) -> bool:
    """Vote, upvote, raise a hand: members, while the room is open."""
    return (
        room_window(session.room) == "open"
        and user is not None
        and user.is_authenticated
        and can_post_in_community(user, session.community)
    )


def check_take_part(user: User | None, session: Session) -> None:
    check_view_session(user, session)
    if user is None or not user.is_authenticated:
        raise Refused(_("Connectez-vous pour participer."), code="forbidden")
    check_not_sanctioned(user, session.community)
    if not can_post_in_community(user, session.community):
        raise Refused(_("Seuls les membres de la communauté peuvent participer."))
    check_room_open(session.room)


def check_moderate_session_room(user: User | None, session: Session) -> None:
    check_view_session(user, session)
    if not can_manage_session(user, session):
        raise Refused(_("Cette action est réservée aux modératrices et modérateurs."))


def can_see_attendees(user: User | None, session: Session) -> bool:
    """Who attended, by name: moderators only (others see counts by region and organisation)."""
    return can_manage_session(user, session)


def can_export(user: User | None, session: Session) -> bool:
    """Registrant lists and raw exports hold names and organisations: moderators only."""
    return can_manage_session(user, session)


def check_export(user: User | None, session: Session) -> None:
    check_view_session(user, session)
    if not can_export(user, session):
        raise PermissionDenied(_("Les exports sont réservés aux modératrices et modérateurs."))
