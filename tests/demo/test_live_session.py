"""The demo's session that is live whenever the seed commands have just run."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from demo import webinars as content
from forum.models import Membership, User
from rooms.models import Message, RoomConnection, RoomEvent
from rooms.permissions import room_window
from webinars.models import Hand, Poll, PollVote, Question, QuestionVote, Registration, Session

SERIES_TITLE = "Webinaire inter-régions Ségou–Kayes"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", allow_production=True, stdout=out)
    call_command("seed_demo_webinars", allow_production=True, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def live_sessions() -> list[Session]:
    return [s for s in Session.objects.all() if s.status == Session.Status.LIVE]


def the_live_session() -> Session:
    live = live_sessions()
    assert len(live) == 1, live
    return live[0]


@pytest.fixture
def later(monkeypatch):
    """``later(hours)``: from now on, timezone.now() is that many hours ahead."""

    def move(hours: float) -> None:
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(hours=hours))

    return move


def assert_the_room_is_in_use(session: Session) -> None:
    now = timezone.now()
    room = session.room
    assert now - timedelta(minutes=15) < session.starts_at < now - timedelta(minutes=3)
    assert now + timedelta(minutes=80) < session.ends_at < now + timedelta(minutes=100)
    assert room_window(room) == "open" and session.cancelled_at is None

    messages = Message.objects.filter(room=room)
    assert messages.count() >= 8
    assert messages.values("author").distinct().count() >= 5
    questions = Question.objects.filter(session=session)
    assert 3 <= questions.count() <= 4
    assert questions.filter(answered_at__isnull=False).count() == 1
    assert not questions.filter(hidden_at__isnull=False).exists()
    assert all(q.votes >= 1 for q in questions)
    poll = Poll.objects.get(session=session)
    assert poll.closed_at is None
    assert poll.ballots.count() >= 5
    assert Hand.objects.filter(session=session, lowered_at__isnull=True).count() == 1
    assert session.documents.exists()

    # Counters agree with the votes behind them.
    for question in questions:
        assert question.votes == question.upvotes.count()
        assert not question.upvotes.filter(user=question.author).exists()
    assert poll.options.aggregate(total=Sum("votes"))["total"] == poll.ballots.count()

    # Everything happened in the room's open hours, by members, before now.
    moments = [
        *messages.values_list("author_id", "created_at"),
        *questions.values_list("author_id", "created_at"),
        *QuestionVote.objects.filter(question__session=session).values_list(
            "user_id", "created_at"
        ),
        *PollVote.objects.filter(poll=poll).values_list("user_id", "created_at"),
        *Hand.objects.filter(session=session).values_list("user_id", "raised_at"),
    ]
    members = set(
        Membership.objects.filter(community=session.community).values_list("user_id", flat=True)
    )
    for user_id, moment in moments:
        assert user_id in members
        assert room.opens_at <= moment < now
    registered = set(
        session.registrations.filter(status=Registration.Status.CONFIRMED).values_list(
            "user_id", flat=True
        )
    )
    assert {user_id for user_id, _moment in moments} <= registered

    # The room's log counts from one, in time order, each message on its own event.
    events = list(room.events.order_by("seq").values_list("seq", "created_at"))
    assert [seq for seq, _at in events] == list(range(1, room.last_seq + 1))
    times = [at for _seq, at in events]
    assert times == sorted(times) and times[-1] < now
    for message in messages:
        assert room.events.filter(
            seq=message.seq, kind=RoomEvent.Kind.MESSAGE, object_id=message.pk
        ).exists()

    # Nobody is really connected: the room shows no one present.
    connections = RoomConnection.objects.filter(topic=f"room.{room.pk}")
    assert connections.count() >= 5
    assert not connections.filter(left_at__isnull=True).exists()


@pytest.mark.django_db
def test_one_session_is_live_after_seeding_with_chat_questions_a_poll_and_a_hand():
    seed()

    session = the_live_session()

    assert session.series is None
    assert session.community.slug == content.LIVE_SESSION["community"]
    assert session.title == content.LIVE_SESSION["title"]
    assert_the_room_is_in_use(session)


@pytest.mark.django_db
def test_a_second_run_while_the_session_goes_on_keeps_it_as_it_is():
    seed()
    session = the_live_session()
    counts = row_counts()

    output = seed()

    assert the_live_session().pk == session.pk
    assert row_counts() == counts
    assert "déjà en cours" in output


@pytest.mark.django_db
@pytest.mark.parametrize("hours", [1, 26, 24 * 40])
def test_a_later_run_makes_a_session_live_again_without_duplicating_anything(later, hours):
    seed()
    first = the_live_session()
    counts = row_counts()
    past = Session.objects.get(series__title=SERIES_TITLE, ends_at__lte=timezone.now())
    past_messages = Message.objects.filter(room=past.room).count()
    others = dict(Session.objects.exclude(pk=first.pk).values_list("pk", "starts_at"))

    later(hours)
    seed()

    session = the_live_session()
    assert session.pk != first.pk
    assert not Session.objects.filter(pk=first.pk).exists()
    assert not RoomConnection.objects.filter(topic=f"room.{first.room_id}").exists()
    assert row_counts() == counts
    assert_the_room_is_in_use(session)
    # The other demo sessions stay where they were.
    past.refresh_from_db()
    assert past.status == Session.Status.ENDED
    assert Message.objects.filter(room=past.room).count() == past_messages
    assert dict(Session.objects.exclude(pk=session.pk).values_list("pk", "starts_at")) == others


@pytest.mark.django_db
def test_printed_links_use_the_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8103"

    output = seed()

    session = the_live_session()
    links = re.findall(r"https?://\S+", output)
    assert len(links) >= 8
    assert all(link.startswith("http://127.0.0.1:8103/") for link in links), links
    assert ":8000" not in output
    assert f"http://127.0.0.1:8103/webinaires/{session.pk}/salle/" in links
    assert "http://127.0.0.1:8103/webinaires/" in links


@pytest.mark.django_db
def test_the_live_room_is_reached_from_the_webinars_list(client):
    seed()
    session = the_live_session()
    room_url = reverse("webinar_room", args=[session.pk])

    listing = client.get(reverse("webinars")).content.decode()
    detail = client.get(session.get_absolute_url()).content.decode()
    client.force_login(User.objects.get(username="fatoumata"))
    room = client.get(room_url).content.decode()

    assert session.get_absolute_url() in listing
    assert room_url in detail
    question = Question.objects.filter(session=session).first()
    assert question.body_html in room
    assert escape(Poll.objects.get(session=session).question) in room
