"""How long a voice note lasts and what it weighs, printed beside its player (no JS needed)."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def voice_duration(seconds) -> str:
    """``125.4`` → ``2:05`` (minutes:seconds, as phones show a recording)."""
    try:
        total = max(1, round(float(seconds)))
    except (TypeError, ValueError):
        return ""
    minutes, rest = divmod(total, 60)
    return f"{minutes}:{rest:02d}"


@register.filter
def voice_size(size) -> str:
    """``30210`` → ``30 Ko``: what playing it will cost on a metered connection."""
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    if size >= 1024 * 1024:
        return _("%(n)s Mo") % {"n": f"{size / (1024 * 1024):.1f}".replace(".", ",")}
    return _("%(n)d Ko") % {"n": max(1, round(size / 1024))}
