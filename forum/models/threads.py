from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from .tags import TaggedThread

# Width of one level of a post's materialised path. Digits only, fixed width,
# so that ordering by path is depth-first on every database and collation.
PATH_STEP = 7


class Thread(models.Model):
    community = models.ForeignKey(
        "forum.Community", on_delete=models.CASCADE, related_name="threads"
    )
    title = models.CharField(_("titre"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="threads"
    )
    tags = TaggableManager(verbose_name=_("étiquettes"), through=TaggedThread, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Replies, not counting the opening post. Deleted replies stay counted:
    # their marker stays in the tree.
    reply_count = models.PositiveIntegerField(default=0)
    # Last post number handed out; posts take the next one under a row lock.
    last_seq = models.PositiveIntegerField(default=0)
    is_pinned = models.BooleanField(_("épinglée"), default=False)
    is_locked = models.BooleanField(_("verrouillée"), default=False)
    # Shown to every reader while the thread is locked ("Discussion close…").
    closed_note = models.CharField(_("note de clôture"), max_length=500, blank=True)
    # Seconds a member waits between two replies here (moderators exempt); 0: off.
    slow_mode = models.PositiveIntegerField(_("mode lent (secondes)"), default=0)
    # Opened by a member under pre-moderation: seen by its author and the
    # CoP's moderators only, until approved (forum.selectors filter on it).
    is_pending = models.BooleanField(_("en attente de validation"), default=False)

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at"]
        indexes = [
            models.Index(
                fields=["community", "-is_pinned", "-last_activity_at"],
                name="thread_listing",
            ),
            # Counting a CoP's published threads reads this index alone (the CoP list).
            models.Index(fields=["community", "is_pending"], name="thread_published_count"),
            # The threads last active across CoPs, walked in order until a page is full
            # (popular tags, the home's news, tag pages); published ones for visitors.
            models.Index(fields=["-last_activity_at"], name="thread_recent"),
            models.Index(
                fields=["is_pending", "-last_activity_at"], name="thread_recent_published"
            ),
        ]
        verbose_name = _("discussion")
        verbose_name_plural = _("discussions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("thread", args=[self.pk, self.slug])

    @property
    def slug(self) -> str:
        return slugify(self.title, allow_unicode=True)[:60] or "discussion"


class ThreadRedirect(models.Model):
    """
    The address of a thread merged into another one.

    The merged thread is deleted (no empty shell in listings, counts or
    search); its old address leads to the thread its posts went to, for
    those who may see that one. Post addresses need nothing: they carry the
    post's id, which a merge or a split keeps.
    """

    old_thread_id = models.BigIntegerField(unique=True)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.old_thread_id} → {self.thread_id}"


class Post(models.Model):
    """
    A post in a thread's reply tree.

    The opening post is the root (seq 1); a reply to the thread is a child of
    the opening post. ``path`` concatenates the fixed-width sequence numbers
    from the root, so ordering by it lists the tree depth-first, and one page
    of a long thread is one indexed range query.
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts"
    )
    seq = models.PositiveIntegerField()
    path = models.CharField(max_length=PATH_STEP * 64)
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(_("message"))
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(_("motif"), max_length=500, blank=True)
    # Written under pre-moderation: seen by its author and the CoP's
    # moderators only; nothing is announced until it is approved.
    is_pending = models.BooleanField(_("en attente de validation"), default=False)
    # The idempotency key of the form that wrote it (an opening post carries its
    # thread's): a form sent again, by a retry or by the outbox, finds this post.
    client_key = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["thread", "path"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "seq"], name="unique_post_seq"),
            models.UniqueConstraint(
                fields=["author", "client_key"],
                condition=~models.Q(client_key=""),
                name="post_client_key_once",
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "path"], name="post_tree_order"),
            # The few posts waiting for validation, counted for moderators on every
            # page of their CoP and on their home, without reading the CoP's posts.
            models.Index(
                fields=["thread"], condition=models.Q(is_pending=True), name="post_pending"
            ),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"#{self.seq} — {self.thread}"

    def get_absolute_url(self) -> str:
        return reverse("post", args=[self.pk])

    @property
    def is_opening(self) -> bool:
        return self.parent_id is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class PostRevision(models.Model):
    """A previous version of a post, kept when it is edited."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    body_html = models.TextField()
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.post} @ {self.written_at:%Y-%m-%d %H:%M}"
