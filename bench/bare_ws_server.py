"""
A bare `websockets` broadcast server: the floor that bench/fanout.py compares Daphne with.

It speaks just enough of the room protocol (docs/realtime-protocol.md) for the
fan-out benchmark's client to measure it exactly as it measures Daphne:

- on connect, a ``hello`` frame;
- ``ping`` → ``pong``;
- ``send`` → ``ack`` to the sender, then one ``message`` frame, serialised
  once, written to every open socket with ``websockets.broadcast``;
- ``upvote`` → ``ack``, then one ``votes`` frame (the question's new count)
  to every socket, as a webinar room does (bench/conference.py).

There is no database, no channel layer, no authentication and no rate limit:
the figures show what one Python process on this machine can fan out, which is
what "p99 ≤ 2× the bare server's p99" measures Channels against. The message
frame has the same fields as the real one, so the client parses frames of the
same shape and size. Every URL path is accepted as the same room.

Run by bench/fanout.py; by hand: ``.venv/bin/python bench/bare_ws_server.py --port 8765``.
"""

import argparse
import asyncio
import datetime
import html
import json
import signal

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

ROOM_ID = 1
HEARTBEAT = 25
MAX_FRAME = 16_384


class Room:
    def __init__(self) -> None:
        self.sockets: set[ServerConnection] = set()
        self.seq = 0
        self.message_id = 0
        self.acks: dict[str, str] = {}  # idempotency key → ack frame
        self.votes: dict[int, int] = {}  # question id → upvotes

    def hello(self) -> str:
        return json.dumps(
            {
                "type": "hello",
                "topic": f"room.{ROOM_ID}",
                "user": None,
                "can_post": True,
                "can_moderate": False,
                "last_seq": self.seq,
                "unread": None,
                "heartbeat": HEARTBEAT,
            }
        )

    def post(self, key: str, body: str) -> tuple[str, str | None]:
        """Store a message once per key; return the ack and the frame to broadcast."""
        if key in self.acks:
            return self.acks[key], None
        self.seq += 1
        self.message_id += 1
        now = datetime.datetime.now(datetime.UTC)
        frame = json.dumps(
            {
                "type": "message",
                "seq": self.seq,
                "message": {
                    "id": self.message_id,
                    "room": ROOM_ID,
                    "author": {"id": 1, "name": "Émettrice"},
                    "html": html.escape(body),
                    "created_at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "edited_at": None,
                    "deleted": False,
                    "deleted_by_moderator": False,
                },
            }
        )
        ack = json.dumps(
            {"type": "ack", "action": "send", "key": key, "id": self.message_id, "seq": self.seq}
        )
        self.acks[key] = ack
        return ack, frame

    def upvote(self, question: int) -> str:
        """Count a vote; return the room's ``votes`` frame (the new count only)."""
        self.seq += 1
        self.votes[question] = self.votes.get(question, 0) + 1
        return json.dumps(
            {"type": "votes", "seq": self.seq, "question": question, "votes": self.votes[question]}
        )


def error(code: str, **extra) -> str:
    return json.dumps({"type": "error", "code": code, "message": code, **extra})


async def handle(room: Room, websocket: ServerConnection) -> None:
    await websocket.send(room.hello())
    room.sockets.add(websocket)
    try:
        async for raw in websocket:
            if isinstance(raw, bytes):
                await websocket.send(error("binary"))
                continue
            if len(raw.encode()) > MAX_FRAME:
                await websocket.send(error("too_large"))
                continue
            try:
                frame = json.loads(raw)
            except ValueError:
                await websocket.send(error("bad_json"))
                continue
            kind = frame.get("type") if isinstance(frame, dict) else None
            if kind == "ping":
                await websocket.send('{"type": "pong"}')
            elif kind == "send":
                key, body = frame.get("key"), frame.get("body")
                if not isinstance(key, str) or not isinstance(body, str) or not body.strip():
                    await websocket.send(error("bad_frame", key=key))
                    continue
                ack, message = room.post(key, body)
                await websocket.send(ack)
                if message is not None:
                    broadcast(room.sockets, message)
            elif kind == "upvote":  # bench/fanout.py --mode webinar
                question, key = frame.get("id"), frame.get("key")
                if not isinstance(question, int):
                    await websocket.send(error("bad_frame", key=key))
                    continue
                votes = room.upvote(question)
                ack = {"type": "ack", "action": "upvote", "id": question}
                if isinstance(key, str):
                    ack["key"] = key
                await websocket.send(json.dumps(ack))
                broadcast(room.sockets, votes)
            elif kind == "typing":
                continue
            else:
                await websocket.send(error("unknown_type"))
    except ConnectionClosed:
        pass
    finally:
        room.sockets.discard(websocket)


async def main(host: str, port: int) -> None:
    room = Room()
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    # No permessage-deflate: Daphne does not offer it either, so both servers
    # write the same bytes. Protocol pings as Daphne's defaults (every 20 s).
    async with serve(
        lambda websocket: handle(room, websocket),
        host,
        port,
        compression=None,
        ping_interval=20,
        ping_timeout=30,
        max_size=2**20,
        backlog=2048,
    ):
        print(f"bare websockets server on ws://{host}:{port}/", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
