"""
Regression tests of issue 13's "HTTP 500 / WebSocket 1011 on bad input" findings.

One test per finding, named after it. Each sends what the probe sent and
asserts a 4xx with a message (or an error frame, a clean close) and nothing
written where nothing should be; the socket tests also assert that no
traceback reached the log.
"""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from forum import inputs
from forum.models import Region, User
from rooms import services as room_services
from webinars.models import Series, Session

from .factories import make_user


@pytest.fixture
def segou(db):
    return Region.objects.get_or_create(slug="segou", defaults={"name": "Ségou"})[0]


NEW_PASSWORD = "Un-nouveau-mot-de-passe-2025!"
ODD_NEXT = [
    "a",
    "home",
    "//evil.example",
    "https://evil.example/",
    "\\\\evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "",
]

pytestmark = pytest.mark.django_db


# One JSON reader -----------------------------------------------------------------------


def test_json_reader_refuses_deep_nesting_without_recursion():
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000):
        with pytest.raises(inputs.BadInput) as refused:
            inputs.read_json_object(text)
        assert refused.value.code == "bad_json"
    # Brackets inside strings are text, not nesting.
    assert inputs.read_json_object('{"body": "' + "[" * 100 + '"}') == {"body": "[" * 100}


def test_json_reader_refuses_non_utf8_bytes_and_non_objects():
    for body in (b"\xff\xfe{}", b"[1]", b"", b"nope"):
        with pytest.raises(inputs.BadInput):
            inputs.read_json_object(body)


