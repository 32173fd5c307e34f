"""``search()``: one call over both engines, with visibility in the query and on each hit."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from forum.models import Community, Membership, Organisation, Region, SearchEntry, Tag, User
from forum.permissions import is_staff
from forum.selectors import visible_communities_q

from . import registry
from .engine import Scope, candidates
from .text import Query, highlight, parse_query, score, snippet

# The newest matches ranked per search: a word found in thousands of posts
# costs no more than one found in 200 (the rest is reached by adding words or filters).
CANDIDATES = 200
MAX_PER_PAGE = 50


@dataclass(frozen=True)
class SearchFilters:
    community: Community | None = None
    tag: Tag | None = None
    region: Region | None = None
    organisation: Organisation | None = None
    author: User | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def any(self) -> bool:
        """Whether some filter is set (filters alone, without words, list the newest items)."""
        return any(getattr(self, name) is not None for name in self.__dataclass_fields__)


@dataclass
class Hit:
    kind: str
    kind_label: str
    title: str
    title_segments: list[tuple[str, bool]]
    url: str
    snippet: list[tuple[str, bool]]
    community: Community | None
    created_at: datetime


@dataclass
class SearchResults:
    query: Query | None
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    has_next: bool = False
    count: int = 0  # matches ranked (at most CANDIDATES)
    capped: bool = False  # more matched than were ranked
    filters_only: bool = False  # no word: the newest items matching the filters

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def visible_community_ids(viewer: User | None) -> list[int]:
    """CoPs ``viewer`` may see now, and 0 for items outside any CoP (organisations)."""
    ids = Community.objects.filter(visible_communities_q(viewer)).values_list("pk", flat=True)
    return [0, *sorted(ids)]


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _scope(viewer: User | None, filters: SearchFilters) -> Scope | None:
    visible = visible_community_ids(viewer)
    scope = Scope(community_ids=visible)
    if filters.community is not None:
        if filters.community.pk not in visible:
            return None
        scope.community_ids = [filters.community.pk]
    if filters.tag is not None:
        scope.required.append(f"t{filters.tag.pk}")
    if filters.region is not None:
        scope.required.append(f"r{filters.region.pk}")
    if filters.date_from is not None:
        scope.since = _aware(filters.date_from)
    if filters.date_to is not None and filters.date_to < date.max:
        scope.before = _aware(filters.date_to + timedelta(days=1))

    def member_of() -> list[int]:
        if viewer is None or not viewer.is_authenticated:
            return []
        return list(Membership.objects.filter(user=viewer).values_list("community_id", flat=True))

    if filters.author is not None:
        author = filters.author
        scope.author_id = author.pk
        sees_all = viewer is not None and (viewer.pk == author.pk or is_staff(viewer))
        if not sees_all:
            # The member's own choice of who may list her posts (as on her profile).
            if author.show_activity == User.ActivityShown.NOBODY:
                return None
            if author.show_activity == User.ActivityShown.SHARED:
                theirs = set(
                    Membership.objects.filter(user=author).values_list("community_id", flat=True)
                )
                shared = theirs & set(member_of())
                scope.community_ids = [c for c in scope.community_ids if c in shared]
    if filters.organisation is not None:
        shared_cops = [c for c in member_of() if c in scope.community_ids]
        if is_staff(viewer):
            shared_cops = [c for c in scope.community_ids if c]
        scope.organisation = (filters.organisation.pk, shared_cops)
    if not scope.community_ids:
        return None
    return scope


def author_filter_accepts(viewer: User | None, author: User) -> bool:
    """Whether the author filter would list anything of ``author``'s for ``viewer`` at all.

    The filter's own scope, so that a link into it (the profile's « Ses
    messages ») is shown exactly when the filter would not refuse it: her
    ``show_activity`` choice, and the CoPs they share when she chose so.
    """
    return _scope(viewer, SearchFilters(author=author)) is not None


def search(
    viewer: User | None,
    text: str,
    filters: SearchFilters | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """
    The page ``page`` of what ``viewer`` may see that matches ``text``, best first.

    Raises ``forum.inputs.BadInput`` for a query over the declared bounds. A
    query without a word lists the newest items that match the filters (the
    same scope, the same checks on each hit), or nothing without filters.
    """
    query = parse_query(text)
    filters = filters or SearchFilters()
    results = SearchResults(query=query, page=max(1, page))
    if query is None and not filters.any:
        return results
    results.filters_only = query is None
    scope = _scope(viewer, filters)
    if scope is None:
        return results
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    found = candidates(query, scope, limit=CANDIDATES)
    if query is None:
        ranked = found  # newest first, as the engine gives them
    else:
        ranked = sorted(found, key=lambda row: (-score(query, row[1], row[2]), -row[0]))
    results.count = len(ranked)
    results.capped = len(found) >= CANDIDATES
    start = (results.page - 1) * per_page
    page_ids = [row[0] for row in ranked[start : start + per_page]]
    results.has_next = len(ranked) > start + per_page
    results.hits = _hits(viewer, query, page_ids)
    return results


def _hits(viewer: User | None, query: Query | None, ids: list[int]) -> list[Hit]:
    if not ids:
        return []
    entries = {e.pk: e for e in SearchEntry.objects.select_related("community").filter(pk__in=ids)}
    allowed: dict[str, set[int]] = {}
    by_kind: dict[str, list[int]] = {}
    for entry in entries.values():
        by_kind.setdefault(entry.kind, []).append(entry.object_id)
    for kind, object_ids in by_kind.items():
        source = registry.get(kind)
        # Defence in depth: the real permission functions, on this page's hits only.
        allowed[kind] = source.visible(viewer, object_ids) if source else set()
    hits = []
    for pk in ids:
        entry = entries.get(pk)
        if entry is None or entry.object_id not in allowed.get(entry.kind, ()):
            continue
        source = registry.get(entry.kind)
        hits.append(
            Hit(
                kind=entry.kind,
                kind_label=source.label(),
                title=entry.title,
                title_segments=highlight(query, entry.title),
                url=entry.url,
                snippet=snippet(query, entry.body, entry.body_terms),
                community=entry.community,
                created_at=entry.created_at,
            )
        )
    return hits
