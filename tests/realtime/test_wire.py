"""
realtime/wire.py: a room push framed once, written straight to each Daphne socket.

No Daphne server runs in this process, so these tests check the frame bytes
against RFC 6455 and each condition of the direct write on a stand-in
connection; tests/realtime/test_wire_daphne.py checks it in real Daphne
processes.
"""

import functools
import json
import socket
import struct
import sys
import types

import pytest

from realtime import wire


def rfc6455_text_frame(text: str) -> bytes:
    """A final, unmasked, uncompressed text frame, written from the RFC."""
    payload = text.encode()
    size = len(payload)
    if size <= 125:
        header = bytes([0x81, size])
    elif size <= 0xFFFF:
        header = bytes([0x81, 126]) + struct.pack("!H", size)
    else:
        header = bytes([0x81, 127]) + struct.pack("!Q", size)
    return header + payload


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_frame_bytes_follow_rfc6455_at_every_length_boundary(size):
    text = "é" * (size // 2) + "a" * (size % 2)  # two bytes a character, as French text has
    data, payload = wire.framed(text)
    assert payload == len(text.encode())
    assert data == rfc6455_text_frame(text)


def test_the_same_text_is_framed_once_and_another_equal_text_is_framed_afresh():
    text = "".join(["{", '"type": "message", "seq": 7', "}"])  # not interned
    first, _ = wire.framed(text)
    assert wire.framed(text)[0] is first
    twin = "".join(["{", '"type": "message", "seq": 7', "}"])
    assert twin is not text
    assert wire.framed(twin)[0] == first


def test_the_cache_keeps_a_bounded_number_of_frames():
    texts = [f"frame {number}" for number in range(wire.CACHE_SIZE * 3)]
    for text in texts:
        wire.framed(text)
    assert len(wire._framed) <= wire.CACHE_SIZE
    assert wire.framed(texts[0])[0] == rfc6455_text_frame(texts[0])


# The direct write, on a stand-in for Daphne's protocol ---------------------------------


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)


class Protocol(types.SimpleNamespace):
    __hash__ = object.__hash__  # Daphne keys its connections by protocol


def stand_in(**changes):
    stats = types.SimpleNamespace(
        outgoingWebSocketMessages=0,
        outgoingWebSocketFrames=0,
        outgoingOctetsAppLevel=0,
        outgoingOctetsWebSocketLevel=0,
        outgoingOctetsWireLevel=0,
    )
    protocol = Protocol(
        STATE_OPEN=3,
        state=3,
        _perMessageCompress=None,
        send_queue=[],
        logOctets=False,
        logFrames=False,
        trackedTimings=None,
        factory=types.SimpleNamespace(isServer=True, maskServerFrames=False),
        transport=Transport(),
        maxMessagePayloadSize=0,
        autoFragmentSize=0,
        trafficStats=stats,
    )
    connection = {}
    for name, value in changes.items():
        if name == "disconnected":
            connection["disconnected"] = value
        elif name == "factory":
            protocol.factory = types.SimpleNamespace(**value)
        else:
            setattr(protocol, name, value)
    connections = {} if changes.get("unknown") else {protocol: connection}
    server = types.SimpleNamespace(connections=connections)
    return wire.Socket(server, protocol), protocol


def test_an_open_plain_socket_gets_the_frame_bytes_and_its_statistics():
    socket, protocol = stand_in()
    text = '{"type": "message", "seq": 1, "message": {"body": "Bonjour à toutes"}}'
    assert wire.write(socket, text) is True
    assert protocol.transport.written == [rfc6455_text_frame(text)]
    stats = protocol.trafficStats
    size = len(text.encode())
    assert (stats.outgoingWebSocketMessages, stats.outgoingWebSocketFrames) == (1, 1)
    assert stats.outgoingOctetsAppLevel == stats.outgoingOctetsWebSocketLevel == size
    assert stats.outgoingOctetsWireLevel == size + 2


