"""
Webinar pages: lists, series, the session page, registration, documents.

Each write is a CSRF-protected POST that calls a service and redirects; a
refusal is shown on the page it came from (400/403 with the reason), never a 500.
"""

import csv
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum import selectors as forum_selectors
from forum import uploads
from forum.limits import RateLimited
from forum.permissions import can_moderate_community, check_moderate_community
from forum.views import add_service_errors

from .. import permissions as perms
from .. import selectors, services
from ..forms import RADIO_FIELDS, DocumentForm, RegistrationForm, SeriesForm, SessionForm
from ..models import Registration, SessionDocument
from .radio_context import allow_stream, radio_context

AUDIO_SUFFIXES = (".mp3", ".ogg", ".opus", ".aac", ".m4a", ".wav")


def _refused(request: HttpRequest, error: Exception, back: str) -> HttpResponse:
    """Show a service's refusal as a message on the page the form came from.

    A refusal of the person ("not yours to do") stays a 403, as on every other
    page; one of the moment (registration closed, the room not open) goes back
    to the page with its reason.
    """
    if isinstance(error, PermissionDenied) and getattr(error, "code", "forbidden") == "forbidden":
        raise error
    if isinstance(error, RateLimited):
        raise error  # answered 429 by forum.middleware.RateLimitMiddleware
    if isinstance(error, ValidationError):
        text = " ".join(error.messages)
    else:
        text = str(error) or _("Action refusée.")
    messages.error(request, text)
    return redirect(back)


# Lists ----------------------------------------------------------------------------------


# Sessions shown a page at a time in each list, read without counting the list
# (forum.selectors.window): "Suivante" exists when one more row does.
SESSIONS_PER_PAGE = 20
# The upcoming list pages with its own parameter, so that both lists of a page
# can be paged apart and each keeps the other's page in its links.
UPCOMING_PAGE = "avenir"


def _session_lists(request: HttpRequest, community=None) -> dict:
    """The upcoming and past sessions ``request.user`` may see, a page of each."""
    upcoming = selectors.list_sessions(request.user, community=community, upcoming=True)
    past = selectors.list_sessions(request.user, community=community, upcoming=False)
    return {
        "upcoming": forum_selectors.window(
            upcoming, request.GET.get(UPCOMING_PAGE), SESSIONS_PER_PAGE
        ),
        "past": forum_selectors.window(past, request.GET.get("page"), SESSIONS_PER_PAGE),
        "upcoming_param": UPCOMING_PAGE,
    }


@require_GET
def webinar_list(request: HttpRequest) -> HttpResponse:
    return render(request, "webinars/list.html", _session_lists(request))


@require_GET
def community_webinars(request: HttpRequest, slug: str) -> HttpResponse:
    community = forum_selectors.access_community(request.user, slug)
    context = {
        "community": community,
        **_session_lists(request, community),
        "series_list": community.webinar_series.order_by("title"),
        "can_manage": can_moderate_community(request.user, community),
    }
    return render(request, "webinars/community.html", context)


@require_GET
def series_detail(request: HttpRequest, pk: int) -> HttpResponse:
    series = selectors.access_series(request.user, pk)
    context = {
        "series": series,
        "community": series.community,
        "sessions": forum_selectors.window(
            selectors.list_series_sessions(series), request.GET.get("page"), SESSIONS_PER_PAGE
        ),
        "can_manage": can_moderate_community(request.user, series.community),
    }
    return render(request, "webinars/series.html", context)


