"""
Voice notes: whatever a phone records, checked and re-encoded as small Opus.

The browser's container and its Content-Type are the uploader's to choose, so
neither is trusted: the file is opened by FFmpeg (PyAV, whose wheels ship
it), its first audio stream decoded from start to end, and what comes out is
written anew — Ogg/Opus, mono, 24 kHz, about 20 kb/s (``BITRATE``), with no
metadata (no title, no artist, no device, no date, no encoder string). A
file that has no audio stream, cannot be decoded, stops before the length its
container declares (a truncated upload), is empty or longer than allowed is
refused with a message saying so, and nothing is stored.

``ranged_response`` serves a stored file with HTTP range requests (a player
seeks, and a dropped download resumes where it stopped) and the download
protections of ``forum.uploads``.
"""

import io
import os
import re
from dataclasses import dataclass

import av
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .uploads import protect_download

CONTENT_TYPE = "audio/ogg"
EXTENSION = ".opus"
RATE = 24000
BITRATE = 20000
# A voice note is a message, not a recording of a meeting.
MAX_SECONDS = 10 * 60
# A meeting's recording (a webinar's replay): long, and smaller per second, since a member
# on 2G downloads an hour of it, not a minute. 16 kb/s of Opus is ~7 MB an hour.
RECORDING_MAX_SECONDS = 3 * 3600
RECORDING_BITRATE = 16000
# A container's declared length this much longer than what decodes is a truncated file.
TRUNCATED_MARGIN = 0.5


@dataclass(frozen=True, slots=True)
class Voice:
    data: bytes
    duration: float  # seconds
    size: int  # bytes of data

    @property
    def seconds(self) -> int:
        return max(1, round(self.duration))


def max_upload_bytes() -> int:
    """What a recording may weigh before conversion: the site's upload limit."""
    return settings.UPLOAD_MAX_BYTES


def describe_limit(seconds: int) -> str:
    minutes, rest = divmod(int(seconds), 60)
    if rest:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
    return _("%(minutes)d min") % {"minutes": minutes}


def not_audio() -> ValidationError:
    return ValidationError(
        _(
            "Ce fichier n'est pas un enregistrement audio lisible "
            "(MP3, Ogg, Opus, WebM, M4A, WAV…)."
        ),
        code="not_audio",
    )


def too_long(max_seconds: int) -> ValidationError:
    return ValidationError(
        _("Enregistrement trop long : %(limit)s au plus.") % {"limit": describe_limit(max_seconds)},
        code="too_long",
    )


