from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


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


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class FormCharsetMiddleware:
    """
    Refuse a form declared in a charset other than UTF-8, with a 400 and a message.

    Django refuses a urlencoded form whose charset is not exactly "utf-8" by
    raising BadRequest from ``request.POST``, which the CSRF check reads
    first; the error log then reads ``request.POST`` again and fails (a 500).
    It reads a multipart form in the declared charset, ignoring an unknown
    one. Every form of the site is UTF-8, so anything else is a client's
    mistake, answered here, in the request phase, before anything reads the
    body, with Django's own rule: no charset, or "utf-8".
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
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


def declares_utf8(params: dict) -> bool:
    charset = params.get("charset")
    return charset is None or charset.lower() == "utf-8"
