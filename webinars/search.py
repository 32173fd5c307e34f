"""Webinar minutes and decisions in the forum's search (registered from WebinarsConfig.ready())."""

from collections.abc import Iterable, Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from forum.models import User
from forum.search import indexing
from forum.search.registry import Document, Source, register
from forum.search.sources import community_regions, plain

from .models import Decision, Session
from .permissions import can_view_session

MINUTES = "minutes"
DECISION = "decision"


def _minutes(ids: Iterable[int] | None) -> Iterator[Document]:
    sessions = Session.objects.exclude(minutes="").order_by("pk")
    if ids is not None:
        sessions = sessions.filter(pk__in=list(ids))
    regions = community_regions()
    for session in sessions.iterator(chunk_size=500):
        yield Document(
            kind=MINUTES,
            object_id=session.pk,
            title=session.title,
            body=plain(session.minutes_html) or session.minutes,
            url=session.get_absolute_url(),
            created_at=session.minutes_updated_at or session.starts_at,
            community_id=session.community_id,
            region_ids=regions.of(session.community_id),
        )


def _decisions(ids: Iterable[int] | None) -> Iterator[Document]:
    decisions = Decision.objects.select_related("session").order_by("pk")
    if ids is not None:
        decisions = decisions.filter(pk__in=list(ids))
    regions = community_regions()
    for decision in decisions.iterator(chunk_size=500):
        session = decision.session
        yield Document(
            kind=DECISION,
            object_id=decision.pk,
            title=session.title,
            body=decision.text,
            url=reverse("webinar", args=[session.pk]),
            created_at=decision.created_at,
            community_id=session.community_id,
            region_ids=regions.of(session.community_id),
        )


def _visible_minutes(viewer: User | None, ids: list[int]) -> set[int]:
    sessions = Session.objects.select_related("community").filter(pk__in=ids).exclude(minutes="")
    return {s.pk for s in sessions if can_view_session(viewer, s)}


def _visible_decisions(viewer: User | None, ids: list[int]) -> set[int]:
    decisions = Decision.objects.select_related("session__community").filter(pk__in=ids)
    return {d.pk for d in decisions if can_view_session(viewer, d.session)}


def register_search() -> None:
    register(Source(MINUTES, lambda: _("Compte rendu"), _minutes, _visible_minutes, order=40))
    register(Source(DECISION, lambda: _("Décision"), _decisions, _visible_decisions, order=50))
    indexing.follow_model(Session, MINUTES)
    indexing.follow_model(Decision, DECISION)
