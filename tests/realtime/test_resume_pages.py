"""
A resuming socket gets its backlog a page at a time (docs/realtime-protocol.md, "Resuming").

However far behind a client is (``after=0`` in a room of thousands of
messages), the server reads and sends one page of ``RESUME_PAGE`` changes,
then a ``more`` frame; the next page comes when the client asks for it. Live
changes meanwhile come once each, in order, after the backlog.
"""

import pytest

from forum import limits, services
from rooms import services as room_services

from .wire import AMBIENT, assert_no_frame, in_db, ping_pong, receive_close, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

SKIP = AMBIENT | {"notifications"}
MESSAGES = 300
PAGE = 50


@pytest.fixture
def small_pages(settings):
    settings.JEKAFO = {**settings.JEKAFO, "RESUME_PAGE": PAGE, "CHAT_RATE": (100_000, 10)}


@pytest.fixture
def chatty_salon(salon, colleague, small_pages):
    """The CoP's salon with MESSAGES messages, seq 1 to MESSAGES."""
    for number in range(1, MESSAGES + 1):
        room_services.send_message(author=colleague, room=salon, body=f"Message {number}")
    return salon


async def read_page(socket, wanted: str = "message") -> tuple[list[dict], dict | None]:
    """The frames of one page, and the ``more`` frame that ends it (None: the backlog is over)."""
    frames = []
    while True:
        # (A receive that times out would end the application: ask politely.)
        if await socket.receive_nothing(timeout=0.7):
            return frames, None
        frame = await socket.receive_json_from()
        if frame["type"] in SKIP:
            continue
        assert frame["type"] == wanted, frame
        frames.append(frame)
        if len(frames) == PAGE:
            more = await receive_type(socket, "more", skip=SKIP)
            return frames, more


async def read_backlog(socket, wanted: str = "message") -> tuple[list[dict], int]:
    """Follow the ``more`` frames to the end; return every frame and the number of pages."""
    frames, pages = [], 0
    while True:
        page, more = await read_page(socket, wanted)
        frames += page
        pages += 1
        if more is None:
            return frames, pages
        assert more == {"type": "more", "last_seq": page[-1]["seq"]}
        await socket.send_json_to({"type": "more"})


async def test_after_zero_in_a_room_of_hundreds_comes_in_pages_the_client_asks_for(
    connect, member, colleague, chatty_salon
):
    socket = await connect(member, f"/ws/rooms/{chatty_salon.pk}/?after=0")
    hello = await receive_type(socket, "hello", skip=())
    assert hello["last_seq"] == MESSAGES

    first = [await receive_type(socket, "message", skip=SKIP) for _ in range(PAGE)]
    assert [frame["seq"] for frame in first] == list(range(1, PAGE + 1))
    assert await receive_type(socket, "more", skip=SKIP) == {"type": "more", "last_seq": PAGE}
    # Nothing more until the client asks: a stalled reader holds one page.
    await assert_no_frame(socket, timeout=0.5, ignore=SKIP)

    await socket.send_json_to({"type": "more"})
    rest, pages = await read_backlog(socket)
    seqs = [frame["seq"] for frame in first + rest]
    assert seqs == list(range(1, MESSAGES + 1))
    assert [frame["message"]["body"] for frame in rest[-2:]] == [
        f"Message {MESSAGES - 1}",
        f"Message {MESSAGES}",
    ]
    assert pages == MESSAGES // PAGE  # the last full page ends with an empty one
    await in_db(room_services.send_message, author=colleague, room=chatty_salon, body="Ensuite")
    assert (await receive_type(socket, "message", skip=SKIP))["seq"] == MESSAGES + 1
    await socket.disconnect()


async def test_changes_made_while_paging_come_once_in_order_after_the_backlog(
    connect, member, colleague, chatty_salon, settings
):
    socket = await connect(member, f"/ws/rooms/{chatty_salon.pk}/?after=10")
    await receive_type(socket, "hello", skip=())
    page, more = await read_page(socket)
    assert more is not None
    # More live changes than a page can hold while the client is still behind.
    for number in range(PAGE + 20):
        await in_db(
            room_services.send_message, author=colleague, room=chatty_salon, body=f"L{number}"
        )
    await socket.send_json_to({"type": "more"})
    rest, _pages = await read_backlog(socket)

    seqs = [frame["seq"] for frame in page + rest]
    assert seqs == list(range(11, MESSAGES + PAGE + 20 + 1))
    await assert_no_frame(socket, timeout=0.8, ignore=SKIP)
    await socket.disconnect()


async def test_more_when_nothing_is_owed_is_ignored_and_never_a_flood(connect, member, salon):
    socket = await connect(member, f"/ws/rooms/{salon.pk}/?after=0")
    await receive_type(socket, "hello", skip=())
    for _ in range(60):
        await socket.send_json_to({"type": "more"})
    await assert_no_frame(socket, timeout=0.5, ignore=SKIP)
    await ping_pong(socket)
    await socket.disconnect()


async def test_more_on_the_bell_socket_is_an_unknown_type(connect, member):
    socket = await connect(member, "/ws/notifications/")
    await receive_type(socket, "hello", skip=())
    await socket.send_json_to({"type": "more"})
    assert (await receive_type(socket, "error"))["code"] == "unknown_type"
    await socket.disconnect()


HOSTILE_AFTER = ["-1", "1.5", "1e9", "0x10", "%201", "1%2C2", "9" * 40, "%EF%BC%91", "true"]


@pytest.mark.parametrize("after", HOSTILE_AFTER)
@pytest.mark.parametrize("kind", ["room", "thread"])
async def test_hostile_after_values_close_4400_before_any_frame(
    connect, member, salon, thread, kind, after
):
    path = f"/ws/rooms/{salon.pk}/" if kind == "room" else f"/ws/threads/{thread.pk}/"
    socket = await connect(member, f"{path}?after={after}")
    assert await receive_close(socket, skip=()) == 4400


async def test_a_thread_backlog_comes_in_pages_too(
    connect, member, colleague, thread, small_pages, monkeypatch
):
    monkeypatch.setattr(limits, "hit", lambda *args, **kwargs: None)  # 30 replies per 10 min

    def write(count: int, start: int = 0) -> None:
        for number in range(start, start + count):
            services.create_post(
                author=(member, colleague)[number % 2],
                thread=thread,
                parent=None,
                body=f"Réponse {number + 1}",
            )

    await in_db(write, 2 * PAGE + 7)
    socket = await connect(colleague, f"/ws/threads/{thread.pk}/?after=1")
    hello = await receive_type(socket, "hello", skip=())
    assert hello["last_seq"] == 2 * PAGE + 8

    page, more = await read_page(socket, "post")
    assert more == {"type": "more", "last_seq": PAGE + 1}
    await assert_no_frame(socket, timeout=0.5, ignore=SKIP)
    # A reply written meanwhile comes after the backlog, once.
    await in_db(write, 1, 2 * PAGE + 7)
    await socket.send_json_to({"type": "more"})
    rest, pages = await read_backlog(socket, "post")

    frames = page + rest
    assert [frame["seq"] for frame in frames] == list(range(2, 2 * PAGE + 10))
    assert {frame["event"] for frame in frames} == {"created"}
    assert pages == 2
    await assert_no_frame(socket, timeout=0.8, ignore=SKIP)
    await socket.disconnect()
