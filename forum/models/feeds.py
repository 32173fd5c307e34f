from django.conf import settings
from django.db import models
from django.utils import timezone


class FeedToken(models.Model):
    """The secret in a member's personal Atom feed address (feed readers cannot sign in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"feed token of {self.user_id}"
