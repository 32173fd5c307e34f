"""
The live room of a webinar session, /ws/webinars/<session_id>/?after=<seq>
(docs/realtime-protocol.md): questions and upvotes, polls, raised hands, and
the salon's moderation frames, over the same router as the salon tests.

What a socket did is checked in the database afterwards; what it must not
cause is proven on another socket with ``assert_no_frame`` (receive_nothing).
"""

import json

import pytest

from rooms import services as room_services
from rooms.models import Room, RoomMute
from tests.realtime import conftest as realtime
from tests.realtime.wire import assert_no_frame, in_db, receive_any, receive_type
from webinars import services
from webinars.models import Hand, Poll, PollOption, PollVote, Question

pytestmark = pytest.mark.django_db(transaction=True)

# The salon tests' fixtures (visible under tests/realtime/ only): ``connect(user, path)``
# opens a socket on the WebSocket router and disconnects it at teardown; ``colleague``
# is a second plain member of both CoPs.
connect = realtime.connect
colleague = realtime.colleague

NOBODY_YET = {"muted": None, "upvoted": [], "votes": {}, "hand": None}
# In a parametrized frame: stands for the id of a question the test made.
THE_QUESTION = "<the question's id>"


def room_path(session, after=None) -> str:
    path = f"/ws/webinars/{session.pk}/"
    return path if after is None else f"{path}?after={after}"


def ask_frame(key: str, body: str = "Comment saisir le juge à Ségou ?") -> dict:
    return {"type": "ask", "key": key, "body": body}


POLL_FRAME = {
    "type": "poll",
    "question": "Une séance en bambara ?",
    "options": ["Oui", "Non", "Peut-être"],
}


async def receive_each(socket, *wanted: str) -> dict[str, dict]:
    """One frame of each ``wanted`` type, in whatever order they come (ack vs broadcast)."""
    got: dict[str, dict] = {}
    while len(got) < len(wanted):
        frame = await receive_any(socket, set(wanted) - set(got))
        got[frame["type"]] = frame
    return got


async def opened(connect, user, session, after=None):
    """A socket whose hello was read; the hello is kept as ``socket.hello``."""
    socket = await connect(user, room_path(session, after))
    socket.hello = await receive_type(socket, "hello")
    return socket


async def current(model, **filters):
    return await in_db(lambda: model.objects.get(**filters))


async def count(model, **filters) -> int:
    return await in_db(lambda: model.objects.filter(**filters).count())


def ask_now(author, session, body="Qui finance les parajuristes ?"):
    question, _created = services.ask_question(author=author, session=session, body=body)
    return question


def make_poll(moderator, session):
    return services.create_poll(
        moderator=moderator,
        session=session,
        question="Une séance en bambara ?",
        options=["Oui", "Non"],
    )


# Opening ------------------------------------------------------------------------------------


async def test_member_hello_gives_rights_room_session_and_me(connect, member, live_session):
    socket = await opened(connect, member, live_session)

    hello = socket.hello
    room = await current(Room, pk=live_session.room_id)
    assert hello["topic"] == f"room.{room.pk}"
    assert hello["user"] == {"id": member.pk, "name": "Awa Traoré"}
    assert hello["last_seq"] == room.last_seq
    assert (hello["can_post"], hello["can_moderate"], hello["can_take_part"]) == (
        True,
        False,
        True,
    )
    assert hello["room"]["id"] == room.pk
    assert hello["room"]["closed"] is False
    assert hello["room"]["slow_mode"] == 0
    assert hello["room"]["pinned"] is None
    assert hello["room"]["opens_at"] is not None
    assert hello["room"]["closes_at"] is not None
    assert hello["room"]["session"]["id"] == live_session.pk
    assert hello["room"]["me"] == NOBODY_YET
    await assert_no_frame(socket)
    await socket.disconnect()


