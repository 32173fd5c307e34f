"""
The two engines behind one call: SQLite FTS5 and PostgreSQL full-text search.

Both receive only terms made by ``forum.search.text`` (letters and digits),
each quoted, never the reader's text. Both answer the same bounded set: the
newest ``limit`` entries (by entry id) that hold every term (none: filters
alone list the newest by date) and lie in the scope: CoPs the reader may see
now (an SQL condition on ``community_id``, in the same query), the tag and
region (scope terms), author, dates. Ranking happens afterwards, in Python,
the same for both.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from .text import Query


@dataclass
class Scope:
    """What limits the candidates, besides the words."""

    community_ids: list[int]  # CoPs the reader sees now (0: items outside any CoP)
    required: list[str] = field(default_factory=list)  # scope terms each entry must hold
    author_id: int | None = None
    since: datetime | None = None
    before: datetime | None = None
    # (organisation id, CoPs the reader belongs to among those above)
    organisation: tuple[int, list[int]] | None = None


def _fts5_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts5_match(query: Query, scope: Scope) -> str:
    words = [_fts5_string(w) for w in query.words]
    last = []
    if query.prefix:
        last.append(_fts5_string(query.prefix) + " *")
    if query.last_exact:
        last.append(_fts5_string(query.last))
    words.append("(" + " OR ".join(last) + ")")
    parts = ["{title_terms body_terms} : (" + " AND ".join(words) + ")"]
    parts += [f"scope : {_fts5_string(t)}" for t in scope.required]
    return " AND ".join(parts)


def _ts_lexeme(term: str, suffix: str) -> str:
    return "'" + term.replace("'", "''").replace("\\", "") + "'" + suffix


def tsquery(query: Query, scope: Scope) -> str:
    weights = "AB"  # title and body; D is the scope
    words = [_ts_lexeme(w, ":" + weights) for w in query.words]
    last = []
    if query.prefix:
        last.append(_ts_lexeme(query.prefix, ":*" + weights))
    if query.last_exact:
        last.append(_ts_lexeme(query.last, ":" + weights))
    words.append("(" + " | ".join(last) + ")")
    parts = words + [_ts_lexeme(t, ":D") for t in scope.required]
    return " & ".join(parts)


def _filters(scope: Scope, alias: str) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    real = [c for c in scope.community_ids if c]
    visible = [f"{alias}.community_id IS NULL"] if 0 in scope.community_ids else []
    if real:
        visible.append(f"{alias}.community_id IN ({', '.join(['%s'] * len(real))})")
        params += real
    where.append("(" + " OR ".join(visible) + ")")
    if scope.author_id is not None:
        where.append(f"{alias}.author_id = %s")
        params.append(scope.author_id)
    if scope.since is not None:
        where.append(f"{alias}.created_at >= %s")
        params.append(scope.since)
    if scope.before is not None:
        where.append(f"{alias}.created_at < %s")
        params.append(scope.before)
    if scope.organisation is not None:
        from forum.models import User

        organisation_id, shared = scope.organisation
        users = User._meta.db_table
        clause = f"({alias}.kind = 'organisation' AND {alias}.object_id = %s)"
        params.append(organisation_id)
        if shared:
            # Members show their organisation in the CoPs they share with the reader only.
            clause += (  # Placeholders and fixed names only.
                f" OR ({alias}.author_id IN (SELECT id FROM {users} WHERE organisation_id = %s"  # noqa: S608
                f" AND show_organisation = 'shared') AND {alias}.community_id IN"
                f" ({', '.join(['%s'] * len(shared))}))"
            )
            params += [organisation_id, *shared]
        where.append(f"({clause})")
    return where, params


def fts5_scope_match(scope: Scope) -> str:
    """The scope terms alone (filters without words)."""
    return " AND ".join(f"scope : {_fts5_string(t)}" for t in scope.required)


def ts_scope_query(scope: Scope) -> str:
    """The scope terms alone (filters without words)."""
    return " & ".join(_ts_lexeme(t, ":D") for t in scope.required)


def candidates(query: Query | None, scope: Scope, *, limit: int) -> list[tuple[int, str, str]]:
    """(entry id, title terms, body terms) of the newest ``limit`` matches.

    Without a query (filters alone), the newest ``limit`` entries in the
    scope by their date (an entry's id changes when it is written again): the
    same conditions, the scope terms matched the same way, with no word to hold.
    """
    if not scope.community_ids:
        return []
    if query is None:
        return _newest_in_scope(scope, limit=limit)
    if connection.vendor == "postgresql":
        where, params = _filters(scope, "e")
        sql = (  # Placeholders and fixed names only; the terms are parameters.
            "SELECT e.id, e.title_terms, e.body_terms FROM forum_searchentry e"  # noqa: S608
            " WHERE e.document @@ to_tsquery('simple'::regconfig, %s) AND "
            + " AND ".join(where)
            + " ORDER BY e.id DESC LIMIT %s"
        )
        params = [tsquery(query, scope), *params, limit]
    else:
        where, params = _filters(scope, "e")
        sql = (  # Placeholders and fixed names only; the terms are parameters.
            "SELECT e.id, e.title_terms, e.body_terms FROM forum_searchentry_fts f"  # noqa: S608
            " JOIN forum_searchentry e ON e.id = f.rowid"
            " WHERE forum_searchentry_fts MATCH %s AND "
            + " AND ".join(where)
            + " ORDER BY f.rowid DESC LIMIT %s"
        )
        params = [fts5_match(query, scope), *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _newest_in_scope(scope: Scope, *, limit: int) -> list[tuple[int, str, str]]:
    where, params = _filters(scope, "e")
    if not scope.required:
        sql = (  # Placeholders and fixed names only.
            "SELECT e.id, e.title_terms, e.body_terms FROM forum_searchentry e WHERE "  # noqa: S608
            + " AND ".join(where)
            + " ORDER BY e.created_at DESC, e.id DESC LIMIT %s"
        )
        params = [*params, limit]
    elif connection.vendor == "postgresql":
        sql = (  # Placeholders and fixed names only; the terms are parameters.
            "SELECT e.id, e.title_terms, e.body_terms FROM forum_searchentry e"  # noqa: S608
            " WHERE e.document @@ to_tsquery('simple'::regconfig, %s) AND "
            + " AND ".join(where)
            + " ORDER BY e.created_at DESC, e.id DESC LIMIT %s"
        )
        params = [ts_scope_query(scope), *params, limit]
    else:
        sql = (  # Placeholders and fixed names only; the terms are parameters.
            "SELECT e.id, e.title_terms, e.body_terms FROM forum_searchentry_fts f"  # noqa: S608
            " JOIN forum_searchentry e ON e.id = f.rowid"
            " WHERE forum_searchentry_fts MATCH %s AND "
            + " AND ".join(where)
            + " ORDER BY e.created_at DESC, e.id DESC LIMIT %s"
        )
        params = [fts5_scope_match(scope), *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
