from django.db import models
from django.utils import timezone


class SearchEntry(models.Model):
    """
    One searchable item (a thread, a reply, an organisation, webinar minutes, a decision).

    ``title``/``body`` are plain text, kept for snippets. ``title_terms`` and
    ``body_terms`` are the same words normalised by ``forum.search.text``
    (lower case, accents folded, French Snowball stem), one term per word in
    order; ``scope`` holds the filter terms (``t<tag>``, ``r<region>``,
    ``k<kind>``); CoPs are filtered on ``community``, in SQL. The engines
    index those three columns only: an FTS5 table kept by triggers on
    SQLite, a generated ``document`` tsvector with a GIN index on
    PostgreSQL (both made by migration 0019).
    Written only by ``forum.search.indexing``.
    """

    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    community = models.ForeignKey(
        "forum.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    thread_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    author_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    url = models.CharField(max_length=300)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    title_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)
    scope = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_search_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
