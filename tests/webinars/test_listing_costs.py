"""The webinar lists cost the same number of queries for 3 and 30 sessions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .conftest import make_session

pytestmark = pytest.mark.django_db


def cost(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries.captured_queries)


def add_sessions(count: int, cops, moderator, start: int) -> None:
    """``count`` sessions over ``cops``, half ahead and half ended."""
    for number in range(start, start + count):
        ahead = timedelta(days=1 + number) if number % 2 else timedelta(days=-1 - number)
        make_session(
            cops[number % len(cops)], moderator, starts_in=ahead, title=f"Session {number}"
        )


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_webinar_lists_cost_the_same_for_3_and_30_sessions(
    who, public_cop, private_cop, moderator, regional, client_for, request
):
    viewer = request.getfixturevalue(who) if who != "anonymous" else None
    client = client_for(viewer)
    urls = [reverse("webinars"), reverse("community_webinars", args=[public_cop.slug])]
    add_sessions(3, [public_cop, private_cop], moderator, 0)
    small = [cost(client, url) for url in urls]

    add_sessions(27, [public_cop, private_cop], moderator, 3)

    assert [cost(client, url) for url in urls] == small


def series_of(community, moderator, count: int):
    from django.utils import timezone

    from webinars import services

    return services.create_series(
        author=moderator,
        community=community,
        title="Causeries juridiques",
        first_start=(timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0),
        rrule=f"FREQ=WEEKLY;COUNT={count}",
    )


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_every_page_of_the_webinar_lists_costs_the_same(
    who, public_cop, private_cop, moderator, regional, client_for, request, monkeypatch
):
    from webinars.views import sessions

    monkeypatch.setattr(sessions, "SESSIONS_PER_PAGE", 3)
    viewer = request.getfixturevalue(who) if who != "anonymous" else None
    client = client_for(viewer)
    cop_url = reverse("community_webinars", args=[public_cop.slug])
    add_sessions(4, [public_cop, private_cop], moderator, 0)
    series = series_of(public_cop, moderator, 4)
    small = [cost(client, url) for url in (reverse("webinars"), cop_url, series.get_absolute_url())]

    add_sessions(40, [public_cop, private_cop], moderator, 4)
    big_series = series_of(public_cop, moderator, 12)

    for url in (reverse("webinars"), reverse("webinars") + "?page=2&avenir=3"):
        assert cost(client, url) == small[0], url
    for url in (cop_url, cop_url + "?avenir=2", cop_url + "?page=3&avenir=2"):
        assert cost(client, url) == small[1], url
    for url in (big_series.get_absolute_url(), big_series.get_absolute_url() + "?page=3"):
        assert cost(client, url) == small[2], url


def shown(response, key: str) -> list[str]:
    return [session.title for session in response.context[key].object_list]


def test_webinar_lists_show_the_right_sessions_in_order_across_pages(
    public_cop, moderator, regional, client_for, monkeypatch
):
    from webinars.views import sessions

    monkeypatch.setattr(sessions, "SESSIONS_PER_PAGE", 3)
    for number in range(5):
        make_session(
            public_cop, moderator, starts_in=timedelta(days=1 + number), title=f"A{number}"
        )
        make_session(
            public_cop, moderator, starts_in=timedelta(days=-1 - number), title=f"P{number}"
        )
    client = client_for(None)
    for url in (reverse("webinars"), reverse("community_webinars", args=[public_cop.slug])):
        first = client.get(url)
        later = client.get(url, {"avenir": "2", "page": "2"})

        # Upcoming soonest first, past latest first; each list pages on its own.
        assert shown(first, "upcoming") == ["A0", "A1", "A2"]
        assert shown(later, "upcoming") == ["A3", "A4"]
        assert shown(first, "past") == ["P0", "P1", "P2"]
        assert shown(later, "past") == ["P3", "P4"]
        page = first.content.decode()
        assert 'href="?avenir=2#a-venir"' in page and 'href="?page=2#passes"' in page
        # A link of one list keeps the other's page.
        middle = client.get(url, {"avenir": "2"}).content.decode()
        assert 'href="?avenir=2&amp;page=2#passes"' in middle
        assert 'href="?#a-venir"' in middle
        assert client.get(url, {"avenir": "3"}).status_code == 404
        assert client.get(url, {"page": "3"}).status_code == 404


def test_a_series_page_lists_its_sessions_a_page_at_a_time(
    public_cop, moderator, regional, client_for, monkeypatch
):
    from webinars.views import sessions

    monkeypatch.setattr(sessions, "SESSIONS_PER_PAGE", 3)
    series = series_of(public_cop, moderator, 5)
    expected = list(series.sessions.order_by("starts_at").values_list("pk", flat=True))
    client = client_for(None)

    pages = [client.get(series.get_absolute_url(), {"page": n}) for n in ("1", "2")]

    assert [[s.pk for s in p.context["sessions"].object_list] for p in pages] == [
        expected[:3],
        expected[3:],
    ]
    assert client.get(series.get_absolute_url(), {"page": "3"}).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_private_sessions_are_on_no_page_for_outsiders(
    who, public_cop, private_cop, moderator, regional, client_for, request, monkeypatch
):
    from webinars.views import sessions

    monkeypatch.setattr(sessions, "SESSIONS_PER_PAGE", 2)
    viewer = request.getfixturevalue(who) if who != "anonymous" else None
    for number in range(4):
        make_session(
            private_cop, moderator, starts_in=timedelta(days=1 + number), title=f"Secret {number}"
        )
        make_session(
            private_cop,
            moderator,
            starts_in=timedelta(days=-1 - number),
            title=f"Secret passé {number}",
        )
    make_session(public_cop, moderator, starts_in=timedelta(hours=36), title="Ouverte")
    client = client_for(viewer)

    first = client.get(reverse("webinars"))

    assert shown(first, "upcoming") == ["Ouverte"] and shown(first, "past") == []
    assert "Secret" not in first.content.decode()
    for query in ({"avenir": "2"}, {"page": "2"}):
        assert client.get(reverse("webinars"), query).status_code == 404
    cop = client.get(reverse("community_webinars", args=[private_cop.slug]))
    assert cop.status_code == 404
    # Her own CoP's member sees them, on pages.
    member_view = client_for(request.getfixturevalue("member")).get(reverse("webinars"))
    assert shown(member_view, "upcoming") == ["Secret 0", "Ouverte"]


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("abc", 200),
        ("²", 200),
        ("", 200),
        ("0", 404),
        ("-1", 404),
        ("9999", 404),
        ("1" + "0" * 30, 404),
    ],
)
def test_bad_page_numbers_on_webinar_lists_give_page_1_or_a_404(
    number, status, public_cop, moderator, regional, client_for
):
    make_session(public_cop, moderator, starts_in=timedelta(days=2), title="Ouverte")
    make_session(public_cop, moderator, starts_in=timedelta(days=-2), title="Passée")
    series = series_of(public_cop, moderator, 2)
    client = client_for(None)
    urls = [
        reverse("webinars"),
        reverse("community_webinars", args=[public_cop.slug]),
        series.get_absolute_url(),
    ]
    for url in urls:
        for param in ("page", "avenir"):
            response = client.get(url, {param: number})
            # A series page has one list: "avenir" means nothing there.
            expected = 200 if (param == "avenir" and url == urls[2]) else status
            assert response.status_code == expected, (url, param, number)


def test_a_session_under_way_is_still_listed_ahead(public_cop, moderator, regional, client_for):
    # The longest a session may last, started 11 hours ago: it ends in an hour.
    make_session(
        public_cop, moderator, starts_in=timedelta(hours=-11), duration=12 * 60, title="Longue"
    )
    make_session(public_cop, moderator, starts_in=timedelta(hours=-3), title="Finie")

    response = client_for(None).get(reverse("webinars"))

    assert shown(response, "upcoming") == ["Longue"]
    assert shown(response, "past") == ["Finie"]
