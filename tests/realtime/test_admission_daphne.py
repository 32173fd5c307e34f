"""
Admission on a real Daphne process: a burst beyond the limit is answered, not dropped.

Thirty sockets open at once on a process that lets two handshakes in at a
time and none wait: every one gets an answer over the WebSocket — a hello, or
a ``busy`` frame and close code 4503 — none an HTTP error or a cut connection;
those turned away get in when they retry with the client's back-off.
"""

import asyncio
import json
import random

import pytest

from ._daphne import (
    running_cluster,
    shared_redis_url,
)

pytestmark = pytest.mark.redis

BURST = 30


@pytest.fixture(scope="module")
def strict_cluster():
    """Two Daphne processes that let 2 handshakes in at a time, with no queue."""
    strict = {"HANDSHAKES_IN_FLIGHT": "2", "HANDSHAKE_QUEUE": "0", "HANDSHAKE_RETRY": "0.2"}
    with running_cluster(shared_redis_url(), extra_env=strict) as running:
        running.prepare(members=3)
        yield running


async def knock(port: int, cookie: str, room: int) -> tuple[str, object]:
    """Open one room socket: ("hello", connection) or ("busy", retry hint)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    connection = await connect(
        f"ws://127.0.0.1:{port}/ws/rooms/{room}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie},
        proxy=None,
        open_timeout=10,
    )
    async with asyncio.timeout(10):
        frame = json.loads(await connection.recv())
    if frame["type"] == "hello":
        return "hello", connection
    assert frame["type"] == "busy", frame
    try:
        async with asyncio.timeout(5):
            await connection.recv()
    except ConnectionClosed:
        pass
    assert connection.close_code == 4503, connection.close_code
    return "busy", frame["retry"]


async def test_a_burst_beyond_the_limit_is_answered_and_every_socket_gets_in_on_retry(
    strict_cluster,
):
    port, room = strict_cluster.a.port, strict_cluster.room
    cookies = strict_cluster.cookies
    opened = []
    turned_away = 0

    async def client(number: int) -> int:
        nonlocal turned_away
        cookie = cookies[number % len(cookies)]
        for attempt in range(12):
            outcome, detail = await knock(port, cookie, room)
            if outcome == "hello":
                opened.append(detail)
                return attempt
            turned_away += 1
            # live.js's wait after busy: the slot the server booked, plus up to a quarter more.
            await asyncio.sleep(detail * (1 + random.uniform(0, 0.25)))
        raise AssertionError(f"socket {number} never got in")

    try:
        async with asyncio.timeout(90):
            attempts = await asyncio.gather(*(client(n) for n in range(BURST)))
    finally:
        await asyncio.gather(*(c.close() for c in opened), return_exceptions=True)

    assert len(opened) == BURST
    assert turned_away > 0 and max(attempts) > 0, "the burst never met the limit"
    assert "Traceback" not in strict_cluster.logs()
