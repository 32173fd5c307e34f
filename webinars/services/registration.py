"""Registration: seats, the waiting list, cancellation."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forum.models import Community, Organisation, Region, User
from forum.permissions import can_take_part_in_community
from forum.services import notify_users

from ..models import Registration, Session
from ..permissions import check_register, check_view_session

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED


def _lock(session: Session) -> Session:
    # The session row is the lock that serialises seat counting.
    return (
        Session.objects.select_for_update().select_related("community", "room").get(pk=session.pk)
    )


def _confirmed_count(session: Session) -> int:
    return Registration.objects.filter(session=session, status=CONFIRMED).count()


def _has_seat(session: Session) -> bool:
    return session.capacity is None or _confirmed_count(session) < session.capacity


@transaction.atomic
def register(
    *,
    user: User,
    session: Session,
    region: Region | None = None,
    organisation: Organisation | None = None,
) -> Registration:
    """Register ``user``: a seat if one is free, else a place on the waiting list.

    Region and organisation default to the member's profile; a region is
    required (the report counts participants by region).
    """
    session = _lock(session)
    check_register(user, session)
    region = region or user.region
    if region is None:
        raise ValidationError(
            {
                "region": ValidationError(
                    _("Indiquez votre région : elle sert au bilan par région."), code="required"
                )
            }
        )
    organisation = organisation if organisation is not None else user.organisation
    existing = Registration.objects.filter(session=session, user=user).first()
    if existing is not None and existing.status != CANCELLED:
        raise ValidationError(
            _("Vous êtes déjà inscrit·e à cette séance.")
            if existing.status == CONFIRMED
            else _("Vous êtes déjà sur la liste d'attente de cette séance."),
            code="already_registered",
        )
    status = CONFIRMED if _has_seat(session) else WAITLISTED
    now = timezone.now()
    if existing is None:
        registration = Registration.objects.create(
            session=session,
            user=user,
            region=region,
            organisation=organisation,
            status=status,
            registered_at=now,
        )
    else:  # registering again after cancelling: back of the queue
        registration = existing
        registration.region = region
        registration.organisation = organisation
        registration.status = status
        registration.registered_at = now
        registration.cancelled_at = None
        registration.save()
    registration.session = session
    return registration


@transaction.atomic
def cancel_registration(*, user: User, session: Session) -> Registration:
    """Cancel one's registration; a freed seat goes to the first on the waiting list."""
    session = _lock(session)
    check_view_session(user, session)
    registration = Registration.objects.filter(session=session, user=user).first()
    if registration is None or registration.status == CANCELLED:
        raise ValidationError(_("Vous n'êtes pas inscrit·e à cette séance."), code="invalid")
    if timezone.now() >= session.ends_at:
        raise ValidationError(
            _("Cette séance est terminée : l'inscription ne peut plus être annulée."),
            code="closed",
        )
    freed = registration.status == CONFIRMED
    registration.status = CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    if freed:
        fill_from_waiting_list(session)
    return registration


def fill_from_waiting_list(session: Session) -> list[Registration]:
    """Give free seats to the waiting list, first come first served; tell those promoted.

    Called with the session row locked (by the caller's transaction).
    """
    if session.cancelled_at is not None or timezone.now() >= session.ends_at:
        return []
    waiting = Registration.objects.filter(session=session, status=WAITLISTED).select_related("user")
    free = None
    if session.capacity is not None:
        free = session.capacity - _confirmed_count(session)
        if free <= 0:
            return []
    promoted = []
    # Whoever may no longer attend (banned, removed) is skipped, and loses her place.
    for registration in waiting:
        if free is not None and len(promoted) >= free:
            break
        if can_take_part_in_community(registration.user, session.community):
            promoted.append(registration)
        else:
            registration.status = CANCELLED
            registration.cancelled_at = timezone.now()
            registration.save(update_fields=["status", "cancelled_at"])
    if not promoted:
        return []
    Registration.objects.filter(pk__in=[r.pk for r in promoted]).update(status=CONFIRMED)
    for registration in promoted:
        registration.status = CONFIRMED
    # Each member reads the notice in their own language, not the canceller's.
    by_language: dict[str, list[int]] = {}
    for registration in promoted:
        language = registration.user.preferred_language or settings.LANGUAGE_CODE
        by_language.setdefault(language, []).append(registration.user_id)
    for language, user_ids in sorted(by_language.items()):
        with translation.override(language):
            subject = _("Une place s'est libérée : vous êtes inscrit·e à « %(title)s ».") % {
                "title": session.title
            }
        notify_users(
            user_ids,
            community=session.community,
            subject=subject,
            url=session.get_absolute_url(),
        )
    return promoted


@transaction.atomic
def withdraw_from_all(user: User) -> int:
    """
    Cancel every registration of ``user`` to a session not yet over (account deletion).

    No permission check: the member may have lost access to the CoP. Freed
    seats go to the waiting list as for a cancellation.
    """
    now = timezone.now()
    count = 0
    pending = Registration.objects.filter(user=user, session__ends_at__gt=now).exclude(
        status=CANCELLED
    )
    for session_id in sorted(set(pending.values_list("session_id", flat=True))):
        session = _lock(Session.objects.get(pk=session_id))
        registration = Registration.objects.get(session=session, user=user)
        freed = registration.status == CONFIRMED
        registration.status = CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        count += 1
        if freed:
            fill_from_waiting_list(session)
    return count


def cancel_registrations_of_excluded(community: Community, user: User) -> list[Registration]:
    """A person banned or removed from ``community`` loses her places in its coming sessions.

    Registered from the app's ready() as a forum exclusion handler; runs inside
    the moderator's transaction. Freed seats go to the waiting list.
    """
    now = timezone.now()
    registrations = list(
        Registration.objects.filter(
            user=user, session__community=community, session__ends_at__gt=now
        ).exclude(status=CANCELLED)
    )
    freed = {r.session_id for r in registrations if r.status == CONFIRMED}
    Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(
        status=CANCELLED, cancelled_at=now
    )
    for session in Session.objects.filter(pk__in=freed).order_by("pk"):
        fill_from_waiting_list(_lock(session))
    return registrations
