"""
What a session's pages show about its audio: the radio stream (with what listening costs)
and the recording (its length, weight and chapters: decisions placed in it).

Read by the session, room and report pages; the recording's own views are in
``views/radio.py``.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from forum import media

from ..chapters import format_offset
from ..models import Decision, Session, SessionRecording


def megabytes(value: float) -> str:
    """A number of MB as French readers write it: "7,2", "29"."""
    return formats.number_format(round(value, 1) if value < 10 else round(value), use_l10n=True)


def stream_cost(kbps: int | None) -> str:
    """What listening costs, in plain words, for a stream of ``kbps`` (unknown: examples)."""
    if kbps:
        return _("Écouter consomme environ %(mb)s Mo par heure (flux à %(kbps)d kb/s).") % {
            "mb": megabytes(media.megabytes_per_hour(kbps * 1000)),
            "kbps": kbps,
        }
    return _(
        "Écouter consomme environ %(low)s Mo par heure pour un flux à 16 kb/s, "
        "%(high)s Mo pour un flux à 64 kb/s."
    ) % {
        "low": megabytes(media.megabytes_per_hour(16000)),
        "high": megabytes(media.megabytes_per_hour(64000)),
    }


def duration_text(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}
    return _("%(s)d s") % {"s": secs}


def size_text(size: int) -> str:
    """A file's weight as a member reads it: "31 ko", "7,2 Mo"."""
    if size < 1_000_000:
        return _("%(kb)d ko") % {"kb": max(1, round(size / 1000))}
    return _("%(mb)s Mo") % {"mb": megabytes(size / 1_000_000)}


def recording_of(session: Session) -> SessionRecording | None:
    return SessionRecording.objects.filter(session=session).first()


def recording_context(recording: SessionRecording | None, session: Session) -> dict:
    if recording is None or not recording.is_ready:
        return {"recording": recording, "recording_file_url": ""}
    per_hour = recording.size * 3600 / max(recording.duration, 1) / 1_000_000
    return {
        "recording": recording,
        "recording_file_url": reverse("webinar_recording_file", args=[session.pk]),
        "recording_duration": duration_text(recording.duration),
        "recording_size": size_text(recording.size),
        "recording_cost": _("environ %(mb)s Mo par heure d'écoute") % {"mb": megabytes(per_hour)},
    }


def radio_context(request: HttpRequest, session: Session, *, can_see_link: bool) -> dict:
    """What a session's page needs about its audio-only mode and its recording."""
    stream = None
    if session.radio and session.stream_url and can_see_link:
        stream = {
            "url": session.stream_url,
            "origin": media_origin(session.stream_url),
            "cost": stream_cost(session.stream_kbps),
        }
    return {
        "radio": session.radio,
        "stream": stream,
        "stream_for_registered": bool(session.radio and session.stream_url and not can_see_link),
        **recording_context(recording_of(session), session),
    }


def media_origin(url: str) -> str:
    scheme, _sep, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}"


def allow_stream(response: HttpResponse, radio: dict) -> HttpResponse:
    """Let the page's <audio> play the stream from its host (media-src is 'self' otherwise)."""
    stream = radio.get("stream")
    if stream:
        policy = dict(getattr(response, "_csp_config", None) or settings.SECURE_CSP)
        sources = list(policy.get("media-src", ["'self'"]))
        policy["media-src"] = [*sources, stream["origin"]]
        response._csp_config = policy
    return response


def chapters(decisions: list[Decision], recording_file_url: str) -> list[dict]:
    """The decisions placed in the recording, in the order they come in it."""
    placed = sorted((d for d in decisions if d.offset is not None), key=lambda d: (d.offset, d.pk))
    return [
        {
            "decision": decision,
            "seconds": decision.offset,
            "time": format_offset(decision.offset),
            "href": f"{recording_file_url}#t={decision.offset}",
        }
        for decision in placed
    ]
