"""
Every ``can_*`` / ``check_*`` of forum.permissions, allowed and denied.

``check_*`` raise Http404 when the user may not even know the thing exists
(private CoP seen from outside, anonymous visitor) and PermissionDenied when
they may see it but not act.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from forum import permissions as perms
from forum.models import Membership
from tests.factories import (
    make_community,
    make_membership,
    make_post,
    make_thread,
    make_user,
    opening_post,
)

pytestmark = pytest.mark.django_db


def actor(request, name):
    return request.getfixturevalue(name)


@pytest.fixture
def reply(thread, member):
    return make_post(member, thread)


@pytest.fixture
def private_reply(private_thread, member):
    return make_post(member, private_thread)


@pytest.fixture
def other_member(public_cop, private_cop):
    user = make_user(username="kadiatou", display_name="Kadiatou Sidibé")
    make_membership(user, public_cop)
    make_membership(user, private_cop)
    return user


# get_membership / is_staff -----------------------------------------------------------------------


def test_get_membership_returns_the_role(public_cop, member, moderator):
    assert perms.get_membership(member, public_cop).role == Membership.Role.MEMBER
    assert perms.get_membership(moderator, public_cop).is_moderator


def test_get_membership_is_none_for_outsider_and_anonymous(public_cop, outsider, anonymous):
    assert perms.get_membership(outsider, public_cop) is None
    assert perms.get_membership(anonymous, public_cop) is None
    assert perms.get_membership(None, public_cop) is None


def test_get_membership_is_cached_on_the_user_until_forgotten(
    public_cop, member, django_assert_num_queries
):
    with django_assert_num_queries(1):
        perms.get_membership(member, public_cop)
        perms.get_membership(member, public_cop)
    perms.forget_memberships(member)
    with django_assert_num_queries(1):
        perms.get_membership(member, public_cop)


def test_inactive_member_has_no_membership(public_cop, member):
    member.is_active = False
    assert perms.get_membership(member, public_cop) is None


def test_is_staff_allows_active_staff_only(staff, member, anonymous):
    assert perms.is_staff(staff)
    assert not perms.is_staff(member)
    assert not perms.is_staff(anonymous)
    assert not perms.is_staff(None)
    staff.is_active = False
    assert not perms.is_staff(staff)


# View community ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["anonymous", "outsider", "member", "moderator", "staff"])
def test_everyone_can_view_public_community(request, public_cop, name):
    user = actor(request, name)
    assert perms.can_view_community(user, public_cop)
    perms.check_view_community(user, public_cop)


@pytest.mark.parametrize("name", ["member", "moderator", "staff"])
def test_members_and_staff_can_view_private_community(request, private_cop, name):
    user = actor(request, name)
    assert perms.can_view_community(user, private_cop)
    perms.check_view_community(user, private_cop)


def test_outsider_gets_404_on_private_community(private_cop, outsider):
    assert not perms.can_view_community(outsider, private_cop)
    with pytest.raises(Http404):
        perms.check_view_community(outsider, private_cop)


def test_anonymous_gets_404_on_private_community(private_cop, anonymous):
    assert not perms.can_view_community(anonymous, private_cop)
    with pytest.raises(Http404):
        perms.check_view_community(anonymous, private_cop)


def test_deactivated_member_gets_404_on_private_community(private_cop, member):
    member.is_active = False
    with pytest.raises(Http404):
        perms.check_view_community(member, private_cop)


# Post in community -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["member", "moderator", "staff"])
def test_members_and_staff_can_post_in_community(request, public_cop, private_cop, name):
    user = actor(request, name)
    for community in (public_cop, private_cop):
        assert perms.can_post_in_community(user, community)
        perms.check_post_in_community(user, community)


def test_non_member_cannot_post_in_public_community(public_cop, outsider):
    assert not perms.can_post_in_community(outsider, public_cop)
    with pytest.raises(PermissionDenied):
        perms.check_post_in_community(outsider, public_cop)


def test_anonymous_cannot_post_in_public_community(public_cop, anonymous):
    assert not perms.can_post_in_community(anonymous, public_cop)
    with pytest.raises(PermissionDenied):
        perms.check_post_in_community(anonymous, public_cop)


def test_outsider_gets_404_when_posting_in_private_community(private_cop, outsider):
    assert not perms.can_post_in_community(outsider, private_cop)
    with pytest.raises(Http404):
        perms.check_post_in_community(outsider, private_cop)


# Moderate community ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["moderator", "staff"])
def test_moderators_and_staff_can_moderate(request, public_cop, private_cop, name):
    user = actor(request, name)
    for community in (public_cop, private_cop):
        assert perms.can_moderate_community(user, community)
        perms.check_moderate_community(user, community)


def test_member_cannot_moderate(public_cop, member):
    assert not perms.can_moderate_community(member, public_cop)
    with pytest.raises(PermissionDenied):
        perms.check_moderate_community(member, public_cop)


def test_moderator_of_one_community_cannot_moderate_another(public_cop, member):
    other = make_community()
    make_membership(member, other, Membership.Role.MODERATOR)
    assert perms.can_moderate_community(member, other)
    with pytest.raises(PermissionDenied):
        perms.check_moderate_community(member, public_cop)


def test_anonymous_cannot_moderate_public_community(public_cop, anonymous):
    assert not perms.can_moderate_community(anonymous, public_cop)
    with pytest.raises(PermissionDenied):
        perms.check_moderate_community(anonymous, public_cop)


def test_outsider_gets_404_when_moderating_private_community(private_cop, outsider):
    assert not perms.can_moderate_community(outsider, private_cop)
    with pytest.raises(Http404):
        perms.check_moderate_community(outsider, private_cop)


# Request to join ---------------------------------------------------------------------------------


def test_outsider_can_request_to_join_public_community(public_cop, outsider):
    assert perms.can_request_to_join(outsider, public_cop)
    perms.check_request_to_join(outsider, public_cop)


def test_member_cannot_request_to_join_again(public_cop, member):
    assert not perms.can_request_to_join(member, public_cop)
    with pytest.raises(PermissionDenied, match="déjà membre"):
        perms.check_request_to_join(member, public_cop)


def test_anonymous_cannot_request_to_join(public_cop, anonymous):
    assert not perms.can_request_to_join(anonymous, public_cop)
    assert not perms.can_request_to_join(None, public_cop)
    with pytest.raises(PermissionDenied, match="Connectez-vous"):
        perms.check_request_to_join(anonymous, public_cop)


def test_outsider_gets_404_when_requesting_to_join_private_community(private_cop, outsider):
    assert not perms.can_request_to_join(outsider, private_cop)
    with pytest.raises(Http404):
        perms.check_request_to_join(outsider, private_cop)


def test_staff_cannot_request_to_join_private_community(private_cop, staff):
    # Private CoPs are joined by invitation only, even for staff who can see them.
    assert not perms.can_request_to_join(staff, private_cop)
    with pytest.raises(PermissionDenied):
        perms.check_request_to_join(staff, private_cop)


# Leave community ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["member", "moderator"])
def test_member_can_leave_community(request, public_cop, private_cop, name):
    user = actor(request, name)
    for community in (public_cop, private_cop):
        assert perms.can_leave_community(user, community)
        perms.check_leave_community(user, community)


def test_non_member_cannot_leave_public_community(public_cop, outsider, anonymous):
    for user in (outsider, anonymous):
        assert not perms.can_leave_community(user, public_cop)
        with pytest.raises(PermissionDenied):
            perms.check_leave_community(user, public_cop)


def test_staff_non_member_cannot_leave_private_community(private_cop, staff):
    assert not perms.can_leave_community(staff, private_cop)
    with pytest.raises(PermissionDenied):
        perms.check_leave_community(staff, private_cop)


def test_outsider_gets_404_when_leaving_private_community(private_cop, outsider):
    with pytest.raises(Http404):
        perms.check_leave_community(outsider, private_cop)


# View thread -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["anonymous", "outsider", "member"])
def test_everyone_can_view_thread_in_public_community(request, thread, name):
    user = actor(request, name)
    assert perms.can_view_thread(user, thread)
    perms.check_view_thread(user, thread)


@pytest.mark.parametrize("name", ["member", "moderator", "staff"])
def test_members_can_view_private_thread(request, private_thread, name):
    user = actor(request, name)
    assert perms.can_view_thread(user, private_thread)
    perms.check_view_thread(user, private_thread)


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_non_member_gets_404_on_private_thread(request, private_thread, name):
    user = actor(request, name)
    assert not perms.can_view_thread(user, private_thread)
    with pytest.raises(Http404):
        perms.check_view_thread(user, private_thread)


def test_former_member_gets_404_on_private_thread(private_thread, member):
    Membership.objects.filter(user=member).delete()
    perms.forget_memberships(member)
    with pytest.raises(Http404):
        perms.check_view_thread(member, private_thread)


# Start thread ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["member", "moderator", "staff"])
def test_members_can_start_thread(request, public_cop, private_cop, name):
    user = actor(request, name)
    for community in (public_cop, private_cop):
        assert perms.can_start_thread(user, community)
        perms.check_start_thread(user, community)


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_non_member_cannot_start_thread_in_public_community(request, public_cop, name):
    user = actor(request, name)
    assert not perms.can_start_thread(user, public_cop)
    with pytest.raises(PermissionDenied):
        perms.check_start_thread(user, public_cop)


def test_outsider_gets_404_when_starting_thread_in_private_community(private_cop, outsider):
    assert not perms.can_start_thread(outsider, private_cop)
    with pytest.raises(Http404):
        perms.check_start_thread(outsider, private_cop)


# Reply to thread ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["member", "moderator", "staff"])
def test_members_can_reply_to_open_thread(request, thread, private_thread, name):
    user = actor(request, name)
    for t in (thread, private_thread):
        assert perms.can_reply_to_thread(user, t)
        perms.check_reply_to_thread(user, t)


def test_lock_thread_stops_member_replies(thread, member):
    thread.is_locked = True
    assert not perms.can_reply_to_thread(member, thread)
    with pytest.raises(PermissionDenied, match="verrouillée"):
        perms.check_reply_to_thread(member, thread)


@pytest.mark.parametrize("name", ["moderator", "staff"])
def test_moderator_can_reply_to_locked_thread(request, thread, name):
    user = actor(request, name)
    thread.is_locked = True
    assert perms.can_reply_to_thread(user, thread)
    perms.check_reply_to_thread(user, thread)


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_non_member_cannot_reply_in_public_community(request, thread, name):
    user = actor(request, name)
    assert not perms.can_reply_to_thread(user, thread)
    with pytest.raises(PermissionDenied):
        perms.check_reply_to_thread(user, thread)


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_non_member_gets_404_when_replying_to_private_thread(request, private_thread, name):
    user = actor(request, name)
    assert not perms.can_reply_to_thread(user, private_thread)
    with pytest.raises(Http404):
        perms.check_reply_to_thread(user, private_thread)


# View post body ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["anonymous", "outsider", "member", "moderator"])
def test_everyone_can_read_a_visible_post(request, reply, name):
    assert perms.can_view_post_body(actor(request, name), reply)


@pytest.mark.parametrize("name", ["moderator", "staff", "member"])
def test_moderators_and_author_can_read_hidden_post(request, reply, name):
    # ``member`` is the author of ``reply``.
    reply.hidden_at = timezone.now()
    assert perms.can_view_post_body(actor(request, name), reply)


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_others_cannot_read_hidden_post(request, reply, other_member, name):
    reply.hidden_at = timezone.now()
    assert not perms.can_view_post_body(actor(request, name), reply)
    assert not perms.can_view_post_body(other_member, reply)


@pytest.mark.parametrize("name", ["member", "moderator", "staff"])
def test_nobody_reads_a_deleted_post(request, reply, name):
    reply.deleted_at = timezone.now()
    assert not perms.can_view_post_body(actor(request, name), reply)


# Edit post ---------------------------------------------------------------------------------------


def test_author_can_edit_own_post(reply, member):
    assert perms.can_edit_post(member, reply)
    perms.check_edit_post(member, reply)


@pytest.mark.parametrize("name", ["moderator", "staff"])
def test_moderator_can_edit_someone_elses_post(request, reply, name):
    user = actor(request, name)
    assert perms.can_edit_post(user, reply)
    perms.check_edit_post(user, reply)


def test_moderator_can_edit_hidden_post_in_locked_thread(reply, moderator):
    reply.hidden_at = timezone.now()
    reply.thread.is_locked = True
    assert perms.can_edit_post(moderator, reply)


def test_member_cannot_edit_someone_elses_post(reply, other_member):
    assert not perms.can_edit_post(other_member, reply)
    with pytest.raises(PermissionDenied):
        perms.check_edit_post(other_member, reply)


def test_author_cannot_edit_post_in_locked_thread(reply, member):
    reply.thread.is_locked = True
    assert not perms.can_edit_post(member, reply)
    with pytest.raises(PermissionDenied):
        perms.check_edit_post(member, reply)


def test_author_cannot_edit_hidden_post(reply, member):
    reply.hidden_at = timezone.now()
    assert not perms.can_edit_post(member, reply)
    with pytest.raises(PermissionDenied):
        perms.check_edit_post(member, reply)


def test_author_who_left_public_community_cannot_edit(reply, member):
    Membership.objects.filter(user=member).delete()
    perms.forget_memberships(member)
    assert not perms.can_edit_post(member, reply)
    with pytest.raises(PermissionDenied):
        perms.check_edit_post(member, reply)


@pytest.mark.parametrize("name", ["member", "moderator"])
def test_nobody_edits_a_deleted_post(request, reply, name):
    user = actor(request, name)
    reply.deleted_at = timezone.now()
    assert not perms.can_edit_post(user, reply)
    with pytest.raises(PermissionDenied, match="supprimé"):
        perms.check_edit_post(user, reply)


def test_anonymous_cannot_edit_public_post(reply, anonymous):
    assert not perms.can_edit_post(anonymous, reply)
    assert not perms.can_edit_post(None, reply)
    with pytest.raises(PermissionDenied):
        perms.check_edit_post(anonymous, reply)


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_non_member_gets_404_when_editing_private_post(request, private_reply, name):
    with pytest.raises(Http404):
        perms.check_edit_post(actor(request, name), private_reply)


# Delete post -------------------------------------------------------------------------------------


def test_author_can_delete_own_post(reply, member):
    assert perms.can_delete_post(member, reply)
    perms.check_delete_post(member, reply)


def test_author_can_delete_own_opening_post(thread, member):
    post = opening_post(thread)
    assert perms.can_delete_post(member, post)
    perms.check_delete_post(member, post)


@pytest.mark.parametrize("name", ["moderator", "staff"])
def test_moderator_cannot_delete_someone_elses_post(request, reply, name):
    # Moderators hide; only the author erases.
    user = actor(request, name)
    assert not perms.can_delete_post(user, reply)
    with pytest.raises(PermissionDenied):
        perms.check_delete_post(user, reply)


def test_author_cannot_delete_a_post_twice(reply, member):
    reply.deleted_at = timezone.now()
    assert not perms.can_delete_post(member, reply)
    with pytest.raises(PermissionDenied):
        perms.check_delete_post(member, reply)


def test_anonymous_cannot_delete_public_post(reply, anonymous):
    assert not perms.can_delete_post(anonymous, reply)
    assert not perms.can_delete_post(None, reply)
    with pytest.raises(PermissionDenied):
        perms.check_delete_post(anonymous, reply)


def test_outsider_gets_404_when_deleting_private_post(private_reply, outsider):
    with pytest.raises(Http404):
        perms.check_delete_post(outsider, private_reply)


# Post history ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["moderator", "staff"])
def test_moderator_can_view_post_history(request, reply, private_reply, name):
    user = actor(request, name)
    for post in (reply, private_reply):
        assert perms.can_view_post_history(user, post)
        perms.check_view_post_history(user, post)


@pytest.mark.parametrize("name", ["member", "outsider", "anonymous"])
def test_history_is_denied_to_non_moderators_of_public_community(request, reply, name):
    # ``member`` is even the author: history stays a moderation tool.
    user = actor(request, name)
    assert not perms.can_view_post_history(user, reply)
    with pytest.raises(PermissionDenied):
        perms.check_view_post_history(user, reply)


@pytest.mark.parametrize("name", ["outsider", "anonymous"])
def test_non_member_gets_404_on_private_post_history(request, private_reply, name):
    with pytest.raises(Http404):
        perms.check_view_post_history(actor(request, name), private_reply)


def test_member_is_denied_private_post_history(private_reply, member):
    with pytest.raises(PermissionDenied):
        perms.check_view_post_history(member, private_reply)


# Moderation log ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["moderator", "staff"])
def test_moderator_can_view_moderation_log(request, public_cop, private_cop, name):
    user = actor(request, name)
    for community in (public_cop, private_cop):
        assert perms.can_view_moderation_log(user, community)
        perms.check_view_moderation_log(user, community)


@pytest.mark.parametrize("name", ["member", "outsider", "anonymous"])
def test_moderation_log_is_denied_to_non_moderators_of_public_community(request, public_cop, name):
    user = actor(request, name)
    assert not perms.can_view_moderation_log(user, public_cop)
    with pytest.raises(PermissionDenied):
        perms.check_view_moderation_log(user, public_cop)


@pytest.mark.parametrize("name", ["outsider", "anonymous"])
def test_non_member_gets_404_on_private_moderation_log(request, private_cop, name):
    user = actor(request, name)
    assert not perms.can_view_moderation_log(user, private_cop)
    with pytest.raises(Http404):
        perms.check_view_moderation_log(user, private_cop)


def test_member_is_denied_private_moderation_log(private_cop, member):
    with pytest.raises(PermissionDenied):
        perms.check_view_moderation_log(member, private_cop)


def test_post_rights_on_a_page_are_those_of_each_post(
    public_cop, member, moderator, outsider, staff, anonymous
):
    """perms.post_rights_on (the thread page's) answers as the three per-post functions."""
    from forum import services

    muted, other = make_user(), make_user()
    make_membership(muted, public_cop)
    make_membership(other, public_cop)
    pages = []
    for locked in (False, True):
        thread = make_thread(member, public_cop, title=f"Verrou {locked}")
        posts = [opening_post(thread)]
        posts += [make_post(author, thread) for author in (member, muted, moderator, other)]
        services.hide_post(moderator=moderator, post=posts[1], reason="Motif")
        services.hide_post(moderator=moderator, post=posts[2], reason="Motif")
        services.delete_post(user=moderator, post=posts[3])
        if locked:
            services.set_thread_locked(moderator=moderator, thread=thread, locked=True)
        pages.append((thread, posts))
    services.sanction_member(
        moderator=moderator, community=public_cop, user=muted, kind="mute", duration="7d"
    )
    for thread, posts in pages:
        thread.refresh_from_db()
        for viewer in (member, moderator, outsider, staff, anonymous, muted, other):
            if viewer.is_authenticated:
                perms.forget_memberships(viewer)
            rights = perms.post_rights_on(viewer, thread)
            for post in posts:
                post.refresh_from_db()
                post.thread = thread
                expected = (
                    perms.can_view_post_body(viewer, post),
                    perms.can_edit_post(viewer, post),
                    perms.can_delete_post(viewer, post),
                )
                assert rights(post) == expected, (viewer, post, thread.is_locked)


def test_preload_access_answers_as_the_checks_do_with_two_queries_in_all(
    public_cop, private_cop, member, moderator, outsider, django_assert_num_queries
):
    from forum.models import Sanction, User

    banned = make_user()
    make_membership(banned, private_cop)
    Sanction.objects.create(community=private_cop, user=banned, kind=Sanction.Kind.BAN)
    muted = make_user()
    make_membership(muted, public_cop)
    Sanction.objects.create(community=public_cop, user=muted, kind=Sanction.Kind.MUTE)
    people = [member, moderator, outsider, banned, muted]
    checks = (
        perms.can_view_community,
        perms.can_take_part_in_community,
        perms.can_post_in_community,
        perms.can_moderate_community,
    )
    expected = [
        [check(User.objects.get(pk=p.pk), c) for check in checks]
        for p in people
        for c in (public_cop, private_cop)
    ]
    fresh = [User.objects.get(pk=p.pk) for p in people]

    with django_assert_num_queries(2):
        perms.preload_access(fresh, [public_cop.pk, private_cop.pk])
        answers = [
            [check(p, c) for check in checks] for p in fresh for c in (public_cop, private_cop)
        ]
    assert answers == expected
    assert expected[7] == [False, False, False, False]  # banned from the private CoP
    assert expected[8] == [True, True, False, False]  # muted in the public one
