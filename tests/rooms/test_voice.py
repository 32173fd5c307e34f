"""
Voice notes in live rooms: a salon's chat, a webinar room's chat and its questions.

Real audio made in the test (tests/audio.py): a tone as Chrome's MediaRecorder
writes it (WebM/Opus) goes up the room's voice door (``POST /salles/<id>/voix/``,
multipart), through the same row of the action table and the same service as
a text message, and comes back as Opus with HTTP ranges to those who may see
the room, at the time they ask.
"""

import functools
import io
import json
import zipfile

import av
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forum.account_data import build_export
from forum.models import Membership, ModerationAction
from forum.services.account_data import delete_account
from rooms import actions, frames, selectors
from rooms import services as room_services
from rooms.models import Message, RoomEvent, VoiceNote
from webinars import services as webinar_services
from webinars.models import Question

from ..audio import long_ogg, tone
from ..factories import PASSWORD, make_community, make_user

JSON = {"accept": "application/json"}


@functools.cache
def recording(kind: str = "webm", seconds: float = 2.0) -> bytes:
    return tone(kind, seconds)


def upload(data: bytes | None = None, name: str = "note.webm") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, recording() if data is None else data, "audio/webm")


def voice_url(room) -> str:
    return reverse("room_voice", args=[room.pk])


def post_voice(client, room, *, key="voix-cle-0001", data=None, json_answer=True, **fields):
    body = {"key": key, "voice": upload(data), **fields}
    return client.post(voice_url(room), body, headers=JSON if json_answer else {})


def stored_files(folder: str = "voix") -> list[str]:
    """Every file under ``folder`` of the storage (the tests' in-memory storage)."""
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    found = [f"{folder}/{name}" for name in files]
    for sub in dirs:
        found += stored_files(f"{folder}/{sub}")
    return found


@pytest.fixture(autouse=True)
def _empty_voice_storage():
    """The in-memory storage outlives a test: start each with no voice note in it."""
    for name in stored_files():
        default_storage.delete(name)


@pytest.fixture
def salon(public_cop):
    return room_services.ensure_salon(public_cop)


@pytest.fixture
def private_salon(private_cop):
    return room_services.ensure_salon(private_cop)


def say_aloud(author, room, key="voix-cle-0001", data=None, body=""):
    message, _created = room_services.send_message(
        author=author, room=room, body=body, client_key=key, voice=upload(data)
    )
    return message


# Sending ---------------------------------------------------------------------------------


def test_a_voice_message_is_stored_as_mono_opus_and_acknowledged(salon, member, client_for):
    response = post_voice(client_for(member), salon)
    assert response.status_code == 200, response.json()
    ack = response.json()
    assert ack["type"] == "ack" and ack["action"] == "send" and ack["key"] == "voix-cle-0001"
    message = Message.objects.select_related("voice").get(pk=ack["id"])
    assert message.body == "" and message.voice is not None
    note = message.voice
    assert (note.owner_kind, note.owner_id, note.author_id) == ("message", message.pk, member.pk)
    data = note.file.open("rb").read()
    assert len(data) == note.size
    assert data.startswith(b"OggS") and b"OpusHead" in data[:200]
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus" and stream.codec_context.channels == 1
    assert 1.8 <= note.duration <= 2.2
    assert "note" not in note.file.name and note.file.name.endswith(".opus")


