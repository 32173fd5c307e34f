"""
Degrade, don't stall: the channel layer goes away, the rooms go on.

Here the layer the settings give (in memory) is wrapped in ``PausableLayer``,
which answers nothing while paused, as a Redis stopped with SIGSTOP: every
call hangs until it is resumed. That is enough to prove the state machine,
the publisher and the polling through real room sockets; the fault itself,
a real Redis paused under two real Daphne processes, is
tests/realtime/test_redis_outage.py.
"""

import asyncio
import json
import logging
import time

import pytest
from channels import layers as channel_layers_module
from channels.db import database_sync_to_async

from realtime import health as health_module
from realtime import local_groups as local_groups_module
from realtime import thread_poll as thread_poll_module
from realtime.health import health
from realtime.publisher import publish
from rooms import services as room_services

from .wire import AMBIENT, in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


class PausableLayer:
    """Another layer, except that while paused nothing it is asked ever answers."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.running = asyncio.Event()
        self.running.set()
        self.calls = 0

    def pause(self) -> None:
        self.running.clear()

    def resume(self) -> None:
        self.running.set()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def _answer(self, method: str, *args):
        self.calls += 1
        await self.running.wait()
        return await getattr(self.inner, method)(*args)

    async def new_channel(self, prefix: str = "specific.") -> str:
        return await self._answer("new_channel", prefix)

    async def send(self, channel: str, message: dict) -> None:
        await self._answer("send", channel, message)

    async def group_add(self, group: str, channel: str) -> None:
        await self._answer("group_add", group, channel)

    async def group_discard(self, group: str, channel: str) -> None:
        await self._answer("group_discard", group, channel)

    async def group_send(self, group: str, message: dict) -> None:
        await self._answer("group_send", group, message)

    async def receive(self, channel: str) -> dict:
        # What was sent before the pause may still be read; nothing new is sent.
        return await self.inner.receive(channel)


def pausable_layer(monkeypatch):
    """Quick probes and polls, and the settings' layer wrapped in a PausableLayer.

    A generator for the fixtures of the outage tests (here, test_thread_poll,
    test_sweep): ``yield from pausable_layer(monkeypatch)``.
    """
    monkeypatch.setattr(health_module, "PROBE_INTERVAL", 0.1)
    monkeypatch.setattr(health_module, "TIMEOUT", 0.3)
    monkeypatch.setattr(local_groups_module, "POLL_INTERVAL", 0.1)
    monkeypatch.setattr(thread_poll_module, "POLL_INTERVAL", 0.1)
    manager = channel_layers_module.channel_layers
    inner = manager["default"]
    wrapped = PausableLayer(inner)
    manager.backends["default"] = wrapped
    yield wrapped
    wrapped.resume()
    manager.backends["default"] = inner


@pytest.fixture
def layer(monkeypatch):
    """The settings' layer wrapped in a PausableLayer for the test's sockets and publisher."""
    yield from pausable_layer(monkeypatch)


def room_path(room) -> str:
    return f"/ws/rooms/{room.pk}/"


async def say(author, room, body: str):
    message, _created = await in_db(room_services.send_message, author=author, room=room, body=body)
    return message


async def frames_within(socket, seconds: float) -> list[dict]:
    """Every frame but presence that arrives within ``seconds``."""
    await asyncio.sleep(seconds)
    frames = []
    while not socket.output_queue.empty():
        frame = json.loads(socket.output_queue.get_nowait()["text"])
        if frame["type"] not in AMBIENT:
            frames.append(frame)
    return frames


def warnings_of(caplog) -> list[str]:
    # realtime.wire says once per process how room pushes are written (a test's
    # socket is not Daphne's): whether this test is the first to push depends on
    # the order tests run in, and it is not a line about the outage.
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name != "realtime.wire"
    ]


async def test_one_line_when_the_layer_goes_and_one_when_it_returns(layer, caplog):
    state = health(layer)
    layer.pause()

    for _ in range(5):
        with pytest.raises(health_module.LayerDown):
            await state.call("group_send", "room.1", {"type": "room.change"})
    state.watch()
    assert not state.up
    await asyncio.sleep(0.5)  # probes keep failing meanwhile
    layer.resume()
    async with asyncio.timeout(3):
        await state.back.wait()

    lines = warnings_of(caplog)
    assert len(lines) == 2, lines
    assert lines[0].startswith("channel layer unreachable")
    assert lines[0].endswith("rooms fall back to database polling")
    assert lines[1].startswith("channel layer back after ")
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    assert state.outages == 1


async def test_a_group_joined_during_an_outage_is_joined_on_return(layer):
    state = health(layer)
    channel = await layer.new_channel()
    layer.pause()
    started = time.monotonic()

    await state.group_add("user.5", channel)  # fails after the timeout, noted for later
    await state.group_add("user.6", channel)  # down already: not even tried

    assert time.monotonic() - started < 1.0
    assert set(state.pending) == {("user.5", channel), ("user.6", channel)}
    await state.group_discard("user.6", channel)  # left before the layer came back
    layer.resume()
    async with asyncio.timeout(3):
        await state.back.wait()
    assert state.pending == {}
    await layer.group_send("user.5", {"type": "hello", "n": 1})
    await layer.group_send("user.6", {"type": "hello", "n": 2})
    async with asyncio.timeout(1):
        assert await layer.receive(channel) == {"type": "hello", "n": 1}


async def test_publish_from_the_database_thread_returns_at_once_and_keeps_order(layer):
    channel = await layer.new_channel()
    await layer.group_add("room.77", channel)
    layer.pause()

    def write_and_publish() -> float:
        started = time.monotonic()
        for n in range(5):
            publish("room.77", {"type": "room.change", "seq": n})
        return time.monotonic() - started

    spent = await database_sync_to_async(write_and_publish)()
    assert spent < 0.05  # nothing waited on the layer
    await asyncio.sleep(0.5)  # the first send times out: the layer is down
    assert not health(layer).up
    health(layer).watch()
    layer.resume()

    async with asyncio.timeout(3):
        received = [(await layer.receive(channel))["seq"] for _ in range(5)]
    assert received == [0, 1, 2, 3, 4]  # each once, in order, once the layer is back


async def test_room_reads_its_log_while_the_layer_is_down_then_goes_live_again(
    layer, connect, member, colleague, salon, caplog
):
    before = await say(colleague, salon, "Avant la panne")
    reader = await connect(member, room_path(salon))
    hello = await receive_type(reader, "hello")
    assert hello["last_seq"] == before.seq
    assert (await receive_type(reader, "message"))["seq"] == before.seq  # the history

    layer.pause()
    started = time.monotonic()
    during = await say(colleague, salon, "Seul message pendant la panne")
    acked = time.monotonic() - started
    frame = await receive_type(reader, "message", timeout=5)
    assert frame["seq"] == during.seq
    assert frame["message"]["id"] == during.pk
    assert acked < 0.5  # the service did not wait on the layer

    # A new socket opens while the layer is down, and is served as well.
    newcomer = await connect(colleague, room_path(salon))
    assert newcomer.accepted
    assert (await receive_type(newcomer, "hello"))["last_seq"] == during.seq
    await receive_type(newcomer, "message")
    await receive_type(newcomer, "message")  # the history
    again = await say(member, salon, "Deuxième pendant la panne")
    for socket in (reader, newcomer):
        assert (await receive_type(socket, "message", timeout=5))["seq"] == again.seq

    layer.resume()
    async with asyncio.timeout(5):
        await health(layer).back.wait()
        held = local_groups_module.local_groups(layer)
        while held.poller is not None and not held.poller.done():
            await asyncio.sleep(0.05)
    after = await say(colleague, salon, "Après la panne")
    for socket in (reader, newcomer):
        assert (await receive_type(socket, "message", timeout=3))["seq"] == after.seq
    # The pushes queued during the outage came too: each socket dropped them by seq.
    for socket in (reader, newcomer):
        assert await frames_within(socket, 0.5) == []
    lines = warnings_of(caplog)
    assert len(lines) == 2, lines
    await reader.disconnect()
    await newcomer.disconnect()


async def test_a_socket_with_user_groups_connects_during_an_outage(layer, connect, member):
    layer.pause()
    socket = await connect(member, "/ws/notifications/")
    assert socket.accepted
    assert (await receive_type(socket, "hello"))["user"]["id"] == member.pk
    await socket.disconnect()
