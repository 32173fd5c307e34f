import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _stored_path(folder: str, extension: str) -> str:
    # A random name: the stored path says nothing of the uploader's file name.
    now = timezone.now()
    return f"forum/{folder}/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"


def file_path(instance: "PostFile", filename: str) -> str:
    return _stored_path("fichiers", "." + filename.rsplit(".", 1)[-1] if "." in filename else "")


def preview_path(instance: "PostFile", filename: str) -> str:
    return _stored_path("apercus", ".webp")


class PostFile(models.Model):
    """
    A file attached to a post: a voice note, a photo or a document.

    Stored under MEDIA_ROOT, which nothing serves directly: each file goes out
    through a view that checks the reader may see its post, at that moment.
    A voice note is kept only as the Opus the server made of it, a photo only
    re-encoded (no metadata) with a small WebP preview; a document as sent,
    once its content passed the allowlist (``forum.uploads``).
    """

    class Kind(models.TextChoices):
        VOICE = "voice", _("note vocale")
        IMAGE = "image", _("image")
        DOCUMENT = "document", _("document")

    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=file_path, max_length=200)
    name = models.CharField(_("nom"), max_length=120)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    # SHA-256 of the stored bytes: a form sent twice is recognised as the same post.
    digest = models.CharField(max_length=64)
    duration = models.FloatField(null=True, blank=True)  # seconds, voice notes
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    preview = models.FileField(upload_to=preview_path, max_length=200, blank=True)
    preview_width = models.PositiveIntegerField(null=True, blank=True)
    preview_height = models.PositiveIntegerField(null=True, blank=True)
    preview_size = models.PositiveIntegerField(null=True, blank=True)
    # Plain text, escaped wherever it is shown (search and screen readers read it).
    transcript = models.TextField(_("transcription"), blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("fichier d'un message")
        verbose_name_plural = _("fichiers des messages")

    def __str__(self) -> str:
        return self.name

    @property
    def is_voice(self) -> bool:
        return self.kind == self.Kind.VOICE

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE

    @property
    def seconds(self) -> int:
        return max(1, round(self.duration or 0))

    @property
    def duration_label(self) -> str:
        minutes, seconds = divmod(self.seconds, 60)
        return f"{minutes}:{seconds:02d}"

    @property
    def type_label(self) -> str:
        """The kind of a document as people name it: its true extension (PDF, DOCX…)."""
        return self.name.rsplit(".", 1)[-1].upper() if "." in self.name else ""
