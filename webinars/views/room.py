"""
The live room page, and its actions over HTTP.

The page is complete without JavaScript: every action is a form posted to
``room_action``, which calls the same service as the WebSocket frame of the
same name (realtime/webinars.py) and redirects back. ``static/js/webinar.js``
posts the same fields with ``Accept: application/json`` when the socket is
down, and gets ``{"ok": true}`` or the protocol's error object.
"""

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from forum import selectors as forum_selectors
from rooms import permissions as forum_perms
from rooms import selectors as room_selectors
from rooms import services as forum_services
from rooms.views import prepare_messages

from .. import permissions as perms
from .. import selectors, services


@require_GET
def room(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    chat_room = session.room
    chat_room.community = session.community
    history, has_more = room_selectors.list_latest_messages(chat_room)
    can_moderate = forum_perms.can_moderate_room(request.user, chat_room)
    present, anonymous = room_selectors.list_present(f"room.{chat_room.pk}")
    pinned = chat_room.pinned if chat_room.pinned_id else None
    context = {
        "session": session,
        "community": session.community,
        "room": chat_room,
        "window": forum_perms.room_window(chat_room),
        "chat_messages": prepare_messages(request.user, chat_room, history),
        "has_more": has_more,
        "after": chat_room.last_seq,
        "pinned": pinned if pinned is not None and not pinned.is_deleted else None,
        "questions": selectors.list_questions(session, hidden=can_moderate),
        "polls": selectors.list_polls(session),
        "hands": selectors.list_raised_hands(session),
        "me": selectors.participant_state(request.user, session),
        "present": present,
        "present_count": len(present) + anonymous,
        "can_post": forum_perms.can_write_in_room(request.user, chat_room),
        "can_take_part": perms.can_take_part(request.user, session),
        "can_moderate": can_moderate,
        "muted": forum_perms.is_muted(request.user, chat_room),
        "client_key": "f" + secrets.token_urlsafe(18),
        "max_length": settings.JEKAFO["CHAT_MAX_LENGTH"],
        "live": True,
    }
    return render(request, "webinars/room.html", context)


def _int(data, name: str) -> int:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isdigit() and len(value) <= 18:
        number = int(value)
    else:
        raise ValueError(_("Le champ « %(name)s » doit être un entier positif.") % {"name": name})
    if number <= 0:
        raise ValueError(_("Le champ « %(name)s » doit être un entier positif.") % {"name": name})
    return number


def _flag(data, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if isinstance(value, bool):
        return value
    if value in ("1", "true", "on", "oui"):
        return True
    if value in ("0", "false", "off", "non", ""):
        return False
    raise ValueError(_("Le champ « %(name)s » doit valoir true ou false.") % {"name": name})


def _text(data, name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ValueError(_("Le champ « %(name)s » doit être un texte.") % {"name": name})
    return value


def _options(data) -> list[str]:
    if hasattr(data, "getlist"):
        values = data.getlist("options")
        if len(values) == 1:  # one textarea, one answer a line
            values = values[0].splitlines()
        return values
    values = data.get("options")
    if not isinstance(values, list):
        raise ValueError(_("Le champ « options » doit être une liste de textes."))
    return values


def _perform(user, session, action: str, data) -> int | None:
    """Run one room action through its service; return the id of what it touched."""
    if action == "ask":
        question, _created = services.ask_question(
            author=user, session=session, body=_text(data, "body"), client_key=_text(data, "key")
        )
        return question.pk
    if action == "upvote":
        question = selectors.access_question(session, _int(data, "id"))
        services.upvote_question(user=user, question=question, up=_flag(data, "up", True))
        return question.pk
    if action == "answer":
        question = selectors.access_question(session, _int(data, "id"))
        services.answer_question(
            moderator=user, question=question, answered=_flag(data, "answered", True)
        )
        return question.pk
    if action == "hide_question":
        question = selectors.access_question(session, _int(data, "id"))
        services.hide_question(
            moderator=user, question=question, hidden=_flag(data, "hidden", True)
        )
        return question.pk
    if action == "poll":
        poll = services.create_poll(
            moderator=user,
            session=session,
            question=_text(data, "question"),
            options=_options(data),
        )
        return poll.pk
    if action == "vote":
        poll = selectors.access_poll(session, _int(data, "id"))
        services.vote_in_poll(user=user, poll=poll, option_id=_int(data, "option"))
        return poll.pk
    if action == "close_poll":
        poll = selectors.access_poll(session, _int(data, "id"))
        services.close_poll(moderator=user, poll=poll)
        return poll.pk
    if action == "hand":
        if _flag(data, "up", True):
            return services.raise_hand(user=user, session=session).pk
        target = selectors.access_hand(session, _int(data, "id")) if data.get("id") else None
        return services.lower_hand(user=user, session=session, hand=target).pk
    if action == "call_hand":
        target = selectors.access_hand(session, _int(data, "id")) if data.get("id") else None
        return services.call_hand(moderator=user, session=session, hand=target).pk
    if action == "slow_mode":
        forum_services.set_slow_mode(
            moderator=user, room=session.room, seconds=_int_or_zero(data, "seconds")
        )
        return None
    if action == "mute":
        target = forum_selectors.find_user(_int(data, "user"))
        if target is None:
            raise Http404
        forum_services.mute_participant(
            moderator=user, room=session.room, user=target, muted=_flag(data, "muted", True)
        )
        return target.pk
    if action == "pin":
        message = None
        if data.get("id"):
            message = room_selectors.access_message(user, _int(data, "id"))
        forum_services.pin_message(moderator=user, room=session.room, message=message)
        return None
    if action == "close":
        forum_services.close_room(
            moderator=user, room=session.room, closed=_flag(data, "closed", True)
        )
        return None
    raise ValueError(_("Action inconnue."))


def _int_or_zero(data, name: str) -> int:
    value = data.get(name)
    if value in (0, "0"):
        return 0
    return _int(data, name)


@require_POST
def room_action(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.access_session(request.user, pk)
    session.room.community = session.community
    wants_json = "application/json" in request.headers.get("Accept", "")
    back = reverse("webinar_room", args=[session.pk])
    if not request.user.is_authenticated:
        if wants_json:
            return _error("forbidden", _("Connectez-vous pour participer."), 403)
        return redirect(f"{reverse('login')}?next={back}")
    action = request.POST.get("action", "")
    try:
        object_id = _perform(request.user, session, action, request.POST)
    except ValueError as error:
        code, text, status = "bad_frame", str(error), 400
    except ValidationError as error:
        code, text, status = error.code or "invalid", " ".join(error.messages), 400
        if code == "not_found":
            status = 404
    except Http404:
        code, text, status = "not_found", _("Cet élément n'existe pas."), 404
    except PermissionDenied as error:
        code, text, status = getattr(error, "code", "forbidden"), str(error), 403
    else:
        if wants_json:
            return JsonResponse({"ok": True, "action": action, "id": object_id})
        return redirect(back)
    if wants_json:
        return _error(code, text, status)
    messages.error(request, text)
    return redirect(back)


def _error(code: str, text: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": text}}, status=status)


urlpatterns = [
    path("webinaires/<int:pk>/salle/", room, name="webinar_room"),
    path("webinaires/<int:pk>/salle/action/", room_action, name="webinar_room_action"),
]
