"""
A room push handed to a socket without a coroutine, when nothing is to decide.

``local_groups`` calls ``deliver_now`` for each socket of a room before the
usual ``deliver``: it takes only the next change in order, for a socket that
is not connecting, handling a frame, closing, reading pages or filling a
hole; anything else goes the usual way (and nothing is sent twice).
"""

import pytest

from realtime.consumers import RoomConsumer


@pytest.fixture
def socket(monkeypatch):
    consumer = RoomConsumer()
    consumer.held = None
    consumer.closing = False
    consumer.start_stream()
    consumer.cursor = 5
    consumer.written = []

    def write_now(text: str) -> bool:
        if consumer.held is not None or consumer.closing:
            return False
        consumer.written.append(text)
        return True

    monkeypatch.setattr(consumer, "write_now", write_now)
    return consumer


def change(seq: int) -> dict:
    return {"type": "room.change", "seq": seq, "text": f"frame {seq}"}


def test_the_next_change_in_order_is_written_at_once_and_moves_the_cursor(socket):
    assert socket.deliver_now("room_change", change(6))
    assert socket.deliver_now("room_change", change(7))

    assert socket.written == ["frame 6", "frame 7"]
    assert socket.cursor == 7


@pytest.mark.parametrize("seq", [5, 4, 7, 9])
def test_a_change_already_sent_or_after_a_hole_goes_the_usual_way(socket, seq):
    assert not socket.deliver_now("room_change", change(seq))
    assert socket.written == [] and socket.cursor == 5


@pytest.mark.parametrize(
    "state",
    ["held", "closing", "paging", "waiting", "dropped", "filling a hole"],
)
def test_a_socket_with_something_to_decide_goes_the_usual_way(socket, state):
    if state == "held":
        socket.held = []
    elif state == "closing":
        socket.closing = True
    elif state == "paging":
        socket.paging = True
    elif state == "waiting":
        socket.waiting[8] = "frame 8"
    elif state == "dropped":
        socket.dropped = 9
    else:
        socket.gap_task = object()

    assert not socket.deliver_now("room_change", change(6))
    assert socket.written == [] and socket.cursor == 5


def test_presence_is_written_at_once_unless_held(socket):
    assert socket.deliver_now("live_presence", {"type": "live.presence", "text": "présents"})
    socket.held = []
    assert not socket.deliver_now("live_presence", {"type": "live.presence", "text": "encore"})
    assert socket.written == ["présents"]


def test_other_pushes_go_the_usual_way(socket):
    assert not socket.deliver_now("live_typing", {"type": "live.typing", "text": "…"})
    assert not socket.deliver_now("user_room", {"type": "user.room", "room_id": 1})
    assert socket.written == []
