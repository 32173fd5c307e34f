"""
What can be reported, registered by kind.

A report names an item by ``(kind, object_id)``. Each kind says how to find
the item for a reader (``Http404`` when she may not see it, exactly as the
item's own page answers), which CoP it belongs to, who wrote it, a short
plain-text excerpt, where moderators see it, and how to hide it (by a
moderator, or automatically when enough members reported it). The forum
registers posts and threads from ``ForumConfig.ready()``; rooms registers its
chat messages from ``RoomsConfig.ready()``, so the forum never imports the
apps above it.

A kind may also say how to find many items at once (``find_many``), with the
same answer for each as ``find``: the review queue reads its cases with one
bulk lookup per kind, whatever their number.
"""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from .models import Community, User

EXCERPT_LENGTH = 280


@dataclass(frozen=True, slots=True)
class ReportTarget:
    kind: str
    # A short name for pages and notifications ("message", "discussion"…), translatable.
    label: Any
    # (reader, pk) -> the item; Http404 when it does not exist or she may not see it.
    find: Callable[[User | None, int], Any]
    community: Callable[[Any], Community]
    author: Callable[[Any], User | None]
    # (item) -> plain text (escaped where shown), at most EXCERPT_LENGTH characters.
    excerpt: Callable[[Any], str]
    # (item) -> the path of the page that shows it.
    url: Callable[[Any], str]
    is_hidden: Callable[[Any], bool]
    # (moderator, item, note) -> None: hide it with the kind's own moderation service.
    hide: Callable[[User, Any, str], None]
    # (item) -> None: hide it pending review, by nobody (the CoP's threshold);
    # None when hiding cannot be undone (a room message is erased), so it is
    # never done automatically.
    auto_hide: Callable[[Any], None] | None = None
    # (moderator, item) -> None: undo an automatic hide when the case is dismissed.
    restore: Callable[[User, Any], None] | None = None
    # (item) -> the path of the page where a moderator edits it, or "".
    edit_url: Callable[[Any], str] | None = None
    # (reader, pks) -> {pk: item} for those of ``pks`` that ``find`` would
    # answer, in as many queries whatever their number, with what ``url``,
    # ``edit_url`` and ``is_hidden`` read already loaded; None: one ``find`` each.
    find_many: Callable[[User | None, list[int]], dict[int, Any]] | None = None


_targets: dict[str, ReportTarget] = {}


def register(target: ReportTarget) -> None:
    if target.kind in _targets and _targets[target.kind] != target:
        raise ValueError(f"report target {target.kind!r} registered twice")
    _targets[target.kind] = target


def target(kind: Any) -> ReportTarget:
    """The registered kind ``kind``; an unknown kind is a 404, like an unknown item."""
    found = _targets.get(kind) if isinstance(kind, str) else None
    if found is None:
        raise Http404
    return found


def find_many(kind: str, reader: User | None, pks: list[int]) -> dict[int, Any]:
    """The items ``pks`` of ``kind`` that ``reader`` may see, by pk (the others left out)."""
    found = target(kind)
    if found.find_many is not None:
        return found.find_many(reader, list(pks))
    items = {}
    for pk in pks:
        with suppress(Http404):
            items[pk] = found.find(reader, pk)
    return items


def kinds() -> list[str]:
    return list(_targets)


def clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"
