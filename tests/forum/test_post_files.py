"""Voice notes, photos and documents in forum posts: stored, refused, served, checked like posts."""

import io

import av
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from forum import media, services
from forum.models import Membership, ModerationAction, Post, PostFile, Thread

from ..audio import long_ogg, tone
from ..factories import make_membership, make_post, make_thread, make_user, opening_post, small_pdf

SECRET = "Réunion secrète Ségou"


# Helpers -------------------------------------------------------------------------------------


def stored_names(folder: str = "forum") -> list[str]:
    """Every file under ``folder`` in the default storage."""
    try:
        folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, OSError):
        return []
    names = [f"{folder}/{name}" for name in files]
    for sub in folders:
        names += stored_names(f"{folder}/{sub}")
    return names


@pytest.fixture(autouse=True)
def _empty_storage():
    for name in stored_names():
        default_storage.delete(name)
    yield


def voice_upload(kind="webm", seconds=3.0, name=None, **kw) -> SimpleUploadedFile:
    data = tone(kind, seconds, **kw)
    return SimpleUploadedFile(name or f"enregistrement.{kind}", data, content_type="audio/webm")


def jpeg_with_gps(size=(1200, 900), orientation=None) -> bytes:
    """A photo as a phone writes it: EXIF with a GPS position (and an orientation)."""
    image = Image.new("RGB", size, (200, 80, 40))
    for x in range(0, size[0], 40):  # something to compress
        for y in range(size[1]):
            image.putpixel((x, y), (20, 120, 220))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (12.0, 39.0, 0.0)  # Bamako
    gps[3] = "W"
    gps[4] = (8.0, 0.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=SECRET.encode())
    return buffer.getvalue()


