"""
No WebSocket frame carries another member's e-mail or phone (see tests/test_no_contact_leaks.py).

Each kind of reader opens the salon, the thread, the webinar room and the
bell; what they receive on joining (hello, snapshot, presence) and after a
chat message, a post with a mention, a question and a follow is read for
someone else's contact.
"""

import json

import pytest
from channels.db import database_sync_to_async

from forum import services
from rooms import services as room_services
from webinars import services as webinar_services

from ..factories import make_post
from ..test_no_contact_leaks import applicant, leaks_in, people, reader  # noqa: F401 - fixtures
from ..test_no_write_on_get import world  # noqa: F401 - the crawl's world

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _in_db(function, *args, **kwargs):
    return function(*args, **kwargs)


async def _drain(socket, seconds: float = 0.4) -> list[str]:
    frames = []
    while not await socket.receive_nothing(timeout=seconds):
        output = await socket.receive_output()
        if output["type"] == "websocket.send":
            frames.append(output["text"])
    return frames


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator", "outsider", "staff"])
async def test_no_socket_frame_carries_another_member_contact(
    world,  # noqa: F811
    people,  # noqa: F811
    who,
    connect,
):
    viewer = reader(who, people)
    paths = [
        f"/ws/rooms/{world['salon'].pk}/",
        f"/ws/threads/{world['thread'].pk}/",
        f"/ws/webinars/{world['session'].pk}/",
        "/ws/notifications/",
    ]
    sockets = [await connect(viewer, path) for path in paths]
    frames: list[str] = []
    for socket in sockets:  # hello, snapshot, presence
        frames += await _drain(socket)
    member, moderator = people["member"], people["moderator"]
    mention = f"@[{member.display_name}]"
    await _in_db(
        room_services.send_message,
        author=moderator,
        room=world["salon"],
        body=f"Bonjour {mention}",
    )
    await _in_db(make_post, moderator, world["thread"], body=f"Merci {mention}")
    await _in_db(
        webinar_services.ask_question, author=member, session=world["session"], body="Et ?"
    )
    await _in_db(services.follow_community, user=people["outsider"], community=world["cop"])
    for socket in sockets:
        frames += await _drain(socket)
    for socket in sockets:
        await socket.disconnect()
    kinds = {json.loads(text).get("type") for text in frames}
    # Something of each kind was read, or the test would prove nothing.
    assert {"hello", "message"} <= kinds, kinds
    assert any("Bonjour" in text for text in frames)
    found = [leak for text in frames for leak in leaks_in(text, viewer, people)]
    assert found == []
    # The frames are JSON: a contact could not hide behind escaping.
    for text in frames:
        decoded = json.dumps(json.loads(text), ensure_ascii=False)
        assert leaks_in(decoded, viewer, people) == []
