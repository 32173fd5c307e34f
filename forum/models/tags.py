from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.models import TagBase, TaggedItemBase


class Tag(TagBase):
    """
    A tag shared by threads and organisations' domains of intervention.

    Names are stored normalised (lower case, accents kept, single spaces), so
    one exact lookup is case-insensitive on every database.
    """

    class Meta:
        ordering = ["name"]
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")

    def get_absolute_url(self) -> str:
        return reverse("tag", args=[self.slug])


class TaggedThread(TaggedItemBase):
    content_object = models.ForeignKey("forum.Thread", on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="thread_items")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_thread_tag")
        ]


class TaggedOrganisation(TaggedItemBase):
    content_object = models.ForeignKey("forum.Organisation", on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="organisation_items")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="unique_organisation_tag"
            )
        ]
