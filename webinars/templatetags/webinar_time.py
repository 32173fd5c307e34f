"""
``{% session_time value user %}``: a session's time as Mali reads it, and the viewer's.

Renders ``<time datetime="…Z">15 janvier 2027, 10:00 (heure de Bamako)</time>``
and, when the viewer's zone reads another clock time at that instant,
`` <span class="viewer-time">11:00 à Paris</span>`` (with the date too when
it is another day there). Dates and times use the active language's formats.
"""

from datetime import UTC, datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from webinars.timezones import SITE_ZONE, place_name, same_offset, viewer_zone

register = template.Library()


@register.simple_tag
def session_time(value: datetime | None, user=None) -> str:
    if not isinstance(value, datetime):
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, SITE_ZONE)
    site = value.astimezone(SITE_ZONE)
    text = _("%(date)s, %(time)s (heure de Bamako)") % {
        "date": formats.date_format(site, "DATE_FORMAT"),
        "time": formats.time_format(site, "TIME_FORMAT"),
    }
    html = format_html(
        '<time datetime="{}">{}</time>',
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        text,
    )
    zone = viewer_zone(user)
    if same_offset(value, zone, SITE_ZONE):
        return html
    local = value.astimezone(zone)
    values = {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
        "place": place_name(zone),
    }
    if local.date() == site.date():
        local_text = _("%(time)s à %(place)s") % values
    else:
        local_text = _("%(date)s, %(time)s à %(place)s") % values
    return format_html('{} <span class="viewer-time">{}</span>', html, local_text)
