"""
Calendars: every .ics is read back with icalendar and checked as a calendar
app would read it; private CoPs' sessions reach only those who may see them.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from forum import services as forum_services
from forum.models import Membership
from tests.factories import make_community, make_membership
from webinars import services
from webinars.models import CalendarToken
from webinars.services.calendar import get_or_create_token, regenerate_token

from .conftest import make_session

SECRET_LINK = "https://visio.example.org/salle-secrete-4242"


def read(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict:
    """The calendar's VEVENTs by UID."""
    found = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in found, "one VEVENT per session"
        found[uid] = event
    return found


def whole_seconds(moment):
    """iCalendar times have no fractions of a second (the fixtures' times do)."""
    return moment.replace(microsecond=0)


def uid(session) -> str:
    return f"{session.uid}@jekafo"


def session_ics(session):
    return reverse("webinar_ics", args=[session.pk])


def feed_url(user) -> str:
    return reverse("calendar_feed", args=[get_or_create_token(user).token])


def community_feed_url(user, community) -> str:
    return reverse(
        "calendar_feed_community", args=[get_or_create_token(user).token, community.slug]
    )


@pytest.fixture
def detailed_session(public_cop, moderator, regional):
    return make_session(
        public_cop,
        moderator,
        starts_in=timedelta(days=10),
        title="Loi 052, mariage; héritage",
        theme="Droits des veuves",
        agenda="1. Accueil\n2. **Témoignages** de Kayes\n3. Questions",
        speakers="Aïssata Traoré — juriste\nMariam Keïta — WILDAF",
        video_url=SECRET_LINK,
    )


# A session's .ics --------------------------------------------------------------------


def test_session_ics_is_a_valid_calendar_with_one_event(detailed_session, client):
    response = client.get(session_ics(detailed_session))

    calendar = read(response)
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        f'filename="webinaire-{detailed_session.pk}-loi-052-mariage-heritage.ics"'
        in (response["Content-Disposition"])
    )
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Jekafo//Webinaires//FR"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-TIMEZONE"]) == "Africa/Bamako"
    assert str(calendar["X-WR-CALNAME"]) == detailed_session.title
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Africa/Bamako"]
    assert list(events(calendar)) == [uid(detailed_session)]


def test_session_event_carries_times_texts_and_links(detailed_session, client):
    event = events(read(client.get(session_ics(detailed_session))))[uid(detailed_session)]

    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.tzinfo is not None and end.tzinfo is not None
    assert start == whole_seconds(detailed_session.starts_at)
    assert end == whole_seconds(detailed_session.ends_at)
    assert event["DTSTART"].params["TZID"] == "Africa/Bamako"
    assert event["DTEND"].params["TZID"] == "Africa/Bamako"
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert event.decoded("LAST-MODIFIED") == whole_seconds(detailed_session.updated_at)
    assert str(event["SUMMARY"]) == "Loi 052, mariage; héritage"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    page = f"http://testserver/webinaires/{detailed_session.pk}/"
    assert str(event["URL"]) == page
    assert str(event["LOCATION"]) == f"http://testserver/webinaires/{detailed_session.pk}/salle/"
    description = str(event["DESCRIPTION"])
    assert "Droits des veuves" in description
    assert "2. **Témoignages** de Kayes" in description  # the plain text, not HTML
    assert "Aïssata Traoré — juriste" in description
    assert page in description
    assert "<" not in description


def test_text_fields_are_escaped_in_the_file(detailed_session, client):
    raw = client.get(session_ics(detailed_session)).content.decode()

    assert "SUMMARY:Loi 052\\, mariage\\; héritage" in raw
    assert "RECURRENCE-ID" not in raw
    assert "RRULE" not in raw


def test_uid_is_stable_across_edits_while_sequence_increases(detailed_session, moderator, client):
    before = events(read(client.get(session_ics(detailed_session))))[uid(detailed_session)]
    later = detailed_session.starts_at + timedelta(days=1, hours=2)

    services.edit_session(editor=moderator, session=detailed_session, starts_at=later)

    after = events(read(client.get(session_ics(detailed_session))))[uid(detailed_session)]
    assert str(after["UID"]) == str(before["UID"]) == uid(detailed_session)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == whole_seconds(later)
    assert after.decoded("DTEND") - after.decoded("DTSTART") == timedelta(minutes=90)


def test_cancelled_session_stays_in_feeds_as_cancelled(detailed_session, moderator, client):
    services.cancel_session(moderator=moderator, session=detailed_session)

    for url in (
        session_ics(detailed_session),
        reverse("community_webinars_ics", args=[detailed_session.community.slug]),
    ):
        event = events(read(client.get(url)))[uid(detailed_session)]
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 1


def test_external_video_link_never_appears_in_any_calendar(
    detailed_session, member, moderator, client_for
):
    services.register(user=member, session=detailed_session)  # a confirmed seat
    urls = [
        session_ics(detailed_session),
        reverse("community_webinars_ics", args=[detailed_session.community.slug]),
        feed_url(member),
        community_feed_url(member, detailed_session.community),
    ]
    for user in (None, member, moderator):
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200
            assert SECRET_LINK.encode() not in response.content
            assert b"salle-secrete" not in response.content


