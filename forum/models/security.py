from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserSession(AbstractBaseSession):
    """
    A signed-in (or anonymous) browser session, with whom and what it is.

    The session engine (forum/sessions.py) copies ``user``, ``device`` and
    ``last_seen`` from the session data when it saves the row, so "Mes
    sessions" is one indexed query and ending a session is one DELETE.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sessions",
        db_index=True,
    )
    # A summary such as "chrome android" (see forum/devices.py), never the raw User-Agent.
    device = models.CharField(max_length=40, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    objects = BaseSessionManager()

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from forum.sessions import SessionStore

        return SessionStore


class ResetLink(models.Model):
    """A one-time password reset link a moderator issued for a member without e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reset_links"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    community = models.ForeignKey(
        "forum.Community", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SHA-256 of the token: the link itself is shown once and never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"reset link for {self.user_id}"
