"""
Series repeat by an RFC 5545 rule in their own zone; times are stored in UTC
and shown in Bamako's time, plus the viewer's own when it reads differently.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from rooms.models import Room
from webinars import recurrence, services
from webinars.models import SEMESTERLY, Series, Session
from webinars.timezones import viewer_zone

BAMAKO = ZoneInfo("Africa/Bamako")
PARIS = ZoneInfo("Europe/Paris")
FIRST = datetime(2027, 3, 15, 10, 0, tzinfo=BAMAKO)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def future_march_15() -> datetime:
    """10:00 in Bamako on a 15 March that is always ahead, whenever the tests run."""
    return datetime(timezone.now().year + 2, 3, 15, 10, 0, tzinfo=BAMAKO)


def new_series(moderator, community, **kw) -> Series:
    kw.setdefault("title", "Webinaire semestriel des juristes")
    kw.setdefault("first_start", future_march_15())
    return services.create_series(author=moderator, community=community, **kw)


def row_counts() -> tuple[int, int, int]:
    return Series.objects.count(), Session.objects.count(), Room.objects.count()


# The rule ---------------------------------------------------------------------------


def test_default_rule_is_semesterly():
    assert SEMESTERLY == "FREQ=MONTHLY;INTERVAL=6"
    assert Series._meta.get_field("rrule").default == SEMESTERLY


def test_semesterly_rule_repeats_every_six_months_at_ten_utc_from_bamako():
    dates = recurrence.occurrences(SEMESTERLY, FIRST, "Africa/Bamako", until=utc(2029, 1, 1))

    assert dates == [
        utc(2027, 3, 15, 10),
        utc(2027, 9, 15, 10),
        utc(2028, 3, 15, 10),
        utc(2028, 9, 15, 10),
    ]


def test_rule_without_count_or_until_stops_at_the_horizon():
    dates = recurrence.occurrences(SEMESTERLY, FIRST, "Africa/Bamako")

    assert dates == [utc(2027, 3, 15, 10), utc(2027, 9, 15, 10), utc(2028, 3, 15, 10)]
    assert all(date <= FIRST + recurrence.HORIZON for date in dates)


def test_count_is_honoured_whatever_the_horizon():
    dates = recurrence.occurrences(
        "FREQ=MONTHLY;INTERVAL=6;COUNT=2", FIRST, "Africa/Bamako", until=utc(2040, 1, 1)
    )

    assert dates == [utc(2027, 3, 15, 10), utc(2027, 9, 15, 10)]


def test_until_in_utc_is_honoured_and_inclusive():
    rule = "FREQ=MONTHLY;INTERVAL=6;UNTIL=20280315T100000Z"

    dates = recurrence.occurrences(rule, FIRST, "Africa/Bamako", until=utc(2040, 1, 1))

    assert dates == [utc(2027, 3, 15, 10), utc(2027, 9, 15, 10), utc(2028, 3, 15, 10)]


def test_until_a_second_before_an_occurrence_excludes_it():
    rule = "FREQ=MONTHLY;INTERVAL=6;UNTIL=20280315T095959Z"

    dates = recurrence.occurrences(rule, FIRST, "Africa/Bamako", until=utc(2040, 1, 1))

    assert dates == [utc(2027, 3, 15, 10), utc(2027, 9, 15, 10)]


def test_until_in_utc_is_read_against_local_time_in_a_zone_west_of_utc():
    # 10:00 UTC is 06:00 in New York (summer time): an UNTIL at that instant keeps it.
    first = datetime(2027, 3, 15, 6, 0, tzinfo=ZoneInfo("America/New_York"))
    rule = "FREQ=MONTHLY;INTERVAL=6;UNTIL=20270915T100000Z"

    dates = recurrence.occurrences(rule, first, "America/New_York", until=utc(2040, 1, 1))

    assert dates == [utc(2027, 3, 15, 10), utc(2027, 9, 15, 10)]


def test_rrule_prefix_and_lower_case_are_accepted():
    for text in ("RRULE:FREQ=MONTHLY;INTERVAL=6", "rrule:freq=monthly;interval=6"):
        assert recurrence.occurrences(text, FIRST, "Africa/Bamako", until=utc(2028, 1, 1)) == [
            utc(2027, 3, 15, 10),
            utc(2027, 9, 15, 10),
        ]


def test_an_empty_rule_is_refused_by_the_parser():
    with pytest.raises(ValidationError):
        recurrence.parse_rule("", FIRST, "Africa/Bamako")


def test_a_series_in_a_zone_with_daylight_saving_keeps_its_local_wall_time():
    first = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)

    dates = recurrence.occurrences("FREQ=MONTHLY;COUNT=12", first, "Europe/Paris")

    assert len(dates) == 12
    assert {date.astimezone(PARIS).hour for date in dates} == {10}
    assert dates[0] == utc(2027, 1, 11, 9)  # winter: UTC+1
    assert dates[6] == utc(2027, 7, 11, 8)  # summer: UTC+2
    assert dates[10] == utc(2027, 11, 11, 9)  # winter again


# Creating a series --------------------------------------------------------------------


def test_create_series_generates_the_semesterly_sessions_within_the_horizon(moderator, public_cop):
    first = future_march_15()

    series = new_series(moderator, public_cop, first_start=first, duration=90)

    sessions = list(series.sessions.order_by("starts_at"))
    year = first.year
    expected = [utc(year, 3, 15, 10), utc(year, 9, 15, 10), utc(year + 1, 3, 15, 10)]
    assert [session.starts_at for session in sessions] == expected
    assert [session.occurrence for session in sessions] == expected
    assert all(s.ends_at - s.starts_at == timedelta(minutes=90) for s in sessions)
    assert all(s.community == public_cop for s in sessions)
    assert all(s.room.kind == "webinar" for s in sessions)
    assert sessions[0].title == "Webinaire semestriel des juristes — séance 1"
    assert series.rrule == SEMESTERLY


def test_generating_again_creates_nothing_new(moderator, public_cop):
    series = new_series(moderator, public_cop)
    before = row_counts()

    assert services.generate_sessions(series) == []
    assert row_counts() == before


def test_generating_later_adds_only_the_missing_sessions(moderator, public_cop):
    series = new_series(moderator, public_cop)
    first = series.first_start

    created = services.generate_sessions(series, now=first + timedelta(days=200))

    assert [session.starts_at for session in created] == [utc(first.year + 1, 9, 15, 10)]
    assert created[0].title.endswith("séance 4")
    assert series.sessions.count() == 4


def test_a_moved_session_is_not_generated_a_second_time(moderator, public_cop):
    series = new_series(moderator, public_cop)
    session = series.sessions.order_by("starts_at").first()
    services.edit_session(
        editor=moderator, session=session, starts_at=session.starts_at + timedelta(days=2)
    )

    assert services.generate_sessions(series) == []
    assert series.sessions.count() == 3


def test_create_series_strips_the_rrule_prefix(moderator, public_cop):
    series = new_series(moderator, public_cop, rrule="RRULE:FREQ=MONTHLY;INTERVAL=6")

    assert series.rrule == "FREQ=MONTHLY;INTERVAL=6"
    assert series.sessions.count() == 3


@pytest.mark.parametrize("rule", ["", "RRULE:", "  "])
def test_create_series_with_an_empty_rule_uses_the_semesterly_default(moderator, public_cop, rule):
    series = new_series(moderator, public_cop, rrule=rule)

    assert series.rrule == SEMESTERLY
    assert series.sessions.count() == 3


def test_create_series_honours_count(moderator, public_cop):
    series = new_series(moderator, public_cop, rrule="FREQ=MONTHLY;INTERVAL=6;COUNT=2")

    assert series.sessions.count() == 2


def test_create_series_in_paris_keeps_ten_o_clock_across_daylight_saving(moderator, public_cop):
    first = datetime(timezone.now().year + 2, 1, 11, 10, 0, tzinfo=PARIS)

    series = new_series(
        moderator,
        public_cop,
        first_start=first,
        time_zone="Europe/Paris",
        rrule="FREQ=MONTHLY;INTERVAL=3;COUNT=5",
    )

    # January, April, July, October (still summer time), January.
    starts = [session.starts_at for session in series.sessions.order_by("starts_at")]
    assert [start.astimezone(PARIS).hour for start in starts] == [10, 10, 10, 10, 10]
    assert [start.astimezone(UTC).hour for start in starts] == [9, 8, 8, 8, 9]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=FOO",
        "INTERVAL=6",
        "FREQ=MINUTELY",
        "FREQ=HOURLY;INTERVAL=6",
        "FREQ=SECONDLY",
        "FREQ=MONTHLY;COUNT=0",
        "FREQ=MONTHLY;INTERVAL=0",
        "FREQ=MONTHLY;INTERVAL=-6",
        "FREQ=MONTHLY;FOO=BAR",
        "FREQ=MONTHLY;;COUNT=2",
        "FREQ=MONTHLY;INTERVAL=",
        "FREQ=DAILY;BYHOUR=9,15",
        "FREQ=MONTHLY;UNTIL=20200101T000000Z",
        "FREQ=MONTHLY;UNTIL=2028-01-01",
        "DTSTART:20270315T100000Z\nRRULE:FREQ=MONTHLY;INTERVAL=6",
        "FREQ=MONTHLY;INTERVAL=6\nEXDATE:20270915T100000Z",
        "<script>",
    ],
)
def test_invalid_rule_is_refused_and_nothing_is_saved(moderator, public_cop, rule):
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        new_series(moderator, public_cop, rrule=rule)

    assert "rrule" in refused.value.error_dict
    assert row_counts() == before


@pytest.mark.parametrize("rule", ["FREQ=FOO", "INTERVAL=6", "FREQ=MINUTELY", "RRULE:"])
def test_parser_refuses_invalid_rules(rule):
    with pytest.raises(ValidationError):
        recurrence.parse_rule(rule, FIRST, "Africa/Bamako")


def test_unknown_zone_is_refused_and_nothing_is_saved(moderator, public_cop):
    before = row_counts()

    with pytest.raises(ValidationError):
        new_series(moderator, public_cop, time_zone="Mars/Olympus_Mons")

    assert row_counts() == before


# The viewer's time ---------------------------------------------------------------------


def render_time(value: datetime, user) -> str:
    template = Template("{% load webinar_time %}{% session_time value user %}")
    return template.render(Context({"value": value, "user": user}))


@pytest.fixture
def in_paris(member):
    member.time_zone = "Europe/Paris"
    member.save(update_fields=["time_zone"])
    return member


@pytest.fixture
def french():
    with translation.override("fr"):
        yield


def test_viewer_in_paris_sees_a_ten_utc_session_at_eleven_in_january(in_paris, french):
    html = render_time(utc(2027, 1, 15, 10), in_paris)

    assert '<time datetime="2027-01-15T10:00:00Z">' in html
    assert "15 janvier 2027, 10:00 (heure de Bamako)" in html
    assert "11:00 à Paris" in html


def test_viewer_in_paris_sees_a_ten_utc_session_at_noon_in_july(in_paris, french):
    html = render_time(utc(2027, 7, 15, 10), in_paris)

    assert '<time datetime="2027-07-15T10:00:00Z">' in html
    assert "10:00 (heure de Bamako)" in html
    assert "12:00 à Paris" in html


def test_viewer_abroad_sees_the_date_when_it_is_another_day_there(in_paris, french):
    html = render_time(utc(2027, 7, 15, 23, 30), in_paris)

    assert "15 juillet 2027, 23:30 (heure de Bamako)" in html
    assert "16 juillet 2027, 01:30 à Paris" in html


@pytest.mark.parametrize("zone", ["", "Africa/Bamako", "Africa/Dakar", "Europe/London"])
def test_viewer_whose_clock_reads_as_bamako_sees_only_bamako_time(member, french, zone):
    # London in January reads the same time as Bamako: no second time is shown.
    member.time_zone = zone

    html = render_time(utc(2027, 1, 15, 10), member)

    assert "10:00 (heure de Bamako)" in html
    assert "viewer-time" not in html


def test_london_in_summer_reads_an_hour_ahead(member, french):
    member.time_zone = "Europe/London"

    assert "11:00 à London" in render_time(utc(2027, 7, 15, 10), member)


def test_visitor_sees_bamako_time(anonymous, french):
    html = render_time(utc(2027, 7, 15, 10), anonymous)

    assert "10:00 (heure de Bamako)" in html
    assert "viewer-time" not in html


def test_zone_name_with_underscores_reads_as_a_city(member, french):
    member.time_zone = "America/New_York"

    assert "06:00 à New York" in render_time(utc(2027, 7, 15, 10), member)


def test_unknown_zone_falls_back_to_bamako(member):
    for name in ("Mars/Olympus_Mons", "../../etc/passwd", "x" * 200):
        member.time_zone = name
        assert viewer_zone(member) == BAMAKO


def test_session_time_output_is_escaped(member, french):
    member.time_zone = "Europe/Paris"

    html = render_time(utc(2027, 7, 15, 10), member)

    assert html.count("<") == html.count("</") * 2  # only the tag's own elements
    assert "<script" not in html


def test_session_time_of_nothing_renders_nothing(member):
    assert render_time(None, member) == ""


# The profile form ------------------------------------------------------------------------


def profile_data(**kw) -> dict:
    data = {"display_name": "Awa T.", "preferred_language": "fr", "email": "", "phone": ""}
    data.update(kw)
    return data


def test_member_chooses_her_time_zone_in_her_profile(member, client_for):
    client = client_for(member)
    page = client.get(reverse("profile_edit")).content.decode()
    assert 'name="time_zone"' in page
    assert "Europe/Paris" in page

    response = client.post(reverse("profile_edit"), profile_data(time_zone="Europe/Paris"))

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.time_zone == "Europe/Paris"
    assert viewer_zone(member) == PARIS


def test_blank_time_zone_means_bamako(member, client_for):
    member.time_zone = "Europe/Paris"
    member.save(update_fields=["time_zone"])

    client_for(member).post(reverse("profile_edit"), profile_data(time_zone=""))

    member.refresh_from_db()
    assert member.time_zone == ""
    assert viewer_zone(member) == BAMAKO


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Asia/Tokyo", "<script>"])
def test_time_zone_outside_the_list_is_refused(member, client_for, zone):
    response = client_for(member).post(reverse("profile_edit"), profile_data(time_zone=zone))

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.time_zone == ""
