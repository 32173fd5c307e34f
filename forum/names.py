"""
Display names: their normal form, and the skeleton that tells look-alikes apart.

A display name is the only name other members see, so it must not be usable to
pass for someone else: not for the site's team, not for another member. The
rules are applied by the account services (sign-up, profile edit), so every
door refuses the same way.

The skeleton follows the idea of Unicode TS #39 (``skeleton(X) = skeleton(Y)``
means the two strings look alike) with a short table kept in code for the
look-alikes that matter here — Cyrillic and Greek letters drawn like Latin
ones, the Latin letters of Bambara (ɛ, ɔ, ɲ, ŋ), digits and signs used as
letters — rather than the whole confusables table: the names of this site are
written in French, Bambara and English, and a small table is one we can read.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 60
MIN_LETTERS = 1

# Characters that draw nothing, or reorder what follows: removed before any
# other rule, so "A\u200bdmin" is "Admin" and a name of fillers is empty.
INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f"
    "\u2800\u3164\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b"
    "\ufe0c\ufe0d\ufe0e\ufe0f\ufeff\uffa0"
)
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_SPACES = re.compile(r"\s+")
# More than two combining marks on one letter is "zalgo" text, drawn over the lines around it.
_STACKED_MARKS = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{3,}"
)

# Look-alikes of Latin letters (after NFKD and case folding), TS #39 style.
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "с": "c",
        "ԁ": "d",
        "е": "e",
        "ё": "e",
        "һ": "h",
        "і": "l",
        "ї": "l",
        "ј": "j",
        "к": "k",
        "ӏ": "l",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "ԛ": "q",
        "г": "r",
        "ѕ": "s",
        "т": "t",
        "ц": "u",
        "ս": "u",
        "ѵ": "v",
        "ԝ": "w",
        "х": "x",
        "у": "y",
        "з": "e",
        "ь": "b",
        "п": "n",
        "л": "n",
        "и": "u",
        "ɡ": "g",
        # Greek
        "α": "a",
        "β": "b",
        "ϲ": "c",
        "δ": "d",
        "ε": "e",
        "η": "n",
        "ι": "l",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "ζ": "z",
        "μ": "u",
        "ω": "w",
        # Latin letters of Bambara and other Latin look-alikes
        "ɛ": "e",
        "ɔ": "o",
        "ɲ": "n",
        "ŋ": "n",
        "ı": "l",
        "ȷ": "j",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ħ": "h",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ɑ": "a",
        "ʏ": "y",
        # I, i, l, 1 and | are one stroke in most phone fonts (after case folding).
        "i": "l",
        # Digits and signs used as letters
        "0": "o",
        "1": "l",
        "|": "l",
        "!": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "€": "e",
    }
)
# Punctuation and spaces do not tell names apart ("Awa.Traoré" looks like "Awa Traoré").
_NOT_LETTER = re.compile(r"[^0-9a-z]")

# Names that only the team may carry, as skeletons: equal to one, or containing
# one of the words, is refused for members who are not staff.
_RESERVED_NAMES = (
    "Équipe Jɛkafɔ",
    "Jɛkafɔ",
    "Modération",
    "Modérateur",
    "Modératrice",
    "Administration",
    "Administrateur",
    "Administratrice",
    "Admin",
    "Staff",
    "Support",
    "Système",
    "ancien·ne membre",
    "ancienne membre",
    "ancien membre",
    "compte supprimé",
)
_RESERVED_WORDS = ("jekafo", "admin", "moderat")


def normalize_display_name(value: str) -> str:
    """
    Return the stored form of a display name, or raise ValidationError.

    NFKC (full-width and stylised letters become plain ones), invisible and
    control characters removed, white space collapsed, at most MAX_LENGTH
    characters, at least MIN_LETTERS letters or digits.
    """
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(
        " " if char.isspace() else char
        for char in value
        if char not in INVISIBLE
        and (char.isspace() or unicodedata.category(char) not in _DROPPED_CATEGORIES)
    )
    value = _SPACES.sub(" ", value).strip()
    value = unicodedata.normalize("NFC", value)
    field = "display_name"
    letters = sum(1 for char in value if unicodedata.category(char)[0] in "LN")
    if letters < MIN_LETTERS:
        raise ValidationError(
            {field: _("Le nom affiché doit contenir au moins une lettre ou un chiffre visible.")},
            code="required",
        )
    if len(value) > MAX_LENGTH:
        raise ValidationError(
            {
                field: _("Le nom affiché fait %(length)d caractères ; %(max)d au plus.")
                % {"length": len(value), "max": MAX_LENGTH}
            },
            code="max_length",
        )
    if _STACKED_MARKS.search(unicodedata.normalize("NFD", value)):
        raise ValidationError(
            {field: _("Le nom affiché porte trop d'accents empilés sur une même lettre.")},
            code="invalid",
        )
    return value


def skeleton(value: str) -> str:
    """Return what ``value`` looks like: two names with the same skeleton pass for each other."""
    value = "".join(char for char in value or "" if char not in INVISIBLE)
    value = unicodedata.normalize("NFKD", value)
    value = "".join(char for char in value if not unicodedata.combining(char))
    value = value.casefold().translate(_CONFUSABLES)
    value = unicodedata.normalize("NFKD", value)
    value = "".join(char for char in value if not unicodedata.combining(char))
    value = value.replace("rn", "m").replace("vv", "w")
    return _NOT_LETTER.sub("", value)


_RESERVED_SKELETONS = frozenset(skeleton(name) for name in _RESERVED_NAMES)


def is_reserved(value: str) -> bool:
    """Whether ``value`` passes for the team's name (only staff may carry it)."""
    key = skeleton(value)
    return key in _RESERVED_SKELETONS or any(word in key for word in _RESERVED_WORDS)


def strip_invisible(value: str) -> str:
    """Remove bidi controls and invisible characters (a safety net when drawing old names)."""
    return "".join(
        char
        for char in value or ""
        if char not in INVISIBLE and unicodedata.category(char) not in _DROPPED_CATEGORIES
    )