async def test_hello_me_tells_the_member_what_they_did_and_snapshot_follows(
    connect,
    member,
    moderator,
    colleague,
    live_session,
):
    def prepare():
        question = ask_now(colleague, live_session)
        services.upvote_question(user=member, question=question)
        poll = make_poll(moderator, live_session)
        chosen = PollOption.objects.get(poll=poll, label="Non")
        services.vote_in_poll(user=member, poll=poll, option_id=chosen.pk)
        hand = services.raise_hand(user=member, session=live_session)
        return question, poll, chosen, hand

    question, poll, chosen, hand = await in_db(prepare)
    socket = await opened(connect, member, live_session)

    assert socket.hello["room"]["me"] == {
        "muted": None,
        "upvoted": [question.pk],
        "votes": {str(poll.pk): chosen.pk},
        "hand": hand.pk,
    }
    # A newcomer is drawn the room as it stands, at the hello's cursor.
    seen = await receive_each(socket, "question", "poll", "hand")
    assert seen["question"]["question"]["votes"] == 1
    assert seen["poll"]["poll"]["total"] == 1
    assert seen["hand"]["hand"]["state"] == "raised"
    assert {frame["seq"] for frame in seen.values()} == {socket.hello["last_seq"]}
    await assert_no_frame(socket)
    await socket.disconnect()


async def test_moderator_hello_says_can_moderate(connect, moderator, live_session):
    socket = await opened(connect, moderator, live_session)

    assert socket.hello["can_moderate"] is True
    assert socket.hello["can_post"] is True
    assert socket.hello["can_take_part"] is True
    assert socket.hello["room"]["me"] == NOBODY_YET
    await socket.disconnect()


async def test_anonymous_hello_on_public_session_may_only_read(connect, anonymous, live_session):
    socket = await opened(connect, anonymous, live_session)

    hello = socket.hello
    assert hello["user"] is None
    assert (hello["can_post"], hello["can_moderate"], hello["can_take_part"]) == (
        False,
        False,
        False,
    )
    assert hello["room"]["me"] == NOBODY_YET
    await socket.disconnect()


async def test_member_hello_before_the_room_opens_cannot_take_part(
    connect,
    member,
    upcoming_session,
):
    socket = await opened(connect, member, upcoming_session)

    assert socket.hello["can_take_part"] is False
    assert socket.hello["can_post"] is False
    await socket.disconnect()


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
async def test_non_member_of_private_cop_session_is_closed_4404_before_any_frame(
    request,
    connect,
    member,
    private_session,
    who,
):
    await in_db(ask_now, member, private_session, "Adresse du refuge ?")
    socket = await connect(request.getfixturevalue(who), room_path(private_session))

    assert socket.accepted  # accepted, so that the browser learns the code
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    await socket.disconnect()


async def test_unknown_session_is_closed_4404(connect, member, live_session):
    socket = await connect(member, f"/ws/webinars/{live_session.pk + 1000}/")

    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    await socket.disconnect()


# Questions ------------------------------------------------------------------------------------


async def test_ask_is_acked_to_the_asker_and_pushed_to_every_member(
    connect,
    member,
    colleague,
    live_session,
):
    asker = await opened(connect, member, live_session)
    watcher = await opened(connect, colleague, live_session)

    await asker.send_json_to(ask_frame("q-0001-juge"))
    got = await receive_each(asker, "ack", "question")
    seen = await receive_type(watcher, "question")

    question = await current(Question, client_key="q-0001-juge")
    assert got["ack"] == {"type": "ack", "action": "ask", "id": question.pk, "key": "q-0001-juge"}
    assert seen == got["question"]
    assert seen["seq"] == asker.hello["last_seq"] + 1
    assert seen["question"] | {"created_at": None} == {
        "id": question.pk,
        "author": {"id": member.pk, "name": "Awa Traoré"},
        "body": "Comment saisir le juge à Ségou ?",
        "html": "Comment saisir le juge à Ségou ?",
        "voice": None,
        "votes": 0,
        "answered": False,
        "hidden": False,
        "created_at": None,
    }
    await asker.disconnect()
    await watcher.disconnect()


