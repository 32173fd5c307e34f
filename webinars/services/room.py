"""
The live room of a session: questions and upvotes, polls, raised hands.

Chat, slow mode, mutes, the pinned message and closing are the rooms app's
services (the same room protocol as a CoP's salon). Every change here locks
the room, takes its next sequence number (``record_change``) and is pushed
after commit, so a client that reconnects replays it in order.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.markup import render_chat_text
from forum.models import User
from forum.text import clean_body, clean_line
from rooms.permissions import check_room_open, check_write_in_room, room_window
from rooms.services import (
    convert_voice,
    earlier_by_key,
    erase_voice,
    hide_voice,
    lock_room,
    record_change,
    store_voice,
    validate_client_key,
)

from ..models import Hand, Poll, PollOption, PollVote, Question, QuestionVote, Session
from ..permissions import check_moderate_session_room, check_take_part, check_view_session

QUESTION = "question"
POLL = "poll"
HAND = "hand"
# A question's vote count and a poll's counts changed (small live frames,
# replayed as the whole question or poll: see rooms.kinds.ChangeKind).
VOTES = "votes"
TALLY = "tally"

QUESTION_MAX_LENGTH = 500
POLL_MAX_OPTIONS = 10
POLL_QUESTION_MAX_LENGTH = 300
POLL_OPTION_MAX_LENGTH = 200
# Questions one person may ask per window, as for chat messages.
QUESTION_RATE = (3, 30)


def _locked(session: Session) -> Session:
    """Lock the session's room (which orders all its changes) and return the session fresh."""
    room = lock_room(session.room)
    session = Session.objects.select_related("community").get(pk=session.pk)
    session.room = room
    return session


# Questions ----------------------------------------------------------------------------


def validate_question(value) -> str:
    body = clean_body(value) if isinstance(value, str) else ""
    if not body:
        raise ValidationError(_("La question ne peut pas être vide."), code="invalid")
    if len(body) > QUESTION_MAX_LENGTH:
        raise ValidationError(
            _("La question fait %(length)d caractères ; %(max)d au plus.")
            % {"length": len(body), "max": QUESTION_MAX_LENGTH},
            code="invalid",
        )
    return body


def ask_question(
    *, author: User, session: Session, body: str = "", client_key: str = "", voice=None
) -> tuple[Question, bool]:
    """Save a question (written, spoken, or both) and announce it; a retried key returns the first.

    ``voice`` (an uploaded recording) is converted before the transaction, once
    the checks that need no lock passed, as for a chat message.
    """
    converted = None
    if voice is not None:
        client_key = validate_client_key(client_key)
        existing = _earlier_question(author, session, client_key)
        if existing is not None:
            return existing, False
        _check_ask(author, session)
        _validate_spoken(body)
        converted = convert_voice(voice)
    return _ask(author=author, session=session, body=body, client_key=client_key, voice=converted)


def _earlier_question(author: User, session: Session, client_key: str) -> Question | None:
    return earlier_by_key(
        Question,
        author=author,
        client_key=client_key,
        place={"session_id": session.pk},
        elsewhere=_("Cette clé a déjà servi pour une autre séance."),
    )


def _check_ask(author: User, session: Session) -> None:
    check_view_session(author, session)
    # Asking is speaking: the room's rules for writing apply (open hours, mutes).
    check_write_in_room(author, session.room)
    _check_rate(author)


def _check_rate(author: User) -> None:
    count, seconds = QUESTION_RATE
    since = timezone.now() - timedelta(seconds=seconds)
    if Question.objects.filter(author=author, created_at__gte=since).count() >= count:
        raise ValidationError(
            _("Doucement : %(count)d questions au plus en %(seconds)d secondes.")
            % {"count": count, "seconds": seconds},
            code="rate_limited",
        )


def _validate_spoken(body) -> str:
    """The text said with a spoken question: optional, bounded like a question."""
    if not isinstance(body, str) or not clean_body(body):
        return ""
    return validate_question(body)


@transaction.atomic
def _ask(
    *, author: User, session: Session, body: str, client_key: str, voice
) -> tuple[Question, bool]:
    client_key = validate_client_key(client_key)
    session = _locked(session)
    existing = _earlier_question(author, session, client_key)
    if existing is not None:
        return existing, False
    check_view_session(author, session)
    check_write_in_room(author, session.room)
    body = validate_question(body) if voice is None else _validate_spoken(body)
    _check_rate(author)
    try:
        with transaction.atomic():
            question = Question.objects.create(
                session=session,
                author=author,
                body=body,
                body_html=render_chat_text(body) if body else "",
                client_key=client_key,
            )
    except IntegrityError:
        raise ValidationError(
            _("Cette clé a déjà servi pour une autre séance."), code="bad_frame"
        ) from None
    if voice is not None:
        question.voice = store_voice(
            room=session.room,
            author=author,
            voice=voice,
            owner_kind=QUESTION,
            owner_id=question.pk,
        )
        question.save(update_fields=["voice"])
    record_change(session.room, QUESTION, question.pk)
    return question, True


