"""The forum's searchable kinds: threads (title and opening post), replies, organisations."""

from collections.abc import Iterable, Iterator
from html import unescape

from django.db.models import Prefetch
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from forum.models import Community, Organisation, Post, PostFile, Thread, User
from forum.permissions import can_see_pending, can_view_thread

from .registry import Document, Source, register

THREAD = "thread"
POST = "post"
ORGANISATION = "organisation"
CHUNK = 2000


def plain(html: str) -> str:
    """The text of sanitised HTML (what the reader sees, without markup)."""
    return unescape(strip_tags(html.replace("</p>", "</p>\n").replace("<br>", "\n"))).strip()


def _post_text(post: Post) -> str:
    parts = [plain(post.body_html)]
    parts += [f.transcript for f in post.files.all() if f.transcript]
    return "\n".join(p for p in parts if p)


class _Regions:
    """Region ids of each CoP, read once per indexing run."""

    def __init__(self) -> None:
        self._by_community: dict[int, tuple[int, ...]] | None = None

    def of(self, community_id: int) -> tuple[int, ...]:
        if self._by_community is None:
            found: dict[int, list[int]] = {}
            for community_id_, region_id in Community.regions.through.objects.values_list(
                "community_id", "region_id"
            ):
                found.setdefault(community_id_, []).append(region_id)
            self._by_community = {k: tuple(sorted(v)) for k, v in found.items()}
        return self._by_community.get(community_id, ())


def community_regions() -> _Regions:
    return _Regions()


def _files() -> Prefetch:
    return Prefetch(
        "files", queryset=PostFile.objects.exclude(transcript="").only("post_id", "transcript")
    )


def _threads(ids: Iterable[int] | None) -> Iterator[Document]:
    threads = Thread.objects.filter(is_pending=False).prefetch_related("tags").order_by("pk")
    if ids is not None:
        threads = threads.filter(pk__in=list(ids))
    regions = community_regions()
    for chunk in _chunks(threads):
        openings = {
            p.thread_id: p
            for p in Post.objects.filter(thread__in=chunk, parent__isnull=True).prefetch_related(
                _files()
            )
        }
        for thread in chunk:
            opening = openings.get(thread.pk)
            readable = (
                opening is not None and opening.deleted_at is None and opening.hidden_at is None
            )
            yield Document(
                kind=THREAD,
                object_id=thread.pk,
                title=thread.title,
                body=_post_text(opening) if readable else "",
                url=thread.get_absolute_url(),
                created_at=thread.created_at,
                community_id=thread.community_id,
                thread_id=thread.pk,
                author_id=thread.author_id,
                tag_ids=tuple(sorted(t.pk for t in thread.tags.all())),
                region_ids=regions.of(thread.community_id),
            )


def _chunks(queryset) -> Iterator[list]:
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _posts(ids: Iterable[int] | None) -> Iterator[Document]:
    posts = (
        Post.objects.filter(
            parent__isnull=False,
            deleted_at__isnull=True,
            hidden_at__isnull=True,
            is_pending=False,
            thread__is_pending=False,
        )
        .select_related("thread")
        .prefetch_related(_files())
        .order_by("pk")
    )
    if ids is not None:
        posts = posts.filter(pk__in=list(ids))
    regions = community_regions()
    tags: dict[int, tuple[int, ...]] = {}
    for chunk in _chunks(posts):
        missing = {p.thread_id for p in chunk} - tags.keys()
        if missing:
            found: dict[int, list[int]] = {t: [] for t in missing}
            for thread_id, tag_id in Thread.tags.through.objects.filter(
                content_object_id__in=missing
            ).values_list("content_object_id", "tag_id"):
                found[thread_id].append(tag_id)
            tags.update({k: tuple(sorted(v)) for k, v in found.items()})
        for post in chunk:
            thread = post.thread
            yield Document(
                kind=POST,
                object_id=post.pk,
                title=thread.title,
                body=_post_text(post),
                url=post.get_absolute_url(),
                created_at=post.created_at,
                community_id=thread.community_id,
                thread_id=thread.pk,
                author_id=post.author_id,
                tag_ids=tags[post.thread_id],
                region_ids=regions.of(thread.community_id),
                title_is_searched=False,
            )


def _organisations(ids: Iterable[int] | None) -> Iterator[Document]:
    organisations = Organisation.objects.prefetch_related("regions", "domains").order_by("pk")
    if ids is not None:
        organisations = organisations.filter(pk__in=list(ids))
    for organisation in organisations:
        title = organisation.name
        if organisation.acronym:
            title = f"{organisation.name} ({organisation.acronym})"
        domains = ", ".join(t.name for t in organisation.domains.all())
        body = "\n".join(
            p for p in (plain(organisation.description_html), organisation.city, domains) if p
        )
        yield Document(
            kind=ORGANISATION,
            object_id=organisation.pk,
            title=title,
            body=body,
            url=organisation.get_absolute_url(),
            created_at=organisation.created_at,
            tag_ids=tuple(sorted(t.pk for t in organisation.domains.all())),
            region_ids=tuple(sorted(r.pk for r in organisation.regions.all())),
        )


def _visible_threads(viewer: User | None, ids: list[int]) -> set[int]:
    threads = Thread.objects.select_related("community").filter(pk__in=ids)
    return {
        t.pk
        for t in threads
        if not t.is_pending
        and can_view_thread(viewer, t)
        and can_see_pending(viewer, t, t.community)
    }


def _visible_posts(viewer: User | None, ids: list[int]) -> set[int]:
    posts = Post.objects.select_related("thread__community").filter(pk__in=ids)
    return {
        p.pk
        for p in posts
        if not (p.is_pending or p.thread.is_pending or p.is_hidden or p.is_deleted)
        and can_view_thread(viewer, p.thread)
    }


def _visible_organisations(viewer: User | None, ids: list[int]) -> set[int]:
    # The directory of organisations is public.
    return set(Organisation.objects.filter(pk__in=ids).values_list("pk", flat=True))


def register_forum_sources() -> None:
    register(Source(THREAD, lambda: _("Discussion"), _threads, _visible_threads, order=10))
    register(Source(POST, lambda: _("Message"), _posts, _visible_posts, order=20))
    register(
        Source(
            ORGANISATION,
            lambda: _("Organisation"),
            _organisations,
            _visible_organisations,
            order=30,
        )
    )
