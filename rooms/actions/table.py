"""
The table of room actions, and the one function both doors call.

A row names an action (the ``type`` of a WebSocket frame, the ``action`` of
a form), its fields, who may call it, the room kinds it exists in, and what
runs it: a function of the context and the fields' values that calls one
service and returns what the acknowledgement carries. The WebSocket
consumers and the HTTP endpoint hand every action to ``perform`` and send
back what it returns, an ``ack`` frame or an ``error`` frame, so the two
doors answer alike by construction (tests/rooms/test_action_contract.py
runs every row through both).

The error codes and their HTTP statuses are listed here, once.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forum import frames as forum_frames
from forum import inputs
from forum.models import User

from .. import kinds
from ..models import Room
from .fields import ActionError, Audio, Field, Ref

ECHOABLE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Every error code of the room protocol, with the HTTP status the HTTP door answers it with.
ERRORS: dict[str, tuple[int, Any]] = {
    "bad_json": (400, gettext_lazy("le message n'est pas un objet JSON")),
    "binary": (400, gettext_lazy("un message binaire (le protocole est du texte JSON)")),
    "too_large": (413, gettext_lazy("le message dépasse 16 Ko")),
    "unknown_type": (400, gettext_lazy("type d'action inconnu dans cette salle")),
    "bad_frame": (400, gettext_lazy("un champ manque ou n'a pas le bon type")),
    "invalid": (400, gettext_lazy("une valeur est refusée (vide, trop longue, hors bornes)")),
    "forbidden": (403, gettext_lazy("action non permise à cette personne")),
    "not_found": (404, gettext_lazy("élément introuvable, ou invisible pour vous")),
    "edit_window_closed": (409, gettext_lazy("message trop ancien pour être modifié")),
    "rate_limited": (429, gettext_lazy("trop d'envois en peu de temps")),
    "slow_mode": (429, gettext_lazy("mode lent : attendre avant le message suivant")),
    "closed": (403, gettext_lazy("la salle (ou le sondage) est fermée")),
    "not_open": (403, gettext_lazy("la salle n'est pas encore ouverte")),
    "muted": (403, gettext_lazy("la personne est rendue muette dans cette salle")),
    "banned": (403, gettext_lazy("la personne est exclue de cette communauté")),
    "already_voted": (409, gettext_lazy("vote déjà enregistré")),
    "not_audio": (415, gettext_lazy("le fichier n'est pas un enregistrement audio lisible")),
    "truncated": (400, gettext_lazy("l'enregistrement est incomplet (coupé pendant l'envoi)")),
    "too_long": (413, gettext_lazy("l'enregistrement dure plus que permis")),
    "too_big": (413, gettext_lazy("le fichier audio pèse plus que permis")),
}

# Who may call an action, as the table declares it (the services enforce it).
MEMBER = "member"  # members of the room's CoP (and staff), while the room is open
AUTHOR = "author"  # the author of the message
AUTHOR_OR_MODERATOR = "author_or_moderator"
MODERATOR = "moderator"  # the CoP's moderators (and staff)
READER = "reader"  # anyone signed in who may see the room (a report), open or closed
WHO = (MEMBER, AUTHOR, AUTHOR_OR_MODERATOR, MODERATOR, READER)


@dataclass(frozen=True, slots=True)
class Context:
    """Who acts, in which room, on what (the room's subject: itself, or a webinar session)."""

    user: User
    room: Room
    subject: Any


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    fields: tuple[Field, ...]
    # (context, **values) -> the fields of the ack besides type, action and key.
    run: Callable[..., dict]
    who: str
    # What the ack's ``id`` names: "message", "room", "user", "question", "poll", "hand"…
    acks: str
    summary: Any  # what it does, translatable, for docs and the contract test's report
    # Room kinds the action exists in; empty: every kind.
    room_kinds: frozenset[str] = field(default_factory=frozenset)
    # The field whose raw value an error echoes as ``ref`` (what the refusal is about).
    ref: str | None = None

    def parse(self, data, *, form: bool, files=None) -> dict:
        return {f.name: f.read(data, form=form, files=files) for f in self.fields}

    @property
    def takes_files(self) -> bool:
        """Whether the action has a file field (sent to the room's voice door)."""
        return any(isinstance(f, Audio) for f in self.fields)


_actions: dict[str, Action] = {}


class Rows:
    """An app's rows of the table, declared on the function that runs each action.

    ::

        rows = Rows()

        @rows.action("send", Key("key"), Text("body"), who=MEMBER, acks="message",
                     summary=_("écrire un message"))
        def send(context, *, key, body) -> dict: ...

    and, from the app's ``AppConfig.ready()``, ``rows.register()``.
    """

    def __init__(self, room_kinds=()) -> None:
        self.room_kinds = frozenset(room_kinds)
        self.rows: list[Action] = []

    def action(self, name: str, *fields: Field, who: str, acks: str, summary, ref=None):
        def declare(run: Callable[..., dict]) -> Callable[..., dict]:
            self.rows.append(
                Action(
                    name=name,
                    fields=fields,
                    run=run,
                    who=who,
                    acks=acks,
                    summary=summary,
                    room_kinds=self.room_kinds,
                    ref=ref,
                )
            )
            return run

        return declare

    def register(self) -> None:
        for row in self.rows:
            register(row)


def register(action: Action) -> None:
    """Add a row to the table (from an app's ``AppConfig.ready()``)."""
    if action.who not in WHO:
        raise ValueError(f"{action.name}: unknown 'who' {action.who!r}")
    if action.name in _actions and _actions[action.name] != action:
        raise ValueError(f"room action {action.name!r} registered twice")
    _actions[action.name] = action


def all_actions() -> list[Action]:
    return list(_actions.values())


def find(room: Room, name: Any) -> Action | None:
    """The action ``name`` as it exists in ``room``'s kind, or None."""
    action = _actions.get(name) if isinstance(name, str) else None
    if action is None or (action.room_kinds and room.kind not in action.room_kinds):
        return None
    return action


def names_for(room: Room) -> list[str]:
    return [a.name for a in _actions.values() if not a.room_kinds or room.kind in a.room_kinds]


# Answers ------------------------------------------------------------------------------


def error_frame(code: str, message: str, *, key: Any = None, ref: Any = None) -> dict:
    frame = forum_frames.error(code, message)
    if key is not None:
        frame["key"] = key
    if ref is not None:
        frame["ref"] = ref
    return frame


def status_of(frame: Mapping) -> int:
    """The HTTP status of an answer: 200 for an ack, the code's status for an error."""
    if frame.get("type") != "error":
        return 200
    return ERRORS.get(frame.get("code"), (400, ""))[0]


def refusal(error: Exception) -> ActionError:
    """A service's refusal as the protocol's code and message (the one mapping)."""
    if isinstance(error, ActionError):
        return error
    if isinstance(error, ValidationError):
        # A ValidationError made from a dict of field errors has no code of its own.
        code = getattr(error, "code", None)
        code = code if code in ERRORS else "invalid"
        return ActionError(code, " ".join(error.messages))
    if isinstance(error, Http404):
        return ActionError("not_found", _("Cet élément n'existe pas, ou vous n'y avez pas accès."))
    if isinstance(error, PermissionDenied):
        code = getattr(error, "code", "forbidden")
        return ActionError(code if code in ERRORS else "forbidden", str(error))
    raise error


def echo_key(data) -> str | None:
    """The client's key, echoed in the answer when it can name a pending action.

    Only a key of the protocol's alphabet goes back: anything else (a lone
    UTF-16 surrogate, say) could not even be written to the socket.
    """
    key = data.get("key") if hasattr(data, "get") else None
    return key if isinstance(key, str) and ECHOABLE_KEY.fullmatch(key) else None


def _echo_ref(action: Action | None, data) -> Any:
    if action is None or action.ref is None or not hasattr(data, "get"):
        return None
    raw = data.get(action.ref)
    if type(raw) is int:
        return raw
    return inputs.read_whole_number(raw)


def decode(text: str | bytes) -> dict:
    """A frame or JSON body as a dict; ``bad_json`` for anything else (forum's one JSON reader)."""
    try:
        return inputs.read_json_object(text)
    except inputs.BadInput as error:
        raise ActionError("bad_json", error.message) from None


def perform(*, name: Any, user: User, room: Room, data, form: bool = False, files=None) -> dict:
    """Run the action ``name`` in ``room`` for ``user``; return the ack or the error frame.

    ``data`` is a decoded frame or JSON body (``form=False``: typed values) or
    a form's QueryDict (``form=True``: text values); ``files``, the uploads of
    a multipart POST to the voice door (file fields read only these). Nothing here answers with
    an exception: every refusal, from the fields or the service, is a frame.
    """
    key = echo_key(data)
    action = find(room, name)
    try:
        if action is None:
            raise ActionError("unknown_type", _("Action inconnue dans cette salle."))
        values = action.parse(data, form=form, files=files)
        context = Context(user=user, room=room, subject=kinds.room_kind(room).subject(room))
        for f in action.fields:
            if isinstance(f, Ref) and f.find is not None and values[f.name] is not None:
                values[f.name] = f.find(context, values[f.name])
        extra = action.run(context, **values)
    except (ActionError, ValidationError, PermissionDenied, Http404) as error:
        refused = refusal(error)
        ref = refused.ref if refused.ref is not None else _echo_ref(action, data)
        return error_frame(refused.code, refused.message, key=key, ref=ref)
    ack = {"type": "ack", "action": action.name, **extra}
    if key is not None:
        ack["key"] = key
    return ack
