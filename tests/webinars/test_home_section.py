"""
"Mon prochain webinaire" on the signed-in home page: a section webinars registers into the
forum's home (forum.home_sections), so that the forum never imports webinars.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from forum import home_sections
from forum.models import Membership
from tests.factories import make_membership, make_user
from webinars import services

from .conftest import make_session

pytestmark = pytest.mark.django_db


def home(client_for, user) -> str:
    return client_for(user).get(reverse("home")).content.decode()


def test_webinars_register_their_home_section():
    assert "webinar" in [section.name for section in home_sections.sections()]


def test_home_shows_my_next_webinar(public_cop, member, moderator, regional, client_for):
    later = make_session(public_cop, moderator, starts_in=timedelta(days=9), title="Plus tard")
    sooner = make_session(public_cop, moderator, starts_in=timedelta(days=2), title="Bientôt")
    not_mine = make_session(public_cop, moderator, starts_in=timedelta(days=1), title="Pas moi")
    services.register(user=member, session=later)
    services.register(user=member, session=sooner)

    html = home(client_for, member)

    assert "Mon prochain webinaire" in html
    assert sooner.get_absolute_url() in html
    assert later.get_absolute_url() not in html
    assert not_mine.get_absolute_url() not in html


def test_a_place_on_the_waiting_list_says_so(public_cop, member, moderator, regional, client_for):
    session = make_session(public_cop, moderator, starts_in=timedelta(days=3), capacity=1)
    first = make_user(region=member.region)
    make_membership(first, public_cop)
    services.register(user=first, session=session)
    services.register(user=member, session=session)

    html = home(client_for, member)

    assert session.get_absolute_url() in html
    assert "liste d'attente" in html


def test_no_next_webinar_after_cancelling_or_when_it_ended(
    public_cop, member, moderator, regional, client_for
):
    session = make_session(public_cop, moderator, starts_in=timedelta(days=3))
    ended = make_session(public_cop, moderator, starts_in=timedelta(days=-3))
    services.register(user=member, session=session)
    services.cancel_registration(user=member, session=session)
    assert ended.get_absolute_url() not in home(client_for, member)

    html = home(client_for, member)
    assert "Vous n'êtes inscrit·e à aucun webinaire à venir." in html
    assert reverse("webinars") in html


def test_a_webinar_of_a_private_cop_i_left_is_not_shown(
    private_cop, member, moderator, regional, client_for
):
    session = make_session(private_cop, moderator, starts_in=timedelta(days=3))
    services.register(user=member, session=session)
    assert session.get_absolute_url() in home(client_for, member)

    # Gone from the CoP without the registration being cancelled (as a direct row change
    # would): the section judges what she may see now, not what she registered for.
    Membership.objects.filter(user=member, community=private_cop).delete()
    html = home(client_for, member)
    assert session.get_absolute_url() not in html
    assert session.title not in html


def test_the_section_costs_the_same_with_1_and_10_registrations(
    public_cop, member, moderator, regional, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries.captured_queries)

    first = make_session(public_cop, moderator, starts_in=timedelta(days=1), title="S0")
    services.register(user=member, session=first)
    one = cost()
    for number in range(1, 10):
        session = make_session(
            public_cop, moderator, starts_in=timedelta(days=number + 1), title=f"S{number}"
        )
        services.register(user=member, session=session)
    assert cost() == one
