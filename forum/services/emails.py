"""
Notifications by e-mail: one e-mail per notification, or a daily or weekly digest.

The member chooses (``EmailPreference``; no row: never). E-mails are drawn
from ``Notification`` rows, the one record of "something happened for her",
and re-checked when they leave: she must still see the thread's CoP (a move,
a removal, a ban), the post must still be there (not hidden, deleted or
waiting for validation), the notification unread, her choice unchanged and
her account active with an address.

Each e-mail is claimed before it leaves, as the webinar reminders are: a
``NotificationEmail`` (one per notification) or ``DigestEmail`` (one per
member, kind and period) row is written in its own committed transaction,
and the unique constraint turns a second claim — another run overlapping
this one — into an ``IntegrityError``. A crash between the claim and the
e-mail loses that one e-mail: one missed is better than one sent twice.

"Sensible" CoPs (``Community.sensitive``): the e-mail says only that there
is something new in one of her communities, with a link to sign in — no
title, no content, no name of a person, not the CoP's name. The context
given to the templates holds none of them, so no template can leak them.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import (
    Community,
    DigestEmail,
    EmailPreference,
    Notification,
    NotificationEmail,
    User,
)
from ..permissions import can_see_pending
from ..selectors import list_notifications

logger = logging.getLogger(__name__)

Frequency = EmailPreference.Frequency

# Kinds told on the site only: other apps' notices (webinar reminders send
# their own e-mail) and moderators' decisions about the member.
NOT_EMAILED = (Notification.Kind.OTHER, Notification.Kind.MODERATION)
# A notification older than this is not e-mailed on its own (after an outage
# the site, not a burst of stale e-mails, tells her).
EACH_MAX_AGE = timedelta(days=1)
# Notifications e-mailed per run at most; the rest go with the next run.
EACH_BATCH = 500
# Digests cover the day (or the week, Monday to Monday) up to this hour, Bamako time.
DIGEST_HOUR = 7
DIGEST_ZONE = ZoneInfo("Africa/Bamako")
DIGEST_LENGTH = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
# Digest rows (the claims) are kept this long, then deleted by the next run.
DIGEST_KEPT = timedelta(days=60)
# Titles given per CoP in a digest.
DIGEST_TITLES = 3
EXCERPT_LENGTH = 300

TEMPLATES = "forum/email/"


# The member's choice ---------------------------------------------------------------------


def email_preference(user: User) -> EmailPreference | None:
    return EmailPreference.objects.filter(user=user).first()


def email_frequency(user: User) -> str:
    preference = email_preference(user)
    return preference.frequency if preference else Frequency.NEVER


@transaction.atomic
def set_email_frequency(*, user: User, frequency: str) -> EmailPreference:
    """Record how ``user`` wants her notifications by e-mail."""
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _("Choix inconnu.")}, code="invalid")
    preference, created = EmailPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"frequency": frequency}
    )
    if not created and preference.frequency != frequency:
        preference.frequency = frequency
        preference.changed_at = timezone.now()
        preference.save(update_fields=["frequency", "changed_at"])
    return preference


def access_unsubscribe(token: object) -> EmailPreference:
    """The preference whose one-click link carries ``token``; 404 for any other token."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        raise Http404
    preference = EmailPreference.objects.filter(unsubscribe_token=token).first()
    if preference is None:
        raise Http404
    return preference


@transaction.atomic
def unsubscribe(*, token: str) -> EmailPreference:
    """The one-click link: set the choice to "never". It can do nothing else."""
    preference = access_unsubscribe(token)
    return set_email_frequency(user=preference.user, frequency=Frequency.NEVER)


# Links and messages ---------------------------------------------------------------------


def site_url(path: str) -> str:
    """Make ``path`` absolute with ``settings.SITE_URL`` (e-mails leave the site)."""
    return settings.SITE_URL.rstrip("/") + path


def sign_in_url() -> str:
    """The sign-in page, leading to the notifications: a link that names nothing."""
    return site_url(reverse("login") + "?" + urlencode({"next": reverse("notifications")}))


