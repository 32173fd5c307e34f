"""
Audio-only ("radio") sessions and their recordings.

A radio session has an audio stream link (played by the member's own player)
and/or a recording uploaded by its organiser. A recording of an hour or two
takes minutes to re-encode (about 160 s for two hours on a 2-core server), so
the upload only checks the file's headers (``forum.media.probe_audio``: is it
audio, is it not too long) and puts it in a private spool; ``manage.py
convert_recordings``, run every minute by a systemd timer at low priority,
converts it with the one converter (``forum.media.convert_voice`` with the
long-recording limits) and the page says "conversion en cours" meanwhile.
Why not a thread in the web process: a Daphne restart (a deploy) would lose
the work with no trace, and the live rooms of the same process would share
its two cores with FFmpeg; the timer's run survives both and can be niced.
"""

import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import limits, media
from forum.models import ModerationAction, User
from forum.services import log_action

from ..chapters import format_offset, parse_offset
from ..models import Decision, Session, SessionRecording
from ..permissions import check_manage_session

STREAM_URL_MAX_LENGTH = Session._meta.get_field("stream_url").max_length
STREAM_KBPS_MIN, STREAM_KBPS_MAX = 6, 512
# A conversion that started this long ago without finishing died with its process.
STALE_AFTER = timedelta(hours=1)
_url_validator = URLValidator(schemes=["http", "https"])


# The session's mode ------------------------------------------------------------------------


def validate_stream_url(value) -> str:
    """An http(s) address for the stream, or "" (no link); ValidationError otherwise."""
    url = value.strip() if isinstance(value, str) else ""
    if not url:
        return ""
    message = _("Le lien du flux audio doit être une adresse http:// ou https://.")
    if len(url) > STREAM_URL_MAX_LENGTH:
        raise ValidationError(
            {"stream_url": _("%(max)d caractères au plus.") % {"max": STREAM_URL_MAX_LENGTH}},
            code="invalid",
        )
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ValidationError({"stream_url": message}, code="invalid_scheme")
    try:
        _url_validator(url)
    except ValidationError:
        raise ValidationError({"stream_url": message}, code="invalid") from None
    return url


def validate_stream_kbps(value) -> int | None:
    if value is None or value == "":
        return None
    if type(value) is not int or not STREAM_KBPS_MIN <= value <= STREAM_KBPS_MAX:
        raise ValidationError(
            {
                "stream_kbps": _("Le débit va de %(min)d à %(max)d kb/s.")
                % {"min": STREAM_KBPS_MIN, "max": STREAM_KBPS_MAX}
            },
            code="invalid",
        )
    return value


def _yes_no(value: bool) -> str:
    return _("oui") if value else _("non")


AUDIO_FIELDS = {
    "radio": (lambda: _("séance radio"), _yes_no),
    "stream_url": (lambda: _("lien du flux audio"), str),
    "stream_kbps": (lambda: _("débit du flux (kb/s)"), lambda value: value),
}


def apply_audio_changes(session: Session, changes: dict) -> list[dict]:
    """Set the radio fields of ``session`` from ``changes``; return the audit's changes."""
    new = {}
    if "radio" in changes:
        new["radio"] = bool(changes["radio"])
    if "stream_url" in changes:
        new["stream_url"] = validate_stream_url(changes["stream_url"])
    if "stream_kbps" in changes:
        new["stream_kbps"] = validate_stream_kbps(changes["stream_kbps"])
    record = []
    for name, value in new.items():
        old = getattr(session, name)
        if old != value:
            label, plain = AUDIO_FIELDS[name]
            record.append(
                {
                    "field": label(),
                    "old": plain(old) if old is not None else None,
                    "new": plain(value) if value is not None else None,
                }
            )
            setattr(session, name, value)
    return record


def log_audio_change(actor: User, session: Session, changes: list[dict]) -> None:
    if changes:
        log_action(
            actor=actor,
            community=session.community,
            kind=ModerationAction.Kind.SESSION_AUDIO,
            details={"session_id": session.pk, "changes": changes},
        )


# The recording ----------------------------------------------------------------------------


def spool_dir() -> Path:
    return Path(settings.RECORDING_SPOOL_DIR)


def _spool(upload, session: Session) -> str:
    """Copy ``upload`` into the spool; return its name there."""
    directory = spool_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{session.pk}-{uuid.uuid4().hex}.upload"
    upload.seek(0)
    with open(directory / name, "xb") as out:
        chunks = (
            upload.chunks()
            if hasattr(upload, "chunks")
            else iter(lambda: upload.read(1 << 20), b"")
        )
        for chunk in chunks:
            out.write(chunk)
    upload.seek(0)
    return name


def _unspool(name: str) -> None:
    if name:
        (spool_dir() / name).unlink(missing_ok=True)


def _drop_stored(recording: SessionRecording) -> None:
    _unspool(recording.spool_name)
    if recording.file:
        recording.file.delete(save=False)


@transaction.atomic
def upload_recording(*, moderator: User, session: Session, file) -> SessionRecording:
    """Take a session's recording for conversion (replacing any earlier one)."""
    session = Session.objects.select_for_update().select_related("community").get(pk=session.pk)
    check_manage_session(moderator, session)
    if not file:
        raise ValidationError({"file": _("Choisissez un fichier audio.")}, code="required")
    limits.hit("upload", user=moderator)
    try:
        media.probe_audio(
            file, max_seconds=media.RECORDING_MAX_SECONDS, max_bytes=settings.RECORDING_MAX_BYTES
        )
    except ValidationError as error:
        raise ValidationError({"file": error.messages}, code=error.code) from None
    name = _spool(file, session)
    try:
        recording = SessionRecording.objects.filter(session=session).first()
        previous = None
        if recording is None:
            recording = SessionRecording(session=session)
        else:
            previous = SessionRecording(spool_name=recording.spool_name, file=recording.file.name)
        recording.status = SessionRecording.Status.WAITING
        recording.spool_name = name
        recording.file = ""
        recording.duration = recording.size = None
        recording.error = ""
        recording.uploaded_by = moderator
        recording.uploaded_at = timezone.now()
        recording.started_at = recording.converted_at = None
        recording.save()
        log_audio_change(
            moderator,
            session,
            [
                {
                    "field": _("enregistrement"),
                    "old": _("remplacé") if previous is not None else None,
                    "new": _("envoyé, en attente de conversion"),
                }
            ],
        )
    except BaseException:
        _unspool(name)
        raise
    if previous is not None:
        transaction.on_commit(lambda: _drop_stored(previous))
    return recording


