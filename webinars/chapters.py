"""
Times in a session's recording, as people write them: "12:30", "1:05:00".

A decision may carry the moment of the recording where it was taken; the
replay lists those moments as chapters. ``parse_offset`` is the one reader
of such a time (forms and services both call it), ``format_offset`` the one
writer.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# mm:ss (minutes up to 999) or h:mm:ss; ASCII digits only.
OFFSET = re.compile(r"(?:(?P<h>[0-9]{1,2}):(?P<hm>[0-5][0-9])|(?P<m>[0-9]{1,3})):(?P<s>[0-5][0-9])")


def format_offset(seconds: int) -> str:
    """``750`` → ``"12:30"``, ``3900`` → ``"1:05:00"``."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def parse_offset(value, *, maximum: int) -> int | None:
    """Seconds from the start written as mm:ss or h:mm:ss; None for an empty value.

    ValidationError (field ``offset``) for anything else: a negative or
    malformed time, or one past ``maximum`` seconds.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid()
    text = value.strip()
    if not text:
        return None
    match = OFFSET.fullmatch(text)
    if match is None:
        raise _invalid()
    if match["h"] is not None:
        seconds = int(match["h"]) * 3600 + int(match["hm"]) * 60 + int(match["s"])
    else:
        seconds = int(match["m"]) * 60 + int(match["s"])
    if seconds > maximum:
        raise ValidationError(
            {
                "offset": _("Ce moment (%(time)s) dépasse la fin de l'enregistrement (%(end)s).")
                % {"time": format_offset(seconds), "end": format_offset(maximum)}
            },
            code="out_of_range",
        )
    return seconds


def _invalid() -> ValidationError:
    return ValidationError(
        {
            "offset": _(
                "Moment invalide : écrivez minutes:secondes ou heures:minutes:secondes "
                "(par exemple 12:30 ou 1:05:00)."
            )
        },
        code="invalid",
    )
