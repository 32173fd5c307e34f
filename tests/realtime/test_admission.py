"""
Admission (realtime/admission.py): a process lets so many handshakes read the
database at once, lets a few more wait, and turns the rest away at once with a
``busy`` frame and close code 4503 — never an error, never a silent drop — so
that the client comes back later (docs/realtime-protocol.md, "Admission").
"""

import asyncio
import json
import time

import pytest

from realtime import admission, consumers

from .wire import receive_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def limits(settings):
    """``limits(in_flight, queue, wait)``: this test's admission settings."""

    def set_limits(in_flight: int, queue: int, wait: float = 1.0) -> None:
        settings.JEKAFO = {
            **settings.JEKAFO,
            "HANDSHAKES_IN_FLIGHT": in_flight,
            "HANDSHAKE_QUEUE": queue,
            "HANDSHAKE_WAIT": wait,
        }
        admission.reset()

    return set_limits


@pytest.fixture
def slow_rooms(monkeypatch):
    """Each room handshake holds the database thread a while, as under load."""
    enter_room = consumers.RoomConsumer.enter_room

    def slow_enter_room(self):
        time.sleep(0.2)
        enter_room(self)

    monkeypatch.setattr(consumers.RoomConsumer, "enter_room", slow_enter_room)


async def busy_or_hello(socket) -> str:
    """'hello' for a socket let in; 'busy' for one turned away with 4503 (checked)."""
    assert socket.accepted, f"refused outright: {socket.close_code}"
    first = await socket.receive_output(timeout=10)
    assert first["type"] == "websocket.send", first
    frame = json.loads(first["text"])
    if frame["type"] == "hello":
        return "hello"
    assert frame["type"] == "busy" and frame["retry"] > 0, frame
    closed = await socket.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": admission.TRY_AGAIN}
    return "busy"


async def test_beyond_the_limit_and_queue_sockets_are_told_to_retry_and_get_in_later(
    connect, limits, slow_rooms, member, salon
):
    limits(in_flight=2, queue=1, wait=5)
    path = f"/ws/rooms/{salon.pk}/"

    sockets = await asyncio.gather(*(connect(member, path) for _ in range(6)))
    outcomes = await asyncio.gather(*(busy_or_hello(socket) for socket in sockets))

    # Two read at once, one waits its turn; the three others are told to come back.
    assert sorted(outcomes) == ["busy"] * 3 + ["hello"] * 3
    assert admission.admission().turned_away == 3
    for socket in sockets:
        await socket.disconnect()
    # Coming back once the burst is over, they are let in.
    for _ in range(3):
        again = await connect(member, path)
        assert await busy_or_hello(again) == "hello"
        await again.disconnect()


async def test_a_socket_waiting_longer_than_the_wait_is_told_to_retry(
    connect, limits, slow_rooms, member, salon
):
    limits(in_flight=1, queue=10, wait=0.1)
    path = f"/ws/rooms/{salon.pk}/"

    sockets = await asyncio.gather(*(connect(member, path) for _ in range(3)))
    outcomes = await asyncio.gather(*(busy_or_hello(socket) for socket in sockets))

    assert sorted(outcomes) == ["busy", "busy", "hello"]
    for socket in sockets:
        await socket.disconnect()


async def test_within_the_limit_every_socket_is_let_in(connect, limits, member, salon):
    limits(in_flight=4, queue=0)
    path = f"/ws/rooms/{salon.pk}/"

    sockets = await asyncio.gather(*(connect(member, path) for _ in range(4)))

    for socket in sockets:
        await receive_type(socket, "hello")
        await socket.disconnect()
    assert admission.admission().turned_away == 0


async def test_a_turned_away_socket_leaves_no_presence_and_ignores_frames(
    connect, limits, slow_rooms, member, salon
):
    from rooms.models import RoomConnection

    from .wire import in_db

    limits(in_flight=1, queue=0)
    path = f"/ws/rooms/{salon.pk}/"
    first, second = await asyncio.gather(connect(member, path), connect(member, path))
    outcomes = sorted([await busy_or_hello(first), await busy_or_hello(second)])

    assert outcomes == ["busy", "hello"]
    count = await in_db(lambda: RoomConnection.objects.filter(left_at__isnull=True).count())
    assert count == 1
    for socket in (first, second):
        await socket.disconnect()


def served_at_pace(gate, per_second: float, count: int = 9) -> None:
    """As if ``count`` turns had been given back with a crowd waiting, the last just now."""
    now = time.monotonic()
    gate.served.extend(now - (count - 1 - i) / per_second for i in range(count))