async def test_ask_retried_with_the_same_key_is_acked_once_more_and_saved_once(
    connect,
    member,
    live_session,
):
    asker = await opened(connect, member, live_session)
    await asker.send_json_to(ask_frame("q-0002-retry"))
    first = await receive_each(asker, "ack", "question")

    await asker.send_json_to(ask_frame("q-0002-retry"))
    again = await receive_type(asker, "ack")

    assert again == first["ack"]
    assert await count(Question, author=member) == 1
    await assert_no_frame(asker)  # nothing changed, nothing pushed
    await asker.disconnect()


async def test_upvote_from_another_member_pushes_the_new_count_to_both(
    connect,
    member,
    colleague,
    live_session,
):
    asker = await opened(connect, member, live_session)
    voter = await opened(connect, colleague, live_session)
    await asker.send_json_to(ask_frame("q-0003-vote"))
    question_id = (await receive_each(asker, "ack", "question"))["question"]["question"]["id"]
    await receive_type(voter, "question")

    await voter.send_json_to({"type": "upvote", "id": question_id, "up": True})
    got = await receive_each(voter, "ack", "votes")
    seen = await receive_type(asker, "votes")

    assert got["ack"] == {"type": "ack", "action": "upvote", "id": question_id}
    # The new count only, not the question again: one small frame for the whole room.
    room = await current(Room, pk=live_session.room_id)
    assert got["votes"] == {
        "type": "votes",
        "seq": room.last_seq,
        "question": question_id,
        "votes": 1,
    }
    assert seen == got["votes"]
    assert (await current(Question, pk=question_id)).votes == 1
    await asker.disconnect()
    await voter.disconnect()


async def test_moderator_answer_marks_the_question_answered_for_all(
    connect,
    member,
    colleague,
    moderator,
    live_session,
):
    question = await in_db(ask_now, member, live_session)
    sockets = [await opened(connect, user, live_session) for user in (member, colleague, moderator)]
    for socket in sockets:
        assert (await receive_type(socket, "question"))["question"]["answered"] is False
    asker, watcher, chair = sockets

    await chair.send_json_to({"type": "answer", "id": question.pk, "answered": True})
    got = await receive_each(chair, "ack", "question")

    assert got["ack"] == {"type": "ack", "action": "answer", "id": question.pk}
    for socket in (asker, watcher):
        frame = await receive_type(socket, "question")
        assert frame == got["question"]
        assert frame["question"]["answered"] is True
    assert (await current(Question, pk=question.pk)).answered_at is not None
    for socket in sockets:
        await socket.disconnect()


async def test_member_answer_is_refused_forbidden_and_changes_nothing(
    connect,
    member,
    colleague,
    live_session,
):
    question = await in_db(ask_now, colleague, live_session)
    intruder = await opened(connect, member, live_session)
    watcher = await opened(connect, colleague, live_session)
    await receive_type(intruder, "question")
    await receive_type(watcher, "question")

    await intruder.send_json_to({"type": "answer", "id": question.pk, "answered": True})
    error = await receive_type(intruder, "error")

    assert error["code"] == "forbidden"
    assert error["ref"] == question.pk
    assert (await current(Question, pk=question.pk)).answered_at is None
    await assert_no_frame(watcher)
    await assert_no_frame(intruder)
    await intruder.disconnect()
    await watcher.disconnect()


async def test_hidden_question_is_pushed_without_its_text(
    connect,
    member,
    colleague,
    moderator,
    live_session,
):
    question = await in_db(ask_now, member, live_session, "Numéro privé : 70 00 00 00")
    chair = await opened(connect, moderator, live_session)
    watcher = await opened(connect, colleague, live_session)
    await receive_type(chair, "question")
    await receive_type(watcher, "question")

    await chair.send_json_to({"type": "hide_question", "id": question.pk, "hidden": True})
    got = await receive_each(chair, "ack", "question")
    seen = await receive_type(watcher, "question")

    assert got["ack"] == {"type": "ack", "action": "hide_question", "id": question.pk}
    assert seen == got["question"]
    assert seen["question"]["hidden"] is True
    assert (seen["question"]["body"], seen["question"]["html"]) == ("", "")
    assert (await current(Question, pk=question.pk)).hidden_at is not None
    await chair.disconnect()
    await watcher.disconnect()


