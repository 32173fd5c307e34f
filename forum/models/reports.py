from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportCase(models.Model):
    """
    Every report on one item (a post, a thread, a room message), grouped.

    ``kind`` names a report target registered in ``forum.reporting`` (rooms
    registers its chat messages there), so the forum never imports the apps
    whose items can be reported. One open case per item; a resolved case
    stays for the record and a new report opens a new case.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("à examiner")
        RESOLVED = "resolved", _("examiné")

    class Outcome(models.TextChoices):
        HIDDEN = "hidden", _("le contenu a été masqué")
        EDITED = "edited", _("le contenu a été modifié")
        WARNED = "warned", _("l'auteur·e a reçu un avertissement")
        DISMISSED = "dismissed", _("aucune mesure n'a été jugée nécessaire")

    community = models.ForeignKey(
        "forum.Community", on_delete=models.CASCADE, related_name="report_cases"
    )
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Plain text, as the item read when it was first reported (a room message
    # erased later is still judged on what was reported).
    excerpt = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    report_count = models.PositiveIntegerField(default=0)
    # Hidden by the CoP's threshold, pending review.
    auto_hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-report_count", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=Q(status="open"),
                name="one_open_case_per_item",
            )
        ]
        indexes = [models.Index(fields=["community", "status"], name="report_queue")]
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} ({self.status}, {self.report_count})"


class Report(models.Model):
    """One member's report in a case; a second report by her updates this one."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("spam ou publicité")
        HARASSMENT = "harassment", _("harcèlement ou insulte")
        PERSONAL_DATA = "personal_data", _("données personnelles exposées")
        DANGER = "danger", _("dangereux pour quelqu'un")
        OFF_TOPIC = "off_topic", _("hors sujet")
        OTHER = "other", _("autre raison")

    case = models.ForeignKey(ReportCase, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices)
    text = models.CharField(_("précisions"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "reporter"], name="one_report_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.reporter_id} → {self.case_id} ({self.reason})"
