"""
Presence lists and reader counts, announced at most once per second per topic.

A thousand people joining a webinar room must not produce a million presence
frames: each process gathers the changes of one second and sends one frame,
computed once from the connections table that all processes share.
"""

import asyncio

from channels.db import database_sync_to_async

from rooms import frames, selectors

from . import groups
from .publisher import publish
from .receivers import dumps

DELAY = 1.0
MAX_NAMES = 100

_pending: dict[str, asyncio.Task] = {}
# Topics that changed while their announcement was already being computed.
_stale: set[str] = set()


def _room_frame(topic: str) -> str:
    users, anonymous = selectors.list_present(topic)
    frame = frames.presence_frame(users[:MAX_NAMES], anonymous)
    frame["count"] = len(users) + anonymous
    return dumps(frame)


def _readers_frame(topic: str) -> str:
    return dumps({"type": "readers", "count": selectors.count_present(topic)})


async def _announce(topic: str) -> None:
    kind, _dot, pk = topic.partition(".")
    try:
        while True:
            await asyncio.sleep(DELAY)
            # A change from now on is not in the figures read below: announce again.
            _stale.discard(topic)
            if kind == "room":
                text = await database_sync_to_async(_room_frame)(topic)
                targets = [groups.room(int(pk))]
            else:
                text = await database_sync_to_async(_readers_frame)(topic)
                targets = groups.thread_all(int(pk))
            for group in targets:
                # Stale a second later: dropped while the channel layer is down.
                publish(group, {"type": "live.presence", "text": text}, keep=False)
            if topic not in _stale:
                return
    finally:
        _pending.pop(topic, None)
        _stale.discard(topic)


def announce(topic: str) -> None:
    """Send ``topic``'s presence to its readers soon, once for all changes until then."""
    if topic in _pending:
        _stale.add(topic)
    else:
        _pending[topic] = asyncio.get_running_loop().create_task(_announce(topic))
