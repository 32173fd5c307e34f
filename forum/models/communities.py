import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Community(models.Model):
    """A community of practice (CoP): a thematic space with its own members."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("publique : tout le monde lit, les membres écrivent")
        PRIVATE = "private", _("privée : seuls les membres voient la communauté")

    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    summary = models.CharField(_("résumé"), max_length=240)
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    regions = models.ManyToManyField(
        "forum.Region", verbose_name=_("régions couvertes"), related_name="communities"
    )
    visibility = models.CharField(
        _("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Reports by this many different members hide an item until a moderator
    # looks at it (0: never hidden automatically).
    auto_hide_threshold = models.PositiveSmallIntegerField(
        _("masquage automatique après N signalements (0 : jamais)"), default=3
    )
    # The first N posts and threads of a new member wait for a moderator (0: off).
    premoderation_posts = models.PositiveSmallIntegerField(
        _("les N premiers messages d'un nouveau membre attendent une validation (0 : non)"),
        default=0,
    )
    # A "sensible" CoP: what leaves the site about it (e-mails, feeds read by third-party
    # apps) says only that there is something new, never its content or who wrote it.
    sensitive = models.BooleanField(
        _("sensible : les e-mails et flux disent seulement qu'il y a du nouveau"), default=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("communauté de pratique")
        verbose_name_plural = _("communautés de pratique")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community", args=[self.slug])

    @property
    def is_private(self) -> bool:
        return self.visibility == self.Visibility.PRIVATE


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("membre")
        MODERATOR = "moderator", _("modératrice ou modérateur")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="unique_membership")
        ]
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")

    def __str__(self) -> str:
        return f"{self.user} — {self.community} ({self.role})"

    @property
    def is_moderator(self) -> bool:
        return self.role == self.Role.MODERATOR


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        APPROVED = "approved", _("acceptée")
        REFUSED = "refused", _("refusée")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(_("message aux modérateurs"), max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # At most one open request per person and CoP.
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_join_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.community} ({self.status})"


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """A shareable link that lets whoever holds it join the CoP."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=25)
    use_count = models.PositiveIntegerField(default=0)
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.community} ({self.token[:6]}…)"

    def get_absolute_url(self) -> str:
        return reverse("invitation", args=[self.token])

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return not self.revoked and self.use_count < self.max_uses and now < self.expires_at