def test_each_socket_turned_away_is_booked_its_own_slot_at_the_pace_served(settings):
    settings.JEKAFO = {**settings.JEKAFO, "HANDSHAKE_RETRY": 1.0}

    async def hints():
        gate = admission.Admission(limit=2, queue=100, wait=1)
        served_at_pace(gate, 4)  # 4 handshakes a second
        gate.waiting = 100  # the queue is full
        burst = [gate.book_return() for _ in range(8)]
        far = [gate.book_return() for _ in range(300)][-2:]
        return burst, far

    burst, far = asyncio.run(hints())
    # The least wait first, then one slot every 1 / (OVERBOOK × pace) seconds.
    step = 1 / (admission.OVERBOOK * 4)
    assert burst[0] == 1.0
    steps = [round(b - a, 3) for a, b in zip(burst, burst[1:], strict=False)]
    assert all(abs(s - step) <= 0.011 for s in steps), burst
    # Never further than MAX_RETRY, however many were turned away.
    assert far == [admission.MAX_RETRY, admission.MAX_RETRY]


def test_an_idle_process_books_at_least_the_least_wait(settings):
    settings.JEKAFO = {**settings.JEKAFO, "HANDSHAKE_RETRY": 2.0}

    async def hint():
        gate = admission.Admission(limit=2, queue=100, wait=1)
        served_at_pace(gate, 50)
        return gate.book_return()

    assert asyncio.run(hint()) == 2.0


def test_before_the_pace_is_known_the_first_of_a_burst_are_spread_over_a_few_seconds(settings):
    settings.JEKAFO = {**settings.JEKAFO, "HANDSHAKE_RETRY": 1.0}

    async def hints():
        gate = admission.Admission(limit=2, queue=100, wait=1)
        unmeasured = [gate.book_return() for _ in range(200)]
        # Measured long ago (another burst, other work): not this burst's pace.
        served_at_pace(gate, 4)
        gate.served = type(gate.served)(
            (at - admission.PACE_WINDOW - 1 for at in gate.served), maxlen=admission.PACE_SAMPLES
        )
        stale = gate.book_return()
        return unmeasured, stale

    unmeasured, stale = asyncio.run(hints())
    assert all(1.0 <= hint <= 3.0 for hint in [*unmeasured, stale])
    assert max(unmeasured) - min(unmeasured) > 1.5  # spread, not one wave


def test_the_pace_counts_only_turns_given_back_while_sockets_waited():
    async def run():
        gate = admission.Admission(limit=1, queue=10, wait=5)
        for _ in range(3):  # one at a time, no one waiting: not a crowd's pace
            async with gate.turn():
                await asyncio.sleep(0)
        alone = len(gate.served)

        async def one():
            async with gate.turn():
                await asyncio.sleep(0.01)

        await asyncio.gather(*(one() for _ in range(10)))
        return alone, len(gate.served), gate.pace()

    alone, crowded, pace = asyncio.run(run())
    assert alone == 0
    assert crowded == 9  # every turn but the last had someone waiting
    assert pace is not None and 5 < pace < 110  # about 100 a second, less on a busy machine


def test_turns_are_given_back_and_taken_in_order():
    async def run():
        gate = admission.Admission(limit=1, queue=2, wait=1)
        order = []

        async def handshake(name: str, hold: float) -> bool:
            async with gate.turn() as admitted:
                if admitted:
                    order.append(name)
                    await asyncio.sleep(hold)
                return admitted

        results = await asyncio.gather(
            handshake("a", 0.05), handshake("b", 0.05), handshake("c", 0.05), handshake("d", 0)
        )
        return results, order, gate.in_flight, gate.waiting

    results, order, in_flight, waiting = asyncio.run(run())
    # a runs, b and c wait (the queue holds two), d is turned away.
    assert results == [True, True, True, False]
    assert order == ["a", "b", "c"]
    assert (in_flight, waiting) == (0, 0)


async def test_with_the_queue_full_a_socket_is_turned_away_before_any_consumer_is_built(
    connect, limits, slow_rooms, monkeypatch, member, salon
):
    limits(in_flight=1, queue=0)
    built = []
    init = consumers.RoomConsumer.__init__

    def counted_init(self, *args, **kwargs):
        built.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(consumers.RoomConsumer, "__init__", counted_init)
    path = f"/ws/rooms/{salon.pk}/"
    first = await connect(member, path, origin="http://testserver")
    # The first handshake holds the only turn (its room is slow): the next are turned away.
    others = await asyncio.gather(
        *(connect(member, path, origin="http://testserver") for _ in range(3))
    )

    assert [await busy_or_hello(socket) for socket in others] == ["busy"] * 3
    assert await busy_or_hello(first) == "hello"
    assert len(built) == 1
    for socket in (first, *others):
        await socket.disconnect()