def test_a_caption_goes_with_the_voice(salon, member, client_for):
    response = post_voice(client_for(member), salon, body="Écoutez <b>ceci</b>")
    message = Message.objects.get(pk=response.json()["id"])
    assert message.body == "Écoutez <b>ceci</b>"
    assert "&lt;b&gt;" in message.body_html


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        pytest.param(b"%PDF-1.4 not a recording at all" * 40, "not_audio", 415, id="not-audio"),
        pytest.param(b"", "not_audio", 415, id="empty"),
        pytest.param("long", "too_long", 413, id="eleven-minutes"),
        pytest.param("cut", {"truncated", "not_audio"}, {400, 415}, id="truncated"),
    ],
)
def test_what_is_not_whole_audio_is_refused_with_its_code_and_nothing_is_stored(
    data, code, status, salon, member, client_for
):
    if data == "long":
        data = long_ogg(11 * 60)
    elif data == "cut":
        whole = tone("wav", 3.0)
        data = whole[: len(whole) // 2]
    before = RoomEvent.objects.filter(room=salon).count()
    response = post_voice(client_for(member), salon, data=data)
    answer = response.json()
    assert answer["type"] == "error"
    codes, statuses = (code, status) if isinstance(code, set) else ({code}, {status})
    assert answer["code"] in codes and response.status_code in statuses
    assert response.status_code == actions.status_of(answer)
    assert answer["message"]  # a sentence in French, saying what is wrong
    assert not Message.objects.filter(room=salon).exists()
    assert not VoiceNote.objects.exists() and stored_files() == []
    assert RoomEvent.objects.filter(room=salon).count() == before


def test_a_too_heavy_upload_is_refused_before_conversion(salon, member, client_for, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = post_voice(client_for(member), salon)
    assert (response.status_code, response.json()["code"]) == (413, "too_big")
    assert not VoiceNote.objects.exists()


def test_a_retried_voice_send_is_stored_once(salon, member, client_for):
    client = client_for(member)
    first = post_voice(client, salon, key="voix-retry-01").json()
    again = post_voice(client, salon, key="voix-retry-01").json()
    assert again["type"] == "ack" and again["id"] == first["id"] and again["seq"] == first["seq"]
    assert Message.objects.filter(room=salon).count() == 1
    assert VoiceNote.objects.count() == 1 and len(stored_files()) == 1


def test_a_muted_member_may_not_speak_either(salon, member, moderator, client_for):
    room_services.mute_participant(moderator=moderator, room=salon, user=member, reason="Calme")
    response = post_voice(client_for(member), salon)
    assert (response.status_code, response.json()["code"]) == (403, "muted")
    assert "Calme" in response.json()["message"]
    assert not VoiceNote.objects.exists()


def test_voice_notes_count_in_the_chat_rate_limit(salon, member, client_for, settings):
    settings.JEKAFO = {**settings.JEKAFO, "CHAT_RATE": (1, 10)}
    client = client_for(member)
    assert post_voice(client, salon, key="voix-rate-001").status_code == 200
    response = post_voice(client, salon, key="voix-rate-002")
    assert (response.status_code, response.json()["code"]) == (429, "rate_limited")
    assert VoiceNote.objects.count() == 1


def test_slow_mode_holds_for_voice_notes(salon, member, moderator, client_for):
    room_services.set_slow_mode(moderator=moderator, room=salon, seconds=60)
    client = client_for(member)
    room_services.send_message(author=member, room=salon, body="Écrit", client_key="lent-0000001")
    response = post_voice(client, salon, key="voix-lent-001")
    assert (response.status_code, response.json()["code"]) == (429, "slow_mode")
    assert not VoiceNote.objects.exists()


def test_an_outsider_gets_404_from_a_private_salons_voice_door(private_salon, outsider, client_for):
    response = post_voice(client_for(outsider), private_salon)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_frame_cannot_carry_a_recording(salon, member, client_for):
    frame = {"type": "send", "key": "voix-frame-01", "body": "", "voice": "T2dnUw=="}
    response = client_for(member).post(
        reverse("room_action", args=[salon.pk]), json.dumps(frame), content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "bad_frame")
    assert "voix/" in response.json()["message"]


def test_the_action_endpoint_points_a_file_to_the_voice_door(salon, member, client_for):
    response = client_for(member).post(
        reverse("room_action", args=[salon.pk]),
        {"action": "send", "key": "voix-wrong-01", "body": "", "voice": upload()},
        headers=JSON,
    )
    assert (response.status_code, response.json()["code"]) == (400, "bad_frame")
    assert voice_url(salon) in response.json()["message"]
    assert not VoiceNote.objects.exists()


def test_the_voice_door_takes_only_actions_with_a_recording(salon, moderator, client_for):
    response = post_voice(client_for(moderator), salon, action="slow_mode", seconds="10")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_type")
    missing = client_for(moderator).post(voice_url(salon), {"key": "voix-vide-001"}, headers=JSON)
    assert (missing.status_code, missing.json()["code"]) == (400, "bad_frame")


def test_a_plain_form_comes_back_to_the_message(salon, member, client_for):
    response = post_voice(client_for(member), salon, json_answer=False)
    message = Message.objects.get()
    assert response.status_code == 302
    assert response.url.endswith(f"#msg-{message.pk}")


def test_a_refused_plain_form_says_why_on_the_page(salon, member, client_for):
    client = client_for(member)
    response = post_voice(client, salon, data=b"pas du son", json_answer=False)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "enregistrement audio lisible" in page


# What readers get ------------------------------------------------------------------------


def test_the_message_frame_carries_the_voice(salon, member):
    message = say_aloud(member, salon)
    drawn = frames.message(Message.objects.select_related("voice").get(pk=message.pk))
    note = message.voice
    assert drawn["voice"] == {
        "id": note.pk,
        "url": reverse("room_voice_file", args=[salon.pk, note.pk]),
        "duration": round(note.duration, 1),
        "size": note.size,
        "transcript": "",
    }
    text = room_services.send_message(
        author=member, room=salon, body="Écrit", client_key="texte-seul-01"
    )[0]
    assert frames.message(text)["voice"] is None


def test_the_room_log_over_http_carries_the_voice(salon, member, client_for):
    message = say_aloud(member, salon)
    answer = client_for(member).get(reverse("room_events", args=[salon.pk])).json()
    (frame,) = [f for f in answer["frames"] if f["type"] == "message"]
    assert frame["message"]["id"] == message.pk
    assert frame["message"]["voice"]["size"] == message.voice.size


def test_the_salon_page_draws_a_player_with_duration_and_size(salon, member, client_for):
    message = say_aloud(member, salon)
    page = client_for(member).get(reverse("salon", args=[salon.community.slug])).content.decode()
    url = reverse("room_voice_file", args=[salon.pk, message.voice.pk])
    assert f'src="{url}"' in page
    assert 'preload="none"' in page and "data-voice-player" in page
    assert "0:02" in page and " Ko" in page


def test_the_salon_page_has_a_voice_form_that_works_without_javascript(salon, member, client_for):
    page = client_for(member).get(reverse("salon", args=[salon.community.slug])).content.decode()
    form = page.split('id="voice-form"', 1)[1].split("</form>", 1)[0]
    assert f'action="{voice_url(salon)}"' in form
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file"' in form and 'accept="audio/*"' in form
    assert "capture" in form and "data-voice" in form and 'name="voice"' in form
    assert 'name="key"' in form


def test_the_voice_is_served_with_ranges(salon, member, client_for):
    message = say_aloud(member, salon)
    note = message.voice
    data = note.file.open("rb").read()
    client = client_for(member)
    url = reverse("room_voice_file", args=[salon.pk, note.pk])
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data
    assert whole["Content-Type"] == "audio/ogg" and whole["Accept-Ranges"] == "bytes"
    assert whole["X-Content-Type-Options"] == "nosniff"
    assert whole["Content-Disposition"].startswith("inline")
    part = client.get(url, headers={"range": "bytes=10-99"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-99/{len(data)}"
    assert b"".join(part.streaming_content) == data[10:100]


def test_a_private_salons_voice_is_404_to_outsiders_and_to_a_removed_member(
    private_salon, private_cop, member, outsider, moderator, client_for, anonymous
):
    message = say_aloud(member, private_salon)
    url = reverse("room_voice_file", args=[private_salon.pk, message.voice.pk])
    colleague = make_user(username="kadia", display_name="Kadia Sow")
    Membership.objects.create(user=colleague, community=private_cop)
    assert client_for(colleague).get(url).status_code == 200
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(anonymous).get(url).status_code == 404
    Membership.objects.filter(user=colleague, community=private_cop).delete()
    assert client_for(colleague).get(url).status_code == 404
    # Another room's number with this note's: not found either.
    other = room_services.ensure_salon(make_community(name="Autre", slug="autre-cop"))
    assert (
        client_for(member)
        .get(reverse("room_voice_file", args=[other.pk, message.voice.pk]))
        .status_code
        == 404
    )


def test_deleting_a_message_erases_its_voice(
    salon, member, moderator, client_for, django_capture_on_commit_callbacks
):
    message = say_aloud(member, salon)
    note = message.voice
    url = reverse("room_voice_file", args=[salon.pk, note.pk])
    with django_capture_on_commit_callbacks(execute=True):
        room_services.delete_message(user=moderator, message=message)
    assert not VoiceNote.objects.exists() and stored_files() == []
    assert client_for(member).get(url).status_code == 404
    message.refresh_from_db()
    assert message.voice is None
    assert frames.message(message)["voice"] is None


# Transcripts -----------------------------------------------------------------------------


def transcribe(client, room, note, text):
    return client.post(
        reverse("room_action", args=[room.pk]),
        {"action": "transcript", "id": str(note.pk), "text": text},
        headers=JSON,
    )


def test_the_author_transcribes_her_voice_note_and_it_is_escaped(salon, member, client_for):
    message = say_aloud(member, salon)
    response = transcribe(client_for(member), salon, message.voice, "Réunion <script>x</script>")
    assert response.json()["type"] == "ack", response.json()
    note = VoiceNote.objects.get()
    assert note.transcript == "Réunion <script>x</script>"
    last = RoomEvent.objects.filter(room=salon).order_by("-seq").first()
    assert (last.kind, last.object_id) == ("message", message.pk)
    page = client_for(member).get(reverse("salon", args=[salon.community.slug])).content.decode()
    assert "Réunion &lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "data-transcript" in page


def test_a_moderator_transcribes_anyones_voice_another_member_may_not(
    salon, public_cop, member, moderator, client_for
):
    message = say_aloud(member, salon)
    other = make_user(username="oumou", display_name="Oumou Sangaré")
    Membership.objects.create(user=other, community=public_cop)
    refused = transcribe(client_for(other), salon, message.voice, "Faux")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    done = transcribe(client_for(moderator), salon, message.voice, "Vrai")
    assert done.json()["type"] == "ack"
    assert VoiceNote.objects.get().transcript == "Vrai"
    # The CoP's log says who wrote it over whose voice, and what changed.
    [action] = ModerationAction.objects.filter(kind=ModerationAction.Kind.TRANSCRIBE)
    assert (action.actor, action.target_user, action.community) == (moderator, member, public_cop)
    assert action.details["changes"] == [{"field": "transcription", "old": "", "new": "Vrai"}]


def test_the_authors_own_transcript_is_not_a_moderation_act(salon, member, client_for):
    message = say_aloud(member, salon)
    assert transcribe(client_for(member), salon, message.voice, "Mon texte").json()["type"] == "ack"
    assert not ModerationAction.objects.exists()


# A webinar room ----------------------------------------------------------------------------


@pytest.fixture
def live_session(public_cop, moderator):
    from datetime import timedelta

    from django.utils import timezone

    return webinar_services.create_session(
        author=moderator,
        community=public_cop,
        title="Séance en direct",
        starts_at=timezone.now() - timedelta(minutes=10),
        duration=90,
    )


def test_a_question_asked_aloud(live_session, member, client_for):
    room = live_session.room
    response = post_voice(client_for(member), room, action="ask", key="q-voix-00001")
    ack = response.json()
    assert ack["type"] == "ack" and ack["action"] == "ask", ack
    question = Question.objects.select_related("voice").get(pk=ack["id"])
    assert question.body == "" and question.voice.owner_kind == "question"
    from webinars import frames as webinar_frames

    drawn = webinar_frames.question(question)
    assert drawn["voice"]["url"] == reverse("room_voice_file", args=[room.pk, question.voice.pk])
    again = post_voice(client_for(member), room, action="ask", key="q-voix-00001").json()
    assert again["id"] == ack["id"] and Question.objects.count() == 1
    page = client_for(member).get(reverse("webinar_room", args=[live_session.pk]))
    assert drawn["voice"]["url"] in page.content.decode()


def test_a_hidden_questions_voice_is_for_moderators_only(
    live_session, member, moderator, client_for
):
    room = live_session.room
    ack = post_voice(client_for(member), room, action="ask", key="q-voix-00002").json()
    question = Question.objects.get(pk=ack["id"])
    url = reverse("room_voice_file", args=[room.pk, question.voice.pk])
    webinar_services.hide_question(moderator=moderator, question=question)
    assert client_for(member).get(url).status_code == 404
    assert client_for(moderator).get(url).status_code == 200
    from webinars import frames as webinar_frames

    question.refresh_from_db()
    assert webinar_frames.question(question)["voice"] is None
    webinar_services.hide_question(moderator=moderator, question=question, hidden=False)
    assert client_for(member).get(url).status_code == 200


def test_the_webinar_chat_takes_voice_notes_too(live_session, member, client_for):
    response = post_voice(client_for(member), live_session.room, key="webinaire-voix1")
    assert response.json()["type"] == "ack"
    page = client_for(member).get(reverse("webinar_room", args=[live_session.pk])).content
    assert b"data-voice-player" in page and b'id="voice-form"' in page


# A member's own data ---------------------------------------------------------------------


def test_my_data_holds_my_voice_notes(salon, live_session, member):
    message = say_aloud(member, salon)
    webinar_services.ask_question(
        author=member, session=live_session, client_key="q-export-001", voice=upload()
    )
    archive = zipfile.ZipFile(build_export(member))
    data = json.loads(archive.read("data.json"))
    (exported,) = data["chat_messages"]
    assert exported["voice"]["duration"] == round(message.voice.duration, 1)
    assert exported["voice"]["file"].startswith("fichiers/voix/")
    assert data["webinars"]["questions"][0]["voice"]["file"].startswith("fichiers/voix/")
    voice_files = [n for n in archive.namelist() if n.startswith("fichiers/voix/")]
    assert len(voice_files) == 2
    assert archive.read(exported["voice"]["file"]).startswith(b"OggS")


def test_deleting_my_account_with_my_words_erases_my_voice_notes(
    salon, live_session, member, django_capture_on_commit_callbacks
):
    say_aloud(member, salon)
    webinar_services.ask_question(
        author=member, session=live_session, client_key="q-erase-0001", voice=upload()
    )
    assert len(stored_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=member, password=PASSWORD, erase_content=True)
    assert not VoiceNote.objects.exists() and stored_files() == []
    assert Question.objects.get().voice is None


def test_selectors_find_a_voice_only_in_its_room(salon, member, public_cop):
    message = say_aloud(member, salon)
    assert selectors.find_voice(salon, message.voice.pk) == message.voice
