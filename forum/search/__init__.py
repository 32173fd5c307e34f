"""
Search across threads, replies, organisations and webinar minutes and decisions.

One interface (``search``, ``rebuild_index``) over two engines, chosen by
``connection.vendor``: SQLite FTS5 and PostgreSQL full-text search. See the
"Search" section of docs/architecture.md.
"""

from .indexing import rebuild_index
from .service import Hit, SearchFilters, SearchResults, author_filter_accepts, search

__all__ = [
    "Hit",
    "SearchFilters",
    "SearchResults",
    "author_filter_accepts",
    "rebuild_index",
    "search",
]
