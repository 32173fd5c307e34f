"""
Hostile input to the room-action table, through both doors.

Deep nesting, huge or odd numbers, wrong types and unknown actions are
answered by the table's one parser with an error frame — the same code on a
WebSocket and over HTTP — never a 500, a 1011 close or a changed room.
"""

import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from forum.models import User
from realtime.routing import websocket_urlpatterns
from rooms import actions
from rooms import services as room_services
from rooms.models import Room

pytestmark = pytest.mark.django_db(transaction=True)
router = URLRouter(websocket_urlpatterns)

NESTED = "[" * 5000 + "]" * 5000  # under 16 KB, far deeper than json should recurse
NUL_KEY = '{"type": "send", "key": "' + "\\u0000" * 8 + '", "body": "x"}'

HOSTILE = [
    pytest.param(
        '{"type": "send", "key": "k-nested-0001", "body": ' + NESTED + "}",
        "bad_json",
        id="nested-list",
    ),
    pytest.param('{"a":' * 2500 + "1" + "}" * 2500, "bad_json", id="nested-objects"),
    pytest.param('{"type": "slow_mode", "seconds": ' + str(10**30) + "}", "invalid", id="huge-int"),
    pytest.param('{"type": "slow_mode", "seconds": 1e308}', "bad_frame", id="huge-float"),
    pytest.param('{"type": "slow_mode", "seconds": NaN}', "bad_frame", id="nan"),
    pytest.param('{"type": "slow_mode", "seconds": -1}', "invalid", id="negative"),
    pytest.param('{"type": "slow_mode", "seconds": true}', "bad_frame", id="bool-for-int"),
    pytest.param('{"type": "slow_mode", "seconds": "30"}', "bad_frame", id="text-for-int"),
    pytest.param('{"type": "delete", "id": ' + str(10**20) + "}", "bad_frame", id="huge-id"),
    pytest.param('{"type": "delete", "id": 0}', "bad_frame", id="zero-id"),
    pytest.param('{"type": "delete", "id": "²"}', "bad_frame", id="superscript-id"),
    pytest.param('{"type": "delete"}', "bad_frame", id="missing-id"),
    pytest.param('{"type": "pin", "id": [1]}', "bad_frame", id="list-for-id"),
    pytest.param('{"type": "close", "closed": "yes please"}', "bad_frame", id="text-for-flag"),
    pytest.param(
        '{"type": "send", "key": "k-utf-0001", "body": {"x": 1}}', "bad_frame", id="object-for-text"
    ),
    pytest.param(NUL_KEY, "bad_frame", id="nul-key"),
    pytest.param(
        '{"type": "send", "key": "k-rtl-00001", "body": "\\u202e\\u200b"}',
        "invalid",
        id="invisible-body",
    ),
    pytest.param(
        '{"type": "ask", "key": "k-ask-00001", "body": "x"}',
        "unknown_type",
        id="webinar-action-in-salon",
    ),
    pytest.param('{"type": "drop_tables"}', "unknown_type", id="unknown"),
    pytest.param('{"type": 12}', "unknown_type", id="type-not-text"),
    pytest.param("[1, 2, 3]", "bad_json", id="not-an-object"),
    pytest.param('{"type": "send"', "bad_json", id="truncated"),
]


@pytest.fixture
def room(public_cop, moderator, member):
    salon = room_services.ensure_salon(public_cop)
    room_services.send_message(author=member, room=salon, body="Bonjour", client_key="k-hostile-1")
    return salon


async def socket_answer(user, room: Room, text: str) -> dict:
    communicator = WebsocketCommunicator(router, f"/ws/rooms/{room.pk}/")
    communicator.scope["user"] = await database_sync_to_async(User.objects.get)(pk=user.pk)
    connected, _detail = await communicator.connect(timeout=5)
    assert connected
    try:
        await communicator.send_to(text_data=text)
        while True:
            output = await communicator.receive_output(timeout=5)
            assert output["type"] == "websocket.send", output  # never a close (1011)
            frame = json.loads(output["text"])
            if frame["type"] in {"ack", "error"}:
                return frame
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize(("text", "code"), HOSTILE)
async def test_hostile_frames_get_the_same_error_from_both_doors(
    text, code, room, moderator, client_for
):
    seq = await database_sync_to_async(lambda: Room.objects.get(pk=room.pk).last_seq)()

    by_socket = await socket_answer(moderator, room, text)
    response = await database_sync_to_async(
        lambda: client_for(moderator).post(
            reverse("room_action", args=[room.pk]), text, content_type="application/json"
        )
    )()
    by_http = response.json()

    assert by_socket["code"] == code, by_socket
    assert by_http["code"] == code, by_http
    assert by_http == by_socket
    assert response.status_code == actions.ERRORS[code][0]
    assert await database_sync_to_async(lambda: Room.objects.get(pk=room.pk).last_seq)() == seq


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        pytest.param({"action": "slow_mode", "seconds": "²"}, "bad_frame", id="superscript"),
        pytest.param({"action": "slow_mode", "seconds": "１２"}, "bad_frame", id="fullwidth"),
        pytest.param({"action": "slow_mode", "seconds": "9" * 40}, "bad_frame", id="40-digits"),
        pytest.param({"action": "slow_mode", "seconds": "601"}, "invalid", id="over-bound"),
        pytest.param({"action": "delete", "id": "9" * 17}, "bad_frame", id="huge-id"),
        pytest.param({"action": "close", "closed": "peut-être"}, "bad_frame", id="flag"),
        pytest.param(
            {"action": "mute", "user": "1", "minutes": "99999999"}, "invalid", id="year-9999"
        ),
        pytest.param({"action": ""}, "unknown_type", id="no-action"),
    ],
)
def test_hostile_form_fields_are_refused_with_a_clear_code(
    fields, code, room, moderator, client_for
):
    response = client_for(moderator).post(
        reverse("room_action", args=[room.pk]), fields, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == actions.ERRORS[code][0]
    assert response.json()["code"] == code
    assert response.json()["message"]


@pytest.mark.parametrize("reason", ["", "n'importe quoi", "other"])
async def test_a_report_with_a_bad_reason_is_invalid_through_both_doors(
    reason, room, moderator, client_for
):
    """Found by the fuzz: a field error of the service (a dict) has no code; it was a 500."""
    message_id = await database_sync_to_async(lambda: room.messages.get().pk)()
    text = json.dumps({"type": "report", "id": message_id, "reason": reason})

    by_socket = await socket_answer(moderator, room, text)
    response = await database_sync_to_async(
        lambda: client_for(moderator).post(
            reverse("room_action", args=[room.pk]), text, content_type="application/json"
        )
    )()

    assert by_socket["code"] == "invalid" and by_socket["message"], by_socket
    assert response.status_code == 400 and response.json() == by_socket
