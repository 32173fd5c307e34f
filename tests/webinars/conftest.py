"""
Places for the webinar tests: regions, a live session (its room open now), an
upcoming one and an ended one, all in ``public_cop``; ``private_session`` in
``private_cop``. Sessions are made through the services, as the site makes them.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum.models import Region
from webinars import services


@pytest.fixture
def segou(db):
    return Region.objects.get_or_create(slug="segou", defaults={"name": "Ségou"})[0]


@pytest.fixture
def kayes(db):
    return Region.objects.get_or_create(slug="kayes", defaults={"name": "Kayes"})[0]


@pytest.fixture
def regional(member, moderator, outsider, segou, kayes):
    """Give the actors a region, as their profile would."""
    for user, region in ((member, segou), (moderator, kayes), (outsider, segou)):
        user.region = region
        user.save(update_fields=["region"])


def make_session(community, moderator, *, starts_in: timedelta, duration=90, **kw):
    return services.create_session(
        author=moderator,
        community=community,
        title=kw.pop("title", "Mariage des enfants : où en sont nos plans ?"),
        starts_at=timezone.now() + starts_in,
        duration=duration,
        **kw,
    )


@pytest.fixture
def live_session(public_cop, moderator, regional):
    """Started ten minutes ago: its room is open."""
    return make_session(public_cop, moderator, starts_in=timedelta(minutes=-10))


@pytest.fixture
def upcoming_session(public_cop, moderator, regional):
    """In three days: registration open, room not yet."""
    return make_session(public_cop, moderator, starts_in=timedelta(days=3), capacity=2)


@pytest.fixture
def ended_session(public_cop, moderator, regional):
    return make_session(public_cop, moderator, starts_in=timedelta(days=-2))


@pytest.fixture
def private_session(private_cop, moderator, regional):
    return make_session(private_cop, moderator, starts_in=timedelta(minutes=-5))
