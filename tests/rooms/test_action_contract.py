"""
The contract of the room-action table: both doors answer alike.

Every row of ``rooms.actions`` — chat and moderation in a salon and in a
webinar room, and the webinar's own rows — is run for every role
(anonymous, a signed-in outsider, a member, a moderator) through three
doors: a WebSocket frame, a JSON POST and a form POST to the one HTTP
endpoint. Each door acts in a world of its own, built alike, so each starts
from the same state. The doors must give the same acknowledgement (or the
same error code) and leave the same stored result; and the table's ``who``
must be true: the roles it names get an ``ack``, the others an ``error``.

An action added to the table without an example here fails
``test_every_action_of_the_table_has_an_example``.
"""

import functools
import io
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum.models import Community, Membership, ModerationAction, Report, User
from realtime.routing import websocket_urlpatterns
from rooms import actions, kinds
from rooms import services as room_services
from rooms.models import SALON, Message, Room, RoomEvent, RoomMute, VoiceNote
from webinars import services as webinar_services
from webinars.models import ROOM_KIND as WEBINAR
from webinars.models import Hand, Poll, PollVote, Question, QuestionVote, Session

from ..audio import tone
from ..factories import make_community, make_membership, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ("anonymous", "outsider", "member", "moderator")
DOORS = ("socket", "json", "form")
router = URLRouter(websocket_urlpatterns)


@dataclass
class World:
    """One CoP with its people and a room of one kind, ready for any action."""

    kind: str
    community: Community
    room: Room
    people: dict[str, User]
    session: Session | None = None
    things: dict[str, object] = field(default_factory=dict)
    baseline: int = 0

    def user(self, role: str):
        return AnonymousUser() if role == "anonymous" else self.people[role]

    def labels(self) -> dict[tuple[str, int], str]:
        """What each id of this world stands for, so that two worlds compare."""
        named = {("user", user.pk): role for role, user in self.people.items()}
        named[("room", self.room.pk)] = "room"
        for name, thing in self.things.items():
            model = type(thing).__name__.lower()
            named[({"voicenote": "voice"}.get(model, model), thing.pk)] = name
        return named


_worlds = iter(range(1, 10_000))


def build_world(kind: str) -> World:
    number = next(_worlds)
    community = make_community(
        name=f"Contrat {number}", slug=f"contrat-{number}", visibility=Community.Visibility.PUBLIC
    )
    people = {
        role: make_user(username=f"{role}{number}", display_name=f"{role.title()} {number}")
        for role in ("outsider", "member", "moderator", "colleague", "muted")
    }
    for role in ("member", "colleague", "muted"):
        make_membership(people[role], community, Membership.Role.MEMBER)
    make_membership(people["moderator"], community, Membership.Role.MODERATOR)
    session = None
    if kind == SALON:
        room = room_services.ensure_salon(community)
    else:
        session = webinar_services.create_session(
            author=people["moderator"],
            community=community,
            title=f"Séance {number}",
            starts_at=timezone.now() - timedelta(minutes=10),
            duration=90,
        )
        room = session.room
    world = World(kind=kind, community=community, room=room, people=people, session=session)
    say = room_services.send_message
    world.things["message:colleague"] = say(
        author=people["colleague"], room=room, body="Bonjour de Ségou", client_key="contract-c1"
    )[0]
    world.things["message:member"] = say(
        author=people["member"],
        room=room,
        body="Bonjour de Kayes",
        client_key="contract-m1",
        voice=io.BytesIO(short_recording()),
    )[0]
    world.things["voice"] = world.things["message:member"].voice
    room_services.mute_participant(
        moderator=people["moderator"], room=room, user=people["muted"], minutes=30, reason="Test"
    )
    if session is not None:
        world.things["question"] = webinar_services.ask_question(
            author=people["colleague"],
            session=session,
            body="Quel budget ?",
            client_key="contract-q1",
        )[0]
        world.things["poll"] = webinar_services.create_poll(
            moderator=people["moderator"],
            session=session,
            question="Date ?",
            options=["Mai", "Juin"],
        )
        world.things["option"] = world.things["poll"].options.order_by("position").first()
        world.things["hand"] = webinar_services.raise_hand(
            user=people["colleague"], session=session
        )
    world.baseline = Room.objects.get(pk=room.pk).last_seq
    return world


@functools.cache
def short_recording() -> bytes:
    return tone("ogg", 0.5)


# One example of each action, for a role, in a world ---------------------------------------

