"""
A removal or a ban holds in webinars (issue 13): the person loses her seats in
the CoP's coming sessions, the freed seat goes to the next who may attend, and
the waiting list skips anyone who may no longer attend.
"""

from datetime import timedelta

import pytest

from forum import services as forum_services
from forum.models import Membership, Notification, Sanction, User
from forum.permissions import Refused
from webinars import services
from webinars.models import Registration

from .conftest import make_session
from .test_services import new_member, status_of

pytestmark = pytest.mark.django_db

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED


@pytest.fixture
def full_session(public_cop, moderator, segou):
    """One seat, taken by ``first``; ``second`` and ``third`` wait, in that order."""
    session = make_session(public_cop, moderator, starts_in=timedelta(days=2), capacity=1)
    people = [new_member(public_cop, segou) for _ in range(3)]
    for person in people:
        services.register(user=person, session=session)
    return session, people


def test_removed_member_loses_her_seat_and_the_next_is_promoted(full_session, moderator):
    session, (first, second, third) = full_session
    membership = Membership.objects.get(user=first, community=session.community)
    forum_services.remove_member(moderator=moderator, membership=membership, reason="Spam")

    assert status_of(first, session) == CANCELLED
    assert status_of(second, session) == CONFIRMED
    assert status_of(third, session) == WAITLISTED
    assert Notification.objects.filter(recipient=second, kind="other").exists()


def test_banned_member_loses_her_place_on_the_waiting_list(full_session, moderator):
    session, (first, second, third) = full_session
    forum_services.sanction_member(
        moderator=moderator,
        community=session.community,
        user=second,
        kind="ban",
        duration="7d",
    )
    assert status_of(second, session) == CANCELLED
    assert status_of(first, session) == CONFIRMED


def test_waiting_list_skips_someone_who_may_no_longer_attend(full_session, moderator):
    """Even a ban written without the exclusion handlers (as an import would) is honoured."""
    session, (first, second, third) = full_session
    Sanction.objects.create(
        community=session.community, user=second, kind="ban", created_by=moderator
    )
    services.cancel_registration(user=first, session=session)

    assert status_of(second, session) != CONFIRMED
    assert status_of(third, session) == CONFIRMED
    assert not Notification.objects.filter(recipient=second, kind="other").exists()


def test_a_mute_keeps_her_seat(full_session, moderator):
    session, (first, _second, _third) = full_session
    forum_services.sanction_member(
        moderator=moderator, community=session.community, user=first, kind="mute", duration="1d"
    )
    assert status_of(first, session) == CONFIRMED


def test_banned_member_cannot_register_again(full_session, moderator, segou):
    session, (first, _second, _third) = full_session
    forum_services.sanction_member(
        moderator=moderator, community=session.community, user=first, kind="ban", duration="1d"
    )
    with pytest.raises(Refused):
        services.register(user=User.objects.get(pk=first.pk), session=session)
