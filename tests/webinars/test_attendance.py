"""Attendance computed from the live room's connections, and its SVG chart."""

from datetime import timedelta
from itertools import count
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from forum.models import Region
from rooms.models import RoomConnection
from webinars.attendance import BUCKET, STALE_AFTER, attendance, attendance_svg, merge_intervals
from webinars.models import Registration

from ..factories import make_organisation, make_user

_channels = count(1)
M = timedelta(minutes=1)


def connect(session, user, start, end=None, *, seen=None):
    """A connection row as the consumer leaves it: closed at ``end``, or still open."""
    return RoomConnection.objects.create(
        topic=f"room.{session.room_id}",
        channel_name=f"test.{next(_channels)}",
        user=user,
        connected_at=start,
        seen_at=seen or end or start,
        left_at=end,
    )


def by_user(att):
    return {attendee.user_id: attendee for attendee in att.attendees}


def register(session, user, *, region=None, organisation=None, status="confirmed"):
    return Registration.objects.create(
        session=session, user=user, region=region, organisation=organisation, status=status
    )


def test_merge_intervals_unites_overlapping_and_touching_spans():
    t = timezone.now()
    spans = [
        (t + 20 * M, t + 50 * M),
        (t, t + 30 * M),
        (t + 50 * M, t + 55 * M),
        (t + 60 * M, t + 70 * M),
    ]
    assert merge_intervals(spans) == [(t, t + 55 * M), (t + 60 * M, t + 70 * M)]


def test_overlapping_tabs_and_reconnections_count_once(ended_session, member):
    start = ended_session.starts_at
    connect(ended_session, member, start, start + 30 * M)
    connect(ended_session, member, start + 20 * M, start + 50 * M)  # a second tab
    connect(ended_session, member, start + 60 * M, start + 70 * M)  # back after a drop

    att = attendance(ended_session)

    assert att.total == 1
    assert by_user(att)[member.pk].minutes == 60


def test_connections_are_clipped_to_the_room_hours(ended_session, member, outsider):
    opens, ends = ended_session.opens_at, ended_session.ends_at
    connect(ended_session, member, opens - 60 * M, opens + 10 * M)
    connect(ended_session, outsider, ends - 5 * M, ends + 60 * M)
    connect(ended_session, make_user(), opens - 90 * M, opens - 30 * M)  # before: not there

    att = attendance(ended_session)

    assert by_user(att)[member.pk].minutes == 10
    assert by_user(att)[outsider.pk].minutes == 5
    assert att.total == 2


def test_open_connection_counts_until_now(live_session, member):
    now = timezone.now()
    connect(live_session, member, now - 20 * M, seen=now - 10 * timedelta(seconds=1))

    assert by_user(attendance(live_session, now=now))[member.pk].minutes == 20


def test_open_connection_that_stopped_pinging_ends_when_last_seen(live_session, member):
    now = timezone.now()
    connect(live_session, member, now - 30 * M, seen=now - 20 * M)
    assert STALE_AFTER < 20 * M

    assert by_user(attendance(live_session, now=now))[member.pk].minutes == 10


def test_open_connection_after_the_end_stops_at_the_end(ended_session, member):
    now = timezone.now()
    connect(ended_session, member, ended_session.ends_at - 15 * M, seen=now)

    assert by_user(attendance(ended_session, now=now))[member.pk].minutes == 15


def test_totals_by_region_prefer_the_registration_to_the_profile(
    ended_session, member, moderator, outsider, segou, kayes
):
    start = ended_session.starts_at
    kati = Region.objects.get_or_create(name="Kati", defaults={"slug": "kati-test"})[0]
    mobile = make_user(display_name="Sans région")
    register(ended_session, outsider, region=kati)  # profile says Ségou, registration Kati
    connect(ended_session, member, start, start + 40 * M)  # Ségou
    connect(ended_session, moderator, start, start + 20 * M)  # Kayes
    connect(ended_session, outsider, start, start + 30 * M)  # Kati
    connect(ended_session, mobile, start, start + 10 * M)

    att = attendance(ended_session)

    totals = {group.name: (group.count, group.minutes) for group in att.by_region}
    assert totals == {"Ségou": (1, 40), "Kayes": (1, 20), "Kati": (1, 30), "Non précisée": (1, 10)}
    assert att.total_minutes == 100


def test_totals_by_organisation(ended_session, member, moderator, outsider):
    start = ended_session.starts_at
    wildaf = make_organisation(name="WILDAF Mali")
    for user in (member, moderator):
        user.organisation = wildaf
        user.save(update_fields=["organisation"])
    for user in (member, moderator, outsider):
        connect(ended_session, user, start, start + 15 * M)

    att = attendance(ended_session)

    assert [(g.name, g.count, g.minutes) for g in att.by_organisation] == [
        ("WILDAF Mali", 2, 30),
        ("Non précisée", 1, 15),
    ]


