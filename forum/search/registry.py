"""
The registry of searchable kinds (``Source``), one per kind of item.

The forum registers threads, replies and organisations (``forum.search.sources``);
webinars registers its minutes and decisions from ``WebinarsConfig.ready()``,
so the forum never imports webinars. Indexing and the final per-hit check
read this registry only.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from forum.models import User


@dataclass(frozen=True)
class Document:
    """What the index holds of one item (plain text, already stripped of markup)."""

    kind: str
    object_id: int
    title: str
    body: str
    url: str
    created_at: datetime
    community_id: int | None = None
    thread_id: int | None = None
    author_id: int | None = None
    tag_ids: tuple[int, ...] = ()
    region_ids: tuple[int, ...] = ()
    # A reply shows its thread's title but is found by its own words only.
    title_is_searched: bool = True


@dataclass(frozen=True)
class Source:
    kind: str
    label: Callable[[], str]  # "Discussion", "Message"… in the reader's language
    # The documents of these ids that may be found at all (published, not hidden,
    # not deleted); ``None``: every one, for a rebuild. Missing ids leave the index.
    documents: Callable[[Iterable[int] | None], Iterable[Document]]
    # The ids among these that ``viewer`` may open now (the final per-hit check).
    visible: Callable[[User | None, list[int]], set[int]]
    order: int = field(default=100)


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    _sources[source.kind] = source


def get(kind: str) -> Source | None:
    return _sources.get(kind)


def sources() -> list[Source]:
    return sorted(_sources.values(), key=lambda s: s.order)
