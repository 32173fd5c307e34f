"""
The HTTP door of live rooms: the salon page, the one action endpoint, and the
room's log over HTTP.

Every action (chat, moderation, and what other kinds of room add) is posted
to ``room_action`` and handed to ``rooms.actions.perform``, the function the
WebSocket consumers call: the answer is the same ``ack`` or ``error`` frame,
as JSON with the status of its code for a script, or a redirect (with a
message for a refusal) for a plain form. docs/realtime-protocol.md describes
both.
"""

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum import inputs, media
from forum import selectors as forum_selectors
from forum.models import Community, User
from forum.offline_views import keep_offline
from forum.permissions import can_post_in_community, sanction_notice

from . import actions, frames, kinds, selectors, services
from . import permissions as perms
from .models import Message, Room

# The hidden field a page's forms carry to come back to the same tab.
TAB = re.compile(r"[a-z]{1,20}")
# Durations a moderator picks from when muting someone, in minutes (0: until lifted).
MUTE_DURATIONS = (10, 30, 60, 24 * 60, 7 * 24 * 60, 0)


def _wants_json(request: HttpRequest) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
    )


def _json(frame: dict) -> JsonResponse:
    return JsonResponse(frame, status=actions.status_of(frame))


def _number(value: str | None, name: str) -> int | None:
    """A non-negative integer from the query string, or None when absent."""
    if value in (None, ""):
        return None
    number = inputs.read_whole_number(value)
    if number is None:
        raise actions.ActionError(
            "bad_frame",
            _("Le paramètre « %(name)s » doit être un entier positif.") % {"name": name},
        )
    return number


def _not_found() -> JsonResponse:
    return _json(
        actions.error_frame("not_found", _("Cette page n'existe pas, ou vous n'y avez pas accès."))
    )


# What a room page shows --------------------------------------------------------------


def prepare_messages(user, room: Room, messages_: list[Message]) -> list[Message]:
    """Give each message what the page needs to draw it for ``user``."""
    moderates = perms.can_moderate_room(user, room)
    signed_in = user is not None and user.is_authenticated
    for message in messages_:
        message.room = room  # before the check, which reads message.room.community
        message.can_delete = perms.can_delete_message(user, message)
        # The transcript of a voice note: its author or the room's moderators.
        message.can_transcribe = signed_in and (moderates or message.author_id == user.pk)
    return messages_


def mute_durations() -> list[tuple[int, str]]:
    labels = []
    for minutes in MUTE_DURATIONS:
        if minutes == 0:
            label = _("jusqu'à nouvel ordre")
        elif minutes % (24 * 60) == 0:
            days = minutes // (24 * 60)
            label = ngettext("%(n)d jour", "%(n)d jours", days) % {"n": days}
        elif minutes % 60 == 0:
            hours = minutes // 60
            label = ngettext("%(n)d heure", "%(n)d heures", hours) % {"n": hours}
        else:
            label = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        labels.append((minutes, label))
    return labels


def actions_schema(room: Room) -> dict:
    """Each action of the room's kind with its fields' kinds (how a script builds a frame)."""
    schema = {}
    for action in actions.all_actions():
        if actions.find(room, action.name) is action:
            schema[action.name] = {f.name: type(f).__name__.lower() for f in action.fields}
    return schema


def room_context(request: HttpRequest, room: Room, *, before: int | None = None) -> dict:
    """What a room page (salon or webinar room) draws of the room, for this reader."""
    user = request.user
    history, has_more = selectors.list_latest_messages(room, before)
    present, anonymous = selectors.list_present(f"room.{room.pk}")
    can_moderate = perms.can_moderate_room(user, room)
    is_member = can_post_in_community(user, room.community)
    my_mute = perms.mute_of(user, room) if is_member and not can_moderate else None
    window = perms.room_window(room)
    pinned = room.pinned if room.pinned_id else None
    context = {
        "room": room,
        "window": window,
        "room_state": frames.room_state(room),
        "chat_messages": prepare_messages(user, room, history),
        "has_more": has_more,
        "older_url": f"?avant={history[0].pk}" if history and has_more else "",
        # An older page is an archive: no socket, nothing replayed to it.
        "archive": before is not None,
        "after": room.last_seq,
        "present": present,
        "present_count": len(present) + anonymous,
        # Members write while the room is open and they are not muted (as
        # rooms.permissions.can_write_in_room says); the page draws their forms
        # either way, hidden until they may, and the script follows the room.
        "is_member": is_member,
        "can_post": is_member and window == "open" and my_mute is None,
        "can_moderate": can_moderate,
        "my_mute": my_mute,
        # A mute here, else the CoP's own mute or ban (why, until when).
        "my_mute_text": perms.mute_explanation(my_mute)
        if my_mute is not None
        else sanction_notice(user, room.community),
        "pinned": pinned if pinned is not None and not pinned.is_deleted else None,
        "client_key": "f" + secrets.token_urlsafe(18),
        "max_length": settings.JEKAFO["CHAT_MAX_LENGTH"],
        "action_url": reverse("room_action", args=[room.pk]),
        "actions_schema": actions_schema(room),
        "me_state": {
            "muted": frames.mute_state(my_mute) if my_mute is not None else None,
        },
        "live": True,
    }
    if can_moderate:
        mutes = selectors.list_active_mutes(room)
        muted_ids = {mute.user_id for mute in mutes}
        candidates = {p.pk: p for p in [*selectors.list_recent_authors(room), *present]}
        # Moderators cannot be muted: leave them out (one query for all of them).
        excluded = {user.pk, *muted_ids, *selectors.moderator_ids(room, candidates)}
        chosen = inputs.read_whole_number(request.GET.get("muet"))
        context.update(
            mutes=mutes,
            mute_candidates=sorted(
                (p for pk, p in candidates.items() if pk not in excluded),
                key=lambda p: p.display_name.casefold(),
            ),
            mute_chosen=chosen,
            mute_durations=mute_durations(),
        )
    return context