# Polls ------------------------------------------------------------------------------------------


async def test_poll_is_pushed_to_all_votes_update_totals_and_a_second_vote_is_refused(
    connect,
    member,
    colleague,
    moderator,
    live_session,
):
    chair = await opened(connect, moderator, live_session)
    voter = await opened(connect, member, live_session)
    watcher = await opened(connect, colleague, live_session)

    await chair.send_json_to(POLL_FRAME)
    got = await receive_each(chair, "ack", "poll")
    drawn = got["poll"]["poll"]
    poll_id = drawn["id"]
    assert got["ack"] == {"type": "ack", "action": "poll", "id": poll_id}
    assert drawn["question"] == "Une séance en bambara ?"
    assert drawn["closed"] is False
    assert drawn["total"] == 0
    assert [(o["label"], o["votes"]) for o in drawn["options"]] == [
        ("Oui", 0),
        ("Non", 0),
        ("Peut-être", 0),
    ]
    for socket in (voter, watcher):
        assert await receive_type(socket, "poll") == got["poll"]

    yes, no = drawn["options"][0]["id"], drawn["options"][1]["id"]
    await voter.send_json_to({"type": "vote", "id": poll_id, "option": yes})
    voted = await receive_each(voter, "ack", "tally")

    assert voted["ack"] == {"type": "ack", "action": "vote", "id": poll_id}
    # The counts only, not the question and its labels again.
    assert set(voted["tally"]) == {"type", "seq", "poll", "total", "options"}
    assert voted["tally"]["poll"] == poll_id
    assert voted["tally"]["total"] == 1
    assert voted["tally"]["options"] == [
        {"id": option["id"], "votes": votes}
        for option, votes in zip(drawn["options"], [1, 0, 0], strict=True)
    ]
    for socket in (chair, watcher):
        assert await receive_type(socket, "tally") == voted["tally"]

    await voter.send_json_to({"type": "vote", "id": poll_id, "option": no})
    error = await receive_type(voter, "error")

    assert error["code"] == "already_voted"
    assert error["ref"] == poll_id
    assert await count(PollVote, poll_id=poll_id) == 1
    assert (await current(PollOption, pk=no)).votes == 0
    await assert_no_frame(watcher)
    for socket in (chair, voter, watcher):
        await socket.disconnect()


async def test_poll_with_one_option_is_refused_invalid_and_pushed_to_nobody(
    connect,
    member,
    moderator,
    live_session,
):
    chair = await opened(connect, moderator, live_session)
    watcher = await opened(connect, member, live_session)

    await chair.send_json_to({"type": "poll", "question": "D'accord ?", "options": ["Oui"]})
    error = await receive_type(chair, "error")

    assert error["code"] == "invalid"
    assert await count(Poll) == 0
    await assert_no_frame(watcher)
    await assert_no_frame(chair)
    await chair.disconnect()
    await watcher.disconnect()


async def test_closed_poll_is_pushed_and_refuses_further_votes(
    connect,
    member,
    moderator,
    live_session,
):
    poll = await in_db(make_poll, moderator, live_session)
    chair = await opened(connect, moderator, live_session)
    voter = await opened(connect, member, live_session)
    await receive_type(chair, "poll")
    await receive_type(voter, "poll")

    await chair.send_json_to({"type": "close_poll", "id": poll.pk})
    got = await receive_each(chair, "ack", "poll")

    assert got["ack"] == {"type": "ack", "action": "close_poll", "id": poll.pk}
    assert got["poll"]["poll"]["closed"] is True
    assert await receive_type(voter, "poll") == got["poll"]

    yes = await in_db(lambda: poll.options.get(label="Oui").pk)
    await voter.send_json_to({"type": "vote", "id": poll.pk, "option": yes})
    error = await receive_type(voter, "error")

    assert error["code"] == "closed"
    assert await count(PollVote) == 0
    await assert_no_frame(chair)
    await chair.disconnect()
    await voter.disconnect()