def test_registered_but_absent_counts_confirmed_registrations_only(
    ended_session, member, moderator, outsider, segou
):
    register(ended_session, member, region=segou)
    register(ended_session, moderator, region=segou)
    register(ended_session, outsider, region=segou, status=Registration.Status.WAITLISTED)
    connect(ended_session, member, ended_session.starts_at, ended_session.starts_at + 5 * M)

    att = attendance(ended_session)

    assert att.registered == 2
    assert att.registered_absent == 1
    assert by_user(att)[member.pk].registered


def test_anonymous_connections_are_only_counted(ended_session):
    start = ended_session.starts_at
    connect(ended_session, None, start, start + 10 * M)
    connect(ended_session, None, start + 5 * M, start + 50 * M)
    connect(ended_session, None, ended_session.ends_at + M, ended_session.ends_at + 9 * M)

    att = attendance(ended_session)

    assert att.anonymous == 2
    assert att.total == 0
    assert att.attendees == []


def test_timeline_counts_people_per_five_minute_bucket(ended_session, member, outsider):
    opens = ended_session.opens_at
    connect(ended_session, member, opens, opens + 12 * M)
    connect(ended_session, member, opens + 2 * M, opens + 4 * M)  # same person, same bucket
    connect(ended_session, outsider, opens + 7 * M, opens + 9 * M)

    att = attendance(ended_session)

    assert BUCKET == 5 * M
    assert len(att.timeline) == (ended_session.ends_at - opens) // BUCKET
    assert att.timeline[0] == (opens, 1)
    assert [people for _start, people in att.timeline[:4]] == [1, 2, 1, 0]
    assert att.peak == (opens + BUCKET, 2)


def test_other_rooms_do_not_count(ended_session, live_session, member):
    connect(live_session, member, live_session.starts_at, live_session.starts_at + 5 * M)

    assert attendance(ended_session).total == 0


@pytest.mark.parametrize("people", [1, 6])
def test_query_count_does_not_grow_with_attendees(
    ended_session, segou, django_assert_num_queries, people
):
    start = ended_session.starts_at
    for _number in range(people):
        user = make_user(region=segou, organisation=make_organisation())
        register(ended_session, user, region=segou)
        connect(ended_session, user, start, start + 10 * M)
        connect(ended_session, user, start + 5 * M, start + 20 * M)

    with django_assert_num_queries(2):
        att = attendance(ended_session)

    assert att.total == people


# The chart --------------------------------------------------------------------------------


def test_svg_escapes_region_and_organisation_and_shows_no_names(ended_session):
    evil = "<script>alert(1)</script>"
    region = Region.objects.create(slug="evil", name=evil)
    organisation = make_organisation(name=f'{evil}"&')
    person = make_user(display_name=evil + " Aminata", region=region, organisation=organisation)
    connect(ended_session, person, ended_session.starts_at, ended_session.starts_at + 30 * M)

    svg = str(attendance_svg(attendance(ended_session)))

    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    assert "Aminata" not in svg  # names are for moderators only, the chart is for everyone
    ElementTree.fromstring(svg)  # well-formed


def test_svg_is_accessible_and_scales(ended_session, member):
    connect(ended_session, member, ended_session.starts_at, ended_session.starts_at + 30 * M)

    svg = str(attendance_svg(attendance(ended_session)))
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"

    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("width") is None and root.get("style") is None
    assert root.find(f"{ns}title").text
    assert "Ségou" in root.find(f"{ns}desc").text
    assert "Ségou" in [element.text for element in root.iter(f"{ns}text")]
    assert set(root.get("aria-labelledby").split()) == {
        root.find(f"{ns}title").get("id"),
        root.find(f"{ns}desc").get("id"),
    }


def test_svg_stays_small_for_ten_regions(ended_session):
    start = ended_session.starts_at
    for number in range(10):
        region = Region.objects.create(slug=f"region-{number}", name=f"Région numéro {number}")
        for _person in range(number + 1):
            user = make_user(region=region)
            connect(ended_session, user, start + number * M, start + (number + 30) * M)

    svg = str(attendance_svg(attendance(ended_session)))

    assert svg.count("<rect") == 10
    assert len(svg.encode()) < 6 * 1024


def test_svg_of_an_empty_room(ended_session):
    svg = str(attendance_svg(attendance(ended_session)))

    ElementTree.fromstring(svg)
    assert "Personne" in svg