EXAMPLES = {
    "send": lambda w, role: {"key": f"k-{role}-contract", "body": "Réunion à 10h"},
    "edit": lambda w, role: {"id": w.things["message:member"].pk, "body": "Réunion à 11h"},
    "delete": lambda w, role: {"id": w.things["message:member"].pk},
    "slow_mode": lambda w, role: {"seconds": 30},
    "mute": lambda w, role: {
        "user": w.people["colleague"].pk,
        "minutes": 10,
        "reason": "Hors sujet",
    },
    "unmute": lambda w, role: {"user": w.people["muted"].pk},
    "pin": lambda w, role: {"id": w.things["message:colleague"].pk},
    "close": lambda w, role: {"closed": True},
    "report": lambda w, role: {
        "id": w.things["message:colleague"].pk,
        "reason": "harassment",
        "text": "Insulte",
    },
    "transcript": lambda w, role: {"id": w.things["voice"].pk, "text": "Bonjour de Kayes"},
    "ask": lambda w, role: {"key": f"q-{role}-contract", "body": "Et les filles rurales ?"},
    "upvote": lambda w, role: {"id": w.things["question"].pk, "up": True},
    "answer": lambda w, role: {"id": w.things["question"].pk, "answered": True},
    "hide_question": lambda w, role: {"id": w.things["question"].pk, "hidden": True},
    "poll": lambda w, role: {"question": "Lieu ?", "options": ["Ségou", "Kayes"]},
    "vote": lambda w, role: {"id": w.things["poll"].pk, "option": w.things["option"].pk},
    "close_poll": lambda w, role: {"id": w.things["poll"].pk},
    "hand": lambda w, role: {"up": True},
    "call_hand": lambda w, role: {"id": w.things["hand"].pk},
}
# Who the table says may act, as roles of these worlds (example targets: the member's message).
ALLOWED = {
    actions.MEMBER: {"member", "moderator"},
    actions.AUTHOR: {"member"},
    actions.AUTHOR_OR_MODERATOR: {"member", "moderator"},
    actions.MODERATOR: {"moderator"},
    actions.READER: {"outsider", "member", "moderator"},  # the worlds' CoPs are public
}


def cases():
    for action in actions.all_actions():
        for kind in sorted(action.room_kinds) or [SALON, WEBINAR]:
            yield pytest.param(action.name, kind, id=f"{action.name}-{kind}")


def as_form(frame: dict) -> dict:
    """The same fields as a plain HTML form would post them."""
    data = {"action": frame["type"]}
    for name, value in frame.items():
        if name == "type" or value is None:
            continue
        if isinstance(value, bool):
            data[name] = "1" if value else "0"
        elif isinstance(value, list):
            data[name] = value  # repeated fields
        else:
            data[name] = str(value)
    return data


# The doors --------------------------------------------------------------------------------


async def through_socket(world: World, role: str, frame: dict) -> dict:
    path = f"/ws/rooms/{world.room.pk}/"
    communicator = WebsocketCommunicator(router, path)
    communicator.scope["user"] = await database_sync_to_async(
        lambda: AnonymousUser() if role == "anonymous" else User.objects.get(pk=world.user(role).pk)
    )()
    connected, _detail = await communicator.connect(timeout=5)
    assert connected
    try:
        await communicator.send_json_to(frame)
        while True:
            answer = json.loads((await communicator.receive_output(timeout=5))["text"])
            if answer["type"] in {"ack", "error"}:
                return answer
    finally:
        await communicator.disconnect()


def through_http(world: World, role: str, frame: dict, door: str) -> dict:
    client = Client()
    if role != "anonymous":
        client.force_login(world.user(role))
    url = reverse("room_action", args=[world.room.pk])
    if door == "json":
        response = client.post(url, json.dumps(frame), content_type="application/json")
    else:
        response = client.post(url, as_form(frame), HTTP_ACCEPT="application/json")
    answer = response.json()
    assert response.status_code == actions.status_of(answer), (response.status_code, answer)
    return answer


# What each door left behind, in a world's own words ----------------------------------------


