"""
RFC 5545 calendars of webinar sessions, built with the ``icalendar`` library.

Each session is its own VEVENT (no RRULE, no RECURRENCE-ID): a moved or
cancelled session is just that event with a higher SEQUENCE. Its UID never
changes, so a calendar that subscribed to a feed updates the event in place,
and a cancelled session stays in the feed with STATUS:CANCELLED so that the
calendar removes it. Times are written in Bamako's zone, with its VTIMEZONE.

The external video link never goes into a calendar: calendars get shared and
forwarded, and the link is only for confirmed participants (see
``permissions.can_see_video_link``). The LOCATION is the session's live room
on the site, where the link is shown to those who may have it.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urljoin

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vDuration

from forum.models import Community, Membership, User

from .models import CalendarToken, Registration, Session
from .selectors import list_sessions
from .timezones import SITE_ZONE, SITE_ZONE_NAME

PRODID = "-//Jekafo//Webinaires//FR"
UID_DOMAIN = "jekafo"
# How often subscribed calendars should fetch a feed again.
REFRESH = timedelta(hours=1)
# Feeds hold the sessions that ended up to this long ago, and every later one.
FEED_PAST = timedelta(days=183)


# Reads -----------------------------------------------------------------------------
# What each feed holds, with the visibility rules of selectors.list_sessions: one
# query for the sessions whatever their number (community, room and series joined).


def access_feed_owner(token: str) -> User:
    """The active member a feed token belongs to; an unknown token is a 404."""
    if not token or len(token) > 64:
        raise Http404
    found = CalendarToken.objects.select_related("user").filter(token=token).first()
    if found is None or not found.user.is_active:
        raise Http404
    return found.user


def _window(sessions: QuerySet[Session], now: datetime | None) -> QuerySet[Session]:
    since = (now or timezone.now()) - FEED_PAST
    return sessions.filter(ends_at__gte=since).order_by("starts_at", "pk")


def list_community_feed(
    user: User | None, community: Community, *, now: datetime | None = None
) -> QuerySet[Session]:
    """A CoP's sessions as ``user`` may see them (``None``: as a visitor)."""
    return _window(list_sessions(user, community=community), now)


def list_member_feed(user: User, *, now: datetime | None = None) -> QuerySet[Session]:
    """The sessions a member registered for (or waits for) and those of their CoPs.

    Only from CoPs they may still see: a member who left a private CoP no
    longer gets its sessions, even those they had registered for.
    """
    registered = Registration.objects.filter(
        user=user,
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
    ).values("session_id")
    member_of = Membership.objects.filter(user=user).values("community_id")
    sessions = list_sessions(user).filter(Q(pk__in=registered) | Q(community_id__in=member_of))
    return _window(sessions, now)


def list_member_communities(user: User) -> QuerySet[Community]:
    """The CoPs whose feed a member may follow: theirs."""
    return Community.objects.filter(memberships__user=user).order_by("name")


# Calendars -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _site_timezone_ical() -> bytes:
    # icalendar treats Africa/Bamako as equivalent to UTC and would name it
    # "UTC"; the TZID is given so that it matches the events' TZID.
    return Timezone.from_tzinfo(
        SITE_ZONE, tzid=SITE_ZONE_NAME, first_date=date(2000, 1, 1), last_date=date(2100, 1, 1)
    ).to_ical()


def _site_timezone() -> Timezone:
    return Timezone.from_ical(_site_timezone_ical())


def _absolute(base: str, path: str) -> str:
    if not base:
        return path
    if "://" not in base:
        base = f"https://{base}"
    return urljoin(base, path)


def _local(moment: datetime) -> datetime:
    """Wall-clock time in Bamako, naive: written with TZID=Africa/Bamako."""
    return moment.astimezone(SITE_ZONE).replace(tzinfo=None)


def session_uid(session: Session) -> str:
    return f"{session.uid}@{UID_DOMAIN}"


def _description(session: Session, page: str) -> str:
    parts = []
    if session.theme:
        parts.append(_("Thème : %(theme)s") % {"theme": session.theme})
    if session.agenda:
        parts.append(_("Programme :\n%(agenda)s") % {"agenda": session.agenda.strip()})
    if session.speaker_list:
        parts.append(
            _("Intervenant·es :\n%(speakers)s")
            % {"speakers": "\n".join(f"- {name}" for name in session.speaker_list)}
        )
    parts.append(_("Page de la séance : %(url)s") % {"url": page})
    return "\n\n".join(parts)


def session_event(session: Session, request_host: str = "", *, stamp: datetime) -> Event:
    """The VEVENT of one session; ``request_host`` is the site's scheme and host."""
    page = _absolute(request_host, session.get_absolute_url())
    room = _absolute(request_host, reverse("webinar_room", args=[session.pk]))
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp)
    event.add("dtstart", _local(session.starts_at), parameters={"TZID": SITE_ZONE_NAME})
    event.add("dtend", _local(session.ends_at), parameters={"TZID": SITE_ZONE_NAME})
    event.add("summary", session.title)
    event.add("description", _description(session, page))
    event.add("url", page)
    event.add("location", room)
    event.add("sequence", session.sequence)
    event.add("last-modified", session.updated_at)
    event.add("created", session.created_at)
    event.add("status", "CANCELLED" if session.cancelled_at is not None else "CONFIRMED")
    return event


def _calendar(name: str, events: Iterable[Event]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", SITE_ZONE_NAME)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    calendar.add_component(_site_timezone())
    for event in events:
        calendar.add_component(event)
    return calendar


def session_calendar(session: Session, request_host: str) -> bytes:
    """A calendar holding one session (the "add to my calendar" download)."""
    stamp = timezone.now()
    return _calendar(session.title, [session_event(session, request_host, stamp=stamp)]).to_ical()


def feed_calendar(sessions: Iterable[Session], name: str, request_host: str = "") -> bytes:
    """A subscribable feed of ``sessions`` named ``name`` (what calendar apps show)."""
    stamp = timezone.now()
    events = [session_event(session, request_host, stamp=stamp) for session in sessions]
    return _calendar(name, events).to_ical()