def photo_like(size=(2000, 1500)) -> bytes:
    """A photo-like picture (gradients and noise), for the preview's weight."""
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 30)
    image = Image.merge("RGB", (gradient, noise, gradient.rotate(90).resize(size)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def reply_url(thread) -> str:
    return reverse("thread_reply", args=[thread.pk])


def file_url(attached, name="post_file") -> str:
    return reverse(name, args=[attached.post_id, attached.pk])


def content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# Voice notes in replies ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["webm", "mp4", "wav", "ogg"])
def test_voice_reply_is_stored_as_mono_opus_without_metadata(kind, client_for, member, thread):
    upload = voice_upload(kind, 3.0, metadata={"title": SECRET, "artist": "Awa"})
    response = client_for(member).post(reply_url(thread), {"body": "", "voice": upload})

    assert response.status_code == 302
    post = Post.objects.get(thread=thread, seq=2)
    assert post.body == ""
    [attached] = post.files.all()
    assert attached.kind == PostFile.Kind.VOICE
    assert attached.content_type == "audio/ogg"
    assert attached.duration == pytest.approx(3.0, abs=0.1)
    data = attached.file.open("rb").read()
    assert attached.size == len(data)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "ogg"
        assert stream.codec_context.name == "opus"
        assert stream.codec_context.layout.nb_channels == 1
        assert dict(container.metadata) == {} and dict(stream.metadata) == {}
    assert SECRET.encode() not in data and b"Awa" not in data
    # Only the converted Opus is kept: one file, nothing of the original.
    assert stored_names() == [attached.file.name]


def test_voice_note_needs_no_text_but_a_post_needs_one_or_the_other(client_for, member, thread):
    client = client_for(member)
    response = client.post(reply_url(thread), {"body": "  "})
    assert response.status_code == 400
    assert "Le message ne peut pas être vide." in response.content.decode()
    # A photo alone is not a voice note: its text is still asked for.
    photo = SimpleUploadedFile("photo.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(reply_url(thread), {"body": "", "files": [photo]})
    assert response.status_code == 400
    assert Post.objects.filter(thread=thread).count() == 1
    assert stored_names() == []


REFUSED = {
    "not-audio": (lambda: b"%PDF-1.4\n" + bytes(300) + b"\n%%EOF\n", ("pas un enregistrement",)),
    # A cut MP4 has lost its index: FFmpeg cannot read it at all.
    "truncated-mp4": (lambda: tone("mp4", 4.0)[:15000], ("incomplet", "pas un enregistrement")),
    "truncated-wav": (lambda: tone("wav", 4.0)[:150_000], ("incomplet",)),
    "truncated-webm": (lambda: tone("webm", 4.0)[:12000], ("incomplet",)),
    "two-hours": (lambda: long_ogg(2 * 60 * 60), ("trop long",)),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_recordings_leave_no_post_and_no_file(case, client_for, member, thread):
    make, words = REFUSED[case]
    upload = SimpleUploadedFile("note.ogg", make(), content_type="audio/ogg")
    response = client_for(member).post(reply_url(thread), {"body": "Écoutez", "voice": upload})

    assert response.status_code == 400
    text = response.content.decode().replace("&#x27;", "'")
    assert any(word in text for word in words), text[-3000:]
    assert Post.objects.filter(thread=thread).count() == 1
    assert not PostFile.objects.exists()
    assert stored_names() == []


@override_settings(UPLOAD_MAX_BYTES=10 * 1024 * 1024)
def test_a_60_mb_upload_is_refused_with_a_message_and_nothing_stored(client_for, member, thread):
    big = SimpleUploadedFile("long.wav", tone("wav", 1.0) + bytes(60 * 1024 * 1024))
    response = client_for(member).post(reply_url(thread), {"body": "", "voice": big})

    assert response.status_code == 400
    assert "10 Mo au plus" in response.content.decode()
    assert Post.objects.filter(thread=thread).count() == 1
    assert stored_names() == []


def test_a_failing_transaction_removes_the_bytes_it_wrote(member, thread, monkeypatch):
    from forum.services import threads

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(threads, "_announce_post", broken)
    with pytest.raises(RuntimeError):
        services.create_post(
            author=member, thread=thread, parent=None, body="", voice=voice_upload()
        )
    assert not PostFile.objects.exists()
    assert stored_names() == []


def test_a_reply_sent_twice_is_stored_once_but_two_voice_notes_are_two(member, thread):
    first = services.create_post(
        author=member, thread=thread, parent=None, body="", voice=voice_upload(hz=440)
    )
    again = services.create_post(
        author=member, thread=thread, parent=None, body="", voice=voice_upload(hz=440)
    )
    other = services.create_post(
        author=member, thread=thread, parent=None, body="", voice=voice_upload(hz=660)
    )
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert PostFile.objects.count() == 2


def test_odd_uploads_are_4xx_never_500(client_for, member, thread):
    client = client_for(member)
    odd = [
        {"body": "x", "voice": SimpleUploadedFile("vide.webm", b"")},
        {"body": "x", "voice": "pas un fichier"},
        {"body": "x", "files": [SimpleUploadedFile("a.svg", b"<svg onload=alert(1)></svg>")]},
        {"body": "x", "files": [SimpleUploadedFile("b.jpg", b"\xff\xd8\xff" + bytes(100))]},
        {"body": "x", "files": [SimpleUploadedFile("c.png", b"\x89PNG\r\n\x1a\n" + bytes(50))]},
        {"body": "x", "voice": SimpleUploadedFile("d.webm", tone("webm", 2.0)[:-1])},
    ]
    for data in odd:
        response = client.post(reply_url(thread), data)
        assert response.status_code in (302, 400), data
    # An upload sent to a page that takes none is ignored, not a crash.
    response = client.post(
        reverse("post_hide", args=[opening_post(thread).pk]),
        {"reason": "x", "voice": voice_upload()},
    )
    assert response.status_code in (302, 403, 404)


def test_at_most_four_files_per_post(client_for, member, thread):
    pdfs = [SimpleUploadedFile(f"doc{i}.pdf", small_pdf()) for i in range(4)]
    response = client_for(member).post(
        reply_url(thread), {"body": "Cinq fichiers", "voice": voice_upload(), "files": pdfs}
    )
    assert response.status_code == 400
    assert "4 fichiers par message au plus" in response.content.decode()
    assert stored_names() == []


def test_uploads_count_against_the_upload_limit(client_for, member, thread, clock):
    # The clock stands still: the whole count falls in one window of the limit.
    from forum import limits

    row = limits.LIMITS["upload"]
    client = client_for(member)
    for index in range(row.count):
        pdf = SimpleUploadedFile(f"doc{index}.pdf", small_pdf() + f"%{index}\n".encode())
        response = client.post(reply_url(thread), {"body": f"Doc {index}", "files": [pdf]})
        assert response.status_code == 302, index
    pdf = SimpleUploadedFile("encore.pdf", small_pdf())
    response = client.post(reply_url(thread), {"body": "Encore un", "files": [pdf]})
    assert response.status_code == 429
    assert "documents" in response.content.decode()
    assert PostFile.objects.count() == row.count


def test_a_recording_attached_as_a_file_is_converted_too(member, thread):
    mp3 = SimpleUploadedFile("Réunion.mp3", tone("mp3", 2.0, metadata={"artist": SECRET}))
    post = services.create_post(author=member, thread=thread, parent=None, body="", files=[mp3])
    attached = post.files.get()
    assert (attached.kind, attached.name) == ("voice", "Réunion.opus")
    assert attached.content_type == "audio/ogg"
    assert SECRET.encode() not in attached.file.open("rb").read()


# A thread opened with a voice note; editing ------------------------------------------------


def test_new_thread_with_a_voice_note_and_a_document(client_for, member, public_cop):
    response = client_for(member).post(
        reverse("thread_create", args=[public_cop.slug]),
        {
            "title": "Notre réunion",
            "body": "",
            "voice": voice_upload("mp4"),
            "files": [SimpleUploadedFile("Compte rendu.pdf", small_pdf())],
        },
    )
    assert response.status_code == 302
    thread = Thread.objects.get(title="Notre réunion")
    kinds = sorted(f.kind for f in opening_post(thread).files.all())
    assert kinds == ["document", "voice"]
    document = opening_post(thread).files.get(kind="document")
    assert (document.name, document.content_type) == ("Compte rendu.pdf", "application/pdf")


def test_edit_adds_and_removes_files_and_keeps_a_voice_only_post_valid(
    client_for, member, moderator, thread, django_capture_on_commit_callbacks
):
    post = services.create_post(
        author=member, thread=thread, parent=None, body="", voice=voice_upload()
    )
    voice = post.files.get()
    url = reverse("post_edit", args=[post.pk])
    client = client_for(member)
    assert "data-voice" in client.get(url).content.decode()
    # Removing the voice note of a post without text leaves nothing: refused.
    response = client.post(url, {"body": "", "remove": [voice.pk]})
    assert response.status_code == 400
    assert PostFile.objects.filter(pk=voice.pk).exists()
    # A moderator adds a document; the log says what changed.
    pdf = SimpleUploadedFile("annexe.pdf", small_pdf())
    response = client_for(moderator).post(url, {"body": "", "files": [pdf]})
    assert response.status_code == 302
    action = ModerationAction.objects.get(kind=ModerationAction.Kind.EDIT_POST)
    assert action.details["changes"] == [
        {
            "field": "fichiers joints",
            "old": "note-vocale.opus",
            "new": "note-vocale.opus, annexe.pdf",
        }
    ]
    # Text and removal together: the voice note's bytes leave storage on commit.
    name = voice.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"body": "Finalement par écrit", "remove": [voice.pk]})
    assert response.status_code == 302
    assert not PostFile.objects.filter(pk=voice.pk).exists()
    assert name not in stored_names()


# Photos ----------------------------------------------------------------------------------------


def test_photo_loses_gps_and_every_metadata_and_gets_a_small_preview(client_for, member, thread):
    source = jpeg_with_gps()
    assert b"PhoneMaker" in source and SECRET.encode() in source
    photo = SimpleUploadedFile("IMG_2024.jpg", source, content_type="image/jpeg")
    response = client_for(member).post(reply_url(thread), {"body": "Photo", "files": [photo]})
    assert response.status_code == 302

    attached = PostFile.objects.get()
    assert attached.kind == PostFile.Kind.IMAGE
    data = attached.file.open("rb").read()
    with Image.open(io.BytesIO(data)) as cleaned:
        exif = cleaned.getexif()
        assert not exif.get_ifd(0x8825)  # no GPS
        assert dict(exif) == {}
        assert "icc_profile" not in cleaned.info and "comment" not in cleaned.info
        assert cleaned.size == (1200, 900)
    assert b"PhoneMaker" not in data and SECRET.encode() not in data
    preview = attached.preview.open("rb").read()
    with Image.open(io.BytesIO(preview)) as small:
        assert small.format == "WEBP"
        assert small.size == (480, 360) == (attached.preview_width, attached.preview_height)
        assert dict(small.getexif()) == {}


def test_orientation_is_applied_before_the_metadata_goes():
    # Orientation 6: the camera held sideways; the photo is shown turned 90°.
    picture = media.clean_picture(io.BytesIO(jpeg_with_gps((1200, 900), orientation=6)))
    assert (picture.width, picture.height) == (900, 1200)
    assert (picture.preview_width, picture.preview_height) == (360, 480)


def test_a_typical_photo_preview_is_small_for_2g():
    picture = media.clean_picture(io.BytesIO(photo_like()))
    assert max(picture.preview_width, picture.preview_height) == media.PREVIEW_SIDE
    assert len(picture.preview) <= 25 * 1024


def test_png_transparency_and_webp_are_kept_as_what_they_are():
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    picture = media.clean_picture(buffer)
    assert (picture.content_type, picture.extension) == ("image/png", ".png")
    with Image.open(io.BytesIO(picture.data)) as cleaned:
        assert cleaned.mode == "RGBA"


def _encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo_like((640, 480)))).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_cut_or_garbled_photos_are_refused_with_a_message_never_a_crash(fmt):
    from django.core.exceptions import ValidationError

    data = _encoded(fmt)
    # (A PNG cut after its last pixel, in its end marker, is whole and accepted.)
    for cut in (12, 100, len(data) // 3, len(data) // 2, len(data) - 200):
        with pytest.raises(ValidationError) as caught:
            media.clean_picture(io.BytesIO(data[:cut]))
        assert caught.value.code == "not_image"
    garbled = bytearray(data)
    for index in range(64, len(garbled), 97):
        garbled[index] ^= 0x5A
    try:
        media.clean_picture(io.BytesIO(bytes(garbled)))
    except ValidationError as error:  # a decoder may also draw it, damaged: both are fine
        assert error.code == "not_image"


def pixel_bomb() -> bytes:
    """A PNG whose header claims 20000 × 20000 pixels (400 Mpx) in a few kilobytes."""
    image = Image.new("1", (20000, 20000))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def test_a_pixel_bomb_is_refused_with_a_message(client_for, member, thread):
    bomb = pixel_bomb()
    assert len(bomb) < 200 * 1024
    upload = SimpleUploadedFile("bombe.png", bomb, content_type="image/png")
    response = client_for(member).post(reply_url(thread), {"body": "Voici", "files": [upload]})
    assert response.status_code == 400
    assert "40 mégapixels au plus" in response.content.decode()
    assert Post.objects.filter(thread=thread).count() == 1
    assert stored_names() == []


@pytest.mark.parametrize(
    "name,data",
    [
        ("dessin.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("page.html", b"<!doctype html><html><body><script>alert(1)</script></body></html>"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>"),
        ("photo.png", b'\x89PNG\r\n\x1a\n<svg onload="alert(1)">'),
    ],
)
def test_svg_and_html_are_refused(name, data, client_for, member, thread):
    upload = SimpleUploadedFile(name, data, content_type="image/svg+xml")
    response = client_for(member).post(reply_url(thread), {"body": "Voici", "files": [upload]})
    assert response.status_code == 400
    assert not PostFile.objects.exists()


# Serving --------------------------------------------------------------------------------------


@pytest.fixture
def voice_post(member, thread):
    return services.create_post(
        author=member, thread=thread, parent=None, body="", voice=voice_upload("webm", 4.0)
    )


def test_voice_is_served_with_ranges_and_download_protections(client_for, outsider, voice_post):
    attached = voice_post.files.get()
    data = attached.file.open("rb").read()
    client = client_for(outsider)  # a public CoP: anyone reads it

    whole = client.get(file_url(attached))
    assert whole.status_code == 200
    assert content(whole) == data
    assert whole["Content-Type"] == "audio/ogg"
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["X-Content-Type-Options"] == "nosniff"
    assert whole["Content-Security-Policy"] == "sandbox"
    assert whole["Content-Disposition"].startswith("attachment")

    part = client.get(file_url(attached), HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert content(part) == data[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(file_url(attached), HTTP_RANGE="bytes=-50")
    assert content(tail) == data[-50:]
    beyond = client.get(file_url(attached), HTTP_RANGE=f"bytes={len(data) + 10}-")
    assert beyond.status_code == 416


def test_photo_preview_is_inline_webp_and_the_original_a_download(client_for, member, thread):
    photo = SimpleUploadedFile("photo.jpg", jpeg_with_gps())
    post = services.create_post(author=member, thread=thread, parent=None, body="x", files=[photo])
    attached = post.files.get()
    preview = client_for(None).get(file_url(attached, "post_file_preview"))
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/webp"
    assert preview["Content-Disposition"].startswith("inline")
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview["Content-Security-Policy"] == "sandbox"
    original = client_for(None).get(file_url(attached))
    assert original["Content-Disposition"].startswith("attachment")
    assert original["Content-Type"] == "image/jpeg"


def test_a_file_asked_under_another_post_is_404(client_for, member, thread, voice_post):
    attached = voice_post.files.get()
    other = opening_post(thread)
    response = client_for(member).get(reverse("post_file", args=[other.pk, attached.pk]))
    assert response.status_code == 404
    response = client_for(member).get(reverse("post_file", args=[voice_post.pk, 999999]))
    assert response.status_code == 404


def test_private_cops_voice_note_and_photo_are_404_for_outsiders_and_removed_members(
    client_for, member, moderator, outsider, anonymous, private_thread
):
    colleague = make_user(username="mariam", display_name="Mariam Keïta")
    membership = make_membership(colleague, private_thread.community, Membership.Role.MEMBER)
    post = services.create_post(
        author=member,
        thread=private_thread,
        parent=None,
        body="",
        voice=voice_upload(),
        files=[SimpleUploadedFile("visage.jpg", jpeg_with_gps())],
    )
    urls = [file_url(f) for f in post.files.all()]
    urls += [file_url(f, "post_file_preview") for f in post.files.filter(kind="image")]
    for url in urls:
        assert client_for(colleague).get(url).status_code == 200
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(anonymous).get(url).status_code == 404
    # Removed after the post was written: checked at the time shown.
    services.remove_member(moderator=moderator, membership=membership, reason="Départ")
    for url in urls:
        assert client_for(colleague).get(url).status_code == 404
        assert client_for(colleague).get(url, HTTP_RANGE="bytes=0-10").status_code == 404


def test_hidden_posts_files_only_for_moderators_and_author(
    client_for, member, moderator, outsider, voice_post
):
    attached = voice_post.files.get()
    services.hide_post(moderator=moderator, post=voice_post, reason="Hors sujet")
    assert client_for(outsider).get(file_url(attached)).status_code == 404
    assert client_for(moderator).get(file_url(attached)).status_code == 200
    assert client_for(member).get(file_url(attached)).status_code == 200
    page = client_for(outsider).get(voice_post.thread.get_absolute_url()).content.decode()
    assert file_url(attached) not in page


def test_pending_posts_files_are_404_to_others(client_for, member, moderator, outsider, thread):
    community = thread.community
    community.premoderation_posts = 5
    community.save()
    newcomer = make_user(username="kadia", display_name="Kadia Sow")
    make_membership(newcomer, community)
    post = services.create_post(
        author=newcomer, thread=thread, parent=None, body="", voice=voice_upload()
    )
    assert post.is_pending
    url = file_url(post.files.get())
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(member).get(url).status_code == 404
    assert client_for(newcomer).get(url).status_code == 200
    assert client_for(moderator).get(url).status_code == 200


def test_review_queue_lets_moderators_hear_a_waiting_voice_note(client_for, moderator, thread):
    community = thread.community
    community.premoderation_posts = 5
    community.save()
    newcomer = make_user(username="kadia", display_name="Kadia Sow")
    make_membership(newcomer, community)
    post = services.create_post(
        author=newcomer, thread=thread, parent=None, body="", voice=voice_upload()
    )
    html = client_for(moderator).get(reverse("review_queue", args=[community.slug]))
    assert f'data-voice-player src="{file_url(post.files.get())}"' in html.content.decode()


def test_deleting_a_post_deletes_its_files_and_their_bytes(
    client_for, member, voice_post, django_capture_on_commit_callbacks
):
    attached = voice_post.files.get()
    name = attached.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(reverse("post_delete", args=[voice_post.pk]))
    assert response.status_code == 302
    assert not PostFile.objects.exists()
    assert name not in stored_names()
    assert client_for(member).get(file_url(attached)).status_code == 404


# The thread page --------------------------------------------------------------------------------


def test_thread_page_shows_players_previews_and_documents_before_any_download(
    client_for, member, thread
):
    services.create_post(
        author=member,
        thread=thread,
        parent=None,
        body="",
        voice=voice_upload("webm", 65.0),
        files=[
            SimpleUploadedFile("marché.jpg", jpeg_with_gps()),
            SimpleUploadedFile("Plaidoyer 2024.pdf", small_pdf()),
        ],
    )
    voice, image, document = PostFile.objects.order_by("pk")
    html = client_for(None).get(thread.get_absolute_url()).content.decode()
    assert f'<audio controls preload="none" data-voice-player src="{file_url(voice)}"' in html
    assert "1:05" in html  # duration, visible without JavaScript
    assert f"· {round(voice.size / 1000)} Ko" in html  # size, as a phone user counts it
    assert (
        f'<img src="{file_url(image, "post_file_preview")}" loading="lazy" '
        f'width="{image.preview_width}" height="{image.preview_height}" alt="Photo : marché.jpg">'
    ) in html
    assert "Voir l'original (" in html
    assert f'href="{file_url(document)}" download>Plaidoyer 2024.pdf</a>' in html
    assert "PDF ·" in html


def test_reply_form_takes_a_recording_and_files(client_for, member, thread):
    html = client_for(member).get(thread.get_absolute_url()).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="voice" accept="audio/*" capture data-voice' in html
    assert 'type="file" name="files" multiple' in html


# Transcripts -------------------------------------------------------------------------------------


def test_author_writes_a_transcript_shown_escaped(client_for, member, thread, voice_post):
    attached = voice_post.files.get()
    url = file_url(attached, "post_file_transcript")
    client = client_for(member)
    assert client.get(url).status_code == 200
    response = client.post(url, {"transcript": "Bonjour <script>alert(1)</script>\x07 à toutes"})
    assert response.status_code == 302
    attached.refresh_from_db()
    assert attached.transcript == "Bonjour <script>alert(1)</script> à toutes"
    html = client_for(None).get(thread.get_absolute_url()).content.decode()
    assert "data-transcript" in html
    assert "Bonjour &lt;script&gt;alert(1)&lt;/script&gt; à toutes" in html
    assert "<script>alert(1)" not in html
    assert not ModerationAction.objects.exists()  # the author's own post: nothing to log


def test_moderators_transcript_is_logged_with_its_changes(client_for, moderator, voice_post):
    attached = voice_post.files.get()
    response = client_for(moderator).post(
        file_url(attached, "post_file_transcript"), {"transcript": "Elle parle du foncier."}
    )
    assert response.status_code == 302
    action = ModerationAction.objects.get()
    assert action.details == {
        "changes": [{"field": "transcription", "old": "", "new": "Elle parle du foncier."}]
    }


def test_others_cannot_write_a_transcript(client_for, outsider, public_cop, voice_post):
    colleague = make_user(username="mariam", display_name="Mariam Keïta")
    make_membership(colleague, public_cop)
    url = file_url(voice_post.files.get(), "post_file_transcript")
    assert client_for(colleague).post(url, {"transcript": "x"}).status_code == 403
    assert client_for(outsider).post(url, {"transcript": "x"}).status_code == 403
    assert PostFile.objects.get().transcript == ""


# Account data ----------------------------------------------------------------------------------


def test_my_data_holds_my_files_and_erasing_my_posts_erases_them(
    member, thread, voice_post, django_capture_on_commit_callbacks
):
    import zipfile

    from forum.account_data import build_export

    with zipfile.ZipFile(build_export(member)) as archive:
        names = archive.namelist()
        voice = [n for n in names if n.endswith(".opus")]
        assert voice, names
        assert archive.read(voice[0]) == voice_post.files.get().file.open("rb").read()
    member.set_password("secret-pass-123")
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_account(user=member, password="secret-pass-123", erase_content=True)
    assert not PostFile.objects.exists()
    assert stored_names() == []


def test_other_members_files_survive_an_account_deletion(member, moderator, thread):
    make_post(moderator, thread)
    services.create_post(
        author=moderator, thread=thread, parent=None, body="", voice=voice_upload()
    )
    member.set_password("secret-pass-123")
    member.save()
    services.delete_account(user=member, password="secret-pass-123", erase_content=True)
    assert PostFile.objects.count() == 1
    assert make_thread  # the factory stays importable for other tests


def test_a_retried_voice_reply_is_stored_once_and_not_converted_again(
    client_for, member, thread, monkeypatch
):
    """The device's outbox sends the same form (same key, same recording) again."""
    conversions = []
    convert = media.convert_voice

    def counted(*args, **kwargs):
        conversions.append(1)
        return convert(*args, **kwargs)

    monkeypatch.setattr(media, "convert_voice", counted)
    client = client_for(member)
    recording = tone("webm", 2.0)
    for _ in range(2):
        upload = SimpleUploadedFile("note.webm", recording, content_type="audio/webm")
        response = client.post(
            reply_url(thread), {"body": "", "voice": upload, "key": "pRetryVoice_123456"}
        )
        assert response.status_code == 302
    replies = Post.objects.filter(thread=thread, parent__isnull=False)
    assert replies.count() == 1
    assert PostFile.objects.filter(post__in=replies).count() == 1
    assert len(stored_names()) == 1
    assert len(conversions) == 1
