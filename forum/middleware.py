from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers

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
        response = JsonResponse(
            {"type": "error", "code": error.code, "message": error.message}, status=429
        )
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
