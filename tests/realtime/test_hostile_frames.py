"""
Regression tests of issue 13's socket findings, on every consumer.

A nested-JSON frame under 16 KB, "²" in a path or in ``after``, an unknown
path, and frames sent right after connecting to a room one may not see: each
is an error frame or a clean close with an application code, never a 1011,
and never a traceback in the log.
"""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from webinars import services as webinar_services

from .wire import in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

NESTED_LIST = '{"type": "send", "key": "k-nested-0001", "body": ' + "[" * 5000 + "]" * 5000 + "}"
NESTED_OBJECTS = '{"a":' * 2500 + "1" + "}" * 2500


@pytest.fixture(autouse=True)
def no_traceback(caplog):
    """Nothing a test here sends may leave an error or a traceback in the log."""
    with caplog.at_level(logging.WARNING):
        yield
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage() for r in bad]


@pytest.fixture
def webinar(public_cop, moderator):
    return webinar_services.create_session(
        author=moderator,
        community=public_cop,
        title="Séance en direct",
        starts_at=timezone.now() - timedelta(minutes=5),
        duration=60,
    )


@pytest.fixture
def private_webinar(private_cop, moderator):
    return webinar_services.create_session(
        author=moderator,
        community=private_cop,
        title="Séance privée",
        starts_at=timezone.now() - timedelta(minutes=5),
        duration=60,
    )


def paths(salon, webinar, thread) -> dict[str, str]:
    return {
        "rooms": f"/ws/rooms/{salon.pk}/",
        "webinars": f"/ws/webinars/{webinar.pk}/",
        "threads": f"/ws/threads/{thread.pk}/",
        "notifications": "/ws/notifications/",
    }


@pytest.mark.parametrize("consumer", ["rooms", "webinars", "threads", "notifications"])
@pytest.mark.parametrize("text", [NESTED_LIST, NESTED_OBJECTS], ids=["list", "objects"])
async def test_nested_json_frame_gets_bad_json_on_every_consumer(
    connect, member, salon, webinar, thread, consumer, text
):
    assert len(text.encode()) < 16 * 1024
    socket = await connect(member, paths(salon, webinar, thread)[consumer])
    assert socket.accepted
    await receive_type(socket, "hello")

    await socket.send_to(text_data=text)
    error = await receive_type(socket, "error")

    assert error["code"] == "bad_json"
    await socket.send_to(text_data='{"type": "ping"}')
    await receive_type(socket, "pong")  # the socket lives on
    await socket.disconnect()


@pytest.mark.parametrize(
    "path",
    [
        "/ws/rooms/²/",
        "/ws/rooms/١/",
        "/ws/webinars/²/",
        "/ws/threads/²/",
        # Browsers percent-encode the query; Daphne passes its bytes as they came.
        "/ws/rooms/{salon}/?after=%C2%B2",
        "/ws/rooms/{salon}/?after=%D9%A1%D9%A2",
        "/ws/threads/{thread}/?after=%C2%B2",
        "/ws/rooms/{salon}/?after=²",
        "/ws/rooms/99999999999999999999999/",
    ],
)
async def test_non_ascii_digits_in_socket_path_close_4400(connect, member, salon, thread, path):
    socket = await connect(member, path.format(salon=salon.pk, thread=thread.pk))
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4400}
    await socket.disconnect()


@pytest.mark.parametrize("path", ["/ws/nowhere/", "/ws/", "/ws/rooms/1/extra/", "/favicon.ico"])
async def test_unknown_socket_path_closes_4404(connect, member, path):
    socket = await connect(member, path)
    assert socket.accepted
    await socket.send_to(text_data='{"type": "ping"}')  # dropped, not answered or failed on
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    assert await socket.receive_nothing()
    await socket.disconnect()


async def test_unknown_socket_path_through_the_asgi_application_closes_4404(connect, member):
    socket = await connect(member, "/ws/nowhere/", origin="http://testserver")
    assert socket.accepted
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    await socket.disconnect()


@pytest.mark.parametrize("where", ["room", "webinar", "thread"])
async def test_frames_right_after_a_refused_connect_are_dropped_without_error(
    connect, outsider, private_salon, private_webinar, private_thread, where
):
    path = {
        "room": f"/ws/rooms/{private_salon.pk}/",
        "webinar": f"/ws/webinars/{private_webinar.pk}/",
        "thread": f"/ws/threads/{private_thread.pk}/",
    }[where]
    socket = await connect(outsider, path)
    assert socket.accepted
    for text in (
        '{"type": "send", "key": "k-refused-01", "body": "x"}',
        '{"type": "typing"}',
        '{"type": "ping"}',
        "not json",
    ):
        await socket.send_to(text_data=text)
    await socket.send_to(bytes_data=b"\x00")

    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    assert await socket.receive_nothing()
    assert await in_db(lambda: private_salon.messages.count()) == 0
    await socket.disconnect()


async def test_notifications_frames_after_refusal_of_anonymous_are_dropped(connect, anonymous):
    socket = await connect(anonymous, "/ws/notifications/")
    await socket.send_to(text_data='{"type": "ping"}')
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}
    assert await socket.receive_nothing()
    await socket.disconnect()
