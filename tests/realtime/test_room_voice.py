"""
A voice note goes up the room's voice door (HTTP, multipart) and reaches every
socket of the room live, and a socket that comes back with ``after=``.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rooms.models import Message

from ..audio import tone
from .wire import assert_no_frame, in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


def post_voice(user, room, key: str) -> dict:
    client = Client()
    client.force_login(user)
    recording = SimpleUploadedFile("note.webm", tone("webm", 1.5), "audio/webm")
    response = client.post(
        reverse("room_voice", args=[room.pk]),
        {"key": key, "voice": recording},
        headers={"accept": "application/json"},
    )
    return response.json()


async def test_a_voice_note_reaches_another_socket_live(connect, member, colleague, salon):
    watcher = await connect(colleague, f"/ws/rooms/{salon.pk}/")
    await receive_type(watcher, "hello")
    ack = await in_db(post_voice, member, salon, "voix-live-0001")
    assert ack["type"] == "ack"
    seen = await receive_type(watcher, "message")
    message = await in_db(Message.objects.select_related("voice").get, pk=ack["id"])
    assert seen["seq"] == ack["seq"]
    voice = seen["message"]["voice"]
    assert voice["url"] == reverse("room_voice_file", args=[salon.pk, message.voice.pk])
    assert voice["size"] == message.voice.size and 1.3 <= voice["duration"] <= 1.7
    assert voice["transcript"] == ""
    await assert_no_frame(watcher)
    await watcher.disconnect()


async def test_a_voice_note_said_while_away_comes_with_after(connect, member, colleague, salon):
    socket = await connect(colleague, f"/ws/rooms/{salon.pk}/")
    hello = await receive_type(socket, "hello", skip=())
    cursor = hello["last_seq"]
    await socket.disconnect()

    ack = await in_db(post_voice, member, salon, "voix-away-0001")
    socket = await connect(colleague, f"/ws/rooms/{salon.pk}/?after={cursor}")
    await receive_type(socket, "hello", skip=())
    missed = await receive_type(socket, "message")
    assert missed["message"]["id"] == ack["id"]
    assert missed["message"]["voice"]["url"].startswith(f"/salles/{salon.pk}/voix/")
    await socket.disconnect()


async def test_a_frame_with_a_recording_is_a_bad_frame(connect, member, salon):
    socket = await connect(member, f"/ws/rooms/{salon.pk}/")
    await receive_type(socket, "hello")
    await socket.send_json_to(
        {"type": "send", "key": "voix-frame-0001", "body": "", "voice": "T2dnUw=="}
    )
    error = await receive_type(socket, "error")
    assert error["code"] == "bad_frame" and error["key"] == "voix-frame-0001"
    assert await in_db(Message.objects.count) == 0
    await socket.disconnect()
