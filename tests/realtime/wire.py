"""
Reading a WebsocketCommunicator frame by frame.

Presence lists and reader counts are announced about a second after someone
comes or goes (realtime/presence.py), so they may turn up between any two
frames; these helpers step over them unless a test asks for them.
"""

import json
import time

from channels.db import database_sync_to_async

# Frames announced on a timer, not in answer to anything the test did.
AMBIENT = frozenset({"presence", "readers"})


async def next_output(communicator, deadline: float) -> dict:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return await communicator.receive_output(timeout=remaining)


async def receive_type(communicator, wanted: str, timeout: float = 3, skip=AMBIENT) -> dict:
    """Return the next frame of type ``wanted``, stepping over ``skip`` frames only.

    Fails on a close, on a frame of another type, or when nothing comes in time.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            output = await next_output(communicator, deadline)
        except TimeoutError:
            raise AssertionError(f"no {wanted!r} frame within {timeout} s") from None
        assert output["type"] == "websocket.send", f"waiting for {wanted!r}, got {output}"
        frame = json.loads(output["text"])
        if frame["type"] == wanted:
            return frame
        assert frame["type"] in skip, f"waiting for {wanted!r}, got {frame}"


async def receive_any(communicator, wanted: set[str], timeout: float = 3, skip=AMBIENT) -> dict:
    """Return the next frame whose type is one of ``wanted`` (stepping over ``skip`` frames)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            output = await next_output(communicator, deadline)
        except TimeoutError:
            raise AssertionError(f"no frame of {sorted(wanted)} within {timeout} s") from None
        assert output["type"] == "websocket.send", f"waiting for {sorted(wanted)}, got {output}"
        frame = json.loads(output["text"])
        if frame["type"] in wanted:
            return frame
        assert frame["type"] in skip, f"waiting for {sorted(wanted)}, got {frame}"


async def receive_frames(communicator, count: int, wanted: str, timeout: float = 3) -> list:
    return [await receive_type(communicator, wanted, timeout) for _ in range(count)]


async def receive_close(communicator, timeout: float = 3, skip=AMBIENT) -> int:
    """Return the code of the close that comes next (after ``skip`` frames only)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            output = await next_output(communicator, deadline)
        except TimeoutError:
            raise AssertionError(f"the socket was not closed within {timeout} s") from None
        if output["type"] == "websocket.close":
            return output.get("code", 1000)
        assert output["type"] == "websocket.send", output
        frame = json.loads(output["text"])
        assert frame["type"] in skip, f"waiting for a close, got {frame}"


async def assert_no_frame(communicator, timeout: float = 0.3, ignore=AMBIENT) -> None:
    """Prove that nothing but ``ignore`` frames arrives within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await communicator.receive_nothing(timeout=max(deadline - time.monotonic(), 0.01)):
        output = await communicator.receive_output(timeout=1)
        assert output["type"] == "websocket.send", f"unexpected {output}"
        frame = json.loads(output["text"])
        assert frame["type"] in ignore, f"unexpected frame {frame}"


async def ping_pong(communicator) -> None:
    """Prove the socket still answers."""
    await communicator.send_json_to({"type": "ping"})
    assert await receive_type(communicator, "pong") == {"type": "pong"}


def in_db(function, /, *args, **kwargs):
    """Run a synchronous (database) function from an async test."""
    return database_sync_to_async(function)(*args, **kwargs)
