from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command

from demo.content import DEMO_PASSWORD
from forum.models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Organisation,
    Post,
    PostRevision,
    Region,
    Thread,
    User,
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", allow_production=True, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_fills_the_forum_and_a_second_run_changes_nothing():
    first_output = seed()
    counts = row_counts()

    assert Region.objects.count() >= 6
    assert Organisation.objects.count() >= 8
    assert Community.objects.count() >= 4
    assert Community.objects.filter(visibility=Community.Visibility.PRIVATE).count() == 1
    assert Thread.objects.count() >= 30
    assert Post.objects.filter(depth__gte=3).exists()
    assert Thread.objects.filter(reply_count__gte=55).exists()  # two pages of 50 posts
    for community in Community.objects.all():
        assert community.memberships.filter(role=Membership.Role.MODERATOR).exists()
        assert community.threads.filter(is_pinned=True).count() == 1
    assert Thread.objects.filter(is_locked=True).exists()
    assert Post.objects.filter(hidden_at__isnull=False).exists()
    assert PostRevision.objects.exists()
    assert ModerationAction.objects.exists()
    assert JoinRequest.objects.filter(status=JoinRequest.Status.PENDING).count() == 1
    assert Invitation.objects.filter(community__visibility=Community.Visibility.PRIVATE).exists()
    assert f"Ouvrez {settings.SITE_URL}/." in first_output

    second_output = seed()

    assert row_counts() == counts
    assert "déjà présentes" in second_output
    assert DEMO_PASSWORD in second_output


@pytest.mark.django_db
def test_seed_demo_threads_keep_last_activity_on_their_newest_post():
    seed()

    for thread in Thread.objects.all():
        newest = thread.posts.order_by("-seq").first()
        assert thread.last_activity_at == newest.created_at
        assert thread.last_poster_id == newest.author_id
        assert thread.reply_count == thread.posts.count() - 1
        assert 1 <= thread.tags.count() <= 4


@pytest.mark.django_db
def test_seed_demo_logins_work_with_their_roles():
    seed()

    admin = authenticate(username="admin", password=DEMO_PASSWORD)
    aminata = authenticate(username="aminata", password=DEMO_PASSWORD)
    fatoumata = authenticate(username="fatoumata", password=DEMO_PASSWORD)

    assert admin.is_staff and admin.is_superuser
    private = Community.objects.get(visibility=Community.Visibility.PRIVATE)
    moderated = Membership.objects.filter(user=aminata, role=Membership.Role.MODERATOR)
    assert moderated.count() >= 2
    assert moderated.filter(community=private).exists()
    assert not fatoumata.is_staff
    assert not Membership.objects.filter(user=fatoumata, role=Membership.Role.MODERATOR).exists()
    assert User.objects.filter(display_name="Voix de Kayes").exists()


@pytest.mark.django_db
def test_seed_demo_members_follow_threads_at_each_level(client):
    from django.urls import reverse

    from forum.models import FollowLevel, ThreadFollow

    seed()

    for username in ("fatoumata", "aminata", "kadidia"):
        chosen = ThreadFollow.objects.filter(user__username=username, chosen=True)
        assert set(chosen.values_list("level", flat=True)) == set(FollowLevel.values), username
    # « Mes abonnements » shows them, each with its level.
    client.force_login(User.objects.get(username="fatoumata"))
    page = client.get(reverse("follows")).content.decode()
    assert "Caravane « Laissez-les grandir »" in page
    for level in ("tout", "réponses et mentions", "en sourdine"):
        assert f"niveau : {level}</p>" in page, level