def test_deeply_nested_json_body_on_the_room_action_endpoint_is_400(client_for, member, public_cop):
    room = room_services.ensure_salon(public_cop)
    body = '{"type": "send", "key": "k-nested-01", "body": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client_for(member).post(
        reverse("room_action", args=[room.pk]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_json"


# One safe-redirect helper --------------------------------------------------------------


@pytest.mark.parametrize("target", ODD_NEXT)
def test_odd_next_on_language_switch_goes_home(client, target):
    response = client.post(reverse("switch_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_odd_next_on_language_switch_with_unknown_language_goes_home(client):
    response = client.post(reverse("switch_language"), {"language": "xx", "next": "a"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", ODD_NEXT)
def test_odd_next_on_signup_creates_the_account_and_goes_home(client, target):
    response = client.post(
        reverse("signup") + "?next=" + target,
        {
            "username": "mariam",
            "display_name": "Mariam Keïta",
            "preferred_language": "fr",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "next": target,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert User.objects.filter(username="mariam").exists()


@pytest.mark.parametrize("target", ODD_NEXT)
def test_odd_next_on_login_goes_home(client, target):
    make_user(username="kadi", password=NEW_PASSWORD)
    response = client.post(
        reverse("login") + "?next=" + target,
        {"username": "kadi", "password": NEW_PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_page_never_echoes_an_unsafe_next(client):
    page = client.get(reverse("login") + "?next=https://evil.example/").content.decode()
    assert '<input type="hidden" name="next" value="">' in page


@pytest.mark.parametrize("target", ODD_NEXT)
def test_odd_next_on_logout_goes_home(client_for, member, target):
    response = client_for(member).post(reverse("logout"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_safe_next_is_still_followed_everywhere(client_for, client, member):
    assert (
        client.post(reverse("switch_language"), {"language": "en", "next": "/organisations/"})[
            "Location"
        ]
        == "/organisations/"
    )
    assert (
        client_for(member).post(reverse("logout"), {"next": "/organisations/?page=1"})["Location"]
        == "/organisations/?page=1"
    )


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/\\evil.example/", "/notifications/"),
        ("//evil.example/", "/notifications/"),
        ("https://evil.example/", "/notifications/"),
        ("javascript:alert(1)", "/notifications/"),
        ("/webinaires/", "/webinaires/"),
    ],
)
def test_notification_url_is_followed_only_when_it_is_a_path_here(
    client_for, member, moderator, public_cop, url, expected
):
    from forum.models import Notification

    notification = Notification.objects.create(
        recipient=member,
        kind=Notification.Kind.NEW_THREAD,
        actor=moderator,
        community=public_cop,
        url=url,
    )
    response = client_for(member).get(reverse("notification", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == expected


# Form fields with bounds ---------------------------------------------------------------


def _series(segou, **changes) -> dict:
    return {
        "title": "Série test",
        "regions": [segou.pk],
        "first_start": "2027-03-15T10:00",
        "rrule": "FREQ=MONTHLY;INTERVAL=6;COUNT=3",
        "duration": 90,
        "open_minutes_before": 30,
        **changes,
    }


def _session(**changes) -> dict:
    return {
        "title": "Séance test",
        "starts_at": "2027-03-15T10:00",
        "duration": 90,
        "open_minutes_before": 30,
        **changes,
    }


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"capacity": str(10**20)}, id="capacity-10^20"),
        pytest.param({"capacity": "2147483648"}, id="capacity-over-int32"),
        pytest.param({"starts_at": "9999-12-31T23:59"}, id="year-9999"),
        pytest.param({"starts_at": "0001-01-01T00:00"}, id="year-1"),
        pytest.param({"duration": str(10**30)}, id="duration-huge"),
    ],
)
def test_out_of_bounds_session_form_is_400_with_a_message(
    client_for, moderator, public_cop, changes
):
    response = client_for(moderator).post(
        reverse("webinar_session_new", args=[public_cop.slug]), _session(**changes)
    )
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"capacity": str(10**20)}, id="capacity-10^20"),
        pytest.param({"first_start": "9999-12-31T23:59"}, id="year-9999"),
        pytest.param({"rrule": "FREQ=MONTHLY;BYDAY=+54MO"}, id="byday-+54"),
        pytest.param({"rrule": "FREQ=YEARLY;BYDAY=-99FR"}, id="byday--99"),
        pytest.param({"rrule": "FREQ=MONTHLY;BYMONTHDAY=99"}, id="bymonthday-99"),
        pytest.param({"rrule": "FREQ=YEARLY;BYWEEKNO=77"}, id="byweekno-77"),
        pytest.param({"rrule": "FREQ=YEARLY;BYYEARDAY=999"}, id="byyearday-999"),
        pytest.param({"rrule": "FREQ=MONTHLY;BYSETPOS=400"}, id="bysetpos-400"),
        pytest.param({"rrule": "FREQ=MONTHLY;COUNT=99999999999999999999"}, id="count-huge"),
        pytest.param({"rrule": "FREQ=MONTHLY;INTERVAL=99999999999999999999"}, id="interval-huge"),
        pytest.param({"rrule": "FREQ=MONTHLY;UNTIL=99991231T235959Z"}, id="until-9999"),
        pytest.param({"rrule": "FREQ=MONTHLY;BYMONTH=13"}, id="bymonth-13"),
        pytest.param({"rrule": "FREQ=MONTHLY;WKST=XX"}, id="wkst-xx"),
        pytest.param({"rrule": "FREQ=MONTHLY;BYDAY=MO,,TU"}, id="byday-empty-item"),
    ],
)
def test_out_of_bounds_series_form_is_400_with_a_message(
    client_for, moderator, public_cop, segou, changes
):
    response = client_for(moderator).post(
        reverse("webinar_series_new", args=[public_cop.slug]), _series(segou, **changes)
    )
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Series.objects.exists()


# Charsets ------------------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["utf-7", "utf-16", "rot13", "cp1252", "latin-1", "utf8"])
def test_form_post_in_another_charset_is_400(client_for, member, charset):
    response = client_for(member).generic(
        "POST",
        reverse("switch_language"),
        "language=en&next=%2F",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()


def test_form_post_in_utf8_or_without_charset_is_read(client):
    for content_type in (
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        # Unknown to Python: Django ignores it and reads UTF-8.
        "application/x-www-form-urlencoded; charset=x-no-such-charset",
    ):
        response = client.generic(
            "POST", reverse("switch_language"), "language=en", content_type=content_type
        )
        assert response.status_code == 302


def test_multipart_post_in_another_charset_is_400(client_for, member):
    response = Client().generic(
        "POST",
        reverse("login"),
        b'--x\r\nContent-Disposition: form-data; name="username"\r\n\r\na\r\n--x--\r\n',
        content_type="multipart/form-data; boundary=x; charset=utf-16",
    )
    assert response.status_code == 400


# One strict number reader --------------------------------------------------------------


@pytest.mark.parametrize("value", ["²", "١٢", "-1", "+1", " 1", "1_000", "1e3", "9" * 30])
def test_number_reader_takes_ascii_digits_only(value):
    assert inputs.read_whole_number(value) is None


def test_superscript_after_on_room_events_is_400(client_for, member, public_cop):
    room = room_services.ensure_salon(public_cop)
    response = client_for(member).get(reverse("room_events", args=[room.pk]) + "?after=²")
    assert response.status_code == 400


def test_superscript_page_number_gives_the_first_page(client, public_cop):
    response = client.get(reverse("community", args=[public_cop.slug]) + "?page=²")
    assert response.status_code == 200
    response = client.get(reverse("community", args=[public_cop.slug]) + "?page=١")
    assert response.status_code == 200


def test_superscript_before_on_the_webinar_room_is_400(client_for, member, public_cop, moderator):
    from datetime import timedelta

    from django.utils import timezone

    from webinars import services

    session = services.create_session(
        author=moderator,
        community=public_cop,
        title="Séance",
        starts_at=timezone.now() - timedelta(minutes=5),
        duration=60,
    )
    response = client_for(member).get(reverse("webinar_room", args=[session.pk]) + "?avant=²")
    assert response.status_code == 400


@pytest.fixture(autouse=True)
def _no_server_errors(caplog):
    """No finding may leave a traceback in the log, even behind a 4xx."""
    with caplog.at_level(logging.ERROR):
        yield
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