# Who sees what -----------------------------------------------------------------------


def test_private_session_ics_is_404_for_visitors_and_outsiders(
    private_session, outsider, client_for
):
    for user in (None, outsider):
        assert client_for(user).get(session_ics(private_session)).status_code == 404


def test_private_session_ics_is_served_to_members(private_session, member, client_for):
    response = client_for(member).get(session_ics(private_session))

    assert uid(private_session) in events(read(response))
    assert "private" in response["Cache-Control"]


def test_missing_session_ics_is_404(client, db):
    assert client.get(reverse("webinar_ics", args=[999999])).status_code == 404


def test_public_cop_feed_lists_its_sessions_to_anyone(
    live_session, upcoming_session, ended_session, private_session, client
):
    response = client.get(reverse("community_webinars_ics", args=[live_session.community.slug]))

    calendar = read(response)
    assert set(events(calendar)) == {uid(live_session), uid(upcoming_session), uid(ended_session)}
    assert "Droits fonciers des femmes" in str(calendar["X-WR-CALNAME"])
    assert calendar.walk("VTIMEZONE")
    # Some calendar apps check a feed with HEAD first.
    head = client.head(reverse("community_webinars_ics", args=[live_session.community.slug]))
    assert head.status_code == 200


def test_private_cop_feed_is_404_even_for_its_members(private_session, member, client_for):
    url = reverse("community_webinars_ics", args=[private_session.community.slug])

    for user in (None, member):
        assert client_for(user).get(url).status_code == 404


def test_unknown_cop_feed_is_404(client, db):
    assert client.get(reverse("community_webinars_ics", args=["inconnue"])).status_code == 404


def test_feed_holds_six_months_back_and_everything_ahead(public_cop, moderator, client):
    old = make_session(public_cop, moderator, starts_in=timedelta(days=-200))
    recent = make_session(public_cop, moderator, starts_in=timedelta(days=-150))
    far = make_session(public_cop, moderator, starts_in=timedelta(days=700))

    found = events(read(client.get(reverse("community_webinars_ics", args=[public_cop.slug]))))

    assert uid(old) not in found
    assert {uid(recent), uid(far)} <= set(found)


# A member's token feeds ------------------------------------------------------------------


def test_member_feed_holds_the_sessions_of_her_cops(
    live_session, upcoming_session, private_session, member, client
):
    calendar = read(client.get(feed_url(member)))

    assert set(events(calendar)) == {
        uid(live_session),
        uid(upcoming_session),
        uid(private_session),
    }
    assert calendar.walk("VTIMEZONE")


def test_member_feed_holds_registered_sessions_of_a_cop_she_left(
    public_cop, moderator, member, regional, client
):
    other = make_community(name="Leadership féminin", slug="leadership")
    make_membership(moderator, other, Membership.Role.MODERATOR)
    make_membership(member, other)
    kept = make_session(other, moderator, starts_in=timedelta(days=5), title="Inscrite")
    dropped = make_session(other, moderator, starts_in=timedelta(days=6), title="Pas inscrite")
    services.register(user=member, session=kept)
    forum_services.leave_community(user=member, community=other)

    found = events(read(client.get(feed_url(member))))

    assert uid(kept) in found
    assert uid(dropped) not in found


def test_waiting_list_counts_and_cancelled_registration_does_not(
    moderator, member, outsider, regional, client
):
    other = make_community(name="Leadership féminin", slug="leadership")
    make_membership(moderator, other, Membership.Role.MODERATOR)
    make_membership(member, other)
    make_membership(outsider, other)
    full = make_session(other, moderator, starts_in=timedelta(days=5), capacity=1)
    cancelled = make_session(other, moderator, starts_in=timedelta(days=6))
    services.register(user=outsider, session=full)
    assert services.register(user=member, session=full).status == "waitlisted"
    services.register(user=member, session=cancelled)
    services.cancel_registration(user=member, session=cancelled)
    forum_services.leave_community(user=member, community=other)

    found = events(read(client.get(feed_url(member))))

    assert uid(full) in found
    assert uid(cancelled) not in found


def test_member_feed_leaves_out_cops_she_does_not_belong_to(moderator, member, client):
    other = make_community(name="Leadership féminin", slug="leadership")
    make_membership(moderator, other, Membership.Role.MODERATOR)
    elsewhere = make_session(other, moderator, starts_in=timedelta(days=5))

    assert uid(elsewhere) not in events(read(client.get(feed_url(member))))


def test_bad_token_is_404(client, member):
    get_or_create_token(member)

    for token in ("inconnu", "x" * 43, "a" * 200):
        assert client.get(reverse("calendar_feed", args=[token])).status_code == 404
        url = reverse("calendar_feed_community", args=[token, "droits-fonciers"])
        assert client.get(url).status_code == 404


