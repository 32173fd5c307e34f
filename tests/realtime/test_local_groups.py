"""
Room groups held once per process (realtime/local_groups.py).

The unit tests run on the channel layer the settings give (in memory, or
Redis pub/sub when REDIS_URL is set), with stand-in sockets that record what
they are handed; a layer that fails or expires groups is played by a small
fake. The last tests go through real room sockets.
"""

import asyncio
import logging

import pytest
from channels.layers import get_channel_layer

from realtime import groups
from realtime import health as health_module
from realtime.consumers import LiveConsumer
from realtime.local_groups import YIELD_EVERY, LocalGroups, local_groups

from .wire import receive_type

GROUP = "room.local-groups-test"


class Socket:
    """Records the pushes it is handed, as a consumer's handlers would."""

    def __init__(self, name: str = "", fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.seen: list = []
        self.on_push = None

    def deliver_now(self, handler: str, message: dict) -> bool:
        return False  # always the usual way here (a consumer's fast way: test_deliver_now.py)

    async def deliver(self, handler: str, message: dict) -> None:
        if self.fail:
            raise RuntimeError("this socket's handler is broken")
        self.seen.append((handler, message["n"]))
        if self.on_push is not None:
            await self.on_push(message)


async def push(layer, n: int, group: str = GROUP) -> None:
    await layer.group_send(group, {"type": "room.change", "n": n})


async def until(condition, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.fixture
async def layer():
    layer = get_channel_layer()
    yield layer
    held = local_groups(layer)
    for name, group in list(held.groups.items()):
        for socket in list(group.members):
            held.discard(name, socket)
    await asyncio.sleep(0.05)  # let the readers leave their groups


async def test_every_local_socket_gets_each_push_once_in_order(layer):
    first, second = Socket("first"), Socket("second")
    held = local_groups(layer)
    await held.add(GROUP, first)
    await held.add(GROUP, second)

    for n in range(1, 21):
        await push(layer, n)
    await until(lambda: len(first.seen) == 20 and len(second.seen) == 20)

    expected = [("room_change", n) for n in range(1, 21)]
    assert first.seen == expected
    assert second.seen == expected
    await asyncio.sleep(0.1)
    assert len(first.seen) == 20  # nothing twice


async def test_the_process_holds_one_channel_per_group_whatever_its_sockets(layer):
    held = local_groups(layer)
    sockets = [Socket(str(n)) for n in range(5)]
    for socket in sockets:
        await held.add(GROUP, socket)

    assert list(held.groups) == [GROUP]
    assert list(held.groups[GROUP].members) == sockets
    assert held.groups[GROUP].channel is not None


async def test_a_socket_that_left_gets_nothing_more(layer):
    staying, leaving = Socket("staying"), Socket("leaving")
    held = local_groups(layer)
    await held.add(GROUP, staying)
    await held.add(GROUP, leaving)
    await push(layer, 1)
    await until(lambda: len(leaving.seen) == 1)

    held.discard(GROUP, leaving)
    await push(layer, 2)
    await until(lambda: len(staying.seen) == 2)
    await asyncio.sleep(0.1)

    assert leaving.seen == [("room_change", 1)]


async def test_after_the_last_socket_the_group_is_left(layer):
    socket = Socket()
    held = local_groups(layer)
    await held.add(GROUP, socket)
    reader = held.groups[GROUP].task

    held.discard(GROUP, socket)
    await until(reader.done)

    assert GROUP not in held.groups
    await push(layer, 1)
    await asyncio.sleep(0.1)
    assert socket.seen == []


async def test_a_socket_joining_again_after_the_group_was_left_is_served(layer):
    socket = Socket()
    held = local_groups(layer)
    await held.add(GROUP, socket)
    held.discard(GROUP, socket)
    await held.add(GROUP, socket)

    await push(layer, 1)
    await until(lambda: socket.seen == [("room_change", 1)])


async def test_groups_do_not_mix(layer):
    here, there = Socket("here"), Socket("there")
    held = local_groups(layer)
    await held.add(GROUP, here)
    await held.add(GROUP + "-other", there)

    await push(layer, 1)
    await push(layer, 2, GROUP + "-other")
    await until(lambda: here.seen and there.seen)
    await asyncio.sleep(0.1)

    assert here.seen == [("room_change", 1)]
    assert there.seen == [("room_change", 2)]


async def test_a_failing_socket_is_logged_and_the_others_still_get_the_push(layer, caplog):
    broken, healthy = Socket("broken", fail=True), Socket("healthy")
    held = local_groups(layer)
    await held.add(GROUP, broken)
    await held.add(GROUP, healthy)

    with caplog.at_level(logging.ERROR, logger="realtime.local_groups"):
        await push(layer, 1)
        await push(layer, 2)
        await until(lambda: len(healthy.seen) == 2)

    assert healthy.seen == [("room_change", 1), ("room_change", 2)]
    assert "room_change" in caplog.text and GROUP in caplog.text


async def test_a_socket_removed_by_an_earlier_ones_handler_is_skipped(layer):
    first, second = Socket("first"), Socket("second")
    held = local_groups(layer)
    await held.add(GROUP, first)
    await held.add(GROUP, second)

    async def drop_second(message):
        held.discard(GROUP, second)

    first.on_push = drop_second
    await push(layer, 1)
    await until(lambda: first.seen)
    await asyncio.sleep(0.1)

    assert second.seen == []


async def test_a_large_room_lets_other_tasks_run_during_one_push(layer):
    held = local_groups(layer)
    sockets = [Socket(str(n)) for n in range(3 * YIELD_EVERY)]
    for socket in sockets:
        await held.add(GROUP, socket)
    served_when_other_task_ran: list[int] = []

    def other_task():
        served_when_other_task_ran.append(sum(1 for s in sockets if s.seen))

    async def schedule_other_task(message):
        asyncio.get_running_loop().call_soon(other_task)

    sockets[0].on_push = schedule_other_task
    await push(layer, 1)
    await until(lambda: sockets[-1].seen)

    assert served_when_other_task_ran == [YIELD_EVERY]


# A layer that fails, or expires groups -------------------------------------------------


class FakeLayer:
    def __init__(self, *, fail_join: bool = False, group_expiry: float | None = None) -> None:
        self.fail_join = fail_join
        self.group_expiry = group_expiry
        self.joins: list[tuple[str, str]] = []
        self.leaves: list[tuple[str, str]] = []
        self.queue: asyncio.Queue = asyncio.Queue()
        self.probes: asyncio.Queue = asyncio.Queue()  # realtime/health.py's round trips
        self.answer = asyncio.Event()  # clear it to make joining hang
        self.answer.set()

    async def new_channel(self, prefix: str = "") -> str:
        return f"fake{prefix}!channel"

    async def group_add(self, group: str, channel: str) -> None:
        if self.fail_join:
            raise ConnectionError("Redis is down")
        await self.answer.wait()
        self.joins.append((group, channel))

    async def group_discard(self, group: str, channel: str) -> None:
        self.leaves.append((group, channel))

    async def send(self, channel: str, message: dict) -> None:
        if self.fail_join:
            raise ConnectionError("Redis is down")
        self.probes.put_nowait(message)

    async def receive(self, channel: str) -> dict:
        if channel != "fake!channel":
            return await self.probes.get()
        return await self.queue.get()


async def test_a_failed_join_serves_the_socket_and_joins_when_the_layer_is_back(monkeypatch):
    monkeypatch.setattr(health_module, "PROBE_INTERVAL", 0.05)
    fake = FakeLayer(fail_join=True)
    held = LocalGroups(fake)
    socket = Socket()

    await held.add(GROUP, socket)  # the socket is served (from the database) all the same

    assert not held.health.up
    assert not held.groups[GROUP].joined.is_set()
    fake.fail_join = False
    await until(lambda: held.health.up and held.groups[GROUP].joined.is_set())
    assert fake.joins == [(GROUP, "fake!channel")]
    await push_fake(fake, 7)
    await until(lambda: socket.seen == [("room_change", 7)])
    held.discard(GROUP, socket)
    await until(held.poller.done)


async def push_fake(fake: FakeLayer, n: int) -> None:
    fake.queue.put_nowait({"type": "room.change", "n": n})


async def test_a_socket_that_goes_away_while_joining_leaves_nothing_behind():
    fake = FakeLayer()
    fake.answer.clear()  # Redis is slow to answer
    held = LocalGroups(fake)
    joining = asyncio.ensure_future(held.add(GROUP, Socket()))
    await asyncio.sleep(0.05)
    reader = held.groups[GROUP].task

    joining.cancel()  # the socket closed meanwhile
    with pytest.raises(asyncio.CancelledError):
        await joining
    await until(reader.done)

    assert held.groups == {}


async def test_groups_of_an_expiring_layer_are_joined_again_before_they_expire():
    fake = FakeLayer(group_expiry=0.2)  # renewed every 0.05 s
    held = LocalGroups(fake)
    socket = Socket()
    await held.add(GROUP, socket)

    await until(lambda: len(fake.joins) >= 3)
    held.discard(GROUP, socket)
    await until(lambda: fake.leaves == [(GROUP, "fake!channel")])
    await until(held.refresher.done)


async def test_a_layer_without_expiry_is_not_rejoined():
    fake = FakeLayer()
    held = LocalGroups(fake)
    socket = Socket()
    await held.add(GROUP, socket)
    await asyncio.sleep(0.1)

    assert fake.joins == [(GROUP, "fake!channel")]
    assert held.refresher is None
    held.discard(GROUP, socket)


# Consumers ----------------------------------------------------------------------------------


class Recorder(LiveConsumer):
    def __init__(self) -> None:
        super().__init__()
        self.held = None
        self.handled: list[int] = []

    async def room_change(self, event: dict) -> None:
        self.handled.append(event["n"])


async def test_pushes_to_a_busy_socket_wait_and_come_in_order():
    socket = Recorder()
    assert socket.hold() is True
    assert socket.hold() is False  # already held: the first holder releases

    await socket.deliver("room_change", {"type": "room.change", "n": 1})
    await socket.deliver("room_change", {"type": "room.change", "n": 2})
    assert socket.handled == []

    await socket.release()
    await socket.deliver("room_change", {"type": "room.change", "n": 3})
    assert socket.handled == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
async def test_room_sockets_of_one_process_share_one_subscription(
    connect, member, colleague, salon
):
    path = f"/ws/rooms/{salon.pk}/"
    first = await connect(member, path)
    second = await connect(colleague, path)
    await receive_type(first, "hello")
    await receive_type(second, "hello")

    held = local_groups(get_channel_layer())
    group = held.groups[groups.room(salon.pk)]
    assert len(group.members) == 2

    await first.disconnect()
    assert len(group.members) == 1
    await second.disconnect()
    assert groups.room(salon.pk) not in held.groups