def _question(session: Session, question: Question) -> Question:
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.session_id != session.pk:
        raise ValidationError(_("Cette question n'existe pas."), code="not_found")
    return question


@transaction.atomic
def upvote_question(*, user: User, question: Question, up: bool = True) -> Question:
    """Add (or take back) the user's vote for a question; one vote per person."""
    session = _locked(question.session)
    question = _question(session, question)
    check_take_part(user, session)
    if question.hidden_at is not None:
        raise ValidationError(_("Cette question a été masquée."), code="not_found")
    if question.author_id == user.pk:
        raise ValidationError(_("On ne vote pas pour sa propre question."), code="invalid")
    vote = QuestionVote.objects.filter(question=question, user=user)
    if up:
        if vote.exists():
            raise ValidationError(
                _("Vous avez déjà voté pour cette question."), code="already_voted"
            )
        QuestionVote.objects.create(question=question, user=user)
        Question.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
    else:
        if not vote.delete()[0]:
            raise ValidationError(_("Vous n'avez pas voté pour cette question."), code="invalid")
        Question.objects.filter(pk=question.pk).update(votes=F("votes") - 1)
    question.refresh_from_db()
    record_change(session.room, VOTES, question.pk)
    return question


@transaction.atomic
def answer_question(*, moderator: User, question: Question, answered: bool = True) -> Question:
    """Mark a question answered (or not); allowed after the session too, for the report."""
    session = _locked(question.session)
    question = _question(session, question)
    check_moderate_session_room(moderator, session)
    if (question.answered_at is not None) != answered:
        question.answered_at = timezone.now() if answered else None
        question.answered_by = moderator if answered else None
        question.save(update_fields=["answered_at", "answered_by"])
        record_change(session.room, QUESTION, question.pk)
    return question


@transaction.atomic
def hide_question(*, moderator: User, question: Question, hidden: bool = True) -> Question:
    session = _locked(question.session)
    question = _question(session, question)
    check_moderate_session_room(moderator, session)
    if (question.hidden_at is not None) != hidden:
        question.hidden_at = timezone.now() if hidden else None
        question.hidden_by = moderator if hidden else None
        question.save(update_fields=["hidden_at", "hidden_by"])
        # Its voice, like its text, is kept for the moderators only while hidden.
        hide_voice(question.voice, hidden)
        record_change(session.room, QUESTION, question.pk)
    return question


# Polls --------------------------------------------------------------------------------


def validate_poll(question, options) -> tuple[str, list[str]]:
    text = clean_line(question) if isinstance(question, str) else ""
    if not text:
        raise ValidationError(_("Le sondage a besoin d'une question."), code="invalid")
    if len(text) > POLL_QUESTION_MAX_LENGTH:
        raise ValidationError(
            _("La question du sondage : %(max)d caractères au plus.")
            % {"max": POLL_QUESTION_MAX_LENGTH},
            code="invalid",
        )
    if not isinstance(options, list | tuple) or not all(isinstance(o, str) for o in options):
        raise ValidationError(_("Les réponses doivent être une liste de textes."), code="invalid")
    labels = [clean_line(option) for option in options]
    labels = [label for label in labels if label]
    if len(labels) < 2:
        raise ValidationError(_("Un sondage a au moins deux réponses possibles."), code="invalid")
    if len(labels) > POLL_MAX_OPTIONS:
        raise ValidationError(
            _("Un sondage a au plus %(max)d réponses.") % {"max": POLL_MAX_OPTIONS},
            code="invalid",
        )
    if any(len(label) > POLL_OPTION_MAX_LENGTH for label in labels):
        raise ValidationError(
            _("Une réponse : %(max)d caractères au plus.") % {"max": POLL_OPTION_MAX_LENGTH},
            code="invalid",
        )
    if len({label.casefold() for label in labels}) != len(labels):
        raise ValidationError(_("Deux réponses sont identiques."), code="invalid")
    return text, labels


@transaction.atomic
def create_poll(*, moderator: User, session: Session, question: str, options: list[str]) -> Poll:
    session = _locked(session)
    check_moderate_session_room(moderator, session)
    if room_window(session.room) == "closed":
        check_room_open(session.room)  # refuses: the room is closed
    text, labels = validate_poll(question, options)
    poll = Poll.objects.create(session=session, author=moderator, question=text)
    PollOption.objects.bulk_create(
        PollOption(poll=poll, label=label, position=position)
        for position, label in enumerate(labels, start=1)
    )
    record_change(session.room, POLL, poll.pk)
    return poll