@transaction.atomic
def remove_recording(*, moderator: User, session: Session) -> None:
    session = Session.objects.select_for_update().select_related("community").get(pk=session.pk)
    check_manage_session(moderator, session)
    recording = SessionRecording.objects.filter(session=session).first()
    if recording is None:
        raise ValidationError(_("Cette séance n'a pas d'enregistrement."), code="invalid")
    recording.delete()
    log_audio_change(
        moderator, session, [{"field": _("enregistrement"), "old": _("présent"), "new": None}]
    )
    transaction.on_commit(lambda: _drop_stored(recording))


def _claim(now: datetime) -> SessionRecording | None:
    """Take the oldest recording waiting for conversion (one converter gets each)."""
    waiting = SessionRecording.objects.filter(status=SessionRecording.Status.WAITING).exclude(
        started_at__gt=now - STALE_AFTER
    )
    for recording in waiting.order_by("uploaded_at", "pk")[:5]:
        # A conditional UPDATE: of two converters, one changes the row, the other none.
        taken = SessionRecording.objects.filter(
            pk=recording.pk,
            status=SessionRecording.Status.WAITING,
            spool_name=recording.spool_name,
            started_at=recording.started_at,
        ).update(started_at=now)
        if taken:
            recording.started_at = now
            return recording
    return None


def convert_recording(recording: SessionRecording) -> SessionRecording:
    """Convert one claimed recording; its row says the result (ready or failed, and why)."""
    path = spool_dir() / recording.spool_name
    result: dict = {}
    try:
        with open(path, "rb") as source:
            voice = media.convert_voice(
                source,
                max_seconds=media.RECORDING_MAX_SECONDS,
                bitrate=media.RECORDING_BITRATE,
                max_bytes=settings.RECORDING_MAX_BYTES,
            )
    except FileNotFoundError:
        result = {"error": _("Le fichier envoyé a disparu avant sa conversion ; renvoyez-le.")}
    except ValidationError as error:
        result = {"error": " ".join(error.messages)}
    else:
        result = {"voice": voice}
    with transaction.atomic():
        current = SessionRecording.objects.select_for_update().filter(pk=recording.pk).first()
        if current is None or current.spool_name != recording.spool_name:
            # Removed or replaced while it was converting: what was made is not wanted.
            return current
        if "voice" in result:
            voice = result["voice"]
            current.file.save(
                f"seance-{current.session_id}{media.EXTENSION}", ContentFile(voice.data), save=False
            )
            current.status = SessionRecording.Status.READY
            current.duration = voice.duration
            current.size = voice.size
            current.error = ""
        else:
            current.status = SessionRecording.Status.FAILED
            current.error = result["error"][:300]
        current.spool_name = ""
        current.converted_at = timezone.now()
        current.save()
    _unspool(recording.spool_name)
    return current


def convert_waiting_recordings(*, now: datetime | None = None) -> list[SessionRecording]:
    """Convert every recording waiting (``manage.py convert_recordings``)."""
    done = []
    while True:
        recording = _claim(now or timezone.now())
        if recording is None:
            return done
        done.append(convert_recording(recording))


# Chapters ---------------------------------------------------------------------------------


def offset_maximum(session: Session) -> int:
    """The latest moment a chapter may point at: the recording's end, if it is known."""
    recording = SessionRecording.objects.filter(session=session).first()
    if recording is not None and recording.duration:
        return int(recording.duration)
    return media.RECORDING_MAX_SECONDS


def read_offset(session: Session, value) -> int | None:
    return parse_offset(value, maximum=offset_maximum(session))


@transaction.atomic
def set_decision_offset(*, moderator: User, decision: Decision, offset) -> Decision:
    """Place a decision in the session's recording (mm:ss or h:mm:ss; "" removes it)."""
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("session__community")
        .get(pk=decision.pk)
    )
    check_manage_session(moderator, decision.session)
    seconds = read_offset(decision.session, offset)
    if seconds != decision.offset:
        log_audio_change(
            moderator,
            decision.session,
            [
                {
                    "field": _("chapitre « %(text)s »") % {"text": decision.text[:80]},
                    "old": format_offset(decision.offset) if decision.offset is not None else None,
                    "new": format_offset(seconds) if seconds is not None else None,
                }
            ],
        )
        decision.offset = seconds
        decision.save(update_fields=["offset"])
    return decision


def cleanup_spool(*, older_than: timedelta = timedelta(days=2)) -> int:
    """Remove spool files no row points at (a crash between copy and save); return how many."""
    directory = spool_dir()
    if not directory.is_dir():
        return 0
    wanted = set(
        SessionRecording.objects.exclude(spool_name="").values_list("spool_name", flat=True)
    )
    limit = (timezone.now() - older_than).timestamp()
    removed = 0
    for entry in os.scandir(directory):
        if entry.name not in wanted and entry.is_file() and entry.stat().st_mtime < limit:
            os.unlink(entry.path)
            removed += 1
    return removed