async def test_member_cannot_create_a_poll(connect, member, colleague, live_session):
    intruder = await opened(connect, member, live_session)
    watcher = await opened(connect, colleague, live_session)

    await intruder.send_json_to(POLL_FRAME)
    error = await receive_type(intruder, "error")

    assert error["code"] == "forbidden"
    assert await count(Poll) == 0
    await assert_no_frame(watcher)
    await intruder.disconnect()
    await watcher.disconnect()


# Raised hands ----------------------------------------------------------------------------------


async def test_hand_raised_then_called_is_pushed_to_all(
    connect,
    member,
    moderator,
    live_session,
):
    speaker = await opened(connect, member, live_session)
    chair = await opened(connect, moderator, live_session)

    await speaker.send_json_to({"type": "hand", "up": True})
    raised = await receive_each(speaker, "ack", "hand")
    hand_id = raised["hand"]["hand"]["id"]

    assert raised["ack"] == {"type": "ack", "action": "hand", "id": hand_id}
    assert raised["hand"]["hand"]["state"] == "raised"
    assert raised["hand"]["hand"]["user"] == {"id": member.pk, "name": "Awa Traoré"}
    assert await receive_type(chair, "hand") == raised["hand"]

    await chair.send_json_to({"type": "call_hand"})
    called = await receive_each(chair, "ack", "hand")

    assert called["ack"] == {"type": "ack", "action": "call_hand", "id": hand_id}
    assert called["hand"]["hand"]["state"] == "called"
    assert called["hand"]["seq"] == raised["hand"]["seq"] + 1
    assert await receive_type(speaker, "hand") == called["hand"]
    assert (await current(Hand, pk=hand_id)).called_at is not None
    await speaker.disconnect()
    await chair.disconnect()


async def test_member_lowers_their_own_hand(connect, member, moderator, live_session):
    hand = await in_db(services.raise_hand, user=member, session=live_session)
    speaker = await opened(connect, member, live_session)
    chair = await opened(connect, moderator, live_session)
    await receive_type(speaker, "hand")
    await receive_type(chair, "hand")

    await speaker.send_json_to({"type": "hand", "up": False})
    got = await receive_each(speaker, "ack", "hand")

    assert got["ack"] == {"type": "ack", "action": "hand", "id": hand.pk}
    assert got["hand"]["hand"]["state"] == "lowered"
    assert await receive_type(chair, "hand") == got["hand"]
    await speaker.disconnect()
    await chair.disconnect()


async def test_moderator_calls_a_given_hand_out_of_turn(
    connect,
    member,
    colleague,
    moderator,
    live_session,
):
    def raise_both():
        first = services.raise_hand(user=member, session=live_session)
        second = services.raise_hand(user=colleague, session=live_session)
        return first, second

    first, second = await in_db(raise_both)
    chair = await opened(connect, moderator, live_session)
    await receive_type(chair, "hand")
    await receive_type(chair, "hand")

    await chair.send_json_to({"type": "call_hand", "id": second.pk})
    got = await receive_each(chair, "ack", "hand")

    assert got["ack"] == {"type": "ack", "action": "call_hand", "id": second.pk}
    assert got["hand"]["hand"]["id"] == second.pk
    assert got["hand"]["hand"]["state"] == "called"
    assert (await current(Hand, pk=first.pk)).state == "raised"
    await chair.disconnect()


# Moderating the room ---------------------------------------------------------------------------


