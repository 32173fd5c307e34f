from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum
from django.utils import timezone

from forum.models import User
from rooms.models import Message, Room, RoomConnection, RoomEvent
from webinars.models import (
    Decision,
    Hand,
    Poll,
    PollVote,
    Question,
    QuestionVote,
    Registration,
    Series,
    Session,
)

SERIES_TITLE = "Webinaire inter-régions Ségou–Kayes"


def seed_webinars() -> str:
    out = StringIO()
    call_command("seed_demo_webinars", allow_production=True, stdout=out)
    return out.getvalue()


def seed() -> str:
    call_command("seed_demo", allow_production=True, stdout=StringIO())
    return seed_webinars()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def past_session() -> Session:
    return Session.objects.get(series__title=SERIES_TITLE, ends_at__lte=timezone.now())


def assert_next_sessions_are_open_for_registration() -> None:
    now = timezone.now()
    session = (
        Session.objects.filter(series__title=SERIES_TITLE, starts_at__gt=now)
        .order_by("starts_at")
        .first()
    )

    assert now + timedelta(days=30) < session.starts_at < now + timedelta(days=90)
    assert session.theme and session.agenda_html and session.speaker_list
    assert session.capacity == 40
    assert session.video_url.startswith("https://visio.jekafo.invalid/")
    confirmed = session.registrations.filter(status=Registration.Status.CONFIRMED)
    assert confirmed.count() >= 6
    assert all(r.registered_at < now for r in confirmed)
    assert not Message.objects.filter(room=session.room).exists()

    one_off = Session.objects.get(series__isnull=True, community__slug="loi-052")
    assert now + timedelta(days=14) < one_off.starts_at < now + timedelta(days=30)
    assert one_off.registrations.exists()


def assert_counters_match_the_votes_behind_them(session: Session) -> None:
    for question in Question.objects.filter(session=session):
        assert question.votes == question.upvotes.count()
        assert not question.upvotes.filter(user=question.author).exists()
    for poll in Poll.objects.filter(session=session):
        total = poll.options.aggregate(total=Sum("votes"))["total"]
        assert total == poll.ballots.count()
        for option in poll.options.all():
            assert option.votes == option.ballots.count()


def assert_people_act_only_while_registered_and_connected(session: Session) -> None:
    topic = f"room.{session.room_id}"
    registered = set(
        session.registrations.filter(status=Registration.Status.CONFIRMED).values_list(
            "user_id", flat=True
        )
    )
    acts = [
        *Message.objects.filter(room=session.room).values_list("author_id", "created_at"),
        *Question.objects.filter(session=session).values_list("author_id", "created_at"),
        *QuestionVote.objects.filter(question__session=session).values_list(
            "user_id", "created_at"
        ),
        *PollVote.objects.filter(poll__session=session).values_list("user_id", "created_at"),
        *Hand.objects.filter(session=session).values_list("user_id", "raised_at"),
    ]

    assert acts
    for user_id, moment in acts:
        assert user_id in registered
        assert session.opens_at <= moment <= session.ends_at
        assert RoomConnection.objects.filter(
            topic=topic, user_id=user_id, connected_at__lte=moment, left_at__gte=moment
        ).exists(), (User.objects.get(pk=user_id).username, moment)


@pytest.mark.django_db
def test_seed_demo_webinars_writes_a_semesterly_series_and_a_second_run_changes_nothing():
    first_output = seed()
    counts = row_counts()
    now = timezone.now()

    series = Series.objects.get(title=SERIES_TITLE)
    assert series.community.slug == "mariage-d-enfants"
    assert series.rrule == "FREQ=MONTHLY;INTERVAL=6"
    assert set(series.regions.values_list("slug", flat=True)) == {"segou", "kayes"}
    past = series.sessions.filter(ends_at__lte=now)
    assert past.count() == 1
    upcoming = series.sessions.filter(starts_at__gt=now).order_by("starts_at")
    assert upcoming.exists()
    assert f"/webinaires/{past.get().pk}/bilan/" in first_output
    assert_next_sessions_are_open_for_registration()

    second_output = seed_webinars()

    assert row_counts() == counts
    assert "déjà présente" in second_output


@pytest.mark.django_db
def test_past_session_has_its_room_its_attendance_and_its_report():
    seed()
    session = past_session()
    now = timezone.now()

    assert now - timedelta(days=160) < session.starts_at < now - timedelta(days=60)
    assert session.theme and session.agenda_html and len(session.speaker_list) >= 3
    assert session.recording_url.startswith("https://enregistrements.jekafo.invalid/")
    assert "<h3>" in session.minutes_html
    registrations = session.registrations.exclude(status=Registration.Status.CANCELLED)
    assert registrations.count() >= 15
    assert {"segou", "kayes"} <= set(registrations.values_list("region__slug", flat=True))
    assert registrations.filter(organisation__isnull=False).count() >= 12

    assert Message.objects.filter(room=session.room).count() >= 12
    questions = Question.objects.filter(session=session)
    assert questions.count() >= 5
    assert questions.filter(answered_at__isnull=False, answered_by__isnull=False).count() >= 3
    assert questions.filter(hidden_at__isnull=False).count() == 1
    assert QuestionVote.objects.filter(question__session=session).count() >= 15

    polls = Poll.objects.filter(session=session)
    assert polls.exists()
    for poll in polls:
        assert poll.closed_at is not None and poll.closed_at < session.ends_at
        assert poll.ballots.count() >= 5
    assert Hand.objects.filter(session=session, called_at__isnull=False).exists()
    assert not Hand.objects.filter(session=session, lowered_at__isnull=True).exists()

    connections = RoomConnection.objects.filter(topic=f"room.{session.room_id}")
    assert connections.values("user").distinct().count() >= 12
    assert connections.filter(left_at__isnull=True).count() == 0
    reconnected = connections.values("user").annotate(n=Count("pk")).filter(n__gte=2)
    assert reconnected.count() >= 2

    decisions = Decision.objects.filter(session=session)
    assert 2 <= decisions.count() <= 3
    followed = decisions.get(thread__isnull=False)
    assert followed.thread.community_id == session.community_id
    opening = followed.thread.posts.get(parent__isnull=True)
    assert f'href="/webinaires/{session.pk}/bilan/"' in opening.body_html
    assert followed.thread.created_at > session.ends_at
    assert followed.thread.last_activity_at < now
    assert_counters_match_the_votes_behind_them(session)
    assert_people_act_only_while_registered_and_connected(session)


@pytest.mark.django_db
def test_demo_rooms_count_from_one_without_holes_and_no_html_holds_a_script():
    seed()

    for room in Room.objects.all():
        seqs = list(room.events.order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, room.last_seq + 1)), room
        for message in Message.objects.filter(room=room):
            # A message's seq is the one its sending took.
            sent = room.events.filter(seq=message.seq, kind=RoomEvent.Kind.MESSAGE)
            assert sent.filter(object_id=message.pk).exists(), message
    past_room = past_session().room
    times = list(past_room.events.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times)

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "concrete", False) and field.name.endswith("_html"):
                lookup = {f"{field.name}__icontains": "<script"}
                assert not model.objects.filter(**lookup).exists(), (model, field.name)


@pytest.mark.django_db
def test_seed_demo_webinars_needs_the_forum_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        seed_webinars()
    assert not Series.objects.exists()


@pytest.mark.django_db
def test_seed_demo_webinars_refuses_to_run_without_debug_unless_told(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="allow-production"):
        call_command("seed_demo_webinars", stdout=StringIO())