# Creating -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def series_new(request: HttpRequest, slug: str) -> HttpResponse:
    community = forum_selectors.access_community(request.user, slug)
    check_moderate_community(request.user, community)
    form = SeriesForm(request.POST or None, initial={"regions": community.regions.all()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = services.create_series(
                author=request.user,
                community=community,
                title=data["title"],
                description=data["description"],
                regions=list(data["regions"]),
                first_start=data["first_start"],
                rrule=data["rrule"],
                duration=data["duration"],
                open_minutes_before=data["open_minutes_before"],
                capacity=data["capacity"],
                video_url=data["video_url"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Série créée, avec ses séances."))
            return redirect(series)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "webinars/series_form.html", {"form": form, "community": community}, status=status
    )


def _session_fields(data: dict) -> dict:
    return {
        "title": data["title"],
        "theme": data["theme"],
        "agenda": data["agenda"],
        "speakers": data["speakers"],
        "starts_at": data["starts_at"],
        "duration": data["duration"],
        "open_minutes_before": data["open_minutes_before"],
        "capacity": data["capacity"],
        "video_url": data["video_url"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, slug: str) -> HttpResponse:
    community = forum_selectors.access_community(request.user, slug)
    check_moderate_community(request.user, community)
    form = SessionForm(request.POST or None)
    del form.fields["recording_url"]  # a recording comes after the session
    if request.method == "POST" and form.is_valid():
        fields = _session_fields(form.cleaned_data)
        for name in RADIO_FIELDS:
            fields[name] = form.cleaned_data[name]
        try:
            session = services.create_session(author=request.user, community=community, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Séance créée."))
            return redirect(session)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "community": community, "session": None}
    return render(request, "webinars/session_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    perms.check_manage_session(request.user, session)
    initial = {
        "title": session.title,
        "theme": session.theme,
        "agenda": session.agenda,
        "speakers": session.speakers,
        "starts_at": session.starts_at,
        "duration": int((session.ends_at - session.starts_at).total_seconds() // 60),
        "open_minutes_before": session.open_minutes_before,
        "capacity": session.capacity,
        "video_url": session.video_url,
        "recording_url": session.recording_url,
        "radio": session.radio,
        "stream_url": session.stream_url,
        "stream_kbps": session.stream_kbps,
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = _session_fields(form.cleaned_data)
        for name in ("recording_url", *RADIO_FIELDS):
            fields[name] = form.cleaned_data[name]
        try:
            services.edit_session(editor=request.user, session=session, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Séance modifiée ; les agendas abonnés suivront."))
            return redirect(session)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "community": session.community, "session": session}
    return render(request, "webinars/session_form.html", context, status=status)


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    try:
        services.cancel_session(moderator=request.user, session=session)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, error, session.get_absolute_url())
    messages.success(request, _("Séance annulée. Les inscrit·es la verront annulée."))
    return redirect(session)


# The session page -----------------------------------------------------------------------


def video_embed(url: str) -> dict | None:
    """How the external link can be shown inside the page, if at all."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https":
        return None
    if parts.path.lower().endswith(AUDIO_SUFFIXES):
        return {"kind": "audio", "origin": f"https://{parts.netloc}"}
    if parts.hostname in settings.WEBINAR_EMBED_HOSTS:
        return {"kind": "frame", "origin": f"https://{parts.netloc}"}
    return None


def video_context(request: HttpRequest, session, registration=None) -> dict:
    """The session's video or audio link as the page shows it to this reader."""
    can_see_link = perms.can_see_video_link(request.user, session, registration)
    embed = video_embed(session.video_url) if can_see_link else None
    return {
        "can_see_link": can_see_link,
        "embed": embed,
        # The player loads only on demand: a phone on 2G pays for it only if asked.
        "show_embed": bool(embed) and request.GET.get("video") == "1",
    }


def allow_embed(response: HttpResponse, video: dict) -> HttpResponse:
    """Let this one response load the player from its host (the CSP says 'self' otherwise)."""
    if video["show_embed"]:
        embed = video["embed"]
        policy = dict(settings.SECURE_CSP)
        directive = "media-src" if embed["kind"] == "audio" else "frame-src"
        policy[directive] = ["'self'", embed["origin"]]
        response._csp_config = policy
    return response


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return session_page(request, selectors.access_session(request.user, pk))


def session_page(
    request: HttpRequest, session, *, document_form: DocumentForm | None = None, status: int = 200
) -> HttpResponse:
    """The session page; with a refused ``document_form``, shown again with its errors."""
    registration = selectors.registration_of(request.user, session)
    can_manage = perms.can_manage_session(request.user, session)
    video = video_context(request, session, registration)
    active = registration if registration and registration.status != "cancelled" else None
    form = None
    if active is None and perms.can_register(request.user, session):
        form = RegistrationForm(
            initial={"region": request.user.region, "organisation": request.user.organisation}
        )
    context = {
        "session": session,
        "community": session.community,
        "status": session.status,
        "registration": active,
        "form": form,
        "seats": selectors.seats(session),
        "documents": list(session.documents.all()),
        "can_manage": can_manage,
        **video,
        "closed_reason": perms.registration_closed_reason(session),
        "document_form": (document_form or DocumentForm()) if can_manage else None,
    }
    radio = radio_context(request, session, can_see_link=video["can_see_link"])
    context.update(radio)
    response = render(request, "webinars/session_detail.html", context, status=status)
    return allow_stream(allow_embed(response, video), radio)


# Registration ---------------------------------------------------------------------------


@login_required
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez votre région (et votre organisation)."))
        return redirect(session)
    try:
        registration = services.register(
            user=request.user,
            session=session,
            region=form.cleaned_data["region"],
            organisation=form.cleaned_data["organisation"],
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, error, session.get_absolute_url())
    if registration.status == Registration.Status.CONFIRMED:
        messages.success(request, _("Vous êtes inscrit·e. Un rappel vous sera envoyé."))
    else:
        messages.info(
            request,
            _("La séance est complète : vous êtes sur la liste d'attente. Vous serez prévenu·e."),
        )
    return redirect(session)


@login_required
@require_POST
def unregister(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    try:
        services.cancel_registration(user=request.user, session=session)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, error, session.get_absolute_url())
    messages.success(request, _("Votre inscription est annulée."))
    return redirect(session)


@login_required
@require_GET
def registrants(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    perms.check_export(request.user, session)
    rows = list(selectors.list_registrations(session))
    by_region: dict[str, list] = {}
    for registration in rows:
        name = registration.region.name if registration.region else _("Non précisée")
        by_region.setdefault(name, []).append(registration)
    context = {
        "session": session,
        "community": session.community,
        "by_region": sorted(by_region.items()),
        "seats": selectors.seats(session),
    }
    return render(request, "webinars/registrants.html", context)


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas in a CSV cell."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_GET
def registrants_csv(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    perms.check_export(request.user, session)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"inscrits-{slugify(session.title)[:60] or session.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that spreadsheet software reads UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [_("Nom affiché"), _("Région"), _("Organisation"), _("Statut"), _("Inscription (UTC)")]
    )
    for registration in selectors.list_registrations(session):
        writer.writerow(
            [
                _cell(registration.user.display_name),
                _cell(registration.region.name if registration.region else ""),
                _cell(registration.organisation.name if registration.organisation else ""),
                registration.get_status_display(),
                registration.registered_at.isoformat(),
            ]
        )
    return response


# Documents ------------------------------------------------------------------------------


@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(
                author=request.user,
                session=session,
                title=form.cleaned_data["title"],
                url=form.cleaned_data["url"],
                file=form.cleaned_data["file"],
            )
        except PermissionDenied as error:
            return _refused(request, error, session.get_absolute_url())
        except ValidationError as error:
            add_service_errors(form, error)
    if not form.is_valid():
        # Shown again on the session page, with the reason (a refused file: what is accepted).
        return session_page(request, session, document_form=form, status=400)
    messages.success(request, _("Document ajouté."))
    return redirect(session)


def _document(request: HttpRequest, pk: int) -> SessionDocument:
    document = SessionDocument.objects.select_related("session").filter(pk=pk).first()
    if document is None:
        raise Http404
    document.session = selectors.access_session(request.user, document.session_id)
    return document


@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve an uploaded document to whoever may see its session (never a public URL)."""
    document = _document(request, pk)
    if document.url:
        return redirect(document.url)
    if not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = document.file.name.rsplit("/", 1)[-1]
    # Served as what its content is if that is an accepted kind, else as bytes;
    # always an attachment, sandboxed (see forum.uploads).
    content_type = uploads.content_type_for(handle, name)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    return uploads.protect_download(response)


@login_required
@require_POST
def document_remove(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    try:
        services.remove_document(author=request.user, document=document)
    except PermissionDenied as error:
        return _refused(request, error, document.session.get_absolute_url())
    messages.success(request, _("Document retiré."))
    return redirect(document.session)


urlpatterns = [
    path("webinaires/", webinar_list, name="webinars"),
    path("communautes/<slug:slug>/webinaires/", community_webinars, name="community_webinars"),
    path(
        "communautes/<slug:slug>/webinaires/nouvelle-serie/",
        series_new,
        name="webinar_series_new",
    ),
    path(
        "communautes/<slug:slug>/webinaires/nouvelle-seance/",
        session_new,
        name="webinar_session_new",
    ),
    path("webinaires/series/<int:pk>/", series_detail, name="webinar_series"),
    path("webinaires/<int:pk>/", session_detail, name="webinar"),
    path("webinaires/<int:pk>/modifier/", session_edit, name="webinar_edit"),
    path("webinaires/<int:pk>/annuler/", session_cancel, name="webinar_cancel"),
    path("webinaires/<int:pk>/inscription/", register, name="webinar_register"),
    path("webinaires/<int:pk>/desinscription/", unregister, name="webinar_unregister"),
    path("webinaires/<int:pk>/inscrits/", registrants, name="webinar_registrants"),
    path("webinaires/<int:pk>/inscrits.csv", registrants_csv, name="webinar_registrants_csv"),
    path("webinaires/<int:pk>/documents/", document_add, name="webinar_document_add"),
    path("webinaires/documents/<int:pk>/", document_download, name="webinar_document"),
    path("webinaires/documents/<int:pk>/retirer/", document_remove, name="webinar_document_remove"),
]