@pytest.mark.parametrize(
    "changes",
    [
        {"state": 1},  # connecting: not accepted yet
        {"state": 2},  # closing: nothing more goes out
        {"_perMessageCompress": object()},  # each socket's frame would differ
        {"send_queue": [(b"x", True)]},  # autobahn's queued writes go first
        {"logOctets": True},
        {"logFrames": True},
        {"trackedTimings": object()},
        {"factory": {"isServer": True, "maskServerFrames": True}},
        {"factory": {"isServer": False, "maskServerFrames": False}},
        {"transport": None},
        {"disconnected": True},  # Daphne saw it go
        {"unknown": True},  # Daphne no longer holds it
        {"maxMessagePayloadSize": 10},  # the usual road refuses it
        {"autoFragmentSize": 10},  # the usual road fragments it
    ],
    ids=lambda changes: ",".join(changes),
)
def test_the_usual_road_is_taken_when_a_condition_does_not_hold(changes):
    socket, protocol = stand_in(**changes)
    transport = protocol.transport
    assert wire.write(socket, '{"type": "message", "seq": 1}') is False
    if transport is not None:
        assert transport.written == []
    assert protocol.trafficStats.outgoingWebSocketMessages == 0


def test_no_socket_means_the_usual_road():
    assert wire.write(None, "{}") is False


def pretend_daphne(monkeypatch, server_class, protocol_class) -> None:
    """Daphne's modules as loaded in a Daphne process (without its reactor)."""
    modules = {
        "daphne.server": types.SimpleNamespace(Server=server_class),
        "daphne.ws_protocol": types.SimpleNamespace(WebSocketProtocol=protocol_class),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)


def test_a_send_that_is_not_daphnes_own_has_no_socket(monkeypatch):
    async def send(message):
        pass

    assert wire.daphne_socket(send) is None
    assert wire.daphne_socket(functools.partial(send)) is None

    # Under Daphne (its modules loaded), a send that a middleware wrapped
    # still takes the usual road.
    class Server:
        async def handle_reply(self, protocol, message):
            pass

    class WebSocketProtocol:
        pass

    monkeypatch.setitem(sys.modules, "daphne.server", types.SimpleNamespace(Server=Server))
    monkeypatch.setitem(
        sys.modules,
        "daphne.ws_protocol",
        types.SimpleNamespace(WebSocketProtocol=WebSocketProtocol),
    )
    server, protocol = Server(), WebSocketProtocol()
    found = wire.daphne_socket(functools.partial(server.handle_reply, protocol))
    assert found is not None and (found.server, found.protocol) == (server, protocol)

    async def wrapped(message):
        await server.handle_reply(protocol, message)

    assert wire.daphne_socket(wrapped) is None
    assert wire.daphne_socket(functools.partial(server.handle_reply, object())) is None
    assert wire.daphne_socket(functools.partial(Server().handle_reply, protocol, None)) is None


def test_turned_off_by_the_setting(monkeypatch, settings):
    class Server:
        async def handle_reply(self, protocol, message):
            pass

    class WebSocketProtocol:
        pass

    monkeypatch.setitem(sys.modules, "daphne.server", types.SimpleNamespace(Server=Server))
    monkeypatch.setitem(
        sys.modules,
        "daphne.ws_protocol",
        types.SimpleNamespace(WebSocketProtocol=WebSocketProtocol),
    )
    send = functools.partial(Server().handle_reply, WebSocketProtocol())
    settings.WIRE_FAST_PATH = False
    assert wire.daphne_socket(send) is None
    settings.WIRE_FAST_PATH = True
    assert wire.daphne_socket(send) is not None


@pytest.mark.django_db(transaction=True)
async def test_in_the_test_communicator_room_pushes_take_the_usual_road(
    connect, member, colleague, salon, monkeypatch
):
    """ApplicationCommunicator is not Daphne: pushes arrive, in order, through ``send``."""
    from realtime.consumers import RoomConsumer
    from rooms import services as room_services

    from .wire import in_db, receive_type

    sent: list[dict] = []
    original = RoomConsumer.send

    async def spy(self, text_data=None, bytes_data=None, close=False):
        if text_data is not None:
            sent.append(json.loads(text_data))
        await original(self, text_data=text_data, bytes_data=bytes_data, close=close)

    monkeypatch.setattr(RoomConsumer, "send", spy)
    socket = await connect(member, f"/ws/rooms/{salon.pk}/")
    await receive_type(socket, "hello")
    for body in ("un", "deux", "trois"):
        await in_db(room_services.send_message, author=colleague, room=salon, body=body)
    received = [await receive_type(socket, "message") for _ in range(3)]
    await socket.disconnect()

    assert [frame["seq"] for frame in received] == [1, 2, 3]
    assert [f["seq"] for f in sent if f["type"] == "message"] == [1, 2, 3]


