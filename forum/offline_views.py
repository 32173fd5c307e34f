"""
The installable, offline-first site: web app manifest, service worker, offline page.

The service worker's code is ``static/js/sw.js``; it is served from the site's
root (``/sw.js``) so that its scope is the whole site, with the addresses it
needs written above it: the app shell (static URLs, hashed in production), the
outbox's forms and a version that changes whenever one of them does, so the
browser installs the new worker. What it keeps is the server's choice: a page
it may keep for reading offline says so with ``Jekafo-Offline: keep``
(``keep_offline``). docs/architecture.md, "Offline", says why each thing is or is
not kept.
"""

import hashlib
import json
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

OFFLINE_HEADER = "Jekafo-Offline"

# Static files every page needs, fetched when the worker installs. Scripts of some
# pages only (room.js, mentions.js…) are kept when a page first loads them (their
# names are hashed, so a kept copy never goes stale): 2G members do not pay for
# the salon's script before they open a salon.
SHELL_STATIC = (
    "css/site.css",
    "favicon.svg",
    "icons/icon-192.png",
    "js/quick-exit.js",
    "js/outbox.js",
    "js/live.js",
)

# Forms whose POST the service worker keeps in the outbox when the network fails:
# a new thread, a reply to the thread, a reply to a post (forum/urls.py).
OUTBOX_PATHS = (
    r"^/communautes/[^/]+/nouvelle-discussion/$",
    r"^/discussions/\d+/actions/repondre/$",
    r"^/messages/\d+/repondre/$",
)

# The theme colour is site.css's --accent.
THEME_COLOUR = "#8a3b12"
BACKGROUND_COLOUR = "#fffdf8"


def keep_offline(view):
    """Mark a page's successful GET as one the service worker may keep for offline reading."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            response.headers[OFFLINE_HEADER] = "keep"
        return response

    return wrapped


def _shell() -> list[str]:
    urls = [static(path) for path in SHELL_STATIC] + [reverse("offline")]
    if not settings.QUICK_EXIT_URL:
        urls.append(reverse("quick_exit"))  # neutral even offline
    return urls


def _worker_source() -> str:
    return Path(finders.find("js/sw.js")).read_text(encoding="utf-8")


def _version(shell: list[str], source: str) -> str:
    digest = hashlib.sha256(source.encode())
    for url in shell:
        digest.update(url.encode())
        if settings.DEBUG:  # names are not hashed: the files' times tell a change
            found = finders.find(url.removeprefix(settings.STATIC_URL))
            if found:
                digest.update(str(Path(found).stat().st_mtime_ns).encode())
    return digest.hexdigest()[:16]


def _build_worker() -> str:
    shell = _shell()
    source = _worker_source()
    config = {
        "SHELL": shell,
        "OUTBOX_JS": static("js/outbox.js"),
        "OFFLINE_URL": reverse("offline"),
        "VERSION": _version(shell, source),
    }
    lines = [f"const {name} = {json.dumps(value)};" for name, value in config.items()]
    lines.append(f"const OUTBOX_PATHS = {json.dumps(OUTBOX_PATHS)}.map((p) => new RegExp(p));")
    lines.append(f"self.JEKAFO_LOGIN = {json.dumps(reverse(settings.LOGIN_URL))};")
    return "\n".join(lines) + "\n" + source


_built_worker = cache(_build_worker)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    body = _build_worker() if settings.DEBUG else _built_worker()
    etag = quote_etag(hashlib.sha256(body.encode()).hexdigest()[:20])
    # The browser checks for a new worker at its visits: unchanged, it costs a 304.
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("Jɛkafɔ — communautés de pratique"),
        "short_name": "Jɛkafɔ",
        "description": _(
            "Forum et webinaires des communautés de pratique pour les droits des femmes au Mali"
        ),
        "lang": "fr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response.headers["Content-Type"] = "application/manifest+json"
    # Browsers read it again at each page; a day is fresh enough (it varies by language).
    response.headers["Cache-Control"] = "max-age=86400"
    response.headers["Vary"] = "Cookie"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page shown for an address this device has not kept; nobody's name on it."""
    from django.contrib.auth.models import AnonymousUser

    return render(request, "offline.html", {"user": AnonymousUser()})
