"""
The fields of room actions: what a value may be, read the same from every door.

A WebSocket frame and a JSON body give typed values (an id is a JSON number,
a flag ``true``); a form gives text (``"12"``, ``"1"``, one answer a line).
Each field reads both, so an action is declared once: a value of the wrong
type is ``bad_frame``, a number outside the declared bounds is ``invalid``,
both with a message that names the field. Fields only check shape and
bounds; what a text may say (empty, too long once trimmed) is the service's.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from forum import inputs, media

# The largest id a database hands out (PostgreSQL bigint) and that a
# browser's number holds exactly: bigger is not an id, whatever its type.
MAX_ID = inputs.MAX_ID
# The largest frame a WebSocket may send (UTF-8 bytes), and so the largest text.
MAX_FRAME_BYTES = 16 * 1024
TRUE_WORDS = {"1", "true", "on", "oui", "yes"}
FALSE_WORDS = {"0", "false", "off", "non", "no", ""}
CLIENT_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
MISSING = object()


class ActionError(Exception):
    """A refusal of the protocol: its code, a translated message, what it refers to."""

    def __init__(self, code: str, message: str, *, ref: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


def _bad(name: str, what: str) -> ActionError:
    return ActionError("bad_frame", what % {"name": name})


def _whole_number(raw, *, form: bool) -> int | None:
    """A whole number as the door gives it (ASCII digits in a form, a JSON integer), or None."""
    if form:
        # ASCII digits only ("²" and "١" are digits to str.isdigit()).
        return int(raw) if inputs.is_digits(raw) else None
    return raw if type(raw) is int else None


@dataclass(frozen=True, slots=True)
class Field(ABC):
    name: str
    required: bool = True
    default: Any = None

    def read(self, data, *, form: bool, files=None) -> Any:
        """The field's value in ``data`` (a dict or a QueryDict), or its default.

        ``files`` (the uploaded files of a multipart POST) is read by file fields only.
        """
        raw = data.get(self.name, MISSING) if hasattr(data, "get") else MISSING
        if raw is MISSING or raw is None or (form and raw == "" and not self.empty_is_value):
            if self.required:
                raise ActionError(
                    "bad_frame",
                    _("Le champ « %(name)s » est obligatoire.") % {"name": self.name},
                )
            return self.default
        return self.parse(raw, form=form, data=data)

    # A text field may be empty in a form ("" is a value); others treat "" as absent.
    empty_is_value = False

    @abstractmethod
    def parse(self, raw, *, form: bool, data) -> Any:
        """The value ``raw`` stands for, or ActionError (each kind of field says how)."""

    def describe(self) -> str:
        """The field's shape, for docs/realtime-protocol.md and error messages."""
        return type(self).__name__.lower()


@dataclass(frozen=True, slots=True)
class Int(Field):
    minimum: int = 0
    maximum: int = MAX_ID

    def parse(self, raw, *, form: bool, data) -> int:
        value = _whole_number(raw, form=form)
        if value is None:
            raise _bad(self.name, _("Le champ « %(name)s » doit être un nombre entier."))
        if not self.minimum <= value <= self.maximum:
            raise ActionError(
                "invalid",
                _("Le champ « %(name)s » va de %(min)d à %(max)d.")
                % {"name": self.name, "min": self.minimum, "max": self.maximum},
            )
        return value

    def describe(self) -> str:
        return f"integer {self.minimum}–{self.maximum}"


@dataclass(frozen=True, slots=True)
class Bool(Field):
    def parse(self, raw, *, form: bool, data) -> bool:
        if form and isinstance(raw, str) and raw.lower() in TRUE_WORDS | FALSE_WORDS:
            return raw.lower() in TRUE_WORDS
        if not form and type(raw) is bool:
            return raw
        raise _bad(self.name, _("Le champ « %(name)s » doit valoir true ou false."))

    def describe(self) -> str:
        return "true/false"


@dataclass(frozen=True, slots=True)
class Text(Field):
    # The text's bound, white space around it not counted (the service trims it).
    max_length: int = 2000
    empty_is_value = True

    def parse(self, raw, *, form: bool, data) -> str:
        if not isinstance(raw, str):
            raise _bad(self.name, _("Le champ « %(name)s » doit être un texte."))
        length = len(raw.strip())
        if length > self.max_length:
            raise ActionError(
                "invalid",
                _("Le champ « %(name)s » fait %(length)d caractères ; %(max)d au plus.")
                % {"name": self.name, "length": length, "max": self.max_length},
            )
        return raw

    def describe(self) -> str:
        return f"text ≤ {self.max_length}"


