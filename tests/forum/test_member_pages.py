"""The HTTP door of member moderation: confirmation pages without JavaScript, refusals, log."""

import pytest
from django.urls import reverse

from forum import services
from forum.models import Membership, ModerationAction, Sanction, User

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership(public_cop, member):
    return Membership.objects.get(user=member, community=public_cop)


def remove_url(membership) -> str:
    return reverse("member_remove", args=[membership.community.slug, membership.pk])


def sanction_url(membership) -> str:
    return reverse("member_sanction", args=[membership.community.slug, membership.pk])


def test_removal_first_asks_for_confirmation_and_a_reason(membership, moderator, client_for):
    client = client_for(moderator)
    page = client.get(remove_url(membership))
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()  # a GET never removes

    without_reason = client.post(remove_url(membership), {"duration": "forever"})
    assert without_reason.status_code == 400
    assert Membership.objects.filter(pk=membership.pk).exists()

    done = client.post(remove_url(membership), {"duration": "7d", "reason": "Spam répété"})
    assert done.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Sanction.objects.get(user=membership.user).until is not None


@pytest.mark.parametrize("caller", ["member", "outsider"])
def test_removal_page_refuses_non_moderators(request, caller, public_cop, moderator, client_for):
    target = Membership.objects.get(user=moderator, community=public_cop)
    client = client_for(request.getfixturevalue(caller))
    assert client.get(remove_url(target)).status_code == 403
    assert client.post(remove_url(target), {"reason": "x", "duration": "1h"}).status_code == 403


def test_removal_page_of_a_private_cop_is_a_404_to_outsiders(
    private_cop, member, outsider, client_for
):
    target = Membership.objects.get(user=member, community=private_cop)
    assert client_for(outsider).get(remove_url(target)).status_code == 404


def test_sanction_form_mutes_and_the_members_page_lists_it_with_a_lift_button(
    membership, moderator, client_for, public_cop
):
    client = client_for(moderator)
    assert client.get(sanction_url(membership)).status_code == 200
    answer = client.post(
        sanction_url(membership), {"kind": "mute", "duration": "1d", "reason": "Insultes"}
    )
    assert answer.status_code == 302
    sanction = Sanction.objects.get(user=membership.user)
    members = client.get(reverse("community_members", args=[public_cop.slug])).content.decode()
    assert "Insultes" in members
    assert reverse("sanction_lift", args=[public_cop.slug, sanction.pk]) in members

    client.post(reverse("sanction_lift", args=[public_cop.slug, sanction.pk]))
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None


def test_sanction_form_refuses_a_bad_duration_with_400(membership, moderator, client_for):
    answer = client_for(moderator).post(
        sanction_url(membership), {"kind": "ban", "duration": "10y", "reason": "x"}
    )
    assert answer.status_code == 400
    assert not Sanction.objects.exists()


def test_moderator_cannot_open_the_sanction_form_on_another_moderator(
    public_cop, member, moderator, client_for
):
    services.change_member_role(
        moderator=moderator,
        membership=Membership.objects.get(user=member, community=public_cop),
        role="moderator",
    )
    target = Membership.objects.get(user=moderator, community=public_cop)
    assert client_for(member).get(sanction_url(target)).status_code == 403


def test_moderation_log_renders_changes_of_every_kind(membership, moderator, client_for):
    services.sanction_member(
        moderator=moderator,
        community=membership.community,
        user=membership.user,
        kind="mute",
        duration="forever",
        reason="Insultes",
    )
    ModerationAction.objects.create(
        community=membership.community,
        actor=moderator,
        kind="retag",
        details={"changes": [{"field": "étiquettes", "old": ["a", "b"], "new": ["c"]}]},
    )
    page = (
        client_for(moderator)
        .get(reverse("moderation_log", args=[membership.community.slug]))
        .content.decode()
    )
    assert "sourdine" in page and "aucune" in page and "jusqu&#x27;à levée" in page
    assert "a, b" in page and "<ins>c</ins>" in page


def test_site_ban_page_is_for_staff_only(member, outsider, client_for):
    url = reverse("site_ban", args=[outsider.pk])
    assert client_for(member).get(url).status_code == 403
    assert client_for(member).post(url, {"reason": "x"}).status_code == 403
    assert User.objects.get(pk=outsider.pk).is_active
    assert client_for(member).get(reverse("site_bans")).status_code == 403


def test_staff_bans_from_the_site_page_and_lifts_it(staff, outsider, client_for):
    client = client_for(staff)
    url = reverse("site_ban", args=[outsider.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400  # a reason is required
    assert client.post(url, {"reason": "Usurpation d'identité"}).status_code == 302
    assert not User.objects.get(pk=outsider.pk).is_active
    listing = client.get(reverse("site_bans")).content.decode()
    assert "Usurpation" in listing

    assert client.post(url, {"lift": "1"}).status_code == 302
    assert User.objects.get(pk=outsider.pk).is_active


def test_banned_account_is_refused_at_sign_in(staff, outsider, client):
    services.ban_from_site(staff=staff, user=outsider)
    answer = client.post(reverse("login"), {"username": outsider.username, "password": PASSWORD})
    assert answer.status_code in (200, 400)
    assert "_auth_user_id" not in client.session


def test_salon_page_tells_a_member_muted_in_the_cop_why_and_draws_no_form(
    public_cop, moderator, member, client_for
):
    from rooms import services as room_services

    room_services.ensure_salon(public_cop)
    services.sanction_member(
        moderator=moderator,
        community=public_cop,
        user=member,
        kind="mute",
        duration="1d",
        reason="Insultes",
    )
    page = client_for(member).get(reverse("salon", args=[public_cop.slug])).content.decode()
    assert "Vous êtes en sourdine" in page and "Insultes" in page
    assert 'id="chat-form"' not in page
    assert "Rejoignez" not in page


def test_removed_member_opening_a_valid_invitation_is_refused_with_a_reason_and_logged(
    private_cop, moderator, member, client_for
):
    invitation = services.create_invitation(moderator=moderator, community=private_cop)
    services.remove_member(
        moderator=moderator,
        membership=Membership.objects.get(user=member, community=private_cop),
        reason="Fuite d'informations",
    )
    answer = client_for(member).post(reverse("invitation", args=[invitation.token]))
    assert answer.status_code == 403
    text = answer.content.decode()
    assert "exclu" in text and "Fuite d" in text
    assert not Membership.objects.filter(user=member, community=private_cop).exists()
    assert ModerationAction.objects.filter(kind="entry_refused", target_user=member).exists()
    log = client_for(moderator).get(reverse("moderation_log", args=[private_cop.slug]))
    assert "malgré une exclusion" in log.content.decode()
