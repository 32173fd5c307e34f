"""Filters that describe a voice note before anything downloads: its length and its size."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


def _seconds(value) -> int | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return max(0, round(seconds)) if seconds == seconds else None  # NaN is not a length


@register.filter
def duration(value) -> str:
    """Seconds as ``m:ss`` (``h:mm:ss`` from an hour on): 42 -> "0:42", 3725 -> "1:02:05"."""
    seconds = _seconds(value)
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


@register.filter
def iso_duration(value) -> str:
    """Seconds as an ISO 8601 duration for ``<time datetime>``: 42 -> "PT42S"."""
    seconds = _seconds(value)
    return "" if seconds is None else f"PT{seconds}S"


@register.filter
def minutes(value) -> int:
    """Whole minutes in a number of seconds (rounded up): 600 -> 10, 90 -> 2."""
    seconds = _seconds(value)
    return 0 if seconds is None else -(-seconds // 60)


@register.filter
def filesize_short(value) -> str:
    """Bytes the way a phone user counts them: "96 Ko", "1,4 Mo" (English: "96 KB")."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return ""
    if size < 1000:
        return _("%(size)s o") % {"size": max(size, 0)}
    if size < 999_500:
        return _("%(size)s Ko") % {"size": round(size / 1000)}
    return _("%(size)s Mo") % {"size": number_format(size / 1_000_000, 1)}
