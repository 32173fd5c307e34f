from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("réponse à votre message")
        MENTION = "mention", _("mention")
        NEW_THREAD = "thread", _("nouvelle discussion")
        # Written by other apps (webinar reminders, a place on a waiting list):
        # they give the text and the link themselves.
        OTHER = "other", _("information")
        # A moderators' decision about the recipient (accepted, muted, banned,
        # removed, lifted): always shown to her, even when a ban hides the CoP.
        MODERATION = "moderation", _("décision de la modération")
        # A new post in a thread the recipient follows at the level "tout".
        FOLLOWED = "followed", _("nouveau message dans une discussion suivie")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    community = models.ForeignKey("forum.Community", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(
        "forum.Thread", null=True, on_delete=models.CASCADE, related_name="+"
    )
    # For kind "other": a plain-text line (escaped where shown) and a local link.
    subject = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=300, blank=True)
    post = models.ForeignKey("forum.Post", null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class FollowLevel(models.TextChoices):
    """How much a member hears of a thread or a CoP she follows (docs/architecture.md)."""

    # Thread: every new post. CoP: every new thread.
    ALL = "all", _("tout")
    # Only replies to her posts and mentions of her (as when she follows nothing).
    REPLIES = "replies", _("réponses et mentions")
    # Nothing at all, not even a reply to her or a mention: a safety tool.
    MUTED = "muted", _("en sourdine")


class CommunityFollow(models.Model):
    """A reader's level for a CoP: every new thread ("tout"), or silence ("en sourdine")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    community = models.ForeignKey(
        "forum.Community", on_delete=models.CASCADE, related_name="followers"
    )
    level = models.CharField(max_length=10, choices=FollowLevel.choices, default=FollowLevel.ALL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "community"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.community_id} ({self.level})"


class ThreadFollow(models.Model):
    """A reader's level for one thread; it wins over her level for the thread's CoP."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_follows"
    )
    thread = models.ForeignKey("forum.Thread", on_delete=models.CASCADE, related_name="followers")
    level = models.CharField(max_length=10, choices=FollowLevel.choices, default=FollowLevel.ALL)
    # Set by the member herself (a form), not by posting or being mentioned:
    # automatic follows never change a level she chose.
    chosen = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="thread_follow_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → thread {self.thread_id} ({self.level})"
