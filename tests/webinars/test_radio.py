"""
Audio-only ("radio") sessions: the mode, the stream link, the recording (spooled,
converted by the command with real audio made here), its replay served by ranges,
and the chapters drawn from the decisions.
"""

import io
import re
from datetime import timedelta

import av
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from forum import media
from forum.models import ModerationAction
from webinars import services
from webinars.models import Decision, Session, SessionRecording
from webinars.services.radio import (
    _claim,
    convert_waiting_recordings,
    set_decision_offset,
    upload_recording,
    validate_stream_url,
)
from webinars.services.report import add_decision

from ..audio import long_ogg, tone

STREAM = "https://radio.example.org/live/jekafo.opus"
SECRET = "Réunion secrète Ségou"


@pytest.fixture(autouse=True)
def spool(settings, tmp_path):
    settings.RECORDING_SPOOL_DIR = tmp_path / "spool"
    return settings.RECORDING_SPOOL_DIR


def edit_data(session: Session, **extra) -> dict:
    data = {
        "title": session.title,
        "theme": session.theme,
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "duration": int((session.ends_at - session.starts_at).total_seconds() // 60),
        "open_minutes_before": session.open_minutes_before,
        "agenda": "",
        "speakers": "",
        "video_url": "",
        "recording_url": "",
    }
    data.update(extra)
    return data


def make_radio(session, moderator, *, stream=STREAM, kbps=16) -> Session:
    return services.edit_session(
        editor=moderator, session=session, radio=True, stream_url=stream, stream_kbps=kbps
    )


def upload(client, session, data: bytes, name="enregistrement.m4a"):
    return client.post(
        reverse("webinar_recording_upload", args=[session.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="audio/mp4")},
    )


def report(client, session):
    return client.get(reverse("webinar_report", args=[session.pk]))


def ready_recording(session, moderator, seconds=6.0) -> SessionRecording:
    upload_recording(
        moderator=moderator,
        session=session,
        file=SimpleUploadedFile("r.webm", tone("webm", seconds), content_type="audio/webm"),
    )
    convert_waiting_recordings()
    return SessionRecording.objects.get(session=session)


# The mode ---------------------------------------------------------------------------------


def test_moderator_makes_a_session_radio_through_the_edit_form_and_it_is_audited(
    client_for, moderator, upcoming_session
):
    response = client_for(moderator).post(
        reverse("webinar_edit", args=[upcoming_session.pk]),
        edit_data(upcoming_session, radio="on", stream_url=STREAM, stream_kbps="16"),
    )
    assert response.status_code == 302
    session = Session.objects.get(pk=upcoming_session.pk)
    assert session.radio and session.stream_url == STREAM and session.stream_kbps == 16
    action = ModerationAction.objects.get(kind=ModerationAction.Kind.SESSION_AUDIO)
    assert action.actor == moderator
    changes = {change["field"]: change for change in action.details["changes"]}
    assert changes["séance radio"] == {"field": "séance radio", "old": "non", "new": "oui"}
    assert changes["lien du flux audio"]["old"] == ""
    assert changes["lien du flux audio"]["new"] == STREAM
    assert changes["débit du flux (kb/s)"]["new"] == 16

    # Saving the form again unchanged writes no second audit line.
    client_for(moderator).post(
        reverse("webinar_edit", args=[session.pk]),
        edit_data(session, radio="on", stream_url=STREAM, stream_kbps="16"),
    )
    assert ModerationAction.objects.filter(kind="session_audio").count() == 1


def test_a_session_is_made_radio_when_it_is_created(client_for, moderator, upcoming_session):
    community = upcoming_session.community
    data = edit_data(upcoming_session, radio="on", stream_url=STREAM, stream_kbps="16")
    data["title"] = "Radio des CdP de Ségou et Kayes"
    del data["recording_url"]
    url = reverse("webinar_session_new", args=[community.slug])
    assert 'name="radio"' in client_for(moderator).get(url).content.decode()
    response = client_for(moderator).post(url, data)
    assert response.status_code == 302
    session = Session.objects.get(title="Radio des CdP de Ségou et Kayes")
    assert (session.radio, session.stream_url, session.stream_kbps) == (True, STREAM, 16)
    # The same rule as on edit: a link that is not http(s) is a 400 with a message.
    data.update(title="Autre", stream_url="javascript:alert(1)")
    refused = client_for(moderator).post(url, data)
    assert refused.status_code == 400
    assert "http:// ou https://" in refused.content.decode()
    assert not Session.objects.filter(title="Autre").exists()


def test_radio_session_page_shows_the_mode_the_player_and_what_it_costs(
    client_for, moderator, member, upcoming_session
):
    make_radio(upcoming_session, moderator)
    services.register(user=member, session=upcoming_session)
    response = client_for(member).get(upcoming_session.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="badge radio"' in html and "Radio : audio seulement" in html
    assert '<svg class="icon"' in html
    assert f'<audio controls preload="none" src="{STREAM}" class="stream-player">' in html
    assert f'<a href="{STREAM}"' in html
    # 16 kb/s for an hour: 16000 * 3600 / 8 = 7.2 MB.
    assert "environ 7,2 Mo par heure (flux à 16 kb/s)" in html
    # The page lets its <audio> reach the stream's host, and that host only.
    media_src = re.search(r"media-src ([^;]*)", response.headers["Content-Security-Policy"])[1]
    # blob: is the recorder's own playback before sending (voice.js), never another host.
    assert sorted(media_src.split()) == sorted(["'self'", "blob:", "https://radio.example.org"])


def test_the_stream_link_is_for_confirmed_participants_like_the_video_link(
    client_for, moderator, member, upcoming_session
):
    make_radio(upcoming_session, moderator, kbps=None)
    response = client_for(member).get(upcoming_session.get_absolute_url())
    html = response.content.decode()
    assert "Radio : audio seulement" in html
    assert STREAM not in html
    assert "donné aux personnes inscrites" in html
    assert "radio.example.org" not in response.headers["Content-Security-Policy"]


def test_without_a_bitrate_the_cost_is_given_by_examples(client_for, moderator, upcoming_session):
    make_radio(upcoming_session, moderator, kbps=None)
    html = client_for(moderator).get(upcoming_session.get_absolute_url()).content.decode()
    assert "7,2 Mo par heure pour un flux à 16 kb/s, 29 Mo pour un flux à 64 kb/s" in html


def test_the_live_room_keeps_its_chat_and_questions_beside_the_audio(
    client_for, moderator, member, live_session
):
    make_radio(live_session, moderator)
    services.register(user=member, session=live_session)
    html = client_for(member).get(reverse("webinar_room", args=[live_session.pk])).content.decode()
    assert f'src="{STREAM}"' in html
    assert 'id="chat-form"' in html and 'id="ask-form"' in html
    assert html.index("stream-player") < html.index('id="chat-form"')


def test_unsetting_radio_mode_removes_it_from_the_pages(client_for, moderator, upcoming_session):
    make_radio(upcoming_session, moderator)
    client = client_for(moderator)
    response = client.post(
        reverse("webinar_edit", args=[upcoming_session.pk]),
        edit_data(upcoming_session, stream_url="", stream_kbps=""),
    )
    assert response.status_code == 302
    session = Session.objects.get(pk=upcoming_session.pk)
    assert not session.radio and session.stream_url == ""
    html = client.get(session.get_absolute_url()).content.decode()
    assert "Radio : audio seulement" not in html and "stream-player" not in html
    last = ModerationAction.objects.filter(kind="session_audio").first()
    fields = {change["field"]: (change["old"], change["new"]) for change in last.details["changes"]}
    assert fields["séance radio"] == ("oui", "non")
    assert fields["lien du flux audio"] == (STREAM, "")


def test_the_sessions_list_marks_radio_sessions(client_for, moderator, upcoming_session):
    make_radio(upcoming_session, moderator)
    html = client_for(None).get(reverse("webinars")).content.decode()
    assert 'class="badge radio"' in html


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(document.cookie)",
        "data:audio/ogg;base64,T2dnUw==",
        "ftp://radio.example.org/live",
        "vbscript:msgbox(1)",
        "//radio.example.org/live",
        "http://",
        "https://radio example.org/live",
        "radio.example.org/live",
        "https://radio.example.org/" + "a" * 300,
    ],
)
def test_a_stream_link_that_is_not_http_is_refused_with_a_message(
    client_for, moderator, upcoming_session, value
):
    response = client_for(moderator).post(
        reverse("webinar_edit", args=[upcoming_session.pk]),
        edit_data(upcoming_session, radio="on", stream_url=value),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "http://" in html and ("https://" in html or "caractères au plus" in html)
    session = Session.objects.get(pk=upcoming_session.pk)
    assert not session.radio and session.stream_url == ""
    with pytest.raises(ValidationError):
        validate_stream_url(value)


def test_an_http_stream_link_is_accepted():
    assert validate_stream_url(" http://192.168.1.20:8000/live ") == "http://192.168.1.20:8000/live"
    assert validate_stream_url("") == ""


def test_a_member_cannot_set_radio_mode(client_for, member, upcoming_session):
    response = client_for(member).post(
        reverse("webinar_edit", args=[upcoming_session.pk]),
        edit_data(upcoming_session, radio="on", stream_url=STREAM),
    )
    assert response.status_code == 403
    assert not Session.objects.get(pk=upcoming_session.pk).radio


# The recording: spooled, converted later ---------------------------------------------------


def test_a_recording_is_spooled_then_converted_to_small_mono_opus_without_metadata(
    client_for, moderator, member, ended_session, spool
):
    source = tone("mp4", 5.0, metadata={"title": SECRET, "artist": "Awa"})
    assert SECRET.encode() in source
    response = upload(client_for(moderator), ended_session, source)
    assert response.status_code == 302

    recording = SessionRecording.objects.get(session=ended_session)
    assert recording.status == SessionRecording.Status.WAITING
    assert (spool / recording.spool_name).read_bytes() == source
    # Meanwhile, the page says so (to every reader), and offers no player.
    html = report(client_for(member), ended_session).content.decode()
    assert "conversion en cours" in html and "<audio" not in html
    assert (
        client_for(member)
        .get(reverse("webinar_recording_file", args=[ended_session.pk]))
        .status_code
        == 404
    )

    call_command("convert_recordings", stdout=io.StringIO())

    recording.refresh_from_db()
    assert recording.status == SessionRecording.Status.READY
    assert recording.spool_name == "" and not any(spool.iterdir())
    data = recording.file.read()
    recording.file.close()
    assert recording.size == len(data)
    assert recording.duration == pytest.approx(5.0, abs=0.1)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "ogg"
        assert stream.codec_context.name == "opus"
        assert stream.codec_context.layout.nb_channels == 1
        assert dict(container.metadata) == {} and dict(stream.metadata) == {}
    # ~16 kb/s, the whole file with its headers (a tone: the encoder's VBR stays near it).
    assert 16_000 * 0.7 <= len(data) * 8 / recording.duration <= 16_000 * 1.25
    for marker in (SECRET.encode(), b"Awa", b"Lavf", b"Lavc"):
        assert marker not in data

    html = report(client_for(member), ended_session).content.decode()
    url = reverse("webinar_recording_file", args=[ended_session.pk])
    assert f'<audio id="replay" controls preload="none" src="{url}" data-voice-player>' in html
    assert "conversion en cours" not in html
    assert "Mo par heure d&#x27;écoute" in html or "Mo par heure d'écoute" in html
    assert re.search(r"Enregistrement · 5 s · \d+ ko", html)

    export = client_for(moderator).get(
        reverse("webinar_export", args=[ended_session.pk, "compte-rendu", "md"])
    )
    assert f"Enregistrement de la séance : http://testserver{url}" in export.content.decode()


def test_a_second_converter_finds_nothing_to_take(moderator, ended_session):
    upload_recording(
        moderator=moderator,
        session=ended_session,
        file=SimpleUploadedFile("r.ogg", tone("ogg", 1.0)),
    )
    now = timezone.now()
    assert _claim(now) is not None
    assert _claim(now) is None
    # One that died mid-way is taken again after an hour.
    assert _claim(now + timedelta(hours=2)) is not None


def test_a_conversion_that_fails_says_why_to_the_organiser_only(
    client_for, moderator, member, ended_session, spool
):
    upload(client_for(moderator), ended_session, tone("ogg", 2.0))
    recording = SessionRecording.objects.get(session=ended_session)
    (spool / recording.spool_name).write_bytes(b"OggS" + bytes(5000))  # damaged on disk

    convert_waiting_recordings()

    recording.refresh_from_db()
    assert recording.status == SessionRecording.Status.FAILED
    assert "enregistrement audio lisible" in recording.error
    assert not recording.file and not any(spool.iterdir())
    assert (
        "n'a pas pu être converti" in report(client_for(moderator), ended_session).content.decode()
    )
    html = report(client_for(member), ended_session).content.decode()
    assert "n&#x27;a pas pu être converti" not in html and "pas pu être converti" not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "pas un enregistrement audio lisible"),
        ("Compte rendu à relire".encode(), "pas un enregistrement audio lisible"),
        (b"", "pas un enregistrement audio lisible"),
    ],
    ids=["pdf", "text", "empty"],
)
def test_what_is_not_audio_is_refused_at_once_and_nothing_is_kept(
    client_for, moderator, ended_session, spool, data, message
):
    response = upload(client_for(moderator), ended_session, data)
    assert response.status_code == 400
    assert message in response.content.decode() or "fichier soumis est vide" in (
        response.content.decode()
    )
    assert not SessionRecording.objects.exists()
    assert not spool.exists() or not any(spool.iterdir())


