"""``{% icon "name" %}``: a decorative icon from the one local sprite, static/icons.svg."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

# The symbols of static/icons.svg; a name outside it is a mistake in a template.
NAMES = frozenset(
    [
        "home",
        "users",
        "building",
        "salon",
        "webinar",
        "bell",
        "user",
        "reply",
        "compose",
        "mic",
        "stop",
        "play",
        "listen",
        "attach",
        "send",
        "download",
        "check",
        "close",
    ]
)


@register.simple_tag
def icon(name: str) -> str:
    """Draw ``name`` beside a text label: hidden from screen readers, never focusable."""
    if name not in NAMES:
        raise template.TemplateSyntaxError(f"no icon named {name!r} in static/icons.svg")
    return format_html(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        static("icons.svg"),
        name,
    )
