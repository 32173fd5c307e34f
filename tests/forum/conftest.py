"""
Fixtures for the HTTP-level tests of the forum (tests/forum/test_views_*.py).

The actors and the two CoPs come from tests/conftest.py; this adds a client
that turns server errors into 500 responses (instead of raising), a second
public CoP, the private CoP's secrets, and people with private contact data.
"""

import pytest
from django.test import Client

from forum.models import Community, Membership, Region, Tag

from ..factories import make_community, make_membership, make_post, make_thread, make_user

SECRET_TAG = "stratégie secrète"
SECRET_TITLE = "Plan de mise à l'abri de Mariam à Mopti"


@pytest.fixture
def browser(db):
    """
    ``browser(user)``: a Client that answers 500 like production does.

    Django's test Client re-raises view exceptions by default; with
    ``raise_request_exception=False`` a crash shows up as a status code, so
    tests can assert ``status_code < 500``.
    """

    def make(user=None) -> Client:
        client = Client(raise_request_exception=False)
        if user is not None and user.is_authenticated:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def other_public_cop(db, member, moderator):
    """A second public CoP that ``moderator`` also moderates (target of a move)."""
    community = make_community(
        name="Violences basées sur le genre",
        slug="vbg",
        visibility=Community.Visibility.PUBLIC,
    )
    make_membership(member, community, Membership.Role.MEMBER)
    make_membership(moderator, community, Membership.Role.MODERATOR)
    return community


@pytest.fixture
def secret_thread(private_cop, member):
    """A private-CoP thread whose title and only tag must never leak."""
    thread = make_thread(member, private_cop, title=SECRET_TITLE, tags=[SECRET_TAG])
    make_post(member, thread, body="Réponse dans la communauté privée.")
    return thread


@pytest.fixture
def secret_tag(secret_thread):
    return Tag.objects.get(name=SECRET_TAG)


@pytest.fixture
def region(db):
    return Region.objects.get(slug="segou")  # regions come from a data migration


@pytest.fixture
def other_region(db):
    return Region.objects.get(slug="kayes")


@pytest.fixture
def discreet_member(public_cop, private_cop):
    """A member whose login name, e-mail and phone differ from what others may see."""
    user = make_user(
        username="login-kadi-77",
        display_name="Kadiatou S.",
        email="kadiatou.prive@example.org",
        phone="+223 76 12 34 56",
    )
    make_membership(user, public_cop)
    make_membership(user, private_cop)
    return user
