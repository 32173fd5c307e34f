"""
Who attended a session, for how long, from where: computed from the live
room's connections (``rooms.RoomConnection``), never stored.

A person's tabs and reconnections overlap, so their connection intervals are
merged before they are counted; each is clipped to the time the room is open
(``session.opens_at`` to ``session.ends_at``). A connection still open counts
until now, unless it stopped pinging: then it ends when it was last seen.

Region and organisation come from the person's registration for the session,
else from their profile. Anonymous connections (public CoPs) are only counted.
The whole computation costs two queries, whatever the number of people.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rooms.models import RoomConnection

from .models import Registration, Session

# Clients ping every 25 s (settings.JEKAFO["HEARTBEAT"]); three missed pings
# mean the connection died without saying goodbye.
STALE_AFTER = timedelta(seconds=75)
BUCKET = timedelta(minutes=5)


@dataclass(frozen=True)
class Attendee:
    user_id: int
    display_name: str
    region: str
    organisation: str
    seconds: int
    registered: bool

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)


@dataclass(frozen=True)
class Group:
    """People of one region (or one organisation) and their minutes together."""

    name: str
    count: int
    minutes: int


@dataclass(frozen=True)
class Attendance:
    session_id: int
    opens_at: datetime
    ends_at: datetime
    attendees: list[Attendee]  # by name
    by_region: list[Group]  # most people first
    by_organisation: list[Group]
    registered: int  # confirmed registrations
    registered_absent: int  # confirmed, but never connected while the room was open
    anonymous: int  # connections without an account
    timeline: list[tuple[datetime, int]]  # (bucket start, people connected in it)

    @property
    def total(self) -> int:
        return len(self.attendees)

    @property
    def total_minutes(self) -> int:
        return sum(attendee.minutes for attendee in self.attendees)

    @property
    def peak(self) -> tuple[datetime, int] | None:
        if not self.timeline:
            return None
        return max(self.timeline, key=lambda bucket: (bucket[1], -bucket[0].timestamp()))


def _interval(
    row: dict, opens_at: datetime, ends_at: datetime, now: datetime
) -> tuple[datetime, datetime] | None:
    """Return the part of one connection inside the room's hours, or None."""
    if row["left_at"] is not None:
        end = row["left_at"]
    elif row["seen_at"] < now - STALE_AFTER:
        end = row["seen_at"]
    else:
        end = now
    start = max(row["connected_at"], opens_at)
    end = min(end, ends_at)
    return (start, end) if end > start else None


