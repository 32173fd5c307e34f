"""
Audio-only ("radio") sessions: what the pages show, the recording's upload and file,
and the chapters of the replay (decisions placed in the recording).

The recording is served to whoever may read the session's minutes (a private
CoP's session: 404 for everyone else), with HTTP ranges so that a player seeks
and a dropped download resumes, inline so that a chapter's link
(``…/enregistrement.opus#t=750``) opens in the phone's own player without
JavaScript. It is audio the site made itself (re-encoded, no metadata), and
still goes out with ``nosniff`` and a sandbox CSP.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from forum import media
from forum.views import add_service_errors

from .. import permissions as perms
from .. import selectors
from ..chapters import format_offset
from ..forms import DecisionOffsetForm, RecordingForm
from ..models import Decision, Session, SessionRecording
from ..services.radio import remove_recording, set_decision_offset, upload_recording


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


# The recording ----------------------------------------------------------------------------


def _report_url(session: Session, anchor: str = "enregistrement") -> str:
    return reverse("webinar_report", args=[session.pk]) + f"#{anchor}"


def _report_again(request: HttpRequest, session: Session, status: int = 400, **extra):
    from .report import render_report  # the report page draws the recording's section

    return render_report(request, session, status=status, **extra)


@login_required
@require_POST
def recording_upload(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    perms.check_manage_session(request.user, session)
    form = RecordingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            upload_recording(
                moderator=request.user, session=session, file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Enregistrement reçu. Sa conversion en petit fichier audio prend quelques "
                    "minutes ; la page l'affichera ensuite."
                ),
            )
            return redirect(_report_url(session))
    return _report_again(request, session, recording_form=form)


@login_required
@require_POST
def recording_remove(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    try:
        remove_recording(moderator=request.user, session=session)
    except ValidationError as error:
        return _report_again(request, session, recording_errors=error.messages)
    messages.success(request, _("Enregistrement retiré."))
    return redirect(_report_url(session))


@require_GET
def recording_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The replay, to whoever may read the session's minutes; with ranges (206)."""
    session = selectors.access_session(request.user, pk)
    recording = recording_of(session)
    if recording is None or not recording.is_ready:
        raise Http404
    try:
        handle = recording.file.open("rb")
        size = recording.file.size
    except OSError:
        raise Http404 from None
    name = f"{slugify(session.title)[:60] or 'seance'}-{session.pk}{media.EXTENSION}"
    return media.ranged_response(
        request, handle, size=size, content_type=media.CONTENT_TYPE, filename=name, inline=True
    )


# Chapters ---------------------------------------------------------------------------------


@login_required
@require_POST
def decision_offset(request: HttpRequest, pk: int) -> HttpResponse:
    decision = (
        Decision.objects.select_related("session__community", "session__room").filter(pk=pk).first()
    )
    if decision is None:
        raise Http404
    session = decision.session
    perms.check_view_session(request.user, session)
    form = DecisionOffsetForm(request.POST)
    errors = []
    if form.is_valid():
        try:
            set_decision_offset(
                moderator=request.user, decision=decision, offset=form.cleaned_data["offset"]
            )
        except ValidationError as error:
            errors = error.messages
    else:
        errors = [message for messages_ in form.errors.values() for message in messages_]
    if errors:
        return _report_again(request, session, decision_errors=errors)
    messages.success(request, _("Moment de la décision enregistré."))
    return redirect(_report_url(session, f"decision-{decision.pk}"))


urlpatterns = [
    path("webinaires/<int:pk>/enregistrement/", recording_upload, name="webinar_recording_upload"),
    path(
        "webinaires/<int:pk>/enregistrement/retirer/",
        recording_remove,
        name="webinar_recording_remove",
    ),
    path("webinaires/<int:pk>/enregistrement.opus", recording_file, name="webinar_recording_file"),
    path("webinaires/decisions/<int:pk>/moment/", decision_offset, name="webinar_decision_offset"),
]
