"""
Reminders before a session: the day before ("24h") and an hour before ("1h").

``manage.py send_webinar_reminders`` runs ``send_due_reminders`` every few
minutes. Each (session, member, kind) is sent at most once, even when two
runs overlap or one crashes half-way: the ``Reminder`` row is claimed in its
own committed transaction *before* the e-mail leaves, and the unique
constraint on it turns a second claim into an ``IntegrityError``. The price is
that a crash between the claim and the e-mail loses that one e-mail (the
in-app notification, written with the claim, is never lost): a reminder
missed is better than a reminder sent twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from forum.models import Community, Membership, User
from forum.permissions import can_view_community
from forum.services import notify_users

from ..models import Registration, Reminder, Session
from ..timezones import SITE_ZONE, place_name, same_offset, viewer_zone

logger = logging.getLogger(__name__)

DEFAULT_SITE_URL = "http://127.0.0.1:8000"

DAY = Reminder.Kind.DAY
HOUR = Reminder.Kind.HOUR
# How long before the start each reminder becomes due. A reminder is due
# from its lead time until the next one's: a member who registers in the
# last hour gets only the "1h" one.
LEAD_TIMES = {DAY: timedelta(hours=24), HOUR: timedelta(hours=1)}

TEMPLATE_SUBJECT = "webinars/email/reminder_subject.txt"
TEMPLATE_BODY = "webinars/email/reminder.txt"


@dataclass(frozen=True, slots=True)
class DueReminder:
    kind: str
    session: Session
    user: User


def _due_registrations(now: datetime) -> QuerySet[Registration]:
    """Confirmed registrations a reminder is due for at ``now``, in one query.

    The visibility test is ``can_view_community`` written in SQL (public CoP,
    site staff, or a member of the private CoP), so that the selection does
    not cost a query per registration.
    """
    can_see = (
        Q(session__community__visibility=Community.Visibility.PUBLIC)
        | Q(user__is_staff=True)
        | Exists(
            Membership.objects.filter(
                user_id=OuterRef("user_id"), community_id=OuterRef("session__community_id")
            )
        )
    )
    already_sent = Reminder.objects.filter(
        session_id=OuterRef("session_id"), user_id=OuterRef("user_id"), kind=OuterRef("kind")
    )
    return (
        Registration.objects.filter(
            can_see,
            status=Registration.Status.CONFIRMED,
            user__is_active=True,
            session__cancelled_at__isnull=True,
            session__starts_at__gt=now,
            session__starts_at__lte=now + LEAD_TIMES[DAY],
        )
        .annotate(
            kind=Case(
                When(session__starts_at__lte=now + LEAD_TIMES[HOUR], then=Value(HOUR.value)),
                default=Value(DAY.value),
            )
        )
        .exclude(Exists(already_sent))
        .select_related("session__community", "user")
        .order_by("session__starts_at", "session_id", "pk")
    )


def list_due_reminders(*, now: datetime | None = None) -> list[DueReminder]:
    """Return the reminders ``send_due_reminders`` would send at ``now``; write nothing."""
    now = now or timezone.now()
    return [
        DueReminder(kind=registration.kind, session=registration.session, user=registration.user)
        for registration in _due_registrations(now)
    ]


def site_url(path: str) -> str:
    """Make ``path`` absolute with ``settings.SITE_URL`` (e-mails leave the site)."""
    base = getattr(settings, "SITE_URL", DEFAULT_SITE_URL) or DEFAULT_SITE_URL
    return base.rstrip("/") + path


def format_start(starts_at: datetime, zone: ZoneInfo) -> str:
    """Spell the start time in ``zone`` and the active language, weekday included."""
    local = starts_at.astimezone(zone)
    day = "{} {}".format(formats.date_format(local, "l"), formats.date_format(local, "DATE_FORMAT"))
    return _("%(day)s à %(time)s") % {"day": day, "time": formats.time_format(local, "TIME_FORMAT")}


def _start_times(starts_at: datetime, user: User) -> tuple[str, str, str]:
    """The start in Bamako; and in the member's own zone with its place, or "" twice.

    As on the site (``webinars.timezones``): the own zone is given only when
    its clock reads another time than Bamako's at that instant.
    """
    in_bamako = format_start(starts_at, SITE_ZONE)
    zone = viewer_zone(user)
    if same_offset(starts_at, zone, SITE_ZONE):
        return in_bamako, "", ""
    return in_bamako, format_start(starts_at, zone), place_name(zone)


def _notification_subject(due: DueReminder, starts: str) -> str:
    """The in-app line, with the start in the member's own zone (the site shows that one)."""
    if due.kind == HOUR:
        text = _("Rappel : « %(title)s » commence dans moins d'une heure (%(start)s).")
    else:
        text = _("Rappel : « %(title)s » commence le %(start)s.")
    return text % {"title": due.session.title, "start": starts}