def merge_intervals(
    intervals: list[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    """Return the union of ``intervals`` as sorted, disjoint intervals."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _groups(attendees: list[Attendee], key: str) -> list[Group]:
    counts: dict[str, int] = defaultdict(int)
    minutes: dict[str, int] = defaultdict(int)
    for attendee in attendees:
        name = getattr(attendee, key)
        counts[name] += 1
        minutes[name] += attendee.minutes
    groups = [Group(name=name, count=counts[name], minutes=minutes[name]) for name in counts]
    return sorted(groups, key=lambda group: (-group.count, group.name.casefold()))


def attendance(session: Session, now: datetime | None = None) -> Attendance:
    """Count who was in the session's live room, and for how long (two queries)."""
    now = now or timezone.now()
    opens_at, ends_at = session.opens_at, session.ends_at
    rows = RoomConnection.objects.filter(
        Q(left_at__isnull=True) | Q(left_at__gt=opens_at),
        topic=f"room.{session.room_id}",
        connected_at__lt=ends_at,
    ).values(
        "user_id",
        "user__display_name",
        "user__username",
        "user__region__name",
        "user__organisation__name",
        "connected_at",
        "seen_at",
        "left_at",
    )
    registrations = {
        row["user_id"]: row
        for row in Registration.objects.filter(session=session).values(
            "user_id", "status", "region__name", "organisation__name"
        )
    }

    intervals: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    profiles: dict[int, dict] = {}
    anonymous = 0
    for row in rows:
        interval = _interval(row, opens_at, ends_at, now)
        if interval is None:
            continue
        if row["user_id"] is None:
            anonymous += 1
            continue
        intervals[row["user_id"]].append(interval)
        profiles[row["user_id"]] = row

    unknown = _("Non précisée")
    bucket_count = max(1, -(-(ends_at - opens_at) // BUCKET))  # ceiling division
    present = [0] * bucket_count
    attendees = []
    for user_id, spans in intervals.items():
        spans = merge_intervals(spans)
        profile = profiles[user_id]
        registration = registrations.get(user_id) or {}
        buckets: set[int] = set()
        for start, end in spans:
            first = (start - opens_at) // BUCKET
            last = -(-(end - opens_at) // BUCKET)  # exclusive
            buckets.update(range(first, min(last, bucket_count)))
        for index in buckets:
            present[index] += 1
        attendees.append(
            Attendee(
                user_id=user_id,
                display_name=profile["user__display_name"] or profile["user__username"],
                region=registration.get("region__name") or profile["user__region__name"] or unknown,
                organisation=registration.get("organisation__name")
                or profile["user__organisation__name"]
                or unknown,
                seconds=int(sum((end - start).total_seconds() for start, end in spans)),
                registered=registration.get("status") == Registration.Status.CONFIRMED,
            )
        )
    attendees.sort(key=lambda attendee: (attendee.display_name.casefold(), attendee.user_id))
    confirmed = {
        user_id
        for user_id, row in registrations.items()
        if row["status"] == Registration.Status.CONFIRMED
    }
    return Attendance(
        session_id=session.pk,
        opens_at=opens_at,
        ends_at=ends_at,
        attendees=attendees,
        by_region=_groups(attendees, "region"),
        by_organisation=_groups(attendees, "organisation"),
        registered=len(confirmed),
        registered_absent=len(confirmed - intervals.keys()),
        anonymous=anonymous,
        timeline=[(opens_at + index * BUCKET, count) for index, count in enumerate(present)],
    )


# The chart -------------------------------------------------------------------------------

_WIDTH = 320
_ROW = 18
_LABEL_RIGHT = 122  # region names end here, bars start just after
_BAR_MAX = 104
_AREA_HEIGHT = 60
_MAX_POINTS = 60  # a long session's timeline is thinned to this many points
_INK = "#1d1d1f"
_MUTED = "#545458"
_BAR = "#8a3b12"
_AREA = "#e9d3c0"


def _thin(timeline: list[tuple[datetime, int]]) -> list[int]:
    """Return at most _MAX_POINTS counts, each the peak of the buckets it stands for."""
    counts = [count for _start, count in timeline]
    if len(counts) <= _MAX_POINTS:
        return counts
    step = -(-len(counts) // _MAX_POINTS)
    return [max(counts[index : index + step]) for index in range(0, len(counts), step)]


def _clock(value: datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def _description(att: Attendance) -> str:
    parts = [
        ngettext(
            "%(count)d personne connectée avec un compte",
            "%(count)d personnes connectées avec un compte",
            att.total,
        )
        % {"count": att.total}
    ]
    if att.anonymous:
        parts.append(
            ngettext(
                "%(count)d connexion sans compte",
                "%(count)d connexions sans compte",
                att.anonymous,
            )
            % {"count": att.anonymous}
        )
    text = ", ".join(parts) + "."
    if att.by_region:
        regions = "; ".join(
            _("%(name)s : %(count)d (%(minutes)d min)")
            % {"name": group.name, "count": group.count, "minutes": group.minutes}
            for group in att.by_region
        )
        text += " " + _("Par région : %(regions)s.") % {"regions": regions}
    peak = att.peak
    if peak and peak[1]:
        text += " " + _("Au plus %(count)d personnes à la fois, vers %(time)s.") % {
            "count": peak[1],
            "time": _clock(peak[0]),
        }
    return text


def attendance_svg(att: Attendance) -> SafeString:
    """Draw attendees by region (bars) and people connected over time (area), as SVG.

    Every piece of text goes through ``format_html`` (escaped); the result is
    only those pieces joined.
    """
    groups = att.by_region
    top = 4
    bars_height = max(1, len(groups)) * _ROW
    area_top = top + bars_height + 22
    height = area_top + _AREA_HEIGHT + 16
    title_id = f"attendance-{att.session_id}-title"
    desc_id = f"attendance-{att.session_id}-desc"

    rows = []
    most = max((group.count for group in groups), default=0)
    for index, group in enumerate(groups):
        y = top + index * _ROW
        width = _BAR_MAX * group.count / most if most else 0
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="12" fill="{}"/>'
                '<text x="{}" y="{}" fill="{}">{}</text>',
                _LABEL_RIGHT,
                y + 10,
                _INK,
                Truncator(group.name).chars(18),
                _LABEL_RIGHT + 4,
                y,
                f"{width:.1f}",
                _BAR,
                f"{_LABEL_RIGHT + 8 + width:.1f}",
                y + 10,
                _MUTED,
                _("%(count)d · %(minutes)d min") % {"count": group.count, "minutes": group.minutes},
            )
        )
    if not groups:
        rows.append(
            format_html(
                '<text x="{}" y="{}" fill="{}">{}</text>',
                4,
                top + 10,
                _MUTED,
                _("Personne ne s'est connecté·e à la salle."),
            )
        )

    counts = _thin(att.timeline)
    peak = max(counts, default=0)
    base = area_top + _AREA_HEIGHT
    step = (_WIDTH - 8) / max(1, len(counts) - 1) if len(counts) > 1 else 0
    points = [
        f"{4 + index * step:.1f},{base - (_AREA_HEIGHT * count / peak if peak else 0):.1f}"
        for index, count in enumerate(counts)
    ]
    if len(points) == 1:
        points.append(f"{_WIDTH - 4},{points[0].split(',')[1]}")
    area = format_html(
        '<text x="4" y="{}" fill="{}">{}</text>'
        '<polygon points="{}" fill="{}" stroke="{}" stroke-width="1.5"/>'
        '<line x1="4" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="4" y="{}" fill="{}">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
        area_top - 6,
        _INK,
        _("Personnes connectées (max. %(count)d)") % {"count": peak},
        " ".join([f"4,{base}", *points, f"{_WIDTH - 4},{base}"]),
        _AREA,
        _BAR,
        base,
        _WIDTH - 4,
        base,
        _MUTED,
        base + 13,
        _MUTED,
        _clock(att.opens_at),
        _WIDTH - 4,
        base + 13,
        _MUTED,
        _clock(att.ends_at),
    )
    head = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{} {}" class="attendance-chart" '
        'font-family="system-ui,sans-serif" font-size="11">'
        '<title id="{}">{}</title><desc id="{}">{}</desc>',
        _WIDTH,
        height,
        title_id,
        desc_id,
        title_id,
        _("Participation au webinaire, par région et dans le temps"),
        desc_id,
        _description(att),
    )
    body = format_html_join("", "{}", ((row,) for row in rows))
    return mark_safe(head + body + area + "</svg>")  # noqa: S308 — escaped parts only
