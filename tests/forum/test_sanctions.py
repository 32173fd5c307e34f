"""
Mutes, bans and removals (issue 13): who may sanction whom, what each does,
its audit entry (old → new), its notice to the member, and that it ends on
time with nothing scheduled.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from forum import permissions as perms
from forum import selectors, services
from forum.models import (
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Notification,
    Sanction,
    User,
)

from ..factories import PASSWORD, make_membership, make_post, make_user

pytestmark = pytest.mark.django_db

Kind = ModerationAction.Kind


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def sanction(moderator, community, user, kind="mute", duration="1d", reason="Propos blessants"):
    return services.sanction_member(
        moderator=moderator,
        community=community,
        user=user,
        kind=kind,
        duration=duration,
        reason=reason,
    )


@pytest.fixture
def other_moderator(public_cop, private_cop):
    user = make_user(username="mariam", display_name="Mariam Konaté")
    make_membership(user, public_cop, Membership.Role.MODERATOR)
    make_membership(user, private_cop, Membership.Role.MODERATOR)
    return user


# Who may sanction whom ---------------------------------------------------------------


def test_moderator_mutes_a_member(public_cop, moderator, member):
    sanction(moderator, public_cop, member)
    assert perms.is_muted(fresh(member), public_cop)


@pytest.mark.parametrize("caller", ["member", "outsider"])
def test_member_or_outsider_cannot_sanction(request, public_cop, member, caller):
    target = make_user(username="cible", display_name="Cible")
    make_membership(target, public_cop)
    with pytest.raises(PermissionDenied):
        sanction(request.getfixturevalue(caller), public_cop, target)
    assert not Sanction.objects.exists()


def test_moderator_cannot_sanction_themself(public_cop, moderator):
    with pytest.raises(PermissionDenied):
        sanction(moderator, public_cop, moderator)


def test_moderator_cannot_sanction_staff(public_cop, moderator, staff):
    make_membership(staff, public_cop)
    with pytest.raises(PermissionDenied):
        sanction(moderator, public_cop, staff, kind="ban")


def test_moderator_cannot_sanction_another_moderator_but_staff_can(
    public_cop, moderator, other_moderator, staff
):
    with pytest.raises(PermissionDenied):
        sanction(moderator, public_cop, other_moderator)
    sanction(staff, public_cop, other_moderator)
    assert perms.is_muted(fresh(other_moderator), public_cop)
    # A muted moderator no longer moderates while it lasts.
    assert not perms.can_moderate_community(fresh(other_moderator), public_cop)


def test_moderator_of_another_cop_cannot_sanction_here(public_cop, member):
    elsewhere = make_user(username="ailleurs", display_name="Ailleurs")
    with pytest.raises(PermissionDenied):
        sanction(elsewhere, public_cop, member)


def test_unknown_duration_is_refused(public_cop, moderator, member):
    with pytest.raises(ValidationError):
        sanction(moderator, public_cop, member, duration="1y")


# What a mute does ---------------------------------------------------------------------


def test_muted_member_reads_but_cannot_post_reply_or_start_a_thread(
    public_cop, moderator, member, thread
):
    sanction(moderator, public_cop, member)
    member = fresh(member)
    assert perms.can_view_thread(member, thread)
    assert not perms.can_reply_to_thread(member, thread)
    with pytest.raises(perms.Refused) as refusal:
        services.create_post(author=member, thread=thread, parent=None, body="Bonjour")
    assert refusal.value.code == "muted"
    assert "Propos blessants" in str(refusal.value)
    with pytest.raises(perms.Refused):
        services.create_thread(
            author=member, community=public_cop, title="Un titre", body="Un texte", tags=""
        )


def test_a_muted_member_still_reads_the_member_list(private_cop, moderator, member, client_for):
    """Found by the access matrix: the list was gated by "may post", a 404 for her."""
    sanction(moderator, private_cop, member)
    url = reverse("community_members", args=[private_cop.slug])

    assert client_for(member).get(url).status_code == 200
    sanction(moderator, private_cop, member, kind="ban")
    assert client_for(member).get(url).status_code == 404


def test_mute_ends_by_itself_when_its_time_has_passed(public_cop, moderator, member):
    muted = sanction(moderator, public_cop, member, duration="1h")
    Sanction.objects.filter(pk=muted.pk).update(until=timezone.now() - timedelta(seconds=1))
    assert perms.can_post_in_community(fresh(member), public_cop)


def test_mute_is_logged_old_to_new_and_told_to_the_member(public_cop, moderator, member):
    sanction(moderator, public_cop, member, duration="forever")
    action = ModerationAction.objects.get(kind=Kind.MUTE_MEMBER)
    assert (action.actor, action.target_user, action.reason) == (
        moderator,
        member,
        "Propos blessants",
    )
    assert action.details["changes"] == [
        {"field": "sourdine", "old": "aucune", "new": "jusqu'à levée"}
    ]
    notice = Notification.objects.get(recipient=member, kind=Notification.Kind.MODERATION)
    assert "sourdine" in notice.subject and "Propos blessants" in notice.subject
    assert fresh(member).unread_notifications == 1


def test_a_new_mute_replaces_the_old_and_logs_the_change(public_cop, moderator, member):
    first = sanction(moderator, public_cop, member, duration="1h")
    sanction(moderator, public_cop, member, duration="7d")
    first.refresh_from_db()
    assert first.lifted_at is not None
    last = ModerationAction.objects.filter(kind=Kind.MUTE_MEMBER).first()
    change = last.details["changes"][0]
    assert change["old"] != "aucune" and change["new"] != change["old"]


def test_lifting_a_mute_is_logged_and_told(public_cop, moderator, member):
    muted = sanction(moderator, public_cop, member)
    services.lift_sanction(moderator=moderator, sanction=muted)
    assert perms.can_post_in_community(fresh(member), public_cop)
    action = ModerationAction.objects.get(kind=Kind.UNMUTE_MEMBER)
    assert action.details["changes"][0]["new"] == "aucune"
    assert Notification.objects.filter(recipient=member, kind="moderation").count() == 2


def test_member_cannot_lift_her_own_mute(public_cop, moderator, member):
    muted = sanction(moderator, public_cop, member)
    with pytest.raises(PermissionDenied):
        services.lift_sanction(moderator=fresh(member), sanction=muted)


def test_community_page_tells_the_muted_member_why_and_until_when(
    public_cop, moderator, member, client_for
):
    sanction(moderator, public_cop, member, duration="7d")
    page = client_for(member).get(public_cop.get_absolute_url()).content.decode()
    assert "Vous êtes en sourdine" in page and "Propos blessants" in page


# What a ban does ----------------------------------------------------------------------


def test_ban_hides_a_private_cop_and_its_threads(private_cop, private_thread, moderator, member):
    sanction(moderator, private_cop, member, kind="ban")
    member = fresh(member)
    assert not perms.can_view_community(member, private_cop)
    with pytest.raises(Http404):
        selectors.access_thread(member, private_thread.pk)
    assert private_cop not in selectors.list_communities(member)


def test_ban_in_a_public_cop_keeps_reading_but_not_taking_part(
    public_cop, thread, moderator, member
):
    sanction(moderator, public_cop, member, kind="ban")
    member = fresh(member)
    assert perms.can_view_thread(member, thread)
    assert not perms.can_post_in_community(member, public_cop)
    assert not perms.can_request_to_join(member, public_cop)


def test_ban_notice_stays_visible_though_the_cop_is_hidden(private_cop, moderator, member):
    sanction(moderator, private_cop, member, kind="ban", reason="Menaces")
    notices = selectors.list_notifications(fresh(member))
    assert [n.kind for n in notices] == ["moderation"]
    assert notices[0].url == reverse("notifications")


def test_banned_member_is_not_notified_of_private_cop_posts(
    private_cop, private_thread, moderator, member, outsider
):
    make_membership(outsider, private_cop)
    sanction(moderator, private_cop, member, kind="ban")
    make_post(outsider, private_thread, body="Réponse")  # member wrote the thread
    assert not Notification.objects.filter(recipient=member, kind="reply").exists()


# Removal holds ------------------------------------------------------------------------


def test_removed_member_cannot_rejoin_through_a_valid_invitation_and_it_is_logged(
    private_cop, moderator, member
):
    invitation = services.create_invitation(moderator=moderator, community=private_cop)
    membership = Membership.objects.get(user=member, community=private_cop)
    services.remove_member(moderator=moderator, membership=membership, reason="Fuite")

    with pytest.raises(perms.Refused) as refusal:
        services.accept_invitation(user=fresh(member), token=invitation.token)

    assert "exclu" in str(refusal.value)
    assert not Membership.objects.filter(user=member, community=private_cop).exists()
    assert Invitation.objects.get(pk=invitation.pk).use_count == 0
    attempt = ModerationAction.objects.get(kind=Kind.ENTRY_REFUSED)
    assert attempt.target_user == member


def test_removal_for_a_time_lets_her_back_after_it(private_cop, moderator, member):
    invitation = services.create_invitation(moderator=moderator, community=private_cop)
    membership = Membership.objects.get(user=member, community=private_cop)
    services.remove_member(moderator=moderator, membership=membership, duration="1d")
    Sanction.objects.filter(user=member).update(until=timezone.now() - timedelta(minutes=1))
    services.accept_invitation(user=fresh(member), token=invitation.token)
    assert Membership.objects.filter(user=member, community=private_cop).exists()


def test_lifted_removal_lets_her_back_through_the_invitation(private_cop, moderator, member):
    invitation = services.create_invitation(moderator=moderator, community=private_cop)
    membership = Membership.objects.get(user=member, community=private_cop)
    services.remove_member(moderator=moderator, membership=membership)
    services.lift_sanction(moderator=moderator, sanction=Sanction.objects.get(user=member))
    services.accept_invitation(user=fresh(member), token=invitation.token)
    assert Membership.objects.filter(user=member, community=private_cop).exists()


def test_removed_member_cannot_request_to_join_a_public_cop_again(public_cop, moderator, member):
    membership = Membership.objects.get(user=member, community=public_cop)
    services.remove_member(moderator=moderator, membership=membership, reason="Spam")
    with pytest.raises(perms.Refused):
        services.request_to_join(user=fresh(member), community=public_cop)


def test_a_request_made_before_a_ban_cannot_be_accepted(public_cop, moderator, outsider):
    join_request = services.request_to_join(user=outsider, community=public_cop)
    sanction(moderator, public_cop, outsider, kind="ban")
    with pytest.raises(ValidationError):
        services.decide_join_request(moderator=moderator, join_request=join_request, approve=True)
    assert not Membership.objects.filter(user=outsider, community=public_cop).exists()


def test_removed_member_is_told_why(public_cop, moderator, member):
    membership = Membership.objects.get(user=member, community=public_cop)
    services.remove_member(moderator=moderator, membership=membership, reason="Spam répété")
    notice = Notification.objects.get(recipient=member, kind="moderation")
    assert "retiré" in notice.subject and "Spam répété" in notice.subject


# Accepted applicant, audit of member actions -----------------------------------------


def test_accepted_applicant_is_notified_and_the_log_says_old_to_new(
    public_cop, moderator, outsider
):
    join_request = services.request_to_join(user=outsider, community=public_cop)
    services.decide_join_request(moderator=moderator, join_request=join_request, approve=True)
    notice = Notification.objects.get(recipient=outsider)
    assert notice.kind == Notification.Kind.MODERATION
    assert public_cop.name in notice.subject
    assert notice.url == public_cop.get_absolute_url()
    action = ModerationAction.objects.get(kind=Kind.APPROVE_MEMBER)
    assert action.details["changes"] == [
        {"field": "demande d'adhésion", "old": "en attente", "new": "acceptée"},
        {"field": "rôle", "old": None, "new": "membre"},
    ]
    assert JoinRequest.objects.get(pk=join_request.pk).status == "approved"


def test_refused_applicant_log_says_old_to_new(public_cop, moderator, outsider):
    join_request = services.request_to_join(user=outsider, community=public_cop)
    services.decide_join_request(moderator=moderator, join_request=join_request, approve=False)
    action = ModerationAction.objects.get(kind=Kind.REFUSE_MEMBER)
    assert action.details["changes"] == [
        {"field": "demande d'adhésion", "old": "en attente", "new": "refusée"}
    ]


def test_revoking_an_invitation_logs_old_to_new(public_cop, moderator):
    invitation = services.create_invitation(moderator=moderator, community=public_cop)
    services.revoke_invitation(moderator=moderator, invitation=invitation)
    action = ModerationAction.objects.get(kind=Kind.REVOKE_INVITATION)
    assert action.details["changes"] == [
        {"field": "lien d'invitation", "old": "actif", "new": "révoqué"}
    ]


# The whole site -----------------------------------------------------------------------


def test_staff_bans_from_the_site_and_the_sessions_end(staff, member, client_for):
    client = client_for(member)
    assert client.get(reverse("profile_edit")).status_code == 200
    services.ban_from_site(staff=staff, user=member, reason="Usurpation")
    assert not fresh(member).is_active
    assert client.get(reverse("profile_edit")).status_code == 302  # signed out
    assert not client.login(username=member.username, password=PASSWORD)


@pytest.mark.parametrize("caller", ["member", "moderator"])
def test_only_staff_bans_from_the_site(request, caller, outsider):
    with pytest.raises(PermissionDenied):
        services.ban_from_site(staff=request.getfixturevalue(caller), user=outsider)
    assert fresh(outsider).is_active


def test_staff_cannot_ban_staff_or_themself(staff):
    other = make_user(username="autre", display_name="Autre équipe", is_staff=True)
    with pytest.raises(PermissionDenied):
        services.ban_from_site(staff=staff, user=other)
    with pytest.raises(ValidationError):
        services.ban_from_site(staff=staff, user=staff)


def test_lifting_a_site_ban_lets_the_account_sign_in_again(staff, member, client):
    services.ban_from_site(staff=staff, user=member)
    services.lift_site_ban(staff=staff, user=fresh(member))
    assert fresh(member).is_active
    assert not Sanction.objects.filter(community__isnull=True, lifted_at__isnull=True).exists()
