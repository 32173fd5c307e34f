import codecs

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from . import frames
from .limits import RateLimited


def choose_language(user, cookie: str | None) -> str:
    """The reader's language: their profile's, else the footer menu's cookie, else French."""
    if user is not None and user.is_authenticated and user.preferred_language:
        return user.preferred_language
    if cookie in {code for code, _name in settings.LANGUAGES}:
        return cookie
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """
    Choose the page language: French unless the reader asked for another.

    A signed-in member's ``preferred_language`` comes first, then the
    language cookie set by the footer menu, then French. The browser's
    Accept-Language is ignored on purpose: many phones here ship set to
    English while their owners work in French, the CoPs' working language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = choose_language(
            getattr(request, "user", None), request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        )
        request.LANGUAGE_CODE = language
        # override() puts back the previous language afterwards, so nothing
        # leaks into the next request served by this thread.
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


def rate_limited_response(request, error: RateLimited) -> HttpResponse:
    """HTTP 429 for a spent limit: a JSON error for JSON doors, a page otherwise."""
    wants_json = request.path.endswith(".json") or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json or request.content_type == "application/json":
        response = JsonResponse(frames.error(error.code, error.message), status=429)
    else:
        response = render(request, "429.html", {"message": error.message}, status=429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


class RateLimitMiddleware:
    """Answer a RateLimited raised anywhere in a view with HTTP 429 and its message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return rate_limited_response(request, exception)
        return None


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class FormCharsetMiddleware:
    """
    Refuse a form declared in a charset other than UTF-8, with a 400 and a message.

    Django ignores a charset Python does not know (the form is read as
    UTF-8), refuses a urlencoded form in any other charset but "utf-8" by
    raising BadRequest from ``request.POST``, which the CSRF check reads
    first (the error log then reads ``request.POST`` again and fails: a 500),
    and reads a multipart form in that charset (rot13 is a codec, not a text
    encoding: a 500). Every form of the site is UTF-8, so a known charset
    other than "utf-8" is a client's mistake, answered here, before anything
    reads the body: the 400 page, or an error frame for a JSON client.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in {"GET", "HEAD", "OPTIONS"}
            and request.content_type in FORM_TYPES
            and not declares_utf8(request.content_params)
        ):
            message = _("Formulaire illisible : envoyez-le en UTF-8.")
            if "application/json" in request.headers.get("Accept", ""):
                return JsonResponse(frames.error("bad_frame", message), status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


def declares_utf8(params: dict) -> bool:
    """Whether a form's charset is UTF-8, or one Django ignores (unknown to Python)."""
    charset = params.get("charset")
    if charset is None or charset.lower() == "utf-8":
        return True
    try:
        codecs.lookup(charset)
    except LookupError:
        return True
    return False
