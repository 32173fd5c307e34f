"""
The demo's webinar session that is live when ``seed_demo_webinars`` runs.

``make run`` seeds before every start, so the session is written again
whenever fewer than ``LIVE_MARGIN`` are left of it: the old one (its room and
everything in it) is deleted and a new one starts ``minutes_ago`` minutes
before the run. Until then a run leaves it alone, with whatever was done in
its room meanwhile. Either way exactly one demo session is live after a run,
and the number of rows stays the same.

The room is written through the services, step by step; each step's rows and
the room events it numbered are then dated back to the step's minute. The
services stamp "now", and cannot write a history of the last few minutes.
"""

from datetime import datetime, timedelta

from forum.models import Community, User
from rooms import services as room_services
from rooms.models import Message, Room, RoomConnection, RoomEvent
from webinars import services
from webinars.models import (
    Hand,
    Poll,
    PollOption,
    PollVote,
    Question,
    QuestionVote,
    Registration,
    Session,
    SessionDocument,
)

from . import webinars as content

# A run keeps a live session that still has this long to go.
LIVE_MARGIN = timedelta(minutes=45)


def live_sessions(community: Community) -> list[Session]:
    return list(
        Session.objects.filter(
            community=community, series__isnull=True, title=content.LIVE_SESSION["title"]
        ).select_related("room")
    )


def keeps_going(session: Session, now: datetime) -> bool:
    """Whether ``session`` is live at ``now`` and will be for LIVE_MARGIN more."""
    return (
        session.cancelled_at is None
        and not session.room.is_closed
        and session.starts_at <= now
        and now + LIVE_MARGIN <= session.ends_at
    )


def remove(session: Session) -> None:
    """Delete ``session`` with its room and everything written in it."""
    room = session.room
    RoomConnection.objects.filter(topic=f"room.{room.pk}").delete()
    # The session holds its room (PROTECT): the session goes first.
    session.delete()
    room.delete()


def write(community: Community, users: dict[str, User], now: datetime) -> Session:
    """Write the live session, its registrations, documents and room up to ``now``."""
    spec = content.LIVE_SESSION
    author = users[spec["author"]]
    starts_at = now.replace(second=0, microsecond=0) - timedelta(minutes=spec["minutes_ago"])
    session = services.create_session(
        author=author,
        community=community,
        title=spec["title"],
        starts_at=starts_at,
        duration=spec["duration"],
        theme=spec["theme"],
        agenda=spec["agenda"],
        speakers=spec["speakers"],
        capacity=spec["capacity"],
        video_url=spec["video_url"],
    )
    announced = now - timedelta(days=10)
    Session.objects.filter(pk=session.pk).update(created_at=announced, updated_at=announced)
    Room.objects.filter(pk=session.room_id).update(created_at=announced)
    for title, url in spec["documents"]:
        document = services.add_document(author=author, session=session, title=title, url=url)
        SessionDocument.objects.filter(pk=document.pk).update(
            added_at=starts_at - timedelta(days=1)
        )
    for username, days_ago in spec["registrations"]:
        registration = services.register(user=users[username], session=session)
        Registration.objects.filter(pk=registration.pk).update(
            registered_at=now - timedelta(days=days_ago)
        )
    LiveRoom(session, users).play(content.LIVE_SCRIPT, now)
    return session