def _email(due: DueReminder, url: str, starts: tuple[str, str, str]) -> EmailMessage:
    in_bamako, in_own_zone, own_place = starts
    context = {
        "kind": due.kind,
        "is_hour": due.kind == HOUR,
        "user": due.user,
        "session": due.session,
        "title": due.session.title,
        "theme": due.session.theme,
        "community": due.session.community.name,
        "starts_bamako": in_bamako,
        "starts_local": in_own_zone,
        "place": own_place,
        "url": url,
    }
    # A header is one line: whatever the template's line breaks, fold them.
    subject = " ".join(render_to_string(TEMPLATE_SUBJECT, context).split())
    body = render_to_string(TEMPLATE_BODY, context)
    return EmailMessage(
        subject,
        body,
        to=[due.user.email],
        # RFC 3834: tells auto-responders not to answer a robot.
        headers={"Auto-Submitted": "auto-generated"},
    )


def _claim(due: DueReminder, subject: str) -> Reminder | None:
    """Take the (session, member, kind) slot and leave the in-app notice; None if not ours.

    ``durable=True`` makes the claim commit when the block ends, so the
    e-mail sent afterwards is never one for a claim that could roll back; it
    refuses to run inside a caller's transaction.
    """
    session, user = due.session, due.user
    try:
        with transaction.atomic(durable=True):
            # The selection is a few seconds (or e-mails) old: the member may
            # have cancelled, left the CoP or been deactivated, the session
            # may be cancelled.
            still_due = Registration.objects.filter(
                session_id=session.pk,
                user_id=user.pk,
                status=Registration.Status.CONFIRMED,
                user__is_active=True,
                session__cancelled_at__isnull=True,
            ).exists()
            if not still_due or not can_view_community(user, session.community):
                return None
            reminder = Reminder.objects.create(session=session, user=user, kind=due.kind)
            notify_users(
                [user.pk],
                community=session.community,
                subject=subject,
                url=session.get_absolute_url(),
            )
            return reminder
    except IntegrityError:
        # Another run claimed it first (its row is committed, or about to be).
        return None


def _send(connection: BaseEmailBackend, message: EmailMessage, reminder: Reminder) -> bool:
    try:
        # Opened once, kept open for the next messages (send_messages only
        # closes what it opened itself).
        connection.open()
        if connection.send_messages([message]) != 1:
            raise RuntimeError("the e-mail backend accepted no message")
    except Exception:
        logger.exception(
            "Webinar reminder %s for session %s could not be e-mailed to user %s.",
            reminder.kind,
            reminder.session_id,
            reminder.user_id,
        )
        # A broken SMTP connection is not reused for the next member.
        try:
            connection.close()
        except Exception:
            logger.exception("Closing the e-mail connection failed.")
        return False
    Reminder.objects.filter(pk=reminder.pk).update(emailed=True)
    return True


def send_due_reminders(
    *, now: datetime | None = None, connection: BaseEmailBackend | None = None
) -> dict[str, int]:
    """Send the reminders due at ``now``: an in-app notice, and an e-mail to who has an address.

    Call it outside any transaction (each claim commits on its own). Return
    the counts: reminders sent by kind ("24h", "1h"), "emailed", "skipped"
    (claimed by another run, or no longer due) and "failed" (e-mails that
    could not be sent; they are logged and not retried). Without
    ``connection``, the default mailer is opened once for the run and closed
    at its end; a ``connection`` given is left for the caller to close.
    """
    now = now or timezone.now()
    counts = {DAY.value: 0, HOUR.value: 0, "emailed": 0, "skipped": 0, "failed": 0}
    due_reminders = list_due_reminders(now=now)
    if not due_reminders:
        return counts
    own_connection = connection is None
    if own_connection:
        # One backend (one SMTP connection) for the whole run.
        connection = mail.mailers.default
    try:
        for due in due_reminders:
            url = site_url(due.session.get_absolute_url())
            with translation.override(due.user.preferred_language or settings.LANGUAGE_CODE):
                starts = _start_times(due.session.starts_at, due.user)
                in_bamako, in_own_zone, own_place = starts
                subject = _notification_subject(
                    due, f"{in_own_zone} ({own_place})" if in_own_zone else in_bamako
                )
                # Rendered before the claim: a broken template stops the run
                # before it claims (and so loses) anything.
                message = _email(due, url, starts) if due.user.email else None
                reminder = _claim(due, subject)
            if reminder is None:
                counts["skipped"] += 1
                continue
            counts[due.kind] += 1
            if message is None:
                continue
            if _send(connection, message, reminder):
                counts["emailed"] += 1
            else:
                counts["failed"] += 1
    finally:
        if own_connection:
            connection.close()
    return counts
