from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from .tags import TaggedOrganisation


class Organisation(models.Model):
    """A member organisation, listed in the public directory."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", _("plateforme")
        ALLIANCE = "alliance", _("alliance")
        NETWORK = "network", _("réseau")
        ASSOCIATION = "association", _("association")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    acronym = models.CharField(_("sigle"), max_length=30, blank=True)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    regions = models.ManyToManyField(
        "forum.Region", verbose_name=_("régions d'intervention"), related_name="organisations"
    )
    domains = TaggableManager(
        verbose_name=_("domaines d'intervention"), through=TaggedOrganisation, blank=True
    )
    city = models.CharField(_("ville"), max_length=80, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation", args=[self.slug])