def _message(
    user: User, preference: EmailPreference, name: str, context: dict
) -> EmailMultiAlternatives:
    """Render ``name`` (subject, text and HTML) in the active language, with unsubscribe."""
    unsubscribe_url = site_url(reverse("email_unsubscribe", args=[preference.unsubscribe_token]))
    context = {
        **context,
        "site_url": site_url("/"),
        "settings_url": site_url(reverse("email_settings")),
        "unsubscribe_url": unsubscribe_url,
    }
    # A header is one line: whatever the template's line breaks, fold them.
    subject = " ".join(render_to_string(f"{TEMPLATES}{name}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject,
        render_to_string(f"{TEMPLATES}{name}.txt", context),
        to=[user.email],
        headers={
            # RFC 3834: tells auto-responders not to answer a robot.
            "Auto-Submitted": "auto-generated",
            # RFC 2369 and RFC 8058: the mail app's "unsubscribe" button POSTs here.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"{TEMPLATES}{name}.html", context), "text/html")
    return message


def _language(user: User) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def _send(connection: BaseEmailBackend, message: EmailMultiAlternatives, what: str) -> bool:
    try:
        # Opened once, kept open for the next messages.
        connection.open()
        if connection.send_messages([message]) != 1:
            raise RuntimeError("the e-mail backend accepted no message")
    except Exception:
        logger.exception("The e-mail %s could not be sent.", what)
        # A broken SMTP connection is not reused for the next member.
        try:
            connection.close()
        except Exception:
            logger.exception("Closing the e-mail connection failed.")
        return False
    return True


# What she may still see -------------------------------------------------------------------


def _emailed_notifications(user: User) -> QuerySet[Notification]:
    """Her unread notifications about forum content that she may see now."""
    return (
        list_notifications(user)
        .filter(read_at__isnull=True, thread__isnull=False)
        .exclude(kind__in=NOT_EMAILED)
        .select_related("thread__community", "post", "actor")
    )


def _still_shown(user: User, notification: Notification) -> bool:
    """What ``list_notifications`` cannot say in SQL: the post and thread are there for her."""
    thread = notification.thread
    if not can_see_pending(user, thread, thread.community):
        return False
    post = notification.post
    if post is None:
        return True
    if post.is_deleted or post.is_hidden:
        return False
    return can_see_pending(user, post, thread.community)


def _wants(user: User, frequency: str) -> EmailPreference | None:
    """Her preference, if she still wants ``frequency`` and can receive e-mail at all."""
    if not user.is_active or not user.email or user.deleted_at is not None:
        return None
    preference = email_preference(user)
    if preference is None or preference.frequency != frequency:
        return None
    return preference


# One e-mail per notification ----------------------------------------------------------------


def list_due_notifications(*, now: datetime | None = None) -> QuerySet[Notification]:
    """Notifications to e-mail one by one at ``now`` (checked again when claimed)."""
    now = now or timezone.now()
    return (
        Notification.objects.filter(
            recipient__email_preference__frequency=Frequency.EACH,
            recipient__is_active=True,
            read_at__isnull=True,
            thread__isnull=False,
            created_at__gte=now - EACH_MAX_AGE,
        )
        # Chosen after it happened: switching the choice on sends no backlog.
        .filter(created_at__gte=F("recipient__email_preference__changed_at"))
        .exclude(recipient__email="")
        .exclude(kind__in=NOT_EMAILED)
        .exclude(Exists(NotificationEmail.objects.filter(notification_id=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )


def _claim_notification(pk: int) -> tuple[Notification, EmailPreference] | None:
    """Take notification ``pk`` for e-mailing if it is still due; None if not, or not ours.

    ``durable=True`` commits the claim when the block ends, so the e-mail
    sent afterwards is never one for a claim that could roll back.
    """
    try:
        with transaction.atomic(durable=True):
            recipient_id = (
                Notification.objects.filter(pk=pk).values_list("recipient_id", flat=True).first()
            )
            user = User.objects.filter(pk=recipient_id).first()
            preference = _wants(user, Frequency.EACH) if user else None
            if preference is None:
                return None
            notification = _emailed_notifications(user).filter(pk=pk).first()
            if notification is None or notification.created_at < preference.changed_at:
                return None
            if not _still_shown(user, notification):
                return None
            NotificationEmail.objects.create(notification=notification)
            notification.recipient = user
            return notification, preference
    except IntegrityError:
        # Another run claimed it first.
        return None


def _notification_context(notification: Notification) -> dict:
    """What the e-mail may say; for a sensible CoP, nothing but "something new"."""
    thread = notification.thread
    community = thread.community
    if community.sensitive:
        return {"sensitive": True, "url": sign_in_url()}
    post = notification.post
    excerpt = " ".join(post.body.split()) if post is not None else ""
    if len(excerpt) > EXCERPT_LENGTH:
        excerpt = excerpt[: EXCERPT_LENGTH - 1].rstrip() + "…"
    return {
        "sensitive": False,
        "kind": notification.kind,
        "actor": notification.actor.display_name if notification.actor else "",
        "title": thread.title,
        "community": community.name,
        "excerpt": excerpt,
        "url": site_url(reverse("notification", args=[notification.pk])),
    }


def send_notification_emails(
    *, now: datetime | None = None, connection: BaseEmailBackend | None = None
) -> dict[str, int]:
    """E-mail each due notification once; return counts: emailed, skipped, failed.

    Call it outside any transaction (each claim commits on its own).
    """
    counts = {"emailed": 0, "skipped": 0, "failed": 0}
    due = list(list_due_notifications(now=now).values_list("pk", flat=True)[:EACH_BATCH])
    if not due:
        return counts
    own_connection = connection is None
    connection = connection or mail.mailers.default
    try:
        for pk in due:
            claimed = _claim_notification(pk)
            if claimed is None:
                counts["skipped"] += 1
                continue
            notification, preference = claimed
            user = notification.recipient
            try:
                with translation.override(_language(user)):
                    message = _message(
                        user, preference, "notification", _notification_context(notification)
                    )
            except Exception:
                logger.exception("Notification %s: the e-mail could not be drawn.", pk)
                counts["failed"] += 1
                continue
            if _send(connection, message, f"for notification {pk}"):
                NotificationEmail.objects.filter(notification_id=pk).update(emailed=True)
                counts["emailed"] += 1
            else:
                counts["failed"] += 1
    finally:
        if own_connection:
            connection.close()
    return counts


# Digests --------------------------------------------------------------------------------


def digest_period(kind: str, now: datetime) -> tuple[datetime, datetime]:
    """The last complete period of a ``kind`` digest at ``now``: [start, end).

    A day ends at ``DIGEST_HOUR`` in Bamako; a week at that hour on Monday.
    """
    local = now.astimezone(DIGEST_ZONE)
    end = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if end > local:
        end -= timedelta(days=1)
    if kind == Frequency.WEEKLY:
        end -= timedelta(days=end.weekday())
    return end - DIGEST_LENGTH[kind], end


@dataclass
class DigestGroup:
    """One CoP's lines in a digest."""

    community: str
    url: str
    count: int = 0
    titles: list[str] = field(default_factory=list)


@dataclass
class Digest:
    groups: list[DigestGroup]
    sensitive: bool  # something new in a sensible CoP (told without a word of it)
    count: int  # notifications in it, sensible ones included

    def __bool__(self) -> bool:
        return self.count > 0


def build_digest(user: User, start: datetime, end: datetime) -> Digest:
    """Her unread notifications of [start, end) that she may still see, by CoP."""
    notifications = (
        _emailed_notifications(user)
        .filter(created_at__gte=start, created_at__lt=end)
        .order_by("-created_at", "-pk")
    )
    groups: dict[int, DigestGroup] = {}
    sensitive = False
    count = 0
    for notification in notifications:
        if not _still_shown(user, notification):
            continue
        count += 1
        community: Community = notification.thread.community
        if community.sensitive:
            sensitive = True
            continue
        group = groups.get(community.pk)
        if group is None:
            group = groups[community.pk] = DigestGroup(
                community=community.name, url=site_url(community.get_absolute_url())
            )
        group.count += 1
        title = notification.thread.title
        if title not in group.titles and len(group.titles) < DIGEST_TITLES:
            group.titles.append(title)
    ordered = sorted(groups.values(), key=lambda group: (-group.count, group.community))
    return Digest(groups=ordered, sensitive=sensitive, count=count)


def list_due_digests(kind: str, *, now: datetime | None = None) -> QuerySet[User]:
    """Members whose ``kind`` digest for the last period is not claimed yet."""
    now = now or timezone.now()
    _start, end = digest_period(kind, now)
    return (
        User.objects.filter(
            is_active=True, email_preference__frequency=kind, deleted_at__isnull=True
        )
        .exclude(email="")
        .exclude(
            Exists(DigestEmail.objects.filter(user_id=OuterRef("pk"), kind=kind, period_end=end))
        )
        .order_by("pk")
    )


def _claim_digest(user_id: int, kind: str, end: datetime) -> tuple[User, EmailPreference] | None:
    try:
        with transaction.atomic(durable=True):
            user = User.objects.filter(pk=user_id).first()
            preference = _wants(user, kind) if user else None
            if preference is None:
                return None
            DigestEmail.objects.create(user=user, kind=kind, period_end=end)
            return user, preference
    except IntegrityError:
        return None


def digest_context(kind: str, digest: Digest) -> dict:
    return {
        "weekly": kind == Frequency.WEEKLY,
        "groups": digest.groups,
        "sensitive": digest.sensitive,
        "sign_in_url": sign_in_url(),
    }


def send_digests(
    *, now: datetime | None = None, connection: BaseEmailBackend | None = None
) -> dict[str, int]:
    """Send the daily and weekly digests of the last complete periods, each once.

    Return counts: "daily", "weekly" (digests e-mailed), "empty" (nothing to
    tell: claimed, not sent), "skipped" (claimed by another run, or the choice
    changed), "failed". Call it outside any transaction.
    """
    now = now or timezone.now()
    counts = {Frequency.DAILY.value: 0, Frequency.WEEKLY.value: 0}
    counts |= {"empty": 0, "skipped": 0, "failed": 0}
    own_connection = connection is None
    connection = connection or mail.mailers.default
    try:
        for kind in (Frequency.DAILY, Frequency.WEEKLY):
            start, end = digest_period(kind, now)
            for user_id in list(list_due_digests(kind, now=now).values_list("pk", flat=True)):
                claimed = _claim_digest(user_id, kind, end)
                if claimed is None:
                    counts["skipped"] += 1
                    continue
                user, preference = claimed
                try:
                    digest = build_digest(user, start, end)
                    DigestEmail.objects.filter(user=user, kind=kind, period_end=end).update(
                        notification_count=digest.count
                    )
                    if not digest:
                        counts["empty"] += 1
                        continue
                    with translation.override(_language(user)):
                        message = _message(user, preference, "digest", digest_context(kind, digest))
                except Exception:
                    logger.exception("The %s digest of user %s could not be drawn.", kind, user_id)
                    counts["failed"] += 1
                    continue
                if _send(connection, message, f"{kind} digest of user {user_id}"):
                    DigestEmail.objects.filter(user=user, kind=kind, period_end=end).update(
                        emailed=True
                    )
                    counts[kind] += 1
                else:
                    counts["failed"] += 1
    finally:
        if own_connection:
            connection.close()
    # Periods this old can no longer be claimed again (only the last one is sent).
    DigestEmail.objects.filter(period_end__lt=now - DIGEST_KEPT).delete()
    return counts


def render_digest_html(user: User, kind: str, *, now: datetime | None = None) -> str:
    """The HTML of ``user``'s digest for the last period, sending and writing nothing."""
    start, end = digest_period(kind, now or timezone.now())
    digest = build_digest(user, start, end)
    preference = email_preference(user) or EmailPreference(user=user)
    with translation.override(_language(user)):
        message = _message(user, preference, "digest", digest_context(kind, digest))
    return message.alternatives[0].content