# The salon page ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@keep_offline
def salon(request: HttpRequest, slug: str) -> HttpResponse:
    """A CoP's salon. It is opened by its first message: a GET never writes."""
    try:
        community = forum_selectors.access_community(request.user, slug)
    except Http404:
        if request.method == "POST" and _wants_json(request):
            return _not_found()
        raise
    room = selectors.find_salon(community)
    if request.method == "POST":
        if room is not None:
            return room_action(request, room.pk)
        if not can_post_in_community(request.user, community):
            return _answer(request, None, _refused_before_room(request.user, community), community)
        name = _posted_action(request)
        if name != "send":
            # Only a message opens a salon: nothing else has anything to act on yet.
            if name in {action.name for action in actions.all_actions()}:
                refusal = actions.error_frame(
                    "not_found", _("Ce salon n'a pas encore de message : écrivez le premier.")
                )
            else:
                refusal = actions.error_frame(
                    "unknown_type", _("Action inconnue dans cette salle.")
                )
            return _answer(request, None, refusal, community)
        # The first message opens the salon; a refused one leaves nothing behind.
        with transaction.atomic():
            room = services.ensure_salon(community)
            answer, tab = _perform_posted(request, room)
            if answer["type"] == "error":
                transaction.set_rollback(True)
                room = None
        return _answer(request, room, answer, community, tab=tab)
    try:
        before = _number(request.GET.get("avant"), "avant")
    except actions.ActionError as error:
        return render(request, "400.html", {"message": error.message}, status=400)
    context = {"community": community, "room": room}
    if room is not None:
        context.update(room_context(request, room, before=before))
    else:
        context.update(
            can_post=can_post_in_community(request.user, community),
            client_key="f" + secrets.token_urlsafe(18),
            max_length=settings.JEKAFO["CHAT_MAX_LENGTH"],
            present_count=0,
        )
    return render(request, "rooms/salon.html", context)


def _refused_before_room(user: User, community: Community) -> dict:
    if user is None or not user.is_authenticated:
        text = _("Connectez-vous pour écrire dans ce salon.")
    else:
        text = _("Seuls les membres de cette communauté peuvent écrire dans ce salon.")
    return actions.error_frame("forbidden", text)


# The one action endpoint ---------------------------------------------------------------


def _posted(request: HttpRequest) -> tuple[object, bool]:
    """The action's data and whether it is a form (text values) or JSON (typed values)."""
    if request.content_type == "application/json":
        if len(request.body) > actions.MAX_FRAME_BYTES:
            raise actions.ActionError(
                "too_large", _("Message trop long : 16 Ko au plus par envoi.")
            )
        return actions.decode(request.body), False
    try:
        return request.POST, True
    except (BadRequest, LookupError, UnicodeDecodeError, ValueError):  # not in its charset
        raise actions.ActionError(
            "bad_frame", _("Formulaire illisible : envoyez-le en UTF-8.")
        ) from None


@require_POST
def room_action(request: HttpRequest, room_id: int) -> HttpResponse:
    """POST /salles/<room_id>/action/: one room action, by form or JSON; see perform()."""
    try:
        room = selectors.access_room(request.user, room_id)
    except Http404:
        if _wants_json(request):
            return _not_found()
        raise
    if request.content_type == "multipart/form-data" and _has_files(request):
        answer = actions.error_frame(
            "bad_frame",
            _("Un enregistrement s'envoie à l'adresse « voix/ » de la salle : %(url)s")
            % {"url": reverse("room_voice", args=[room.pk])},
        )
        return _answer(request, room, answer, room.community)
    answer, tab = _perform_posted(request, room)
    return _answer(request, room, answer, room.community, tab=tab)


def _has_files(request: HttpRequest) -> bool:
    try:
        return bool(request.FILES)
    except (BadRequest, LookupError, UnicodeDecodeError, ValueError):
        return False


# The voice door: a recording goes up over HTTP (a socket carries JSON text) -----------


