from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A region of Mali, or a cercle (such as Kati) that the CoPs treat as one."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("district")
        REGION = "region", _("région")
        CERCLE = "cercle", _("cercle")

    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.REGION)

    class Meta:
        ordering = ["name"]
        verbose_name = _("région")
        verbose_name_plural = _("régions")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """
    A member account.

    ``display_name`` is the only name other members see and may be a
    pseudonym; e-mail and phone stay private to the member and staff.
    """

    class Shown(models.TextChoices):
        SHARED = "shared", _("aux membres des communautés que nous partageons")
        NOBODY = "nobody", _("à personne (sauf l'équipe du site)")

    class ActivityShown(models.TextChoices):
        SHARED = "shared", _("mes messages dans les communautés que nous partageons")
        VISIBLE = "visible", _("tous mes messages que la personne peut lire")
        NOBODY = "nobody", _("aucun message (sauf pour l'équipe du site)")

    class Language(models.TextChoices):
        FR = "fr", "Français"
        EN = "en", "English"

    display_name = models.CharField(
        _("nom affiché"),
        max_length=80,
        help_text=_("Le nom que les autres membres voient. Un pseudonyme est accepté."),
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("région"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    organisation = models.ForeignKey(
        "forum.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    preferred_language = models.CharField(
        _("langue préférée"), max_length=5, choices=Language.choices, default=Language.FR
    )
    # An IANA zone (e.g. "Europe/Paris"); blank: Africa/Bamako, the site's zone.
    time_zone = models.CharField(_("fuseau horaire"), max_length=64, blank=True)
    bio = models.TextField(_("présentation"), max_length=1000, blank=True)
    # What other members see on the profile; staff see everything.
    show_organisation = models.CharField(
        _("mon organisation est visible"),
        max_length=10,
        choices=Shown.choices,
        default=Shown.SHARED,
    )
    show_region = models.CharField(
        _("ma région est visible"), max_length=10, choices=Shown.choices, default=Shown.NOBODY
    )
    show_activity = models.CharField(
        _("sur mon profil, montrer"),
        max_length=10,
        choices=ActivityShown.choices,
        default=ActivityShown.SHARED,
    )
    # Set when the member deleted their account: the row stays (posts keep an
    # author to attribute to "ancien·ne membre"), every personal field is blank.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept by the notification services so the bell costs no query per page.
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)

    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("profile", args=[self.pk])
