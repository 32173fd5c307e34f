"""
Repeat rules of webinar series: RFC 5545 RRULE values, read by python-dateutil.

A rule repeats in the series' own zone (10:00 in Bamako every six months),
then each date is stored in UTC. A viewer's local time is computed from UTC
with the viewer's zone, so daylight saving in that zone is handled by zoneinfo.
"""

import functools
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import HOURLY, rrule, rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Sessions are generated this far ahead for a rule without COUNT or UNTIL.
HORIZON = timedelta(days=400)
# More occurrences than this is not a webinar series (and would flood the calendar).
MAX_OCCURRENCES = 60
_RULE_TEXT = re.compile(r"^[A-Z0-9=;,:+\-]+$")
# RFC 5545's bounds of each numeric part (dateutil indexes lists with some of
# them: BYDAY=+54MO in a month was an IndexError). COUNT and INTERVAL are ours.
_SIGNED = re.compile(r"[+-]?[0-9]{1,4}")
_WEEKDAY = re.compile(r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_PART_BOUNDS = {
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
}
_UNTIL = re.compile(r"20[0-9]{6}(T[0-9]{6}Z?)?")
MAX_COUNT, MAX_INTERVAL = 999, 999


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA zone names this machine knows, read once (reading walks the tz database)."""
    return frozenset(available_timezones())


def validate_time_zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or name not in known_time_zones():
        raise ValidationError(
            _("« %(zone)s » n'est pas un fuseau horaire connu (exemple : Africa/Bamako).")
            % {"zone": name},
            code="invalid",
        )
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - listed but not loadable
        raise ValidationError(_("Fuseau horaire inconnu."), code="invalid") from None


def normalise_rule(text: str) -> str:
    """Return the rule as stored: upper case, without a "RRULE:" prefix or spaces."""
    rule = "".join((text or "").split()).upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    return rule


def parse_rule(text: str, first_start: datetime, zone: str) -> rrule:
    """Read an RRULE value for a series starting at ``first_start``; refuse a bad one.

    Refused: anything that is not a single RRULE (DTSTART, EXDATE… belong to
    the series' own fields), rules repeating more often than daily, and rules
    that give no date at all.
    """
    rule = normalise_rule(text)
    invalid = ValidationError(
        _(
            "Règle de répétition invalide : « %(rule)s ». Exemple : FREQ=MONTHLY;INTERVAL=6 "
            "(tous les six mois) ou FREQ=MONTHLY;INTERVAL=6;COUNT=4."
        )
        % {"rule": text[:120] if isinstance(text, str) else ""},
        code="invalid_rrule",
    )
    if not rule or len(rule) > 300 or not _RULE_TEXT.match(rule) or ":" in rule:
        raise invalid
    parts = dict(part.partition("=")[::2] for part in rule.split(";"))
    if "FREQ" not in parts or any(not value for value in parts.values()):
        raise invalid
    # The time of day is first_start's: BYHOUR=9,15 would make two sessions a day.
    if parts.keys() & {"BYHOUR", "BYMINUTE", "BYSECOND"}:
        raise invalid
    if not _within_bounds(parts):
        raise invalid
    tz = validate_time_zone(zone)
    local_start = first_start.astimezone(tz).replace(tzinfo=None)
    if parts.get("UNTIL", "").endswith("Z"):
        # RFC 5545 wants UNTIL in UTC when DTSTART has a zone; the rule is read
        # in local wall time, so UNTIL is given to dateutil as local time too.
        try:
            until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            parts["UNTIL"] = until.astimezone(tz).strftime("%Y%m%dT%H%M%S")
        except (ValueError, OverflowError):
            raise invalid from None
        rule = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        parsed = rrulestr(rule, dtstart=local_start)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise invalid from None
    # dateutil takes INTERVAL=0 (the same date forever) and fails later on a negative one.
    if not isinstance(parsed, rrule) or parsed._interval < 1:
        raise invalid
    if parsed._freq >= HOURLY:  # HOURLY, MINUTELY, SECONDLY
        raise ValidationError(
            _("Une série de webinaires se répète au plus une fois par jour."),
            code="invalid_rrule",
        )
    try:
        first = parsed.after(local_start, inc=True)
    except (ValueError, IndexError, OverflowError):
        raise invalid from None
    if first is None:
        raise ValidationError(
            _("Cette règle ne donne aucune date à partir de la première séance."),
            code="invalid_rrule",
        )
    return parsed


def _within_bounds(parts: dict[str, str]) -> bool:
    """Whether every numeric part of the rule is within RFC 5545's bounds (and ours)."""
    for name, limit in (("COUNT", MAX_COUNT), ("INTERVAL", MAX_INTERVAL)):
        if name in parts and not (parts[name].isascii() and parts[name].isdigit()):
            return False
        if name in parts and not 1 <= int(parts[name]) <= limit:
            return False
    for name, (low, high, signed) in _PART_BOUNDS.items():
        for item in parts[name].split(",") if name in parts else ():
            if not _SIGNED.fullmatch(item) or (item[0] in "+-" and not signed):
                return False
            if not low <= abs(int(item)) <= high:
                return False
    if "BYDAY" in parts:
        # An ordinal counts weeks in the year (YEARLY) or the month (MONTHLY) only.
        most = {"YEARLY": 53, "MONTHLY": 5}.get(parts.get("FREQ"), 0)
        for item in parts["BYDAY"].split(","):
            match = _WEEKDAY.fullmatch(item)
            if match is None:
                return False
            if match.group(1) is not None and not 1 <= abs(int(match.group(1))) <= most:
                return False
    until = parts.get("UNTIL")
    return until is None or _UNTIL.fullmatch(until) is not None


def occurrences(
    text: str, first_start: datetime, zone: str, *, until: datetime | None = None
) -> list[datetime]:
    """The series' dates in UTC, from the first one up to ``until`` (default: HORIZON ahead).

    Local wall-clock times repeat (10:00 stays 10:00 in the series' zone, even
    across daylight saving changes there); each is converted to UTC.
    """
    tz = validate_time_zone(zone)
    first_start = first_start.replace(microsecond=0)
    parsed = parse_rule(text, first_start, zone)
    local_until = (until or first_start + HORIZON).astimezone(tz).replace(tzinfo=None)
    dates = []
    try:
        for local in parsed.xafter(first_start.astimezone(tz).replace(tzinfo=None), inc=True):
            if local > local_until or len(dates) >= MAX_OCCURRENCES:
                break
            dates.append(local.replace(tzinfo=tz).astimezone(ZoneInfo("UTC")))
    except (ValueError, IndexError, OverflowError):
        raise ValidationError(
            _("Cette règle de répétition ne donne pas de dates utilisables."),
            code="invalid_rrule",
        ) from None
    return dates
