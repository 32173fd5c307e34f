"""
The zones times are shown in: Bamako's for everyone, and the viewer's own beside it.

Sessions are stored in UTC. The site speaks Mali time; a member abroad who set
a zone in their profile also sees the local time, computed by zoneinfo for the
session's date (so daylight saving is right on either side of a change).
"""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forum.models import User

SITE_ZONE_NAME = "Africa/Bamako"
SITE_ZONE = ZoneInfo(SITE_ZONE_NAME)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def zone_named(name: str | None) -> ZoneInfo:
    """The zone called ``name``, or Bamako's if the name is blank or unknown."""
    if not name or not isinstance(name, str) or len(name) > 64:
        return SITE_ZONE
    return _zone(name) or SITE_ZONE


def viewer_zone(user: User | None) -> ZoneInfo:
    """The zone the viewer chose in their profile; Bamako's otherwise (and for visitors)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SITE_ZONE
    return zone_named(getattr(user, "time_zone", ""))


def place_name(zone: ZoneInfo) -> str:
    """The city part of a zone's name: "America/New_York" → "New York"."""
    return zone.key.rsplit("/", 1)[-1].replace("_", " ")


def same_offset(moment: datetime, zone: ZoneInfo, other: ZoneInfo) -> bool:
    """Whether the two zones read the same clock time at ``moment``."""
    return moment.astimezone(zone).utcoffset() == moment.astimezone(other).utcoffset()