def test_the_session_middlewares_pass_through_wrapper_is_seen_through(monkeypatch, settings):
    """AuthMiddlewareStack's SessionMiddleware wraps send; for WebSocket frames it only passes."""
    from channels.sessions import InstanceSessionWrapper

    class Server:
        async def handle_reply(self, protocol, message):
            pass

    class WebSocketProtocol:
        pass

    pretend_daphne(monkeypatch, Server, WebSocketProtocol)
    server, protocol = Server(), WebSocketProtocol()
    daphne_send = functools.partial(server.handle_reply, protocol)
    outer = InstanceSessionWrapper({"cookies": {}}, daphne_send)
    inner = InstanceSessionWrapper({"cookies": {}, "session": object()}, outer.send)

    assert wire.unwrap(inner.send) is daphne_send
    found = wire.daphne_socket(inner.send)
    assert found is not None and found.protocol is protocol

    # A session wrapper that would act on WebSocket frames is kept: no direct write.
    monkeypatch.setattr(outer, "save_message_types", ["http.response.start", "websocket.send"])
    assert wire.unwrap(inner.send) == outer.send
    assert wire.daphne_socket(inner.send) is None


class Plain:
    """A plain Twisted TCP connection over one end of a socket pair (no reactor)."""

    def __init__(self) -> None:
        from twisted.internet import tcp

        self.ours, self.peer = socket.socketpair()
        self.peer.settimeout(2)
        self.transport = tcp.Connection(self.ours, protocol=None, reactor=object())
        self.transport.connected = 1
        self.buffered: list[bytes] = []  # what went through Twisted's write
        self.transport.write = self.buffered.append

    def read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            data += self.peer.recv(size - len(data))
        return data

    def close(self) -> None:
        self.ours.close()
        self.peer.close()


@pytest.fixture
def plain():
    connection = Plain()
    yield connection
    connection.close()


def test_with_nothing_buffered_the_frame_goes_straight_to_the_socket(plain):
    wire.send_through(plain.transport, b"\x81\x02hi")

    assert plain.buffered == []
    assert plain.read(4) == b"\x81\x02hi"


def test_behind_buffered_bytes_the_frame_queues_in_twisteds_buffer(plain):
    plain.transport._tempDataBuffer.append(b"earlier")
    plain.transport._tempDataLen = 7

    wire.send_through(plain.transport, b"later")

    assert plain.buffered == [b"later"]
    plain.peer.settimeout(0.1)
    with pytest.raises(TimeoutError):
        plain.peer.recv(10)


def test_what_does_not_fit_in_the_socket_goes_to_twisteds_buffer_in_order(plain):
    plain.ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    data = bytes(range(256)) * 4096  # 1 MiB: more than the socket takes

    wire.send_through(plain.transport, data)

    assert len(plain.buffered) == 1
    rest = plain.buffered[0]
    assert 0 < len(rest) < len(data)
    assert data.endswith(rest)
    assert plain.read(len(data) - len(rest)) == data[: len(data) - len(rest)]


@pytest.mark.parametrize("state", ["disconnecting", "not connected", "half closed"])
def test_a_closing_connection_takes_twisteds_write(plain, state):
    if state == "disconnecting":
        plain.transport.disconnecting = True
    elif state == "not connected":
        plain.transport.connected = 0
    else:
        plain.transport._writeDisconnected = True

    wire.send_through(plain.transport, b"frame")

    assert plain.buffered == [b"frame"]


def test_a_broken_socket_leaves_the_frame_to_twisted_which_meets_the_error(plain):
    plain.peer.close()
    plain.ours.shutdown(socket.SHUT_WR)

    wire.send_through(plain.transport, b"frame")

    assert plain.buffered == [b"frame"]


def test_a_transport_that_is_not_a_plain_connection_takes_its_own_write():
    transport = Transport()

    wire.send_through(transport, b"frame")

    assert transport.written == [b"frame"]
