"""
What channels_redis logs is read as the layer's health (realtime/health.py, ``LayerErrors``).

A failure it logs marks the layer down (one line per outage); a socket's
clean-up cut short as it closed (its unsubscribe cancelled, as when hundreds
of sockets close at once) is neither an outage nor worth a line.
"""

import asyncio
import logging

from channels.layers import InMemoryChannelLayer

from realtime.health import health


def log_exception(error: BaseException, message: str) -> None:
    try:
        raise error
    except BaseException:
        logging.getLogger("channels_redis.pubsub").exception(message)


async def states_after(error: BaseException) -> tuple[bool, int]:
    layer = InMemoryChannelLayer()
    state = health(layer)
    try:
        log_exception(error, "Unexpected exception while cleaning-up channel:")
        return state.up, state.outages
    finally:
        if state.monitor is not None:
            state.monitor.cancel()


def test_a_clean_up_cut_short_is_not_an_outage(caplog):
    with caplog.at_level(logging.WARNING):
        up, outages = asyncio.run(states_after(asyncio.CancelledError()))

    assert up and outages == 0
    assert not caplog.records


def test_a_failure_channels_redis_logs_is_one_outage_line(caplog):
    with caplog.at_level(logging.WARNING):
        up, outages = asyncio.run(states_after(ConnectionResetError("Connection reset by peer")))

    assert not up and outages == 1
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "channel layer unreachable" in lines[0], lines
