"""
A crowd resuming from the same seq reads the room's log once (realtime/pages.py).

When a process restarts or a region comes back, hundreds of sockets resume
from the same few seqs. The first reads the page; the others, within a
moment, get the same page without reading it again. A page is kept for one
position of the room only: any change (a message, an edit, a deletion) moves
the room's position, and the next socket reads the log afresh.
"""

import pytest

from realtime.pages import recent_pages
from rooms import services as room_services

from .wire import in_db, receive_close, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def talked_salon(salon, colleague, no_chat_rate):
    for number in range(1, 6):
        room_services.send_message(author=colleague, room=salon, body=f"Message {number}")
    return salon


async def resume(connect, user, room, after: int) -> tuple[dict, list[dict]]:
    """Open a room socket resuming after ``after``: its hello and the frames of its backlog."""
    socket = await connect(user, f"/ws/rooms/{room.pk}/?after={after}")
    assert socket.accepted
    hello = await receive_type(socket, "hello")
    frames = []
    while not await socket.receive_nothing(timeout=0.3):
        frame = await socket.receive_json_from()
        if frame["type"] == "message":
            frames.append(frame)
    await socket.disconnect()
    return hello, frames


async def test_sockets_resuming_from_the_same_seq_share_one_read_and_get_the_same_frames(
    connect, member, colleague, talked_salon
):
    read_before = recent_pages.read
    answers = [await resume(connect, who, talked_salon, 2) for who in (member, colleague, member)]

    assert recent_pages.read - read_before == 1
    assert recent_pages.shared >= 2
    for hello, frames in answers:
        assert hello["last_seq"] == 5
        assert [f["seq"] for f in frames] == [3, 4, 5]
        assert [f["message"]["body"] for f in frames] == ["Message 3", "Message 4", "Message 5"]


async def test_a_change_moves_the_position_and_the_next_socket_reads_the_log_again(
    connect, member, colleague, talked_salon
):
    _hello, before = await resume(connect, member, talked_salon, 2)
    fourth = await in_db(lambda: talked_salon.messages.get(seq=4))
    await in_db(room_services.delete_message, user=colleague, message=fourth)
    read_before = recent_pages.read

    hello, after = await resume(connect, member, talked_salon, 2)

    assert recent_pages.read - read_before == 1
    assert hello["last_seq"] == 6
    assert [f["seq"] for f in before] == [3, 4, 5]
    # The deleted message comes once, at its new seq, as deleted; the others as before.
    by_seq = {f["seq"]: f for f in after}
    assert sorted(by_seq) == [3, 5, 6]
    assert by_seq[6]["message"]["id"] == fourth.pk
    assert by_seq[6]["message"]["deleted"]


async def test_an_outsider_of_a_private_room_gets_nothing_from_a_kept_page(
    connect, member, outsider, private_salon, colleague, no_chat_rate
):
    await in_db(room_services.send_message, author=colleague, room=private_salon, body="Entre nous")
    _hello, frames = await resume(connect, member, private_salon, 0)
    assert [f["message"]["body"] for f in frames] == ["Entre nous"]

    socket = await connect(outsider, f"/ws/rooms/{private_salon.pk}/?after=0")

    # Accepted only to be told why (docs/realtime-protocol.md): not a frame of the room.
    assert await receive_close(socket, skip=set()) == 4404