@transaction.atomic
def vote_in_poll(*, user: User, poll: Poll, option_id: int) -> Poll:
    """Record one vote; a person votes once per poll and cannot change it."""
    session = _locked(poll.session)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.session_id != session.pk:
        raise ValidationError(_("Ce sondage n'existe pas."), code="not_found")
    check_take_part(user, session)
    if poll.closed_at is not None:
        raise ValidationError(_("Ce sondage est clos."), code="closed")
    option = PollOption.objects.filter(poll=poll, pk=option_id).first()
    if option is None:
        raise ValidationError(_("Cette réponse n'existe pas."), code="invalid")
    try:
        with transaction.atomic():
            PollVote.objects.create(poll=poll, option=option, user=user)
    except IntegrityError:
        raise ValidationError(
            _("Vous avez déjà voté à ce sondage."), code="already_voted"
        ) from None
    PollOption.objects.filter(pk=option.pk).update(votes=F("votes") + 1)
    record_change(session.room, TALLY, poll.pk)
    return poll


@transaction.atomic
def close_poll(*, moderator: User, poll: Poll) -> Poll:
    session = _locked(poll.session)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    check_moderate_session_room(moderator, session)
    if poll.closed_at is None:
        poll.closed_at = timezone.now()
        poll.save(update_fields=["closed_at"])
        record_change(session.room, POLL, poll.pk)
    return poll


# Raised hands -------------------------------------------------------------------------


@transaction.atomic
def raise_hand(*, user: User, session: Session) -> Hand:
    session = _locked(session)
    check_take_part(user, session)
    if Hand.objects.filter(session=session, user=user, lowered_at__isnull=True).exists():
        raise ValidationError(_("Votre main est déjà levée."), code="invalid")
    hand = Hand.objects.create(session=session, user=user)
    record_change(session.room, HAND, hand.pk)
    return hand


@transaction.atomic
def lower_hand(*, user: User, session: Session, hand: Hand | None = None) -> Hand:
    """Lower one's own hand, or (a moderator) anyone's."""
    session = _locked(session)
    check_view_session(user, session)
    if hand is None:
        hand = Hand.objects.filter(session=session, user=user, lowered_at__isnull=True).first()
        if hand is None:
            raise ValidationError(_("Votre main n'est pas levée."), code="invalid")
    else:
        hand = Hand.objects.select_for_update().get(pk=hand.pk)
        if hand.session_id != session.pk or hand.lowered_at is not None:
            raise ValidationError(_("Cette main n'est pas levée."), code="not_found")
        if hand.user_id != user.pk:
            check_moderate_session_room(user, session)
    hand.lowered_at = timezone.now()
    hand.save(update_fields=["lowered_at"])
    record_change(session.room, HAND, hand.pk)
    return hand


@transaction.atomic
def call_hand(*, moderator: User, session: Session, hand: Hand | None = None) -> Hand:
    """Give the floor to ``hand``, or to the first in the queue; the one who had it lowers."""
    session = _locked(session)
    check_moderate_session_room(moderator, session)
    raised = Hand.objects.select_for_update().filter(
        session=session, lowered_at__isnull=True, called_at__isnull=True
    )
    if hand is None:
        hand = raised.order_by("raised_at", "pk").first()
        if hand is None:
            raise ValidationError(_("Personne ne lève la main."), code="invalid")
    else:
        hand = raised.filter(pk=hand.pk).first()
        if hand is None:
            raise ValidationError(_("Cette main n'est plus levée."), code="not_found")
    now = timezone.now()
    speaking = list(
        Hand.objects.select_for_update().filter(
            session=session, lowered_at__isnull=True, called_at__isnull=False
        )
    )
    for previous in speaking:
        previous.lowered_at = now
        previous.save(update_fields=["lowered_at"])
        record_change(session.room, HAND, previous.pk)
    hand.called_at = now
    hand.called_by = moderator
    hand.save(update_fields=["called_at", "called_by"])
    record_change(session.room, HAND, hand.pk)
    return hand


ERASED_QUESTION = "[question effacée]"


@transaction.atomic
def erase_questions_of(user: User) -> int:
    """Replace the text of every question ``user`` asked by a marker (account deletion)."""
    count = 0
    erased = Q(body=ERASED_QUESTION, voice__isnull=True)
    for question in Question.objects.filter(author=user).exclude(erased):
        session = _locked(question.session)
        question = Question.objects.get(pk=question.pk)
        erase_voice(question.voice)
        question.voice = None
        question.body = ERASED_QUESTION
        question.body_html = render_chat_text(ERASED_QUESTION)
        question.save(update_fields=["body", "body_html", "voice"])
        record_change(session.room, QUESTION, question.pk)
        count += 1
    return count


@transaction.atomic
def lower_hands_of(user: User) -> None:
    """Take down the raised hands of ``user`` (account deletion)."""
    for hand in Hand.objects.filter(user=user, lowered_at__isnull=True).select_related("session"):
        session = _locked(hand.session)
        hand.lowered_at = timezone.now()
        hand.save(update_fields=["lowered_at"])
        record_change(session.room, HAND, hand.pk)