class LiveRoom:
    """Play a script in a session's room through the services, dating each step back."""

    def __init__(self, session: Session, users: dict[str, User]) -> None:
        self.session = session
        self.users = users
        self.questions: dict[str, Question] = {}
        self.poll_options: dict[str, list[PollOption]] = {}
        self.hands: dict[str, Hand] = {}

    def play(self, script: list[tuple], now: datetime) -> None:
        room = self.session.room
        first_seen: dict[str, datetime] = {}
        # sorted() is stable: steps at the same minute keep the script's order.
        for minutes, action, *arguments in sorted(script, key=lambda step: step[0]):
            moment = self.session.starts_at + timedelta(minutes=minutes)
            numbered = Room.objects.filter(pk=room.pk).values_list("last_seq", flat=True).get()
            username = getattr(self, f"do_{action}")(moment, *arguments)
            RoomEvent.objects.filter(room=room, seq__gt=numbered).update(created_at=moment)
            first_seen.setdefault(username, moment)
        self.connect(first_seen, now)

    def connect(self, first_seen: dict[str, datetime], now: datetime) -> None:
        """Record each participant's connection, from before their first step until ``now``.

        They leave at ``now``: nobody is really there, so the room shows no one
        present, and the report counts them until the command ran.
        """
        topic = f"room.{self.session.room_id}"
        for username, moment in first_seen.items():
            channel_name = f"demo.live{self.session.pk}!{username}"
            room_services.open_connection(
                topic=topic, channel_name=channel_name, user=self.users[username]
            )
            room_services.close_connection(channel_name=channel_name)
            RoomConnection.objects.filter(channel_name=channel_name).update(
                connected_at=moment - timedelta(minutes=2), seen_at=now, left_at=now
            )

    def do_message(self, moment: datetime, username: str, text: str) -> str:
        message, _new = room_services.send_message(
            author=self.users[username], room=self.session.room, body=text
        )
        # Dated back, which also keeps the per-person rate limit out of the way.
        Message.objects.filter(pk=message.pk).update(created_at=moment)
        return username

    def do_ask(self, moment: datetime, key: str, username: str, text: str) -> str:
        question, _new = services.ask_question(
            author=self.users[username], session=self.session, body=text
        )
        Question.objects.filter(pk=question.pk).update(created_at=moment)
        self.questions[key] = question
        return username

    def do_upvote(self, moment: datetime, key: str, username: str) -> str:
        user = self.users[username]
        question = services.upvote_question(user=user, question=self.questions[key])
        QuestionVote.objects.filter(question=question, user=user).update(created_at=moment)
        return username

    def do_answer(self, moment: datetime, key: str, moderator: str) -> str:
        question = services.answer_question(
            moderator=self.users[moderator], question=self.questions[key]
        )
        Question.objects.filter(pk=question.pk).update(answered_at=moment)
        return moderator

    def do_poll(
        self, moment: datetime, key: str, moderator: str, text: str, labels: list[str]
    ) -> str:
        poll = services.create_poll(
            moderator=self.users[moderator], session=self.session, question=text, options=labels
        )
        Poll.objects.filter(pk=poll.pk).update(created_at=moment)
        self.poll_options[key] = list(poll.options.order_by("position"))
        return moderator

    def do_vote(self, moment: datetime, key: str, username: str, index: int) -> str:
        user, option = self.users[username], self.poll_options[key][index]
        services.vote_in_poll(user=user, poll=option.poll, option_id=option.pk)
        PollVote.objects.filter(poll=option.poll, user=user).update(created_at=moment)
        return username

    def do_raise(self, moment: datetime, key: str, username: str) -> str:
        hand = services.raise_hand(user=self.users[username], session=self.session)
        Hand.objects.filter(pk=hand.pk).update(raised_at=moment)
        self.hands[key] = hand
        return username

    def do_call(self, moment: datetime, key: str, moderator: str) -> str:
        hand = services.call_hand(
            moderator=self.users[moderator], session=self.session, hand=self.hands[key]
        )
        Hand.objects.filter(pk=hand.pk).update(called_at=moment)
        # Whoever had the floor until then lowered their hand at that moment.
        Hand.objects.filter(session=self.session, lowered_at__gt=moment).update(lowered_at=moment)
        return moderator

    def do_lower(self, moment: datetime, key: str) -> str:
        hand = self.hands[key]
        services.lower_hand(user=hand.user, session=self.session, hand=hand)
        Hand.objects.filter(pk=hand.pk).update(lowered_at=moment)
        return hand.user.username


def counts(session: Session) -> dict[str, int]:
    """What the live room holds, for the command's summary."""
    return {
        "messages": Message.objects.filter(room=session.room_id).count(),
        "questions": Question.objects.filter(session=session).count(),
        "ballots": PollVote.objects.filter(poll__session=session).count(),
        "hands": Hand.objects.filter(session=session, lowered_at__isnull=True).count(),
    }
