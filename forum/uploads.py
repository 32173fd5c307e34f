"""
Uploaded files, judged by their content against an allowlist.

A file is accepted only if its bytes are one of the kinds below (its name and
the browser's Content-Type are the uploader's to choose, so neither counts),
and if no web markup (a script, an HTML or SVG document) hides in it, which
refuses polyglots such as a PDF header followed by HTML. Office and
OpenDocument files are zip containers: the container is opened and its
manifest checked (and macro projects refused). The magic numbers are checked
by hand: a dozen well-documented signatures, with no system library
(libmagic) to install on every server, and what libmagic would add (hundreds
of kinds) is what an allowlist refuses anyway.

What is served goes out as the kind its content is, and anything else (a file
stored before this check) as ``application/octet-stream``; always as an
attachment, with ``nosniff`` and ``Content-Security-Policy: sandbox`` (see
``protect_download``), so that nothing uploaded runs from the site's origin.
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HEAD_BYTES = 4096
SCAN_CHUNK = 1024 * 1024
# Markup a browser would run or render if it ever took the file for a page.
MARKUP = re.compile(
    rb"<(?:script|html|svg|iframe|object|embed|body|head|meta|form|!doctype|\?xml-stylesheet)\b",
    re.IGNORECASE,
)
SAFE_TEXT = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
# A container whose entries would unpack to more than this is refused (zip bombs).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
FALLBACK_TYPE = "application/octet-stream"
# Starts of the binary kinds: a file that starts like one and fails its check is not text.
SIGNATURES = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8", b"RIFF", b"OggS", b"fLaC", b"ID3")

ODF = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
}
OOXML = {
    "word/": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": (
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}


@dataclass(frozen=True, slots=True)
class Kind:
    content_type: str
    extension: str


TEXT_SUFFIXES = {
    ".txt": Kind("text/plain; charset=utf-8", ".txt"),
    ".csv": Kind("text/csv; charset=utf-8", ".csv"),
}


def accepted_kinds() -> str:
    return _(
        "PDF, images (PNG, JPEG, WebP), documents Word, Excel, PowerPoint ou OpenDocument, "
        "texte .txt ou .csv (UTF-8), audio (MP3, Ogg, Opus, FLAC, WAV, M4A)"
    )


def identify(upload, name: str = "") -> Kind | None:
    """The allowed kind ``upload`` (a file object) is by its content, or None.

    Binary kinds are told by their content alone. Text cannot tell a note
    from a script, so UTF-8 text is accepted only under a text file's name
    (``name``, else the file's own): .txt or .csv.
    """
    name = name or getattr(upload, "name", "") or ""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    kind = _by_magic(head, upload)
    if kind is None and not head.startswith(SIGNATURES):
        kind = _as_text(upload, PurePath(name).suffix.lower())
    if kind is not None and _has_markup(upload):
        kind = None
    upload.seek(0)
    return kind


def check_upload(upload, name: str = "") -> Kind:
    """The kind of ``upload``; ValidationError naming what is accepted otherwise."""
    kind = identify(upload, name)
    if kind is None:
        raise ValidationError(
            _("Type de fichier refusé. Sont acceptés : %(kinds)s.") % {"kinds": accepted_kinds()},
            code="file_type",
        )
    return kind


def stored_name(original: str, kind: Kind) -> str:
    """The uploader's file name with the extension of what the file really is."""
    stem = PurePath(original or "document").stem[:80] or "document"
    return stem + kind.extension


def content_type_for(stored, name: str = "") -> str:
    """What a stored file is served as: its kind if it is one we accept, else octet-stream."""
    try:
        kind = identify(stored, name)
    except (OSError, ValueError):
        kind = None
    return kind.content_type if kind is not None else FALLBACK_TYPE


def protect_download(response):
    """Headers every served upload carries, whatever it is."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# Signatures ---------------------------------------------------------------------------------


def _by_magic(head: bytes, upload) -> Kind | None:
    if head.startswith(b"%PDF-"):
        return Kind("application/pdf", ".pdf") if _pdf_ends(upload) else None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind("image/png", ".png")
    if head.startswith(b"\xff\xd8\xff"):
        return Kind("image/jpeg", ".jpg")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind("image/webp", ".webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Kind("audio/wav", ".wav")
    if head.startswith(b"OggS"):
        return Kind("audio/ogg", ".opus" if b"OpusHead" in head else ".ogg")
    if head.startswith(b"fLaC"):
        return Kind("audio/flac", ".flac")
    if head.startswith(b"ID3") or _mpeg_frame(head):
        return Kind("audio/mpeg", ".mp3")
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"M4B "):
        return Kind("audio/mp4", ".m4a")
    if head.startswith(b"PK\x03\x04"):
        return _office(upload)
    return None


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header (an MP3 without ID3 tag): sync, version, layer, rates."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _pdf_ends(upload) -> bool:
    """A PDF ends with %%EOF (within its last kilobytes): a header alone is no PDF."""
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(max(0, size - 2048))
    return b"%%EOF" in upload.read()


def _office(upload) -> Kind | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            names = [entry.filename for entry in entries]
            if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
                return None
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros
            if names and names[0] == "mimetype":
                mimetype = archive.read("mimetype").strip()
                if mimetype in ODF:
                    return Kind(mimetype.decode(), ODF[mimetype])
                return None
            if "[Content_Types].xml" in names:
                for folder, (extension, content_type) in OOXML.items():
                    if any(name.startswith(folder) for name in names):
                        return Kind(content_type, extension)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError):
        return None
    return None


def _as_text(upload, suffix: str) -> Kind | None:
    """UTF-8 text without control characters, named as text (.txt or .csv)."""
    if suffix not in TEXT_SUFFIXES:
        return None
    upload.seek(0)
    data = upload.read()
    if not data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if SAFE_TEXT.search(data) or not text.strip():
        return None
    return TEXT_SUFFIXES[suffix]


def _has_markup(upload) -> bool:
    """Whether web markup appears anywhere in the file (read by chunks, overlapping)."""
    upload.seek(0)
    tail = b""
    while True:
        chunk = upload.read(SCAN_CHUNK)
        if not chunk:
            return False
        if MARKUP.search(tail + chunk):
            return True
        tail = chunk[-32:]
