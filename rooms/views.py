"""
The HTTP door of live rooms: the salon page and the room protocol over HTTP.

The fallback answers JSON in the exact shapes of docs/realtime-protocol.md
and calls the same services as the WebSocket consumers. Without JavaScript,
the salon is a plain form that redirects.
"""

import functools
import json
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from forum import selectors as forum_selectors

from . import frames, kinds, selectors, services
from . import permissions as perms
from .models import Message, Room

_STATUS = {"rate_limited": 429, "forbidden": 403, "closed": 403, "not_found": 404}
_CODES = {"bad_frame", "invalid", "edit_window_closed", "rate_limited"}


def _json_error(code: str, text: str, status: int | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": text}}, status=status or _STATUS.get(code, 400)
    )


def _refusal(error: Exception) -> tuple[str, str]:
    """The protocol's (code, message) for a service's refusal."""
    if isinstance(error, ValidationError):
        code = error.code if error.code in _CODES else "invalid"
        return code, " ".join(error.messages)
    if isinstance(error, PermissionDenied):
        return getattr(error, "code", "forbidden"), str(error)
    return "not_found", _("Ce message n'existe pas.")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _not_found_as_json(always: bool = False):
    """Answer the protocol's ``not_found`` error instead of the HTML 404 page to a JSON client.

    The same answer for a room or message that does not exist and for one the
    reader may not see (private CoP), as the 404 page gives.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except Http404:
                if not (always or _wants_json(request)):
                    raise
                return _json_error(
                    "not_found", _("Cette page n'existe pas, ou vous n'y avez pas accès.")
                )

        return wrapper

    return decorate


def _number(value: str | None, name: str) -> int | None:
    """A non-negative integer from the query string, or None when absent."""
    if value in (None, ""):
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValueError(
            _("Le paramètre « %(name)s » doit être un entier positif.") % {"name": name}
        )
    return int(value)


def _posted(request: HttpRequest) -> dict:
    """Form fields, or a JSON object body."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ValueError(_("Le corps de la requête n'est pas un objet JSON valide."))
        return data
    return request.POST


def prepare_messages(user, room: Room, messages_: list[Message]) -> list[Message]:
    """Give each message what the page needs to draw it for ``user``."""
    for message in messages_:
        message.room = room  # before the check, which reads message.room.community
        message.can_delete = perms.can_delete_message(user, message)
    return messages_


# The salon page ----------------------------------------------------------------------


@require_GET
def salon(request: HttpRequest, slug: str) -> HttpResponse:
    community = forum_selectors.access_community(request.user, slug)
    room = services.ensure_salon(community)
    try:
        before = _number(request.GET.get("avant"), "avant")
    except ValueError as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    history, has_more = selectors.list_latest_messages(room, before)
    present, anonymous = selectors.list_present(f"room.{room.pk}")
    context = {
        "community": community,
        "room": room,
        "chat_messages": prepare_messages(request.user, room, history),
        "has_more": has_more,
        "older_url": f"?avant={history[0].pk}" if history and has_more else "",
        "after": room.last_seq if before is None else "",
        "present": present,
        "present_count": len(present) + anonymous,
        "can_post": perms.can_write_in_room(request.user, room),
        "can_moderate": perms.can_moderate_room(request.user, room),
        "client_key": "f" + secrets.token_urlsafe(18),
        "max_length": settings.JEKAFO["CHAT_MAX_LENGTH"],
    }
    return render(request, "rooms/salon.html", context)


# The room protocol over HTTP ----------------------------------------------------------


@require_GET
@_not_found_as_json(always=True)
def room_events(request: HttpRequest, room_id: int) -> JsonResponse:
    room = selectors.access_room(request.user, room_id)
    try:
        after = _number(request.GET.get("after"), "after") or 0
    except ValueError as error:
        return _json_error("bad_frame", str(error))
    pairs, cursor, more = selectors.list_room_changes(room, after)
    return JsonResponse(
        {
            "frames": [frame for _seq, frame in pairs],
            "last_seq": cursor,
            "more": more,
        }
    )


@require_GET
@_not_found_as_json(always=True)
def room_history(request: HttpRequest, room_id: int) -> JsonResponse:
    room = selectors.access_room(request.user, room_id)
    try:
        before = _number(request.GET.get("before"), "before")
    except ValueError as error:
        return _json_error("bad_frame", str(error))
    history, has_more = selectors.list_latest_messages(room, before)
    return JsonResponse(
        {"messages": [frames.message(message) for message in history], "has_more": has_more}
    )


@require_POST
@_not_found_as_json()
def room_send(request: HttpRequest, room_id: int) -> HttpResponse:
    room = selectors.access_room(request.user, room_id)
    back = kinds.page_url(room)
    try:
        data = _posted(request)
        body, key = data.get("body", ""), data.get("key", "")
        if not isinstance(body, str) or not isinstance(key, str):
            raise ValueError(_("« body » et « key » doivent être des textes."))
        message, _created = services.send_message(
            author=request.user, room=room, body=body, client_key=key
        )
    except ValueError as error:
        return _json_error("bad_frame", str(error))
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, error, back)
    if _wants_json(request):
        return JsonResponse(frames.ack_frame(key, message))
    return redirect(f"{back}#msg-{message.pk}")


def _refused(request: HttpRequest, error: Exception, back: str) -> HttpResponse:
    """A service's refusal: a JSON error for scripts, a message and a redirect for forms."""
    code, text = _refusal(error)
    if _wants_json(request):
        return _json_error(code, text)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={back}")
    messages.error(request, text)
    return redirect(back)


def _change_message(request: HttpRequest, pk: int, change) -> HttpResponse:
    message = selectors.access_message(request.user, pk)
    back = reverse("salon", args=[message.room.community.slug])
    try:
        message = change(message, _posted(request))
    except ValueError as error:
        return _json_error("bad_frame", str(error))
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, error, back)
    if _wants_json(request):
        return JsonResponse(frames.message_frame(message.room.last_seq, message))
    return redirect(f"{back}#msg-{message.pk}")


# No login_required: an anonymous JSON client gets the protocol's 403, like room_send.
@require_POST
@_not_found_as_json()
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def change(message, data):
        body = data.get("body", "")
        if not isinstance(body, str):
            raise ValueError(_("« body » doit être un texte."))
        return services.edit_message(editor=request.user, message=message, body=body)

    return _change_message(request, pk, change)


@require_POST
@_not_found_as_json()
def message_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_message(
        request,
        pk,
        lambda message, data: services.delete_message(user=request.user, message=message),
    )
