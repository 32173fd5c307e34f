"""
The past demo session's live room, replayed from a script as it happened.

The services refuse to write in a room whose session has ended, so its rows
(chat, questions, polls, hands) are written directly: text rendered as the
services render it, and each change taking the room's next sequence number
as ``record_change`` would give it.
"""

from datetime import datetime, timedelta

from forum.markup import render_chat_text
from forum.models import User
from rooms import services as room_services
from rooms.models import Message, Room, RoomEvent
from webinars.models import Hand, Poll, PollOption, PollVote, Question, QuestionVote, Session
from webinars.services.room import HAND, POLL, QUESTION


class PastRoom:
    """
    Replay a finished session's live room from a script, as it happened.

    Each step writes its rows with the step's time and takes the room's next
    sequence number, so the room's log (RoomEvent) counts 1, 2, 3… as if the
    services had written it live, and a chat message's ``seq`` is its event's.
    """

    def __init__(self, session: Session, users: dict[str, User]) -> None:
        self.session = session
        self.users = users
        self.questions: dict[str, Question] = {}
        self.polls: dict[str, tuple[Poll, list[PollOption]]] = {}
        self.hands: dict[str, Hand] = {}

    def play(self, script: list[tuple]) -> None:
        room = room_services.lock_room(self.session.room)
        seq = room.last_seq
        events = []
        # sorted() is stable: steps at the same minute keep the script's order.
        for minutes, action, *arguments in sorted(script, key=lambda step: step[0]):
            moment = self.session.starts_at + timedelta(minutes=minutes)
            seq += 1
            kind, object_id = getattr(self, f"do_{action}")(seq, moment, *arguments)
            events.append(
                RoomEvent(room=room, seq=seq, kind=kind, object_id=object_id, created_at=moment)
            )
        RoomEvent.objects.bulk_create(events)
        Room.objects.filter(pk=room.pk).update(last_seq=seq)

    def do_message(self, seq: int, moment: datetime, username: str, text: str) -> tuple[str, int]:
        message = Message.objects.create(
            room=self.session.room,
            author=self.users[username],
            seq=seq,
            body=text,
            body_html=render_chat_text(text),
            created_at=moment,
        )
        return RoomEvent.Kind.MESSAGE, message.pk

    def do_ask(
        self, seq: int, moment: datetime, key: str, username: str, text: str
    ) -> tuple[str, int]:
        question = Question.objects.create(
            session=self.session,
            author=self.users[username],
            body=text,
            body_html=render_chat_text(text),
            created_at=moment,
        )
        self.questions[key] = question
        return QUESTION, question.pk

    def do_upvote(self, seq: int, moment: datetime, key: str, username: str) -> tuple[str, int]:
        question = self.questions[key]
        QuestionVote.objects.create(question=question, user=self.users[username], created_at=moment)
        question.votes += 1
        question.save(update_fields=["votes"])
        return QUESTION, question.pk

    def do_answer(self, seq: int, moment: datetime, key: str, moderator: str) -> tuple[str, int]:
        question = self.questions[key]
        question.answered_at, question.answered_by = moment, self.users[moderator]
        question.save(update_fields=["answered_at", "answered_by"])
        return QUESTION, question.pk

    def do_hide(self, seq: int, moment: datetime, key: str, moderator: str) -> tuple[str, int]:
        question = self.questions[key]
        question.hidden_at, question.hidden_by = moment, self.users[moderator]
        question.save(update_fields=["hidden_at", "hidden_by"])
        return QUESTION, question.pk

    def do_poll(
        self, seq: int, moment: datetime, key: str, moderator: str, text: str, labels: list[str]
    ) -> tuple[str, int]:
        poll = Poll.objects.create(
            session=self.session, author=self.users[moderator], question=text, created_at=moment
        )
        options = PollOption.objects.bulk_create(
            PollOption(poll=poll, label=label, position=position)
            for position, label in enumerate(labels, start=1)
        )
        self.polls[key] = (poll, options)
        return POLL, poll.pk

    def do_vote(
        self, seq: int, moment: datetime, key: str, username: str, index: int
    ) -> tuple[str, int]:
        poll, options = self.polls[key]
        option = options[index]
        PollVote.objects.create(
            poll=poll, option=option, user=self.users[username], created_at=moment
        )
        option.votes += 1
        option.save(update_fields=["votes"])
        return POLL, poll.pk

    def do_close(self, seq: int, moment: datetime, key: str) -> tuple[str, int]:
        poll, _options = self.polls[key]
        poll.closed_at = moment
        poll.save(update_fields=["closed_at"])
        return POLL, poll.pk

    def do_raise(self, seq: int, moment: datetime, key: str, username: str) -> tuple[str, int]:
        hand = Hand.objects.create(
            session=self.session, user=self.users[username], raised_at=moment
        )
        self.hands[key] = hand
        return HAND, hand.pk

    def do_call(self, seq: int, moment: datetime, key: str, moderator: str) -> tuple[str, int]:
        hand = self.hands[key]
        hand.called_at, hand.called_by = moment, self.users[moderator]
        hand.save(update_fields=["called_at", "called_by"])
        return HAND, hand.pk

    def do_lower(self, seq: int, moment: datetime, key: str) -> tuple[str, int]:
        hand = self.hands[key]
        hand.lowered_at = moment
        hand.save(update_fields=["lowered_at"])
        return HAND, hand.pk