@dataclass(frozen=True, slots=True)
class Key(Field):
    """A client-made idempotency key: a retry with it returns what it made the first time."""

    def parse(self, raw, *, form: bool, data) -> str:
        if not isinstance(raw, str) or not CLIENT_KEY.fullmatch(raw):
            raise ActionError(
                "bad_frame",
                _("La clé du message doit faire 8 à 64 caractères parmi A-Z, a-z, 0-9, - et _."),
            )
        return raw

    def describe(self) -> str:
        return "key: 8–64 of [A-Za-z0-9_-]"


@dataclass(frozen=True, slots=True)
class TextList(Field):
    """Several texts: a JSON list, or in a form repeated fields or one text, a line each."""

    max_items: int = 10
    max_length: int = 200

    def parse(self, raw, *, form: bool, data) -> list[str]:
        if form:
            values = data.getlist(self.name) if hasattr(data, "getlist") else [raw]
            if len(values) == 1 and isinstance(values[0], str):
                values = values[0].splitlines()
        else:
            values = raw
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _bad(self.name, _("Le champ « %(name)s » doit être une liste de textes."))
        values = [value for value in values if value.strip()]
        if len(values) > self.max_items or any(len(v.strip()) > self.max_length for v in values):
            raise ActionError(
                "invalid",
                _("« %(name)s » : %(items)d éléments de %(length)d caractères au plus.")
                % {"name": self.name, "items": self.max_items, "length": self.max_length},
            )
        return values

    def describe(self) -> str:
        return f"list of ≤ {self.max_items} texts"


@dataclass(frozen=True, slots=True)
class Ref(Field):
    """The id of something in the room (a message, a question, a person), found for the reader.

    ``find(context, id)`` returns the object or raises ``Http404``: the same
    ``not_found`` for what does not exist and for what the reader may not see.
    """

    find: Callable[[Any, int], Any] | None = None

    def parse(self, raw, *, form: bool, data) -> int:
        value = _whole_number(raw, form=form)
        if value is None or not 1 <= value <= MAX_ID:
            raise _bad(self.name, _("Le champ « %(name)s » doit être un identifiant (entier)."))
        return value

    def describe(self) -> str:
        return "id" if self.required else "id or null"


@dataclass(frozen=True, slots=True)
class Audio(Field):
    """A recording, uploaded as a file by a multipart POST to the room's voice door.

    A socket carries JSON text, so no frame can hold one: a frame or JSON body
    that names the field is ``bad_frame``. The bound here is the upload's
    weight (``too_big``); whether it is whole audio, and not too long, is the
    conversion's to say (``not_audio``, ``truncated``, ``too_long``).
    """

    def read(self, data, *, form: bool, files=None) -> Any:
        upload = files.get(self.name) if files is not None else None
        if upload is None:
            raw = data.get(self.name, MISSING) if hasattr(data, "get") else MISSING
            if raw not in (MISSING, None, ""):
                raise ActionError(
                    "bad_frame",
                    _(
                        "Un enregistrement s'envoie en fichier, par un formulaire (multipart) "
                        "à l'adresse « voix/ » de la salle, pas dans un message."
                    ),
                )
            if self.required:
                raise ActionError("bad_frame", _("Joignez un enregistrement audio."))
            return self.default
        return self.parse(upload, form=form, data=data)

    def parse(self, raw, *, form: bool, data) -> Any:
        limit = media.max_upload_bytes()
        size = getattr(raw, "size", None)
        if not hasattr(raw, "read") or size is None:
            raise _bad(self.name, _("Le champ « %(name)s » doit être un fichier."))
        if size > limit:
            refused = media.too_big(limit)
            raise ActionError(refused.code, refused.messages[0])
        return raw

    def describe(self) -> str:
        megabytes = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        return (
            f"audio file ≤ {megabytes} MB, ≤ {media.MAX_SECONDS // 60} min "
            "(multipart POST to the voice door only)"
        )
