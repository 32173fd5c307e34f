"""
Every WebSocket frame type, fuzzed: 200 frames per type and consumer, never a 1011.

The consumers come from realtime/routing.py (each route's URL on the private
world is the access matrix's WS_RULES, which fails for a route without a
rule). The frame types of a room socket are the room-action table's rows for
its kind (rooms.actions.names_for): each is generated with its fields of the
right shape at and past their bounds, of the wrong type, missing, and with
extra keys. Every socket also gets ``ping``, ``typing``, frames of actions
from other rooms' tables, and garbage: text that is not JSON, deep nesting,
frames over 16 KB, bytes.

A moderator of the CoP sends them (so that frames reach the services), on one
socket per consumer. After each frame a ``ping`` follows: until its ``pong``
the socket must answer the frame with an ``ack`` or an ``error`` (a ``typing``
needs no answer), must not close, and nothing may be logged with a traceback.
"""

import asyncio
import json

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from hypothesis import given
from hypothesis import strategies as st

from forum.models import User
from realtime import consumers, routing
from rooms import actions
from rooms.models import Room

from ..private_world import build_world
from ..test_access_matrix import WS_RULES
from .strategies import FUZZ, action_frame, garbage_text, json_values, utf8_texts

PING = json.dumps({"type": "ping"})
ANSWERS = {"ack", "error"}


def frame_types(room: Room | None) -> dict[str, st.SearchStrategy]:
    """What a socket is sent, by frame type: its room's actions, then what every socket gets."""
    own = actions.names_for(room) if room is not None else []
    types = {name: action_frame(actions.find(room, name)).map(json.dumps) for name in own}
    foreign = [a for a in actions.all_actions() if a.name not in own]
    if foreign:
        types["foreign_action"] = st.one_of(*[action_frame(a) for a in foreign]).map(json.dumps)
    types["ping"] = st.dictionaries(utf8_texts, json_values, max_size=3).map(
        lambda extra: json.dumps({**extra, "type": "ping"})
    )
    types["typing"] = st.dictionaries(utf8_texts, json_values, max_size=3).map(
        lambda extra: json.dumps({**extra, "type": "typing"})
    )
    types["garbage"] = st.one_of(
        garbage_text.map(lambda text: ("text", text)),
        st.binary(max_size=256).map(lambda data: ("bytes", data)),
    )
    return types


def pongs_due(kind: str, data) -> int:
    """Pongs to wait for: the closing ping's, and the payload's own if it is a ping that
    passes the transport checks (a ping over 16 KB or nested too deep is an error)."""
    if kind != "text" or len(data.encode("utf-8", "surrogatepass")) > actions.MAX_FRAME_BYTES:
        return 1
    try:
        frame = actions.decode(data)
    except actions.ActionError:
        return 1
    return 2 if frame.get("type") == "ping" else 1


class Socket:
    """One socket, driven from synchronous Hypothesis examples on a loop of its own."""

    def __init__(self, path: str, user) -> None:
        self.loop = asyncio.new_event_loop()

        async def make():
            # Made on the socket's loop: the application's task belongs to the loop that
            # makes the communicator, whatever other loop the test process has.
            return WebsocketCommunicator(URLRouter(routing.websocket_urlpatterns), "/" + path)

        self.communicator = self.run(make())
        self.communicator.scope["user"] = user

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    async def hello(self) -> dict:
        connected, _ = await self.communicator.connect(timeout=10)
        assert connected
        return await self.next_frame()

    async def next_frame(self) -> dict:
        output = await self.communicator.receive_output(timeout=10)
        assert output["type"] == "websocket.send", f"socket closed: {output}"
        return json.loads(output["text"])

    async def exchange(self, payload) -> list[dict]:
        """Send ``payload``, then a ping; the frames that came back before the pong."""
        kind, data = payload if isinstance(payload, tuple) else ("text", payload)
        # send_input, not send_to: an empty text or binary frame is a frame too.
        await self.communicator.send_input({"type": "websocket.receive", kind: data})
        await self.communicator.send_to(text_data=PING)
        frames = []
        pongs = pongs_due(kind, data)
        while True:
            frame = await self.next_frame()
            if frame.get("type") == "pong":
                pongs -= 1
                if pongs == 0:
                    return frames
            frames.append(frame)

    def close(self) -> None:
        try:
            self.run(self.communicator.disconnect(timeout=5))
        finally:
            self.loop.close()


def socket_routes() -> list[str]:
    """Every route a moderator's socket is let in on (an unknown path is closed at once)."""
    return sorted(route for route, (_, table) in WS_RULES.items() if table["moderator"] == "hello")


@pytest.fixture
def unlimited(settings, monkeypatch):
    """Lift the flood and chat limits: the fuzz sends far faster than a person."""
    monkeypatch.setattr(consumers, "FLOOD_FRAMES", 100_000)
    settings.JEKAFO = {**settings.JEKAFO, "CHAT_RATE": (100_000, 1)}


def room_of(route: str, world) -> Room | None:
    if "rooms" in route:
        return world["salon"]
    if "webinars" in route:
        return world["webinar_room"]
    return None


def fuzz_frames(socket: Socket, name: str, frames, tracebacks):
    """The Hypothesis test of one frame type on an open socket."""

    @FUZZ
    @given(frames)
    def send(payload):
        # The abuse limits count per example, as in the other fuzz targets: otherwise the
        # 'report' limit (a few an hour) answers every later report frame before the service.
        cache.clear()
        answers = socket.run(socket.exchange(payload))
        logged = tracebacks.take()
        if name not in {"typing", "ping"}:
            assert ANSWERS & {f.get("type") for f in answers}, (name, payload, answers)
        assert logged == [], (name, payload)

    return send


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", socket_routes())
def test_frames_never_close_a_socket_with_1011(route, unlimited, tracebacks):
    world = build_world()
    socket = Socket(WS_RULES[route][0](world), User.objects.get(pk=world.users["moderator"].pk))
    try:
        assert socket.run(socket.hello())["type"] == "hello"
        for name, frames in frame_types(room_of(route, world)).items():
            fuzz_frames(socket, name, frames, tracebacks)()
    finally:
        socket.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_frames_sent_to_a_refused_socket_are_ignored(who, tracebacks):
    """A socket refused (4404) may still have frames in flight: they are not read."""
    world = build_world()
    user = world.users.get(who)
    user = AnonymousUser() if user is None else User.objects.get(pk=user.pk)
    socket = Socket(f"ws/rooms/{world['salon'].pk}/", user)

    async def storm():
        await socket.communicator.send_input({"type": "websocket.connect"})
        for payload in ('{"type": "send", "key": "abcdefgh", "body": "x"}', PING, "x"):
            await socket.communicator.send_to(text_data=payload)
        outputs = []
        while True:
            output = await socket.communicator.receive_output(timeout=5)
            outputs.append(output)
            if output["type"] == "websocket.close":
                return outputs

    try:
        outputs = socket.run(storm())
    finally:
        socket.close()
    assert outputs[-1] == {"type": "websocket.close", "code": 4404}
    assert [o for o in outputs if o["type"] == "websocket.send"] == []
    assert tracebacks.take() == []
