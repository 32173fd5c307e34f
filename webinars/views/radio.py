"""
Audio-only ("radio") sessions: the recording's upload, removal and file, and the
chapters of the replay (decisions placed in the recording). What the pages show of
a session's audio is in ``views/radio_context.py``.

The recording is served to whoever may read the session's minutes (a private
CoP's session: 404 for everyone else), with HTTP ranges so that a player seeks
and a dropped download resumes, inline so that a chapter's link
(``…/enregistrement.opus#t=750``) opens in the phone's own player without
JavaScript. It is audio the site made itself (re-encoded, no metadata), and
still goes out with ``nosniff`` and a sandbox CSP.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from forum import media
from forum.views import add_service_errors

from .. import permissions as perms
from .. import selectors
from ..forms import DecisionOffsetForm, RecordingForm
from ..models import Decision, Session
from ..services.radio import remove_recording, set_decision_offset, upload_recording
from .radio_context import recording_of
from .report import render_report  # the report page draws the recording's section

# The recording ----------------------------------------------------------------------------


def _report_url(session: Session, anchor: str = "enregistrement") -> str:
    return reverse("webinar_report", args=[session.pk]) + f"#{anchor}"


def _report_again(request: HttpRequest, session: Session, status: int = 400, **extra):
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
