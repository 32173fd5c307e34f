"""A voice reply reaches the open pages of the thread live, with its player and its files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from forum import services

from ..audio import tone
from .wire import AMBIENT, in_db, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

BELL = AMBIENT | {"notifications"}


def thread_path(thread, after=None) -> str:
    path = f"/ws/threads/{thread.pk}/"
    return path if after is None else f"{path}?after={after}"


def photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("marché.jpg", buffer.getvalue())


async def test_voice_reply_arrives_live_with_its_player_duration_and_size(
    connect, member, colleague, anonymous, thread
):
    writer = await connect(member, thread_path(thread))
    reader = await connect(anonymous, thread_path(thread))
    for socket in (writer, reader):
        await receive_type(socket, "hello")

    post = await in_db(
        services.create_post,
        author=colleague,
        thread=thread,
        parent=None,
        body="",
        voice=SimpleUploadedFile("note.webm", tone("webm", 5.0)),
        files=[photo()],
    )
    voice, image = await in_db(lambda: list(post.files.order_by("pk")))
    for socket in (writer, reader):
        frame = await receive_type(socket, "post", skip=BELL)
        html = frame["html"]
        assert (frame["event"], frame["id"]) == ("created", post.pk)
        assert (
            f'<audio controls preload="none" data-voice-player '
            f'src="/messages/{post.pk}/fichiers/{voice.pk}/"'
        ) in html
        assert "0:05" in html
        assert f'src="/messages/{post.pk}/fichiers/{image.pk}/apercu/" loading="lazy"' in html
    for socket in (writer, reader):
        await socket.disconnect()


async def test_catch_up_after_a_drop_carries_the_files_too(connect, member, colleague, thread):
    post = await in_db(
        services.create_post,
        author=colleague,
        thread=thread,
        parent=None,
        body="",
        voice=SimpleUploadedFile("note.ogg", tone("ogg", 2.0)),
    )
    socket = await connect(member, thread_path(thread, after=1))
    await receive_type(socket, "hello")
    frame = await receive_type(socket, "post", skip=BELL)
    assert frame["id"] == post.pk
    assert "data-voice-player" in frame["html"]
    await socket.disconnect()


async def test_transcript_edit_and_hiding_reach_open_pages(
    connect, member, moderator, colleague, anonymous, thread
):
    post = await in_db(
        services.create_post,
        author=colleague,
        thread=thread,
        parent=None,
        body="",
        voice=SimpleUploadedFile("note.webm", tone("webm", 2.0)),
    )
    voice = await in_db(lambda: post.files.get())
    reader = await connect(anonymous, thread_path(thread, after=2))
    await receive_type(reader, "hello")

    await in_db(services.set_transcript, editor=colleague, attached=voice, text="Bonjour <b>")
    frame = await receive_type(reader, "post")
    assert frame["event"] == "edited"
    assert "data-transcript" in frame["html"] and "Bonjour &lt;b&gt;" in frame["html"]

    await in_db(services.hide_post, moderator=moderator, post=post, reason="Hors sujet")
    frame = await receive_type(reader, "post")
    assert frame["event"] == "hidden"
    assert "/fichiers/" not in frame["html"]
    await reader.disconnect()
