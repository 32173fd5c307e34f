"""Normalisation and validation of member-written plain text (titles, tags, bodies)."""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _

_SPACES = re.compile(r"\s+")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


def limits() -> dict:
    return settings.JEKAFO


def clean_line(value: str) -> str:
    """NFC-normalise, drop control characters, collapse white space."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(
        " " if char in "\t\r\n" else char
        for char in value
        if char in "\t\r\n" or unicodedata.category(char) not in _CONTROL
    )
    return _SPACES.sub(" ", value).strip()


def clean_body(value: str) -> str:
    """NFC-normalise a Markdown body, keep line breaks, drop other control characters."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(
        char for char in value if char in "\n\t" or unicodedata.category(char) not in _CONTROL
    )
    return value.strip()


def validate_title(value: str) -> str:
    title = clean_line(value)
    if not title:
        raise ValidationError({"title": _("Le titre ne peut pas être vide.")}, code="required")
    maximum = limits()["TITLE_MAX_LENGTH"]
    if len(title) > maximum:
        raise ValidationError(
            {
                "title": _("Le titre fait %(length)d caractères ; %(max)d au plus.")
                % {"length": len(title), "max": maximum}
            },
            code="max_length",
        )
    return title


def validate_body(value: str, field: str = "body") -> str:
    body = clean_body(value)
    if not body:
        raise ValidationError({field: _("Le message ne peut pas être vide.")}, code="required")
    maximum = limits()["BODY_MAX_LENGTH"]
    if len(body) > maximum:
        raise ValidationError(
            {
                field: _("Le message fait %(length)d caractères ; %(max)d au plus.")
                % {"length": len(body), "max": maximum}
            },
            code="max_length",
        )
    return body


def normalize_tag(raw: str) -> str:
    """
    Return the stored form of a tag: lower case, accents kept, single spaces.

    Raise ValidationError when nothing readable is left (only punctuation,
    spaces or symbols) or when it is too long.
    """
    name = clean_line(raw).lstrip("#").strip().lower()
    name = name.strip(" ,;.-_'\"")
    slug = slugify(name, allow_unicode=True)
    if not name or not slug:
        raise ValidationError(
            {
                "tags": _("L'étiquette « %(tag)s » est vide une fois nettoyée.")
                % {"tag": raw.strip()}
            },
            code="empty_tag",
        )
    maximum = limits()["TAG_MAX_LENGTH"]
    # The slug too: NFKC can expand one character into many ("\ufdfa" gives 18).
    if len(name) > maximum or len(slug) > maximum:
        raise ValidationError(
            {"tags": _("Une étiquette fait au plus %(max)d caractères.") % {"max": maximum}},
            code="max_length",
        )
    return name


def parse_tags(raw: str | list[str]) -> list[str]:
    """Split a comma-separated string (or take a list) into normalised, unique tags."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    tags: list[str] = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue  # "a, , b" is a typo, not a tag
        name = normalize_tag(item)
        if name not in tags:
            tags.append(name)
    maximum = limits()["MAX_TAGS_PER_THREAD"]
    if len(tags) > maximum:
        raise ValidationError(
            {"tags": _("%(max)d étiquettes au plus.") % {"max": maximum}}, code="max_tags"
        )
    return tags