def test_a_two_hour_recording_passes_the_long_limit_a_voice_note_does_not(
    client_for, moderator, ended_session
):
    two_hours = long_ogg(2 * 3600)
    declared = media.probe_audio(
        io.BytesIO(two_hours),
        max_seconds=media.RECORDING_MAX_SECONDS,
        max_bytes=media.max_upload_bytes(),
    )
    assert declared == pytest.approx(7200, abs=1)
    with pytest.raises(ValidationError) as refused:
        media.convert_voice(io.BytesIO(two_hours))
    assert refused.value.code == "too_long"
    with pytest.raises(ValidationError) as refused:
        media.probe_audio(io.BytesIO(two_hours))
    assert refused.value.code == "too_long"

    response = upload(client_for(moderator), ended_session, two_hours, name="seance.ogg")
    assert response.status_code == 302
    assert SessionRecording.objects.get(session=ended_session).status == "waiting"


def test_a_recording_longer_than_three_hours_is_refused_with_a_message(
    client_for, moderator, ended_session
):
    response = upload(client_for(moderator), ended_session, long_ogg(3 * 3600 + 120))
    assert response.status_code == 400
    assert "Enregistrement trop long : 180 min au plus." in response.content.decode()
    assert not SessionRecording.objects.exists()


def test_a_recording_above_the_recording_limit_is_refused(
    client_for, moderator, ended_session, settings
):
    settings.RECORDING_MAX_BYTES = 20_000
    response = upload(client_for(moderator), ended_session, tone("wav", 2.0))
    assert response.status_code == 400
    assert "Fichier audio trop lourd" in response.content.decode()
    assert not SessionRecording.objects.exists()


