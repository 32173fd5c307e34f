"""
Readers of hostile input, one of each, for every door of every app.

A JSON text (a WebSocket frame, a JSON body), a number typed by a client (a
query string, a URL segment, a form value) and a ``next`` address are read
here and nowhere else: each reader answers a value or refuses with
``BadInput`` (a translated message), never with the exception of a library
(RecursionError, an int() of "²", a redirect to "a" that Django takes for a
view name). Forum sits below rooms, webinars and realtime, so all of them
import these readers.
"""

import json
import re

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# Nesting deeper than this is no message of ours (a room action is 2 deep).
MAX_JSON_DEPTH = 32
# ASCII digits only: str.isdigit() takes "²" and "١", which int() refuses or reads.
_DIGITS = re.compile(r"[0-9]{1,16}")
# The largest id a database hands out (PostgreSQL bigint) and a browser's number holds.
MAX_ID = 2**53 - 1


class BadInput(ValueError):
    """Input a reader refuses; ``message`` is translated, ``code`` names the refusal."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# JSON ----------------------------------------------------------------------------------------


def read_json_object(text: str | bytes) -> dict:
    """A JSON object from ``text``; ``BadInput("bad_json")`` for anything else.

    Bytes must be UTF-8. Nesting deeper than MAX_JSON_DEPTH is refused before
    ``json.loads`` runs, counted without recursion, so a 16 KB frame of "["
    cannot exhaust the stack.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput("bad_json", _("Le corps n'est pas de l'UTF-8.")) from None
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:
        _check_depth(text)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise BadInput("bad_json", _("Ce message n'est pas du JSON valide.")) from None
    if not isinstance(data, dict):
        raise BadInput("bad_json", _("Un message doit être un objet JSON."))
    return data


def _check_depth(text: str) -> None:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise BadInput("bad_json", _("Ce message est trop imbriqué."))
        elif char in "]}":
            depth -= 1


# Numbers -------------------------------------------------------------------------------------


def is_digits(value) -> bool:
    """Whether ``value`` is text of 1 to 16 ASCII digits (what a client may send as a number)."""
    return isinstance(value, str) and _DIGITS.fullmatch(value) is not None


def read_whole_number(value, *, maximum: int = MAX_ID) -> int | None:
    """The number written in ``value`` (ASCII digits, 0 to ``maximum``), or None.

    None for anything else: a sign, spaces, "1_000", "²", "١", too many digits.
    Callers say what None means (a 400, a 404, the first page).
    """
    if not is_digits(value):
        return None
    number = int(value)
    return number if number <= maximum else None


# Redirects -----------------------------------------------------------------------------------


def safe_redirect_url(request: HttpRequest, target, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``.

    Django's ``url_has_allowed_host_and_scheme`` refuses other hosts, other
    schemes and "//host" or "\\\\host"; a path must also start with "/", so
    that "a" is not taken for a view name by ``redirect()`` (a 500) nor for a
    relative address.
    """
    if (
        isinstance(target, str)
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


def next_url(request: HttpRequest, fallback: str) -> str:
    """Where to go after a form: the request's ``next`` if it is safe, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return safe_redirect_url(request, target, fallback)
