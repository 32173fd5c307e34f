"""A frame on its way when the client closes is dropped quietly, not logged as a crash.

Seen in CI: a page closed right after its ping; the pong was sent after the close and
autobahn raised ``Disconnected``, which Channels logged as "Exception inside application".
"""

from autobahn.exception import Disconnected

from realtime.consumers import LiveConsumer


async def test_a_frame_for_a_socket_closed_meanwhile_is_dropped_and_nothing_more_goes():
    consumer = LiveConsumer()
    consumer.closing = False

    async def gone(message):
        raise Disconnected("Attempt to send on a closed protocol")

    consumer.base_send = gone
    await consumer.send_frame({"type": "pong"})  # does not raise
    assert consumer.closing

    sent = []

    async def record(message):
        sent.append(message)

    consumer.base_send = record
    await consumer.send_frame({"type": "pong"})
    assert sent == []


async def test_other_send_errors_still_raise():
    consumer = LiveConsumer()
    consumer.closing = False

    async def broken(message):
        raise RuntimeError("a bug, not a closed socket")

    consumer.base_send = broken
    try:
        await consumer.send_frame({"type": "pong"})
    except RuntimeError:
        pass
    else:
        raise AssertionError("a real error must not be swallowed")
    assert not consumer.closing
