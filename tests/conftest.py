"""
Actors and places shared by the tests.

``member`` belongs to both CoPs, ``moderator`` moderates both, ``outsider``
belongs to none, ``staff`` is site staff without any membership.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from forum import events
from forum.models import Community, Membership

from .factories import make_community, make_membership, make_thread, make_user


@pytest.fixture
def member(db):
    return make_user(username="awa", display_name="Awa Traoré")


@pytest.fixture
def moderator(db):
    return make_user(username="fatoumata", display_name="Fatoumata Diarra")


@pytest.fixture
def outsider(db):
    return make_user(username="bintou", display_name="Bintou Coulibaly")


@pytest.fixture
def staff(db):
    return make_user(username="equipe", display_name="Équipe Jɛkafɔ", is_staff=True)


@pytest.fixture
def anonymous():
    return AnonymousUser()


def _populate(community: Community, member, moderator) -> Community:
    make_membership(member, community, Membership.Role.MEMBER)
    make_membership(moderator, community, Membership.Role.MODERATOR)
    return community


@pytest.fixture
def public_cop(db, member, moderator):
    community = make_community(
        name="Droits fonciers des femmes",
        slug="droits-fonciers",
        visibility=Community.Visibility.PUBLIC,
    )
    return _populate(community, member, moderator)


@pytest.fixture
def private_cop(db, member, moderator):
    community = make_community(
        name="Accompagnement des survivantes",
        slug="survivantes",
        visibility=Community.Visibility.PRIVATE,
    )
    return _populate(community, member, moderator)


@pytest.fixture
def thread(public_cop, member):
    return make_thread(member, public_cop, title="Loi 052 : où en est-on ?", tags=["Loi 052"])


@pytest.fixture
def private_thread(private_cop, member):
    return make_thread(member, private_cop, title="Cas suivis à Mopti")


@pytest.fixture
def client_for(db):
    """``client_for(user)``: a django test Client logged in as ``user`` (anonymous: not)."""

    def make(user) -> Client:
        client = Client()
        if user is not None and user.is_authenticated:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def captured_events():
    """Every forum event delivered while the test runs, in order."""
    received: list[events.Event] = []
    handler = received.append
    events.subscribe(handler)
    yield received
    events.unsubscribe(handler)


@pytest.fixture(autouse=True)
def _fresh_limits():
    """Start every test with no abuse-limit counter spent (they live in the cache)."""
    from django.core.cache import cache

    from realtime.pages import recent_pages

    cache.clear()
    # Pages of room logs kept a moment per process: none from another test's database.
    recent_pages.clear()
    yield


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, frozen; ``clock.move(seconds)`` moves it forward."""
    from datetime import timedelta

    from django.utils import timezone

    from forum import limits

    class Clock:
        def __init__(self) -> None:
            self.current = timezone.now()

        def __call__(self):
            return self.current

        def move(self, seconds: float) -> None:
            self.current += timedelta(seconds=seconds)

    frozen = Clock()
    monkeypatch.setattr(limits, "now", frozen)
    return frozen
