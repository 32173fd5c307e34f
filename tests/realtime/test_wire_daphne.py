"""
realtime/wire.py in real Daphne processes: the same bytes, in the same order.

Process ``a`` frames room pushes once and writes them to each socket (the
default); process ``b`` runs with ``WIRE_FAST_PATH=0`` and sends them through
Channels, Daphne and autobahn as before. The clients read the raw bytes off
the wire, so the test compares frames as the browser's socket receives them.
"""

import asyncio
import base64
import json
import secrets
import struct

import pytest

from ._daphne import (
    Cluster,
    DaphneProcess,
    running_cluster,
    shared_redis_url,
)

pytestmark = pytest.mark.redis


class WireCluster(Cluster):
    """``a`` with the direct writes, ``b`` without; both log at INFO (wire.py says when on)."""

    def _start(self, name: str) -> DaphneProcess:
        self.generation += 1
        env = {**(self.env_a if name == "a" else self.env), "LOG_LEVEL": "INFO"}
        if name == "b":
            env["WIRE_FAST_PATH"] = "0"
        return DaphneProcess(f"{name}{self.generation}", env, self.workdir)


@pytest.fixture(scope="module")
def cluster():
    with running_cluster(shared_redis_url(), WireCluster) as running:
        try:
            running.prepare()
            yield running
        finally:
            print(running.logs())  # shown when a test failed


class RawSocket:
    """A WebSocket client that keeps every frame exactly as its bytes came in."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, cookie: str, room: int) -> "RawSocket":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        writer.write(
            (
                f"GET /ws/rooms/{room}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: http://127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    async def frame(self) -> bytes:
        """The next frame, header included."""
        head = await self.reader.readexactly(2)
        size = head[1] & 0x7F
        extended = b""
        if size == 126:
            extended = await self.reader.readexactly(2)
            size = struct.unpack("!H", extended)[0]
        elif size == 127:
            extended = await self.reader.readexactly(8)
            size = struct.unpack("!Q", extended)[0]
        assert not head[1] & 0x80, "a server frame is never masked"
        return head + extended + await self.reader.readexactly(size)

    async def text(self) -> tuple[bytes, dict]:
        """The next text frame (pings answered on the way): its bytes and its JSON."""
        while True:
            raw = await self.frame()
            opcode = raw[0] & 0x0F
            if opcode == 0x1:
                return raw, json.loads(raw[2 + extended_length(raw) :])
            assert opcode in (0x9, 0xA), f"unexpected frame {raw[:4]!r}"

    def send(self, frame: dict) -> None:
        payload = json.dumps(frame).encode()
        mask = secrets.token_bytes(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        if len(payload) <= 125:
            header = bytes([0x81, 0x80 | len(payload)])
        else:
            header = bytes([0x81, 0x80 | 126]) + struct.pack("!H", len(payload))
        self.writer.write(header + mask + masked)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def extended_length(raw: bytes) -> int:
    return {126: 2, 127: 8}.get(raw[1] & 0x7F, 0)


def text_frame(text: str) -> bytes:
    """RFC 6455: a final, unmasked text frame."""
    payload = text.encode()
    if len(payload) <= 125:
        return bytes([0x81, len(payload)]) + payload
    return bytes([0x81, 126]) + struct.pack("!H", len(payload)) + payload


async def until(socket: RawSocket, wanted) -> list[tuple[bytes, dict]]:
    """Text frames up to and including the first one ``wanted`` accepts."""
    frames = []
    while True:
        raw, frame = await socket.text()
        frames.append((raw, frame))
        if wanted(frame):
            return frames


async def test_pushes_are_the_same_bytes_in_the_same_order_with_and_without_the_fast_path(
    cluster,
):
    bodies = [
        "Bonjour à toutes",
        "Les parajuristes de Ségou — réunion jeudi " * 4,  # over 125 bytes
        "Merci",
    ]
    async with asyncio.timeout(60):
        fast = await RawSocket.open(cluster.a.port, cluster.cookies[0], cluster.room)
        usual = await RawSocket.open(cluster.b.port, cluster.cookies[1], cluster.room)
        sender = await RawSocket.open(cluster.a.port, cluster.cookies[2], cluster.room)
        try:
            for socket in (fast, usual, sender):
                assert (await socket.text())[1]["type"] == "hello"
            for number, body in enumerate(bodies):
                sender.send({"type": "send", "key": f"fil-rapide-{number:03d}", "body": body})
                # The sender's own socket is held while its send is handled:
                # its ack comes first, then the pushed message (the protocol's order).
                got = await until(sender, lambda f: f["type"] == "message")
                kinds = [frame["type"] for _raw, frame in got if frame["type"] != "presence"]
                assert kinds == ["ack", "message"]
            received = {}
            for name, socket in (("fast", fast), ("usual", usual)):
                frames = []
                while len(frames) < len(bodies):
                    raw, frame = await socket.text()
                    if frame["type"] == "message":
                        frames.append((raw, frame))
                received[name] = frames
        finally:
            for socket in (fast, usual, sender):
                await socket.close()

    fast_frames, usual_frames = received["fast"], received["usual"]
    assert [frame["seq"] for _raw, frame in fast_frames] == [1, 2, 3]
    assert [raw for raw, _frame in fast_frames] == [raw for raw, _frame in usual_frames]
    for raw, frame in fast_frames:
        text = raw[2 + extended_length(raw) :].decode()
        assert raw == text_frame(text)
        assert json.loads(text) == frame
    # Process a took the direct writes (realtime/wire.py says so once); b did not.
    logs = {process.name[0]: process.log_tail() for process in (cluster.a, cluster.b)}
    assert "framed once per process" in logs["a"]
    assert "framed once per process" not in logs["b"]
    assert "take the usual send" not in logs["a"]
