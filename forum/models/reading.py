from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ThreadRead(models.Model):
    """
    How far a member has read a thread: every post numbered up to ``last_read_seq``.

    Posts take increasing numbers (``Post.seq``) in a thread, so one number per
    member and thread says what is new for her: the posts numbered above it.
    The mark only ever advances (forum.services.reading).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_reads"
    )
    thread = models.ForeignKey("forum.Thread", on_delete=models.CASCADE, related_name="reads")
    last_read_seq = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_read_mark_per_thread")
        ]
        verbose_name = _("lecture d'une discussion")
        verbose_name_plural = _("lectures des discussions")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.thread_id} #{self.last_read_seq}"
