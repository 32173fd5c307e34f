"""Reads about webinars, with the visibility rules applied (can't see → 404)."""

from datetime import datetime, timedelta

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from forum.models import Community, User
from forum.permissions import check_view_community
from forum.selectors import in_visible_community, visible_communities_q
from rooms.models import Room

from . import frames
from .models import (
    MAX_DURATION,
    CalendarToken,
    Hand,
    Poll,
    PollOption,
    PollVote,
    Question,
    QuestionVote,
    Registration,
    Series,
    Session,
)
from .permissions import check_view_session


def _sessions() -> QuerySet[Session]:
    return Session.objects.select_related("community", "room", "series")


def access_session(user: User | None, pk: int) -> Session:
    session = _sessions().filter(pk=pk).first()
    if session is None:
        raise Http404
    check_view_session(user, session)
    return session


def access_series(user: User | None, pk: int) -> Series:
    series = (
        Series.objects.select_related("community").prefetch_related("regions").filter(pk=pk)
    ).first()
    if series is None:
        raise Http404
    check_view_community(user, series.community)
    return series


def list_sessions(
    user: User | None,
    *,
    community: Community | None = None,
    upcoming: bool | None = None,
    now: datetime | None = None,
) -> QuerySet[Session]:
    """Sessions of the CoPs ``user`` may see; ``upcoming``: not yet ended (True) or ended."""
    if community is not None:
        sessions = _sessions().filter(visible_communities_q(user, "community__"))
        sessions = sessions.filter(community=community)
    else:
        # A correlated EXISTS, not a condition on the joined CoP: the list of every CoP
        # then walks the session_starts index in order and stops at the page's end,
        # where SQLite started from the CoPs and sorted all their sessions.
        sessions = _sessions().filter(in_visible_community(user))
    now = now or timezone.now()
    if upcoming is True:
        # Not ended means started less than MAX_DURATION ago, or not started: the
        # bound lets the list walk its starts_at index up from there and stop at the
        # page's end, instead of reading every past session first.
        recent = now - timedelta(minutes=MAX_DURATION)
        sessions = sessions.filter(ends_at__gt=now, starts_at__gt=recent)
        sessions = sessions.order_by("starts_at", "pk")
    elif upcoming is False:
        # Ended means started (session_ends_after_start): the bound on starts_at lets
        # the list walk its (community, starts_at) index down from now.
        sessions = sessions.filter(ends_at__lte=now, starts_at__lt=now)
        sessions = sessions.order_by("-starts_at", "-pk")
    return sessions


def list_series_sessions(series: Series) -> QuerySet[Session]:
    return _sessions().filter(series=series).order_by("starts_at", "pk")


def registration_of(user: User | None, session: Session) -> Registration | None:
    if user is None or not user.is_authenticated:
        return None
    return Registration.objects.filter(session=session, user=user).first()


def seats(session: Session) -> dict:
    counts = {"confirmed": 0, "waitlisted": 0}
    for status in Registration.objects.filter(
        session=session, status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
    ).values_list("status", flat=True):
        counts[status] += 1
    free = None if session.capacity is None else max(0, session.capacity - counts["confirmed"])
    return {**counts, "capacity": session.capacity, "free": free}


def list_registrations(session: Session) -> QuerySet[Registration]:
    """Active registrations (confirmed, then waiting list), by region then name."""
    return (
        Registration.objects.filter(session=session)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("user", "region", "organisation")
        .order_by("status", "region__name", "user__display_name", "pk")
    )


# The live room --------------------------------------------------------------------------
# Loaders for rooms.kinds: the objects of a room's changes, in bulk.


def load_questions(room: Room, ids: list[int]) -> dict[int, Question]:
    return (
        Question.objects.filter(session__room=room).select_related("author", "voice").in_bulk(ids)
    )


def load_vote_counts(room: Room, ids: list[int]) -> dict[int, Question]:
    """Questions with their count only (the live ``votes`` frame)."""
    return Question.objects.filter(session__room=room).only("id", "votes").in_bulk(ids)


def _polls() -> QuerySet[Poll]:
    return Poll.objects.prefetch_related(
        Prefetch("options", queryset=PollOption.objects.order_by("position"))
    )