async def test_mute_is_pushed_and_the_muted_member_can_no_longer_ask(
    connect,
    member,
    moderator,
    live_session,
):
    chair = await opened(connect, moderator, live_session)
    muted = await opened(connect, member, live_session)

    await chair.send_json_to(
        {"type": "mute", "user": member.pk, "minutes": 10, "reason": "Hors sujet", "key": "m-0001"}
    )
    assert await receive_type(chair, "ack") == {
        "type": "ack",
        "action": "mute",
        "id": member.pk,
        "key": "m-0001",
    }
    frame = await receive_type(chair, "mute")

    assert frame["user"] == {"id": member.pk, "name": "Awa Traoré"}
    assert frame["muted"] is True
    assert frame["until"] is not None
    assert "reason" not in frame  # the reason is for the person and moderators only
    assert await receive_type(muted, "mute") == frame
    # The muted member's socket reads its standing again: why, and until when.
    hello = await receive_type(muted, "hello")
    assert hello["can_post"] is False
    assert hello["room"]["me"]["muted"] == {"until": frame["until"], "reason": "Hors sujet"}

    await muted.send_json_to(ask_frame("q-0004-muted"))
    error = await receive_type(muted, "error")

    assert error["code"] == "muted"
    assert error["key"] == "q-0004-muted"
    assert await count(Question) == 0
    assert await count(RoomMute, user=member, lifted_at__isnull=True) == 1
    await assert_no_frame(chair)
    await chair.disconnect()
    await muted.disconnect()


async def test_slow_mode_frame_pushes_the_room_settings(
    connect,
    member,
    moderator,
    live_session,
):
    chair = await opened(connect, moderator, live_session)
    watcher = await opened(connect, member, live_session)

    await chair.send_json_to({"type": "slow_mode", "seconds": 30})
    assert (await receive_type(chair, "ack"))["action"] == "slow_mode"
    frame = await receive_type(chair, "room")

    assert frame["room"]["slow_mode"] == 30
    assert frame["room"]["closed"] is False
    assert frame["seq"] == chair.hello["last_seq"] + 1
    assert await receive_type(watcher, "room") == frame
    assert (await current(Room, pk=live_session.room_id)).slow_mode == 30
    await chair.disconnect()
    await watcher.disconnect()


async def test_member_slow_mode_and_mute_frames_are_refused(
    connect,
    member,
    colleague,
    live_session,
):
    intruder = await opened(connect, member, live_session)
    watcher = await opened(connect, colleague, live_session)

    await intruder.send_json_to({"type": "slow_mode", "seconds": 30})
    assert (await receive_type(intruder, "error"))["code"] == "forbidden"
    await intruder.send_json_to({"type": "mute", "user": colleague.pk, "muted": True})
    assert (await receive_type(intruder, "error"))["code"] == "forbidden"

    assert (await current(Room, pk=live_session.room_id)).slow_mode == 0
    assert await count(RoomMute) == 0
    await assert_no_frame(watcher)
    await intruder.disconnect()
    await watcher.disconnect()


async def test_close_pushes_a_closed_room_and_then_asking_is_refused(
    connect,
    member,
    moderator,
    live_session,
):
    chair = await opened(connect, moderator, live_session)
    asker = await opened(connect, member, live_session)

    await chair.send_json_to({"type": "close", "closed": True})
    assert (await receive_type(chair, "ack"))["action"] == "close"
    frame = await receive_type(chair, "room")

    assert frame["room"]["closed"] is True
    assert await receive_type(asker, "room") == frame

    await asker.send_json_to(ask_frame("q-0005-closed"))
    error = await receive_type(asker, "error")

    assert error["code"] == "closed"
    assert error["key"] == "q-0005-closed"
    assert await count(Question) == 0
    await assert_no_frame(chair)
    await chair.disconnect()
    await asker.disconnect()


