"""``{{ seconds|offset }}``: a moment of a recording as people write it (12:30, 1:05:00)."""

from django import template

from ..chapters import format_offset

register = template.Library()


@register.filter
def offset(seconds) -> str:
    if seconds is None or seconds == "":
        return ""
    return format_offset(int(seconds))
