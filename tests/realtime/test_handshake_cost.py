"""
What one room handshake costs the database: queries and trips to its thread.

Every database call of a process runs on one thread, one after another; a
burst of reconnections queues each handshake's trips behind all the others'
(issue 16). Counted here through the whole stack (config.asgi.application,
session cookie), from the upgrade request to the last frame of the greeting.
Lower is fine: update the pins.
"""

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db.backends import utils as db_utils

from realtime import presence
from rooms.models import RoomConnection

from .conftest import _session_cookie
from .wire import in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


class Tally:
    """Queries and worker-thread calls made while ``on``, from any thread."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.hops: list[str] = []
        self.on = False
        self.lock = threading.Lock()


@pytest.fixture
def tally(monkeypatch):
    tally = Tally()
    execute = db_utils.CursorWrapper.execute
    handler = SyncToAsync.thread_handler

    def counted_execute(self, sql, params=None):
        if tally.on:
            with tally.lock:
                tally.queries.append(sql)
        return execute(self, sql, params)

    def counted_handler(self, loop, *args, **kwargs):
        if tally.on:
            tally.hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return handler(self, loop, *args, **kwargs)

    monkeypatch.setattr(db_utils.CursorWrapper, "execute", counted_execute)
    monkeypatch.setattr(SyncToAsync, "thread_handler", counted_handler)
    # The presence list is announced a second later, once for many arrivals: not counted.
    monkeypatch.setattr(presence, "DELAY", 30.0)
    return tally


async def handshake(tally, user, path: str) -> tuple[int, int]:
    """Open ``path`` as a browser of ``user`` would; (queries, hops) until the greeting is out."""
    from config.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user.is_authenticated:
        cookie = await database_sync_to_async(_session_cookie)(user)
        headers.append((b"cookie", cookie.encode()))
    socket = WebsocketCommunicator(application, path, headers=headers)
    tally.on = True
    accepted, _code = await socket.connect(timeout=5)
    assert accepted
    await receive_type(socket, "hello")
    # The greeting is out; the connection is recorded in the same call as the rest.
    for _ in range(50):
        if await in_db(lambda: RoomConnection.objects.filter(left_at__isnull=True).exists()):
            break
        await asyncio.sleep(0.02)
    tally.on = False
    await socket.disconnect()
    polls = sum(1 for hop in tally.hops if "lambda" in hop)
    return len(tally.queries) - polls, len(tally.hops) - polls


# (reader, room) -> (queries, trips to the database thread), before this work:
# member of a public salon 16 queries / 6 trips, of a private one 18 / 6 (session,
# user; room; membership and sanctions read twice, the room's mute twice; cursor,
# messages; the room again; a three-statement upsert of the presence).
PINS = {
    ("anonymous", "salon"): (4, 2),
    ("member", "salon"): (10, 2),
    ("member", "private_salon"): (10, 2),
}


@pytest.fixture(params=list(PINS), ids=lambda case: "-".join(case))
def case(request):
    who, where = request.param
    return request.param, request.getfixturevalue(who), request.getfixturevalue(where)


async def test_a_room_handshake_costs_few_queries_and_trips(tally, case):
    key, user, room = case

    queries, hops = await handshake(tally, user, f"/ws/rooms/{room.pk}/")

    assert (queries, hops) == PINS[key], "\n".join(tally.queries + tally.hops)