def too_big(limit: int) -> ValidationError:
    return ValidationError(
        _("Fichier audio trop lourd : %(size)s Mo au plus.") % {"size": limit // (1024 * 1024)},
        code="too_big",
    )


def truncated() -> ValidationError:
    return ValidationError(
        _("L'enregistrement est incomplet (le fichier a été coupé pendant l'envoi). Réessayez."),
        code="truncated",
    )


def _riff_cut_short(upload, size: int) -> bool:
    """A WAV whose header announces more bytes than arrived (FFmpeg plays what is there)."""
    head = upload.read(12)
    upload.seek(0)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return False
    announced = int.from_bytes(head[4:8], "little")
    if announced in (0, 0xFFFFFFFF):  # a recorder that streams and never wrote the length
        return False
    return announced + 8 > size


def _size_of(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    upload.seek(0)
    return size


def megabytes_per_hour(bitrate: int) -> float:
    """What an hour of audio at ``bitrate`` bits per second weighs, in MB (10^6 bytes)."""
    return bitrate * 3600 / 8 / 1_000_000


def _check_size(upload, max_bytes: int | None) -> int:
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    size = _size_of(upload)
    if size > limit:
        raise too_big(limit)
    if size == 0:
        raise not_audio()
    upload.seek(0)
    if _riff_cut_short(upload, size):
        raise truncated()
    return size


def convert_voice(
    upload,
    *,
    max_seconds: int = MAX_SECONDS,
    bitrate: int = BITRATE,
    max_bytes: int | None = None,
) -> Voice:
    """``upload`` (a file object) re-encoded as Opus; ValidationError if it is not whole audio.

    A voice note takes the defaults; a meeting's recording passes
    ``max_seconds=RECORDING_MAX_SECONDS, bitrate=RECORDING_BITRATE`` and its own
    ``max_bytes`` (the site's upload limit otherwise).
    """
    _check_size(upload, max_bytes)
    try:
        return _convert(upload, max_seconds, bitrate)
    except ValidationError:
        raise
    except (av.FFmpegError, ValueError, IndexError, OverflowError, MemoryError, OSError) as error:
        raise not_audio() from error
    finally:
        upload.seek(0)


def _declared_seconds(source, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if source.duration is not None:
        return source.duration / av.time_base
    return None


def probe_audio(
    upload, *, max_seconds: int = MAX_SECONDS, max_bytes: int | None = None
) -> float | None:
    """Check quickly, from its headers, that ``upload`` is audio no longer than allowed.

    Return the length the container declares (None if it declares none). Nothing
    is decoded: this is the answer given while the uploader waits, before a long
    recording is converted later (``convert_voice`` still checks everything).
    """
    _check_size(upload, max_bytes)
    try:
        with av.open(upload, "r") as source:
            streams = [s for s in source.streams if s.type == "audio"]
            if not streams:
                raise not_audio()
            declared = _declared_seconds(source, streams[0])
            if declared is not None and declared > max_seconds + 1:
                raise too_long(max_seconds)
            return declared
    except ValidationError:
        raise
    except (av.FFmpegError, ValueError, IndexError, OverflowError, MemoryError, OSError) as error:
        raise not_audio() from error
    finally:
        upload.seek(0)


def _convert(upload, max_seconds: int, bitrate: int = BITRATE) -> Voice:
    with av.open(upload, "r") as source:
        streams = [s for s in source.streams if s.type == "audio"]
        if not streams:
            raise not_audio()
        stream = streams[0]
        declared = _declared_seconds(source, stream)
        if declared is not None and declared > max_seconds + 1:
            raise too_long(max_seconds)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        out_buffer = io.BytesIO()
        samples = 0
        with av.open(out_buffer, "w", format="ogg") as out:
            out.flags |= av.container.Flags.bitexact.value  # no "Lavf…" encoder string
            target = out.add_stream("libopus", rate=RATE, layout="mono")
            target.bit_rate = bitrate
            target.codec_context.flags |= av.codec.context.Flags.bitexact.value
            target.codec_context.options = {"application": "voip", "vbr": "on"}
            for frame in source.decode(stream):
                frame.pts = None
                for mono in resampler.resample(frame):
                    samples += mono.samples
                    if samples > max_seconds * RATE:
                        raise too_long(max_seconds)
                    for packet in target.encode(mono):
                        out.mux(packet)
            for mono in resampler.resample(None):
                samples += mono.samples
                for packet in target.encode(mono):
                    out.mux(packet)
            for packet in target.encode(None):
                out.mux(packet)
            out.metadata.clear()
            target.metadata.clear()
    duration = samples / RATE
    if samples == 0 or duration < 0.1:
        raise not_audio()
    if declared is not None and duration + TRUNCATED_MARGIN < declared * 0.98:
        raise truncated()
    data = out_buffer.getvalue()
    return Voice(data=data, duration=duration, size=len(data))


# Serving with ranges -----------------------------------------------------------------------

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) of a single byte range; None: serve it whole; False: unsatisfiable."""
    match = RANGE.match(header.strip()) if header else None
    if match is None:
        return None  # no range, several ranges or a form we do not serve: the whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last[:20])
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first[:20])
    end = min(int(last[:20]), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def ranged_response(
    request, source, *, size: int, content_type: str, filename: str, inline: bool = False
):
    """``source`` (a path or an open binary file) with Range support, as a protected download.

    ``inline``: for audio the site made itself (re-encoded, so no markup can hide
    in it), opened by a link in the phone's own player rather than saved; the
    ``nosniff`` and sandbox headers stay.
    """
    disposition = content_disposition_header(not inline, filename)
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return protect_download(response)
    handle = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115
    if wanted is None:
        handle.seek(0)
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = wanted
        handle.seek(first)
        length = last - first + 1
        response = StreamingHttpResponse(
            _limited(handle, length), content_type=content_type, status=206
        )
        response["Content-Length"] = str(length)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition
    return protect_download(response)


def _limited(handle, length: int, chunk: int = 64 * 1024):
    try:
        while length > 0:
            data = handle.read(min(chunk, length))
            if not data:
                return
            length -= len(data)
            yield data
    finally:
        handle.close()