# Bad frames ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param({"type": "upvote", "id": "x"}, "bad_frame", id="upvote-id-not-int"),
        pytest.param({"type": "upvote", "id": 987654}, "not_found", id="upvote-unknown-id"),
        pytest.param(
            {"type": "upvote", "id": THE_QUESTION, "up": "yes"}, "bad_frame", id="upvote-up-str"
        ),
        pytest.param({"type": "answer", "id": 987654}, "not_found", id="answer-unknown-id"),
        pytest.param({"type": "vote", "id": 987654, "option": 1}, "not_found", id="vote-unknown"),
        pytest.param(
            {"type": "poll", "question": "D'accord ?", "options": "Oui, Non"},
            "bad_frame",
            id="poll-options-not-a-list",
        ),
        pytest.param(
            {"type": "poll", "question": "D'accord ?", "options": ["Oui", 2]},
            "bad_frame",
            id="poll-option-not-text",
        ),
        pytest.param({"type": "ask", "body": "Sans clé ?"}, "bad_frame", id="ask-without-key"),
        pytest.param({"type": "ask", "key": "court", "body": "?"}, "bad_frame", id="ask-short-key"),
    ],
)
async def test_malformed_frames_get_an_error_and_change_nothing(
    connect,
    member,
    moderator,
    live_session,
    frame,
    code,
):
    question = await in_db(ask_now, member, live_session)
    if frame.get("id") == THE_QUESTION:
        frame = {**frame, "id": question.pk}
    sender = await opened(connect, moderator, live_session)
    watcher = await opened(connect, member, live_session)
    await receive_type(sender, "question")
    await receive_type(watcher, "question")
    last_seq = (await current(Room, pk=live_session.room_id)).last_seq

    await sender.send_json_to(frame)
    error = await receive_type(sender, "error")

    assert error["code"] == code
    assert (await current(Room, pk=live_session.room_id)).last_seq == last_seq
    await assert_no_frame(watcher)
    await sender.disconnect()
    await watcher.disconnect()


async def test_unknown_question_id_error_names_it(connect, colleague, live_session):
    socket = await opened(connect, colleague, live_session)

    await socket.send_json_to({"type": "upvote", "id": 987654})
    error = await receive_type(socket, "error")

    assert error["code"] == "not_found"
    assert error["ref"] == 987654
    await socket.disconnect()


async def test_question_of_another_session_is_not_found_here(
    connect,
    member,
    colleague,
    live_session,
    private_session,
):
    elsewhere = await in_db(ask_now, member, private_session, "Question d'une autre séance")
    socket = await opened(connect, colleague, live_session)

    await socket.send_json_to({"type": "upvote", "id": elsewhere.pk})
    error = await receive_type(socket, "error")

    assert error["code"] == "not_found"
    assert (await current(Question, pk=elsewhere.pk)).votes == 0
    await socket.disconnect()


# Resuming ------------------------------------------------------------------------------------


async def test_resume_after_seq_replays_what_was_missed_in_order_each_object_once(
    connect,
    member,
    colleague,
    moderator,
    live_session,
):
    socket = await opened(connect, member, live_session)
    await socket.send_json_to(ask_frame("q-0006-before"))
    got = await receive_each(socket, "ack", "question")
    before = got["question"]
    await socket.disconnect()

    def while_away():
        earlier = Question.objects.get(pk=before["question"]["id"])
        services.upvote_question(user=colleague, question=earlier)
        later = ask_now(colleague, live_session, "Et les frais de justice ?")
        poll = make_poll(moderator, live_session)
        services.vote_in_poll(user=colleague, poll=poll, option_id=poll.options.get(label="Oui").pk)
        services.upvote_question(user=member, question=later)
        hand = services.raise_hand(user=colleague, session=live_session)
        services.answer_question(moderator=moderator, question=earlier)
        return earlier, later, poll, hand

    earlier, later, poll, hand = await in_db(while_away)
    back = await opened(connect, member, live_session, after=before["seq"])
    missed = [await receive_any(back, {"question", "poll", "hand"}) for _ in range(4)]

    room = await current(Room, pk=live_session.room_id)
    assert back.hello["last_seq"] == room.last_seq == before["seq"] + 7
    assert [frame["seq"] for frame in missed] == sorted(frame["seq"] for frame in missed)
    drawn = [(frame["type"], frame[frame["type"]]["id"]) for frame in missed]
    assert drawn == [
        ("poll", poll.pk),
        ("question", later.pk),
        ("hand", hand.pk),
        ("question", earlier.pk),
    ]
    # Each object once, at its last change, in its current state.
    by_object = {key: frame for key, frame in zip(drawn, missed, strict=True)}
    assert by_object[("question", earlier.pk)]["seq"] == room.last_seq
    assert by_object[("question", earlier.pk)]["question"]["votes"] == 1
    assert by_object[("question", earlier.pk)]["question"]["answered"] is True
    assert by_object[("question", later.pk)]["question"]["votes"] == 1
    assert by_object[("poll", poll.pk)]["poll"]["total"] == 1
    assert by_object[("hand", hand.pk)]["hand"]["state"] == "raised"
    assert back.hello["room"]["me"]["upvoted"] == [later.pk]
    await assert_no_frame(back)
    await back.disconnect()