def test_regenerating_the_token_retires_the_old_addresses(private_session, member, client):
    old_feed = feed_url(member)
    old_community_feed = community_feed_url(member, private_session.community)

    regenerate_token(member)

    assert client.get(old_feed).status_code == 404
    assert client.get(old_community_feed).status_code == 404
    assert uid(private_session) in events(read(client.get(feed_url(member))))


def test_leaving_a_private_cop_removes_its_sessions_from_her_feed(
    private_session, upcoming_session, member, client
):
    services.register(user=member, session=private_session)
    url = feed_url(member)
    assert uid(private_session) in events(read(client.get(url)))

    forum_services.leave_community(user=member, community=private_session.community)

    found = events(read(client.get(url)))
    assert uid(private_session) not in found
    assert uid(upcoming_session) in found
    assert client.get(community_feed_url(member, private_session.community)).status_code == 404


def test_deactivated_member_feeds_are_404(private_session, member, staff, client):
    urls = [feed_url(member), community_feed_url(member, private_session.community)]

    forum_services.deactivate_user(staff=staff, user=member)

    for url in urls:
        assert client.get(url).status_code == 404


def test_member_feed_of_a_private_cop_works_for_its_member(
    private_session, upcoming_session, member, client
):
    response = client.get(community_feed_url(member, private_session.community))

    assert set(events(read(response))) == {uid(private_session)}
    assert "private" in response["Cache-Control"]


def test_member_feed_of_a_private_cop_is_404_for_an_outsider_token(
    private_session, outsider, client
):
    assert client.get(community_feed_url(outsider, private_session.community)).status_code == 404


def test_token_feeds_are_not_cached_by_shared_caches(member, client, public_cop):
    response = client.get(feed_url(member))

    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")


# Query counts ------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_feed_query_count_does_not_grow_with_sessions(
    public_cop, private_cop, moderator, member, regional, client
):
    get_or_create_token(member)
    urls = [
        feed_url(member),
        community_feed_url(member, private_cop),
        reverse("community_webinars_ics", args=[public_cop.slug]),
    ]
    for community in (public_cop, private_cop):
        session = make_session(community, moderator, starts_in=timedelta(days=3))
        services.register(user=member, session=session)
    few = [count_queries(client, url) for url in urls]

    for day in range(4, 14):
        for community in (public_cop, private_cop):
            session = make_session(community, moderator, starts_in=timedelta(days=day))
            services.register(user=member, session=session)
    many = [count_queries(client, url) for url in urls]

    assert many == few
    # A private CoP's feed also reads the sanctions in force on the reader (one query).
    assert max(many) <= 5


def test_member_feed_uses_a_constant_number_of_queries(
    private_session, upcoming_session, member, client, django_assert_max_num_queries
):
    url = feed_url(member)

    with django_assert_max_num_queries(3):
        client.get(url)


# The page that gives the addresses -------------------------------------------------------


def test_calendar_page_needs_a_login(client, db):
    response = client.get(reverse("calendar"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_calendar_page_offers_to_make_the_addresses_and_a_visit_makes_none(member, client_for):
    client = client_for(member)

    page = client.get(reverse("calendar")).content.decode()

    assert not CalendarToken.objects.filter(user=member).exists()
    assert "Créer mes adresses d&#x27;agenda" in page or "Créer mes adresses d'agenda" in page
    assert ".ics" not in page


def test_calendar_page_makes_a_token_once_and_shows_absolute_addresses(
    private_cop, public_cop, member, client_for
):
    client = client_for(member)

    assert client.post(reverse("calendar")).status_code == 302
    page = client.get(reverse("calendar")).content.decode()
    token = CalendarToken.objects.get(user=member).token
    client.get(reverse("calendar"))

    assert CalendarToken.objects.get(user=member).token == token
    assert len(token) >= 40
    assert f"http://testserver/agenda/{token}.ics" in page
    assert f"webcal://testserver/agenda/{token}.ics" in page
    for community in (private_cop, public_cop):
        assert f"http://testserver/agenda/{token}/{community.slug}.ics" in page
        assert community.name in page
    assert "S&#x27;abonner" in page or "S'abonner" in page
    assert "no-cache" in client.get(reverse("calendar"))["Cache-Control"]


def test_calendar_page_lists_only_her_own_cops(private_cop, public_cop, outsider, client_for):
    page = client_for(outsider).get(reverse("calendar")).content.decode()

    assert private_cop.name not in page
    assert private_cop.slug not in page


def test_regenerating_from_the_page_retires_the_old_address(
    private_session, member, client_for, client
):
    member_client = client_for(member)
    member_client.post(reverse("calendar"))
    old = CalendarToken.objects.get(user=member).token

    response = member_client.post(reverse("calendar"))

    assert response.status_code == 302
    assert response["Location"] == reverse("calendar")
    new = CalendarToken.objects.get(user=member).token
    assert new != old
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200
    page = member_client.get(reverse("calendar")).content.decode()
    assert new in page and old not in page


def test_regenerating_needs_a_login(client, db):
    response = client.post(reverse("calendar"))

    assert response.status_code == 302
    assert CalendarToken.objects.count() == 0
