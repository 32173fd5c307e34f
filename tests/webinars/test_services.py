"""
Webinar services: seats and the waiting list, the live room's questions, polls
and raised hands, and the forum's room rules (closed, not yet open, mutes, slow
mode) as they apply to a session's room.

A refused call leaves nothing behind: rows are counted before and after.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from forum.models import Membership, Notification
from rooms import events as room_events
from rooms import services as room_services
from rooms.models import Message, Room, RoomEvent
from tests.factories import make_membership, make_user
from webinars import services
from webinars.models import Hand, Poll, PollOption, PollVote, Question, QuestionVote, Registration

from .conftest import make_session

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED


def new_member(community, region, **kw):
    """A plain member of ``community`` living in ``region``."""
    user = make_user(region=region, **kw)
    make_membership(user, community, Membership.Role.MEMBER)
    return user


def status_of(user, session) -> str:
    return Registration.objects.get(user=user, session=session).status


def row_counts(*models) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


def ask(author, session, body="Comment saisir le tribunal à Ségou ?", **kw):
    question, _created = services.ask_question(author=author, session=session, body=body, **kw)
    return question


def say(author, session, body="Bonjour à toutes"):
    message, _created = room_services.send_message(author=author, room=session.room, body=body)
    return message


@pytest.fixture
def fellow(public_cop, segou):
    """A second plain member of the public CoP, to upvote, vote and raise a hand."""
    return new_member(public_cop, segou, username="kadidia", display_name="Kadidia Keita")


@pytest.fixture
def poll(live_session, moderator):
    return services.create_poll(
        moderator=moderator,
        session=live_session,
        question="Faut-il une séance en bambara ?",
        options=["Oui", "Non", "Je ne sais pas"],
    )


def option(poll, label) -> PollOption:
    return PollOption.objects.get(poll=poll, label=label)


def votes_of(poll) -> dict[str, int]:
    return dict(PollOption.objects.filter(poll=poll).values_list("label", "votes"))


# Capacity and the waiting list ------------------------------------------------------------


def test_third_registrant_of_a_two_seat_session_is_waitlisted(upcoming_session, segou):
    first, second, third = (new_member(upcoming_session.community, segou) for _ in range(3))

    registrations = [services.register(user=u, session=upcoming_session) for u in (first, second)]
    waiting = services.register(user=third, session=upcoming_session)

    assert [r.status for r in registrations] == [CONFIRMED, CONFIRMED]
    assert waiting.status == WAITLISTED
    assert waiting.region == segou  # taken from the profile
    assert Registration.objects.filter(session=upcoming_session).count() == 3


def test_confirmed_cancelling_promotes_first_waitlisted_and_notifies_them(upcoming_session, segou):
    first, second, third, fourth = (new_member(upcoming_session.community, segou) for _ in range(4))
    for user in (first, second, third, fourth):
        services.register(user=user, session=upcoming_session)

    services.cancel_registration(user=second, session=upcoming_session)

    assert status_of(second, upcoming_session) == CANCELLED
    assert status_of(third, upcoming_session) == CONFIRMED
    assert status_of(fourth, upcoming_session) == WAITLISTED
    notices = Notification.objects.filter(recipient=third)
    assert notices.count() == 1
    notice = notices.get()
    assert notice.kind == Notification.Kind.OTHER
    assert notice.url == upcoming_session.get_absolute_url()
    assert upcoming_session.title in notice.subject
    third.refresh_from_db()
    assert third.unread_notifications == 1
    assert not Notification.objects.filter(recipient__in=[first, second, fourth]).exists()


def test_registering_without_any_region_is_refused_on_the_region_field(upcoming_session):
    nowhere = new_member(upcoming_session.community, None)

    with pytest.raises(ValidationError) as refused:
        services.register(user=nowhere, session=upcoming_session)

    assert list(refused.value.error_dict) == ["region"]
    assert refused.value.error_dict["region"][0].code == "required"
    assert not Registration.objects.filter(user=nowhere).exists()


def test_promotion_notice_is_in_the_promoted_members_language(upcoming_session, segou):
    from django.utils import translation

    first, second, third = (new_member(upcoming_session.community, segou) for _ in range(3))
    third.preferred_language = "en"
    third.save(update_fields=["preferred_language"])
    for user in (first, second, third):
        services.register(user=user, session=upcoming_session)

    with translation.override("fr"):  # the canceller reads French
        services.cancel_registration(user=first, session=upcoming_session)

    subject = Notification.objects.get(recipient=third).subject
    assert subject.startswith("A seat")
    assert upcoming_session.title in subject


def test_waitlisted_cancelling_promotes_nobody(upcoming_session, segou):
    first, second, third, fourth = (new_member(upcoming_session.community, segou) for _ in range(4))
    for user in (first, second, third, fourth):
        services.register(user=user, session=upcoming_session)

    services.cancel_registration(user=third, session=upcoming_session)

    assert status_of(fourth, upcoming_session) == WAITLISTED
    assert not Notification.objects.exists()


def test_registering_again_after_cancelling_goes_to_the_back_of_the_queue(upcoming_session, segou):
    first, second, third, fourth = (new_member(upcoming_session.community, segou) for _ in range(4))
    for user in (first, second, third, fourth):
        services.register(user=user, session=upcoming_session)
    services.cancel_registration(user=first, session=upcoming_session)  # third gets the seat
    rows = Registration.objects.count()

    again = services.register(user=first, session=upcoming_session)

    assert again.status == WAITLISTED  # no seat jumped: fourth was waiting first
    assert again.cancelled_at is None
    assert Registration.objects.count() == rows  # the same row, brought back

    services.cancel_registration(user=second, session=upcoming_session)

    assert status_of(fourth, upcoming_session) == CONFIRMED
    assert status_of(first, upcoming_session) == WAITLISTED


# Registration refused, nothing saved ------------------------------------------------------


def test_registering_twice_is_refused_and_saves_nothing(upcoming_session, member):
    services.register(user=member, session=upcoming_session)
    before = row_counts(Registration)

    with pytest.raises(ValidationError) as refusal:
        services.register(user=member, session=upcoming_session)

    assert refusal.value.code == "already_registered"
    assert row_counts(Registration) == before
    assert status_of(member, upcoming_session) == CONFIRMED


def test_registering_twice_from_the_waiting_list_is_refused(upcoming_session, segou, member):
    for _ in range(2):
        services.register(
            user=new_member(upcoming_session.community, segou), session=upcoming_session
        )
    services.register(user=member, session=upcoming_session)
    before = row_counts(Registration)

    with pytest.raises(ValidationError) as refusal:
        services.register(user=member, session=upcoming_session)

    assert refusal.value.code == "already_registered"
    assert row_counts(Registration) == before
    assert status_of(member, upcoming_session) == WAITLISTED


def test_registering_after_the_session_ended_is_refused_as_closed(ended_session, member):
    with pytest.raises(PermissionDenied) as refusal:
        services.register(user=member, session=ended_session)

    assert refusal.value.code == "closed"
    assert not Registration.objects.exists()


def test_registering_for_a_cancelled_session_is_refused_as_closed(
    upcoming_session, moderator, member
):
    services.cancel_session(moderator=moderator, session=upcoming_session)

    with pytest.raises(PermissionDenied) as refusal:
        services.register(user=member, session=upcoming_session)

    assert refusal.value.code == "closed"
    assert not Registration.objects.exists()


def test_outsider_registering_to_a_private_cop_session_gets_404(private_session, outsider):
    with pytest.raises(Http404):
        services.register(user=outsider, session=private_session)

    assert not Registration.objects.exists()


def test_registering_without_a_region_is_a_validation_error(upcoming_session, public_cop):
    nowhere = make_user()  # no region in the profile
    make_membership(nowhere, public_cop)

    with pytest.raises(ValidationError) as refusal:
        services.register(user=nowhere, session=upcoming_session)

    assert "region" in refusal.value.message_dict
    assert not Registration.objects.exists()


def test_registering_with_an_explicit_region_needs_none_in_the_profile(
    upcoming_session, public_cop, kayes
):
    nowhere = make_user()
    make_membership(nowhere, public_cop)

    registration = services.register(user=nowhere, session=upcoming_session, region=kayes)

    assert registration.region == kayes
    assert registration.status == CONFIRMED


# Polls --------------------------------------------------------------------------------------


def test_voting_twice_in_a_poll_is_refused_and_counts_stay(live_session, poll, member):
    services.vote_in_poll(user=member, poll=poll, option_id=option(poll, "Oui").pk)
    before = row_counts(PollVote, RoomEvent)

    with pytest.raises(ValidationError) as refusal:
        services.vote_in_poll(user=member, poll=poll, option_id=option(poll, "Non").pk)

    assert refusal.value.code == "already_voted"
    assert votes_of(poll) == {"Oui": 1, "Non": 0, "Je ne sais pas": 0}
    assert row_counts(PollVote, RoomEvent) == before


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(["Oui"], id="one-option"),
        pytest.param(["Oui", "   "], id="one-option-and-a-blank"),
        pytest.param([], id="no-option"),
        pytest.param(["Oui", "oui "], id="duplicate-options"),
        pytest.param(["Oui", "Non", "Oui"], id="duplicate-among-three"),
        pytest.param([f"Réponse {n}" for n in range(1, 12)], id="eleven-options"),
    ],
)
def test_malformed_poll_is_refused_and_saves_nothing(live_session, moderator, options):
    before = row_counts(Poll, PollOption, RoomEvent)

    with pytest.raises(ValidationError) as refusal:
        services.create_poll(
            moderator=moderator, session=live_session, question="Votre avis ?", options=options
        )

    assert refusal.value.code == "invalid"
    assert row_counts(Poll, PollOption, RoomEvent) == before


def test_poll_with_ten_options_is_accepted(live_session, moderator):
    poll = services.create_poll(
        moderator=moderator,
        session=live_session,
        question="Votre région ?",
        options=[f"Région {n}" for n in range(1, 11)],
    )

    assert list(poll.options.values_list("position", flat=True)) == list(range(1, 11))


# Questions and the room's rules --------------------------------------------------------------


def test_question_in_a_closed_room_is_refused_as_closed(live_session, moderator, member):
    room_services.close_room(moderator=moderator, room=live_session.room)
    before = row_counts(Question, RoomEvent)

    with pytest.raises(PermissionDenied) as refusal:
        ask(member, live_session)

    assert refusal.value.code == "closed"
    assert row_counts(Question, RoomEvent) == before


def test_question_before_the_room_opens_is_refused_as_not_open(upcoming_session, member):
    with pytest.raises(PermissionDenied) as refusal:
        ask(member, upcoming_session)

    assert refusal.value.code == "not_open"
    assert not Question.objects.exists()
    assert not RoomEvent.objects.filter(room=upcoming_session.room).exists()


def test_question_after_the_session_ended_is_refused_as_closed(ended_session, member):
    with pytest.raises(PermissionDenied) as refusal:
        ask(member, ended_session)

    assert refusal.value.code == "closed"


def test_muted_participant_can_neither_ask_nor_chat_until_unmuted(live_session, moderator, member):
    room = live_session.room
    room_services.mute_participant(moderator=moderator, room=room, user=member)
    before = row_counts(Question, Message, RoomEvent)

    with pytest.raises(PermissionDenied) as asking:
        ask(member, live_session)
    with pytest.raises(PermissionDenied) as chatting:
        say(member, live_session)

    assert asking.value.code == "muted"
    assert chatting.value.code == "muted"
    assert row_counts(Question, Message, RoomEvent) == before

    room_services.unmute_participant(moderator=moderator, room=room, user=member)

    assert ask(member, live_session).author == member
    assert say(member, live_session).author == member


def test_slow_mode_refuses_a_second_message_within_the_window(live_session, moderator, member):
    room_services.set_slow_mode(moderator=moderator, room=live_session.room, seconds=60)
    say(member, live_session, "Premier message")
    before = row_counts(Message, RoomEvent)

    with pytest.raises(ValidationError) as refusal:
        say(member, live_session, "Deuxième message, trop tôt")

    assert refusal.value.code == "slow_mode"
    assert row_counts(Message, RoomEvent) == before


def test_slow_mode_lets_a_message_through_once_the_window_passed(live_session, moderator, member):
    room_services.set_slow_mode(moderator=moderator, room=live_session.room, seconds=60)
    first = say(member, live_session, "Premier message")
    Message.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(seconds=61))

    assert say(member, live_session, "Une minute plus tard").author == member


def test_slow_mode_does_not_hold_back_moderators(live_session, moderator):
    room_services.set_slow_mode(moderator=moderator, room=live_session.room, seconds=60)

    say(moderator, live_session, "Bienvenue à toutes et à tous")
    say(moderator, live_session, "Nous commençons dans une minute")

    assert Message.objects.filter(author=moderator).count() == 2


def test_upvoting_ones_own_question_is_refused(live_session, member):
    question = ask(member, live_session)
    before = row_counts(QuestionVote, RoomEvent)

    with pytest.raises(ValidationError) as refusal:
        services.upvote_question(user=member, question=question)

    assert refusal.value.code == "invalid"
    assert row_counts(QuestionVote, RoomEvent) == before
    question.refresh_from_db()
    assert question.votes == 0


def test_upvoting_twice_is_refused(live_session, member, fellow):
    question = ask(fellow, live_session)
    services.upvote_question(user=member, question=question)
    before = row_counts(QuestionVote, RoomEvent)

    with pytest.raises(ValidationError) as refusal:
        services.upvote_question(user=member, question=question)

    assert refusal.value.code == "already_voted"
    assert row_counts(QuestionVote, RoomEvent) == before
    question.refresh_from_db()
    assert question.votes == 1


def test_upvote_taken_back_lowers_the_count(live_session, member, fellow):
    question = ask(fellow, live_session)
    services.upvote_question(user=member, question=question)

    question = services.upvote_question(user=member, question=question, up=False)

    assert question.votes == 0
    assert not QuestionVote.objects.exists()


def test_hidden_question_cannot_be_upvoted(live_session, moderator, member, fellow):
    question = ask(fellow, live_session)
    services.hide_question(moderator=moderator, question=question)
    before = row_counts(QuestionVote, RoomEvent)

    with pytest.raises(ValidationError) as refusal:
        services.upvote_question(user=member, question=question)

    assert refusal.value.code == "not_found"
    assert row_counts(QuestionVote, RoomEvent) == before
    question.refresh_from_db()
    assert question.votes == 0


# Raised hands --------------------------------------------------------------------------------


def test_call_hand_gives_the_floor_in_raise_order_and_lowers_the_previous_speaker(
    live_session, moderator, member, fellow
):
    first = services.raise_hand(user=member, session=live_session)
    second = services.raise_hand(user=fellow, session=live_session)

    called = services.call_hand(moderator=moderator, session=live_session)

    assert called.pk == first.pk
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("called", "raised")

    called = services.call_hand(moderator=moderator, session=live_session)

    assert called.pk == second.pk
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("lowered", "called")
    assert second.called_by == moderator

    with pytest.raises(ValidationError) as refusal:
        services.call_hand(moderator=moderator, session=live_session)
    assert refusal.value.code == "invalid"  # nobody left in the queue


def test_raising_a_hand_twice_is_refused(live_session, member):
    services.raise_hand(user=member, session=live_session)

    with pytest.raises(ValidationError) as refusal:
        services.raise_hand(user=member, session=live_session)

    assert refusal.value.code == "invalid"
    assert Hand.objects.filter(user=member).count() == 1


# Moderators only -----------------------------------------------------------------------------


MODERATOR_ACTIONS = {
    "answer": lambda user, s, q, p, h, other: services.answer_question(moderator=user, question=q),
    "hide": lambda user, s, q, p, h, other: services.hide_question(moderator=user, question=q),
    "create_poll": lambda user, s, q, p, h, other: services.create_poll(
        moderator=user, session=s, question="Votre avis ?", options=["Oui", "Non"]
    ),
    "close_poll": lambda user, s, q, p, h, other: services.close_poll(moderator=user, poll=p),
    "call_hand": lambda user, s, q, p, h, other: services.call_hand(moderator=user, session=s),
    "call_given_hand": lambda user, s, q, p, h, other: services.call_hand(
        moderator=user, session=s, hand=h
    ),
    "lower_anothers_hand": lambda user, s, q, p, h, other: services.lower_hand(
        user=user, session=s, hand=h
    ),
    "slow_mode": lambda user, s, q, p, h, other: room_services.set_slow_mode(
        moderator=user, room=s.room, seconds=30
    ),
    "mute": lambda user, s, q, p, h, other: room_services.mute_participant(
        moderator=user, room=s.room, user=other
    ),
    "close_room": lambda user, s, q, p, h, other: room_services.close_room(
        moderator=user, room=s.room
    ),
}


@pytest.mark.parametrize("action", MODERATOR_ACTIONS)
def test_non_moderator_is_refused_moderator_actions(live_session, poll, member, fellow, action):
    question = ask(fellow, live_session)
    hand = services.raise_hand(user=fellow, session=live_session)
    room_before = Room.objects.filter(pk=live_session.room_id).values().get()
    before = row_counts(Poll, RoomEvent, Hand, Question)

    with pytest.raises(PermissionDenied) as refusal:
        MODERATOR_ACTIONS[action](member, live_session, question, poll, hand, fellow)

    assert refusal.value.code == "forbidden"
    assert row_counts(Poll, RoomEvent, Hand, Question) == before
    assert Room.objects.filter(pk=live_session.room_id).values().get() == room_before
    question.refresh_from_db()
    assert (question.answered_at, question.hidden_at) == (None, None)
    hand.refresh_from_db()
    assert hand.state == "raised"
    poll.refresh_from_db()
    assert poll.closed_at is None


@pytest.mark.parametrize("action", MODERATOR_ACTIONS)
def test_moderator_may_do_moderator_actions(live_session, poll, moderator, fellow, action):
    question = ask(fellow, live_session)
    hand = services.raise_hand(user=fellow, session=live_session)
    events_before = RoomEvent.objects.count()

    MODERATOR_ACTIONS[action](moderator, live_session, question, poll, hand, fellow)

    assert RoomEvent.objects.count() == events_before + 1


# The room's log -------------------------------------------------------------------------------


def test_each_room_change_writes_one_event_with_the_next_seq(
    live_session,
    moderator,
    member,
    fellow,
    captured_events,
    django_capture_on_commit_callbacks,
):
    room = live_session.room
    state: dict = {}

    def remember(name, value):
        state[name] = value
        return value

    steps = [
        ("question", lambda: remember("question", ask(fellow, live_session))),
        # A vote changes the count only: a small live frame (see webinars.frames.votes_frame).
        ("votes", lambda: services.upvote_question(user=member, question=state["question"])),
        (
            "question",
            lambda: services.answer_question(moderator=moderator, question=state["question"]),
        ),
        (
            "poll",
            lambda: remember(
                "poll",
                services.create_poll(
                    moderator=moderator,
                    session=live_session,
                    question="Une autre séance en juin ?",
                    options=["Oui", "Non"],
                ),
            ),
        ),
        (
            "tally",
            lambda: services.vote_in_poll(
                user=member, poll=state["poll"], option_id=option(state["poll"], "Oui").pk
            ),
        ),
        ("poll", lambda: services.close_poll(moderator=moderator, poll=state["poll"])),
        ("hand", lambda: remember("hand", services.raise_hand(user=member, session=live_session))),
        ("hand", lambda: services.call_hand(moderator=moderator, session=live_session)),
        ("hand", lambda: services.lower_hand(user=member, session=live_session)),
        ("message", lambda: say(member, live_session)),
        (
            "room",
            lambda: room_services.set_slow_mode(moderator=moderator, room=room, seconds=10),
        ),
        (
            "mute",
            lambda: room_services.mute_participant(moderator=moderator, room=room, user=fellow),
        ),
        (
            "question",
            lambda: services.hide_question(moderator=moderator, question=state["question"]),
        ),
        ("room", lambda: room_services.close_room(moderator=moderator, room=room)),
    ]
    start = Room.objects.get(pk=room.pk).last_seq

    for number, (kind, step) in enumerate(steps, start=1):
        count = RoomEvent.objects.filter(room=room).count()
        with django_capture_on_commit_callbacks(execute=True):
            changed = step()

        seq = start + number
        assert RoomEvent.objects.filter(room=room).count() == count + 1, kind
        event = RoomEvent.objects.filter(room=room).latest("seq")
        assert (event.seq, event.kind, event.object_id) == (seq, kind, changed.pk)
        assert Room.objects.get(pk=room.pk).last_seq == seq
        announced = [e for e in captured_events if isinstance(e, room_events.RoomChanged)][-1]
        assert (announced.room_id, announced.seq, announced.kind) == (room.pk, seq, kind)

    seqs = list(RoomEvent.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], start + len(steps) + 1))


def test_changes_that_change_nothing_write_no_event(live_session, moderator, fellow):
    question = ask(fellow, live_session)
    services.answer_question(moderator=moderator, question=question)
    room_services.set_slow_mode(moderator=moderator, room=live_session.room, seconds=10)
    before = row_counts(RoomEvent)

    services.answer_question(moderator=moderator, question=question)  # already answered
    room_services.set_slow_mode(moderator=moderator, room=live_session.room, seconds=10)

    assert row_counts(RoomEvent) == before


def test_sessions_rooms_number_their_changes_separately(public_cop, moderator, member, regional):
    one = make_session(public_cop, moderator, starts_in=timedelta(minutes=-5), title="Séance A")
    two = make_session(public_cop, moderator, starts_in=timedelta(minutes=-5), title="Séance B")

    ask(member, one, "Première question ici")
    ask(member, two, "Première question là")

    assert Room.objects.get(pk=one.room_id).last_seq == Room.objects.get(pk=two.room_id).last_seq


def test_voting_in_a_closed_poll_is_refused(live_session, poll, moderator, member):
    services.close_poll(moderator=moderator, poll=poll)

    with pytest.raises(ValidationError) as refusal:
        services.vote_in_poll(user=member, poll=poll, option_id=option(poll, "Oui").pk)

    assert refusal.value.code == "closed"
    assert not PollVote.objects.exists()


def test_question_retried_with_the_same_key_is_saved_once(live_session, member):
    first = ask(member, live_session, client_key="q-retry-0001")
    seq = Room.objects.get(pk=live_session.room_id).last_seq

    again, created = services.ask_question(
        author=member, session=live_session, body="Texte renvoyé", client_key="q-retry-0001"
    )

    assert (again.pk, created) == (first.pk, False)
    assert Question.objects.count() == 1
    assert Room.objects.get(pk=live_session.room_id).last_seq == seq