@require_POST
def room_voice(request: HttpRequest, room_id: int) -> HttpResponse:
    """POST /salles/<room_id>/voix/: ``send`` (or ``ask``) with a recording, multipart.

    The same row of the action table as the text, with its ``voice`` file:
    ``action`` (default ``send``), ``key``, ``voice`` and an optional ``body``
    said with it. Answered like the action endpoint: the frame as JSON, or a
    redirect back to the room's page for a plain form.
    """
    try:
        room = selectors.access_room(request.user, room_id)
    except Http404:
        if _wants_json(request):
            return _not_found()
        raise
    try:
        data, files = request.POST.copy(), request.FILES
    except (BadRequest, LookupError, UnicodeDecodeError, ValueError):
        answer = actions.error_frame("bad_frame", _("Formulaire illisible : envoyez-le en UTF-8."))
        return _answer(request, room, answer, room.community)
    name = data.get("action") or "send"
    action = actions.find(room, name)
    if action is None or not action.takes_files:
        answer = actions.error_frame(
            "unknown_type", _("Cette adresse reçoit les messages et questions vocaux seulement.")
        )
        return _answer(request, room, answer, room.community, tab=_tab(data))
    if not files.get("voice"):
        answer = actions.error_frame(
            "bad_frame", _("Joignez un enregistrement audio."), key=actions.echo_key(data)
        )
        return _answer(request, room, answer, room.community, tab=_tab(data))
    # What is said aloud needs no written text: the door's one default.
    data.setdefault("body", "")
    answer = actions.perform(
        name=name, user=request.user, room=room, data=data, form=True, files=files
    )
    return _answer(request, room, answer, room.community, tab=_tab(data))


@require_GET
def voice_file(request: HttpRequest, room_id: int, pk: int) -> HttpResponse:
    """GET /salles/<room_id>/voix/<pk>/: the Opus of a voice note, with HTTP ranges.

    Checked now, like the room: a private CoP's note is a 404 to whoever may
    not see the CoP today (a member removed since it was said, included).
    """
    note = selectors.access_voice(request.user, room_id, pk)
    try:
        handle = note.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return media.ranged_response(
        request,
        handle,
        size=note.size,
        content_type=media.CONTENT_TYPE,
        filename=f"note-vocale-{note.pk}{media.EXTENSION}",
        # The site's own Opus (no markup can hide in it): the phone's player opens it.
        inline=True,
    )


def _posted_action(request: HttpRequest):
    try:
        data, form = _posted(request)
    except actions.ActionError:
        return None
    return data.get("action") if form else data.get("type", data.get("action"))


def _perform_posted(request: HttpRequest, room: Room) -> tuple[dict, str]:
    """Run the posted action in ``room``: its answer frame, and the tab to come back to."""
    try:
        data, form = _posted(request)
        name = data.get("type", data.get("action")) if not form else data.get("action")
    except actions.ActionError as error:
        return actions.error_frame(error.code, error.message, ref=error.ref), ""
    answer = actions.perform(name=name, user=request.user, room=room, data=data, form=form)
    return answer, _tab(data)


def _tab(data) -> str:
    value = data.get("onglet") if hasattr(data, "get") else None
    return value if isinstance(value, str) and TAB.fullmatch(value) else ""


def _answer(
    request: HttpRequest, room: Room | None, answer: dict, community, tab: str = ""
) -> HttpResponse:
    """The action's answer: the frame as JSON, or for a form, back to the page."""
    if _wants_json(request):
        return _json(answer)
    back = kinds.page_url(room) if room is not None else reverse("salon", args=[community.slug])
    query = f"?{urlencode({'onglet': tab})}" if tab else ""
    if answer["type"] == "error":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?{urlencode({'next': back + query})}")
        messages.error(request, answer["message"])
        return redirect(f"{back}{query}#{tab or 'contenu'}")
    if answer.get("action") == "send" and answer.get("id"):
        return redirect(f"{back}{query}#msg-{answer['id']}")
    return redirect(f"{back}{query}#{tab or 'contenu'}")


# The room's log over HTTP (the client's fallback when sockets fail) --------------------


@require_GET
def room_events(request: HttpRequest, room_id: int) -> JsonResponse:
    """GET /salons/<room_id>/evenements/?after=<seq>: the changes since ``after``, as frames."""
    try:
        room = selectors.access_room(request.user, room_id)
        after = _number(request.GET.get("after"), "after") or 0
    except Http404:
        return _not_found()
    except actions.ActionError as error:
        return _json(actions.error_frame(error.code, error.message))
    pairs, cursor, more = selectors.list_room_changes(room, after)
    return JsonResponse(
        {"frames": [frame for _seq, frame in pairs], "last_seq": cursor, "more": more}
    )


@require_GET
def room_history(request: HttpRequest, room_id: int) -> JsonResponse:
    """GET /salons/<room_id>/historique/?before=<id>: older messages, oldest first."""
    try:
        room = selectors.access_room(request.user, room_id)
        before = _number(request.GET.get("before"), "before")
    except Http404:
        return _not_found()
    except actions.ActionError as error:
        return _json(actions.error_frame(error.code, error.message))
    history, has_more = selectors.list_latest_messages(room, before)
    return JsonResponse(
        {"messages": [frames.message(message) for message in history], "has_more": has_more}
    )