def stored(world: World) -> dict:
    named = world.labels()

    def label(model: str, pk):
        return None if pk is None else named.get((model, pk), "new")

    room = Room.objects.get(pk=world.room.pk)
    result = {
        "room": (room.is_closed, room.slow_mode, label("message", room.pinned_id)),
        "messages": [
            (label("user", m.author_id), m.body, m.deleted_at is not None, m.edited_at is not None)
            for m in Message.objects.filter(room=room).order_by("id")
        ],
        "voices": [
            (label("user", v.author_id), v.transcript)
            for v in VoiceNote.objects.filter(room=room).order_by("id")
        ],
        "mutes": [
            (label("user", m.user_id), m.in_force(), m.until is not None, m.reason)
            for m in RoomMute.objects.filter(room=room).order_by("id")
        ],
        "events": list(
            RoomEvent.objects.filter(room=room, seq__gt=world.baseline)
            .order_by("seq")
            .values_list("kind", flat=True)
        ),
        "reports": [
            (label("user", r.reporter_id), r.case.kind, r.reason, r.text)
            for r in Report.objects.filter(case__community=world.community).select_related("case")
        ],
        "log": [
            (label("user", a.actor_id), a.kind, label("user", a.target_user_id), a.reason)
            for a in ModerationAction.objects.filter(community=world.community).order_by("id")
        ],
    }
    if world.session is not None:
        session = world.session
        result["questions"] = [
            (label("user", q.author_id), q.body, q.votes, bool(q.answered_at), bool(q.hidden_at))
            for q in Question.objects.filter(session=session).order_by("id")
        ]
        result["upvotes"] = sorted(
            label("user", v.user_id) for v in QuestionVote.objects.filter(question__session=session)
        )
        result["polls"] = [
            (p.question, p.closed_at is not None, [(o.label, o.votes) for o in p.options.all()])
            for p in Poll.objects.filter(session=session).order_by("id")
        ]
        result["votes"] = sorted(
            (label("user", v.user_id), v.option.label)
            for v in PollVote.objects.filter(poll__session=session).select_related("option")
        )
        result["hands"] = [
            (label("user", h.user_id), h.state)
            for h in Hand.objects.filter(session=session).order_by("id")
        ]
    return result


def normalised(world: World, action: actions.Action, answer: dict) -> dict:
    """The answer with this world's ids and sequence numbers replaced by what they stand for."""
    result = dict(answer)
    if result.get("id") is not None:
        result["id"] = world.labels().get((action.acks, result["id"]), "new")
    if "seq" in result:
        result["seq"] -= world.baseline
    if result.get("ref") is not None:
        result["ref"] = "given"
    return result


# The contract ------------------------------------------------------------------------------


def test_every_action_of_the_table_has_an_example():
    assert {a.name for a in actions.all_actions()} == set(EXAMPLES)
    assert {a.who for a in actions.all_actions()} <= set(ALLOWED)
    assert {a.acks for a in actions.all_actions()} <= {
        "message",
        "room",
        "user",
        "question",
        "poll",
        "hand",
        "voice",
    }


@pytest.mark.parametrize(("name", "kind"), list(cases()))
async def test_both_doors_answer_alike_for_every_role(name, kind):
    action = next(a for a in actions.all_actions() if a.name == name)
    for role in ROLES:
        answers, results = {}, {}
        for door in DOORS:
            world = await database_sync_to_async(build_world)(kind)
            assert actions.find(world.room, name) is action
            frame = {"type": name, **EXAMPLES[name](world, role)}
            if door == "socket":
                answer = await through_socket(world, role, frame)
            else:
                answer = await database_sync_to_async(through_http)(world, role, frame, door)
            answers[door] = normalised(world, action, answer)
            results[door] = await database_sync_to_async(stored)(world)
        socket_answer = answers["socket"]
        expected = "ack" if role in ALLOWED[action.who] else "error"
        assert socket_answer["type"] == expected, (role, socket_answer)
        for door in ("json", "form"):
            assert answers[door] == socket_answer, (role, door)
            assert results[door] == results["socket"], (role, door)
        if expected == "error":
            assert results["socket"]["events"] == [], (role, "a refused action changed the room")


@pytest.mark.parametrize("door", DOORS)
async def test_a_room_the_reader_may_not_see_is_not_found_by_every_door(door):
    def private_world():
        world = build_world(SALON)
        Community.objects.filter(pk=world.community.pk).update(
            visibility=Community.Visibility.PRIVATE
        )
        return world

    world = await database_sync_to_async(private_world)()
    frame = {"type": "send", "key": "k-outsider-private", "body": "Coucou"}
    if door == "socket":
        communicator = WebsocketCommunicator(router, f"/ws/rooms/{world.room.pk}/")
        communicator.scope["user"] = world.people["outsider"]
        connected, _detail = await communicator.connect(timeout=5)
        assert connected  # accepted, then closed with the code, before any frame
        assert await communicator.receive_output(timeout=5) == {
            "type": "websocket.close",
            "code": 4404,
        }
    else:
        answer = await database_sync_to_async(through_http)(world, "outsider", frame, door)
        assert answer["code"] == "not_found"
    assert await database_sync_to_async(Message.objects.filter(room=world.room).count)() == 2


def test_kinds_know_both_rooms_and_their_pages(db):
    salon, webinar = build_world(SALON), build_world(WEBINAR)
    assert kinds.page_url(salon.room) == reverse("salon", args=[salon.community.slug])
    assert kinds.page_url(webinar.room) == reverse("webinar_room", args=[webinar.session.pk])
    assert "ask" in actions.names_for(webinar.room)
    assert "ask" not in actions.names_for(salon.room)
