import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_unsubscribe_token() -> str:
    return secrets.token_urlsafe(32)


class EmailPreference(models.Model):
    """
    How a member wants to hear of her notifications by e-mail.

    No row means "never": nothing leaves the site until the member asks for
    it (she pays for the data, and a mailbox may be read by someone else).
    ``unsubscribe_token`` is the key of the one-click link in every e-mail: it
    can only set the choice to "never" (no sign-in, no other setting).
    """

    class Frequency(models.TextChoices):
        NEVER = "never", _("jamais")
        EACH = "each", _("à chaque notification")
        DAILY = "daily", _("résumé quotidien")
        WEEKLY = "weekly", _("résumé hebdomadaire")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference"
    )
    frequency = models.CharField(
        _("recevoir mes notifications par e-mail"),
        max_length=10,
        choices=Frequency.choices,
        default=Frequency.NEVER,
    )
    # When the choice was last made: "each" e-mails only what came after it
    # (switching it on does not send the backlog).
    changed_at = models.DateTimeField(default=timezone.now)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=new_unsubscribe_token)

    class Meta:
        verbose_name = _("préférence d'e-mail")
        verbose_name_plural = _("préférences d'e-mail")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.frequency}"


class NotificationEmail(models.Model):
    """A notification e-mailed on its own: the row is claimed before the e-mail leaves."""

    notification = models.OneToOneField(
        "forum.Notification", on_delete=models.CASCADE, related_name="email"
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    emailed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"notification {self.notification_id}"


class DigestEmail(models.Model):
    """A digest sent for one period: one row per (member, kind, end of period)."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("quotidien")
        WEEKLY = "weekly", _("hebdomadaire")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    period_end = models.DateTimeField()
    notification_count = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(default=timezone.now)
    emailed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "period_end"], name="digest_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.period_end:%Y-%m-%d}"