def test_a_member_cannot_upload_a_recording(client_for, member, ended_session):
    response = upload(client_for(member), ended_session, tone("ogg", 1.0))
    assert response.status_code == 403
    assert not SessionRecording.objects.exists()


def test_replacing_and_removing_a_recording(
    client_for, moderator, ended_session, spool, django_capture_on_commit_callbacks
):
    first = ready_recording(ended_session, moderator, 1.0)
    first_name = first.file.name
    client = client_for(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, ended_session, tone("ogg", 1.5)).status_code == 302
    replaced = SessionRecording.objects.get(session=ended_session)
    assert replaced.status == "waiting" and not replaced.file
    assert not first.file.storage.exists(first_name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webinar_recording_remove", args=[ended_session.pk]))
    assert response.status_code == 302
    assert not SessionRecording.objects.exists()
    assert not any(spool.iterdir())
    kinds = list(
        ModerationAction.objects.filter(kind="session_audio").values_list("details", flat=True)
    )
    assert len(kinds) == 3  # sent, replaced, removed


# Serving the replay -----------------------------------------------------------------------


def test_the_replay_is_served_by_ranges(client_for, moderator, member, ended_session):
    recording = ready_recording(ended_session, moderator)
    data = recording.file.read()
    recording.file.close()
    url = reverse("webinar_recording_file", args=[ended_session.pk])
    client = client_for(member)

    response = client.get(url, HTTP_RANGE="bytes=100-299")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == data[100:300]
    assert response["Content-Range"] == f"bytes 100-299/{len(data)}"
    assert response["Content-Length"] == "200"
    assert response["Content-Type"] == "audio/ogg"
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")

    whole = client.get(url)
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == data

    assert client.get(url, HTTP_RANGE=f"bytes={len(data) + 10}-").status_code == 416


def test_a_private_sessions_replay_is_404_for_outsiders(
    client_for, moderator, member, outsider, private_session
):
    ready_recording(private_session, moderator, 1.0)
    url = reverse("webinar_recording_file", args=[private_session.pk])
    assert client_for(member).get(url, HTTP_RANGE="bytes=0-9").status_code == 206
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
    assert client_for(outsider).get(url, HTTP_RANGE="bytes=0-9").status_code == 404


# Chapters ---------------------------------------------------------------------------------


def test_chapters_follow_the_recording_and_are_escaped(
    client_for, moderator, member, ended_session
):
    ready_recording(ended_session, moderator, 6.0)
    late = add_decision(
        moderator=moderator, session=ended_session, text="Relancer <script>alert(1)</script>"
    )
    early = add_decision(
        moderator=moderator, session=ended_session, text="Former deux relais à Mopti", offset="0:02"
    )
    add_decision(moderator=moderator, session=ended_session, text="Sans moment")
    set_decision_offset(moderator=moderator, decision=late, offset="0:05")

    html = report(client_for(member), ended_session).content.decode()
    url = reverse("webinar_recording_file", args=[ended_session.pk])
    chapters = re.search(r'<ol class="chapters".*?</ol>', html, re.DOTALL)[0]
    assert chapters.index("0:02") < chapters.index("0:05")
    assert f'<a href="{url}#t=2" data-seek="2">' in chapters
    assert f'<a href="{url}#t=5" data-seek="5">' in chapters
    assert "Décision : Former deux relais à Mopti" in chapters
    assert "Sans moment" not in chapters
    assert "<script>alert(1)" not in html
    assert "Relancer &lt;script&gt;alert(1)&lt;/script&gt;" in chapters
    assert "js/replay.js" in html
    assert early.offset == 2
    export = (
        client_for(moderator)
        .get(reverse("webinar_export", args=[ended_session.pk, "compte-rendu", "md"]))
        .content.decode()
    )
    assert "Relancer \\<script\\>alert(1)\\</script\\> — à 0:05 de l'enregistrement" in export


def test_chapters_wait_for_the_recording_as_plain_times(client_for, moderator, ended_session):
    add_decision(moderator=moderator, session=ended_session, text="Une décision", offset="12:30")
    html = report(client_for(moderator), ended_session).content.decode()
    chapters = re.search(r'<ol class="chapters".*?</ol>', html, re.DOTALL)[0]
    assert "12:30" in chapters and "<a " not in chapters


def test_moderator_places_a_decision_in_the_recording(client_for, moderator, ended_session):
    decision = add_decision(moderator=moderator, session=ended_session, text="Décision")
    response = client_for(moderator).post(
        reverse("webinar_decision_offset", args=[decision.pk]), {"offset": "1:05:00"}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.offset == 3900
    action = ModerationAction.objects.filter(kind="session_audio").first()
    assert action.details["changes"][0]["new"] == "1:05:00"
    # An empty value takes the chapter away.
    client_for(moderator).post(
        reverse("webinar_decision_offset", args=[decision.pk]), {"offset": ""}
    )
    decision.refresh_from_db()
    assert decision.offset is None


@pytest.mark.parametrize(
    "value",
    [
        "-1:00",
        "-0:01",
        "99:99",
        "1:60:00",
        "abc",
        "12",
        "12:30:00:00",
        "١٢:٣٠",
        "9" * 40,
        "999:59",
        "10:00:00",
        "3:00:01",
    ],
)
def test_a_bad_offset_is_a_400_with_a_message(client_for, moderator, ended_session, value):
    decision = add_decision(moderator=moderator, session=ended_session, text="Décision")
    client = client_for(moderator)
    response = client.post(
        reverse("webinar_decision_offset", args=[decision.pk]), {"offset": value}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Moment invalide" in html or "dépasse la fin" in html or "caractères" in html
    assert Decision.objects.get(pk=decision.pk).offset is None

    response = client.post(
        reverse("webinar_decision_add", args=[ended_session.pk]),
        {"text": "Autre décision", "offset": value},
    )
    assert response.status_code == 400
    assert not Decision.objects.filter(text="Autre décision").exists()


def test_an_offset_past_the_end_of_the_recording_is_refused(client_for, moderator, ended_session):
    ready_recording(ended_session, moderator, 3.0)
    decision = add_decision(moderator=moderator, session=ended_session, text="Décision")
    response = client_for(moderator).post(
        reverse("webinar_decision_offset", args=[decision.pk]), {"offset": "0:10"}
    )
    assert response.status_code == 400
    assert "dépasse la fin de l&#x27;enregistrement (0:03)" in response.content.decode()


def test_a_member_cannot_place_a_decision(client_for, moderator, member, ended_session):
    decision = add_decision(moderator=moderator, session=ended_session, text="Décision")
    response = client_for(member).post(
        reverse("webinar_decision_offset", args=[decision.pk]), {"offset": "1:00"}
    )
    assert response.status_code == 403
    assert Decision.objects.get(pk=decision.pk).offset is None
