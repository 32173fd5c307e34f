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