async def test_resume_at_the_current_seq_replays_nothing(connect, member, live_session):
    await in_db(ask_now, member, live_session)
    room = await current(Room, pk=live_session.room_id)

    socket = await opened(connect, member, live_session, after=room.last_seq)

    assert socket.hello["last_seq"] == room.last_seq
    await assert_no_frame(socket)
    await socket.disconnect()


async def test_chat_message_in_the_webinar_room_is_pushed_like_a_salon_message(
    connect,
    member,
    colleague,
    live_session,
):
    sender = await opened(connect, member, live_session)
    watcher = await opened(connect, colleague, live_session)

    await sender.send_json_to({"type": "send", "key": "m-0001-salut", "body": "Bonjour"})
    got = await receive_each(sender, "ack", "message")
    seen = await receive_type(watcher, "message")

    assert got["ack"]["key"] == "m-0001-salut"
    assert seen == got["message"]
    assert seen["message"]["room"] == live_session.room_id
    await sender.disconnect()
    await watcher.disconnect()


async def test_chat_in_slow_mode_is_refused_for_a_member(
    connect,
    member,
    moderator,
    live_session,
):
    await in_db(
        room_services.set_slow_mode, moderator=moderator, room=live_session.room, seconds=60
    )
    sender = await opened(connect, member, live_session)

    await sender.send_json_to({"type": "send", "key": "m-0002-first", "body": "Un"})
    await receive_each(sender, "ack", "message")
    await sender.send_json_to({"type": "send", "key": "m-0003-second", "body": "Deux"})
    error = await receive_type(sender, "error")

    assert error["code"] == "slow_mode"
    assert error["key"] == "m-0003-second"
    await sender.disconnect()


async def test_a_burst_of_upvotes_is_a_small_frame_each_live_and_the_whole_question_once_on_resume(
    connect, member, colleague, moderator, live_session
):
    """A large room votes often: live, each vote is the new count; a resume gets the question."""
    question = await in_db(ask_now, member, live_session)
    poll = await in_db(make_poll, moderator, live_session)
    watcher = await opened(connect, moderator, live_session)
    await receive_any(watcher, {"question"})
    await receive_any(watcher, {"poll"})
    cursor = watcher.hello["last_seq"]

    def votes():
        services.upvote_question(user=colleague, question=question)
        services.upvote_question(user=moderator, question=question)
        services.upvote_question(user=colleague, question=question, up=False)
        option = poll.options.get(label="Oui")
        services.vote_in_poll(user=colleague, poll=poll, option_id=option.pk)
        return option.pk

    yes = await in_db(votes)
    live = [await receive_any(watcher, {"votes", "tally"}) for _ in range(4)]

    assert [frame["type"] for frame in live] == ["votes", "votes", "votes", "tally"]
    assert [frame["votes"] for frame in live[:3]] == [1, 2, 1]
    assert [frame["seq"] for frame in live] == [cursor + 1, cursor + 2, cursor + 3, cursor + 4]
    assert {"id": yes, "votes": 1} in live[3]["options"]
    assert all(len(json.dumps(frame)) < 200 for frame in live)
    await assert_no_frame(watcher)
    await watcher.disconnect()

    back = await opened(connect, member, live_session, after=cursor)
    missed = [await receive_any(back, {"question", "poll", "votes", "tally"}) for _ in range(2)]

    # Folded into the objects they changed: each once, whole, at its last change.
    assert [(frame["type"], frame["seq"]) for frame in missed] == [
        ("question", cursor + 3),
        ("poll", cursor + 4),
    ]
    assert missed[0]["question"]["votes"] == 1
    assert missed[1]["poll"]["total"] == 1
    await assert_no_frame(back)
    await back.disconnect()
