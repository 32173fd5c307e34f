"""
Calendars: a session's .ics, a public CoP's feed, a member's private feeds.

Calendar apps cannot sign in, so a member's feeds carry a secret token in
their address instead; each request re-checks what the token's owner may
still see, and regenerating the token makes the old addresses 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from forum import selectors as forum_selectors
from forum.models import User

from .. import selectors
from ..calendar import (
    access_feed_owner,
    feed_calendar,
    list_community_feed,
    list_member_communities,
    list_member_feed,
    session_calendar,
)
from ..services.calendar import get_or_create_token, regenerate_token


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _ics(body: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    return response


def _private(response: HttpResponse) -> HttpResponse:
    """A member's feed: never in a shared cache, never indexed (its address is the secret)."""
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    name = slugify(session.title)[:50].strip("-") or "seance"
    response = _ics(
        session_calendar(session, _site(request)),
        f"webinaire-{session.pk}-{name}.ics",
        attachment=True,
    )
    if session.community.is_private:
        _private(response)
    return response


@require_safe
def community_ics(request: HttpRequest, slug: str) -> HttpResponse:
    # Seen as a visitor: a private CoP's feed is a 404 here, whoever asks.
    community = forum_selectors.access_community(None, slug)
    body = feed_calendar(
        list_community_feed(None, community),
        _("Webinaires — %(name)s") % {"name": community.name},
        _site(request),
    )
    return _ics(body, f"webinaires-{community.slug}.ics", attachment=False)


@require_safe
def member_feed(request: HttpRequest, token: str) -> HttpResponse:
    owner: User = access_feed_owner(token)
    body = feed_calendar(list_member_feed(owner), _("Mes webinaires Jɛkafɔ"), _site(request))
    return _private(_ics(body, "webinaires.ics", attachment=False))


@require_safe
def member_community_feed(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    owner: User = access_feed_owner(token)
    community = forum_selectors.access_community(owner, slug)
    body = feed_calendar(
        list_community_feed(owner, community),
        _("Webinaires — %(name)s") % {"name": community.name},
        _site(request),
    )
    return _private(_ics(body, f"webinaires-{community.slug}.ics", attachment=False))


def _webcal(url: str) -> str:
    """The same address for calendar apps that subscribe on a click (webcal://)."""
    scheme, _sep, rest = url.partition("://")
    return f"webcal://{rest}" if scheme in ("http", "https") else url


def _feed_link(request: HttpRequest, name: str, args: list) -> dict:
    url = request.build_absolute_uri(reverse(name, args=args))
    return {"url": url, "webcal": _webcal(url)}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The member's calendar addresses; made (or made anew) by a POST, never by a visit."""
    if request.method == "POST":
        if selectors.calendar_token_of(request.user) is None:
            get_or_create_token(request.user)
            messages.success(request, _("Vos adresses d'agenda sont prêtes."))
        else:
            regenerate_token(request.user)
            messages.success(
                request,
                _("Nouveaux liens d'agenda créés : les anciens ne fonctionnent plus."),
            )
        return redirect("calendar")
    token = selectors.calendar_token_of(request.user)
    context = {"feed": None, "community_feeds": []}
    if token is not None:
        context["feed"] = _feed_link(request, "calendar_feed", [token.token])
        context["community_feeds"] = [
            {
                "community": community,
                **_feed_link(request, "calendar_feed_community", [token.token, community.slug]),
            }
            for community in list_member_communities(request.user)
        ]
    return render(request, "webinars/calendar.html", context)


urlpatterns = [
    path("webinaires/<int:pk>/seance.ics", session_ics, name="webinar_ics"),
    path("communautes/<slug:slug>/webinaires.ics", community_ics, name="community_webinars_ics"),
    path("agenda/", calendar_page, name="calendar"),
    path("agenda/<str:token>.ics", member_feed, name="calendar_feed"),
    path(
        "agenda/<str:token>/<slug:slug>.ics", member_community_feed, name="calendar_feed_community"
    ),
]