def load_polls(room: Room, ids: list[int]) -> dict[int, Poll]:
    return _polls().filter(session__room=room).in_bulk(ids)


def load_hands(room: Room, ids: list[int]) -> dict[int, Hand]:
    return Hand.objects.filter(session__room=room).select_related("user").in_bulk(ids)


def list_questions(session: Session, *, hidden: bool = False) -> list[Question]:
    """Questions by votes (most first), then by age; hidden ones only if asked for."""
    questions = Question.objects.filter(session=session).select_related("author", "voice")
    if not hidden:
        questions = questions.filter(hidden_at__isnull=True)
    return list(questions.order_by("-votes", "pk"))


def list_polls(session: Session) -> list[Poll]:
    return list(_polls().filter(session=session).order_by("pk"))


def list_raised_hands(session: Session) -> list[Hand]:
    """The queue: hands up (and the one who has the floor), in the order they were raised."""
    return list(
        Hand.objects.filter(session=session, lowered_at__isnull=True)
        .select_related("user")
        .order_by("raised_at", "pk")
    )


def participant_state(user: User | None, session: Session) -> dict:
    """What this person did in the room: their upvotes, their poll votes, their hand."""
    if user is None or not user.is_authenticated:
        return {"upvoted": [], "votes": {}, "hand": None}
    upvoted = QuestionVote.objects.filter(question__session=session, user=user).values_list(
        "question_id", flat=True
    )
    votes = PollVote.objects.filter(poll__session=session, user=user).values_list(
        "poll_id", "option_id"
    )
    hand = (
        Hand.objects.filter(session=session, user=user, lowered_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "upvoted": sorted(upvoted),
        "votes": {str(poll): option for poll, option in votes},
        "hand": hand,
    }


def access_question(session: Session, pk: int) -> Question:
    question = Question.objects.filter(session=session, pk=pk).select_related("session").first()
    if question is None:
        raise Http404
    return question


def access_poll(session: Session, pk: int) -> Poll:
    poll = Poll.objects.filter(session=session, pk=pk).select_related("session").first()
    if poll is None:
        raise Http404
    return poll


def access_hand(session: Session, pk: int) -> Hand:
    hand = Hand.objects.filter(session=session, pk=pk).select_related("session").first()
    if hand is None:
        raise Http404
    return hand


def load_sessions_of_rooms(rooms: list[Room]) -> None:
    """Set each webinar room's ``session`` (its pk, what the room's page link needs), one query."""
    by_room: dict[int, list[Room]] = {}
    for room in rooms:
        by_room.setdefault(room.pk, []).append(room)
    for session in Session.objects.filter(room_id__in=by_room).only("pk", "room_id"):
        for room in by_room[session.room_id]:
            room.session = session


def session_of_room(room: Room) -> Session:
    """The session whose live room is ``room`` (the subject of its actions)."""
    session = Session.objects.select_related("community").get(room=room)
    session.room = room
    return session


def snapshot(room: Room, session: Session, cursor: int) -> list[dict]:
    """Every question (hidden ones without text), poll and hand up, for a newcomer."""
    drawn = [frames.question_frame(cursor, q) for q in list_questions(session, hidden=True)]
    drawn += [frames.poll_frame(cursor, p) for p in list_polls(session)]
    drawn += [frames.hand_frame(cursor, h) for h in list_raised_hands(session)]
    return drawn


def calendar_token_of(user: User) -> CalendarToken | None:
    """The member's calendar token, if they made one (a visit never makes it)."""
    if user is None or not user.is_authenticated:
        return None
    return CalendarToken.objects.filter(user=user).first()


def next_registered_session(user: User) -> Session | None:
    """The next session ``user`` holds a seat (or a place on the waiting list) for.

    Not ended, not cancelled, in a CoP she may see now; ``my_status`` says
    which. One query.
    """
    mine = Registration.objects.filter(
        user=user,
        session=OuterRef("pk"),
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
    )
    return (
        list_sessions(user, upcoming=True)
        .filter(cancelled_at__isnull=True)
        .annotate(my_status=Subquery(mine.values("status")[:1]))
        .filter(my_status__isnull=False)
        .first()
    )
