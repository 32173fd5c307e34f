"""
Notifications and follows, at the service level (forum/services/notifications.py).

Who is told what: the parent's author of a reply, the members a post mentions
with ``@[Display Name]``, the followers of a CoP when a thread starts there.
Nobody is told of their own writing, nobody is told of what they may not see,
and the unread counter on the user row always matches the unread rows.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from forum import events, selectors, services
from forum.models import CommunityFollow, Membership, Notification, Post, User

from ..factories import make_membership, make_post, make_thread, make_user, opening_post

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture
def other_member(public_cop, private_cop):
    user = make_user(username="kadiatou", display_name="Kadiatou Sidibé")
    make_membership(user, public_cop)
    make_membership(user, private_cop)
    return user


@pytest.fixture
def moderators_thread(public_cop, moderator):
    """A thread whose opening post is the moderator's, so that replies do not notify ``member``."""
    return make_thread(moderator, public_cop, title="Bilan de la campagne 2025")


def notifications_of(user: User) -> list[tuple[str, int | None]]:
    """(kind, post id) of every notification ``user`` received, oldest first."""
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", "post_id")
    )


def unread_counter(user: User) -> int:
    return User.objects.values_list("unread_notifications", flat=True).get(pk=user.pk)


def profile_link(user: User) -> str:
    return f'href="{reverse("profile", args=[user.pk])}"'


# Replies ------------------------------------------------------------------------------------


def test_reply_to_the_thread_notifies_the_opening_posts_author(thread, member, moderator):
    reply = make_post(moderator, thread)

    notification = Notification.objects.get(recipient=member)
    assert notification.kind == Kind.REPLY
    assert notification.actor == moderator
    assert notification.post == reply
    assert notification.thread == thread
    assert notification.community_id == thread.community_id
    assert notification.read_at is None
    assert not Notification.objects.filter(recipient=moderator).exists()


def test_reply_to_a_reply_notifies_that_replys_author_only(thread, member, moderator, other_member):
    answer = make_post(moderator, thread)
    Notification.objects.all().delete()

    nested = make_post(other_member, thread, parent=answer)

    assert notifications_of(moderator) == [(Kind.REPLY, nested.pk)]
    # Not as a reply: as the thread's author, who follows it at "tout" (test_follows.py).
    assert notifications_of(member) == [(Kind.FOLLOWED, nested.pk)]


def test_replying_to_ones_own_post_notifies_nobody(thread, member):
    make_post(member, thread)
    make_post(member, thread, parent=opening_post(thread))

    assert not Notification.objects.exists()
    assert unread_counter(member) == 0


# Mentions -----------------------------------------------------------------------------------


def test_mention_notifies_the_member_and_links_the_profile(
    moderators_thread, member, moderator, other_member
):
    post = make_post(other_member, moderators_thread, body="Qu'en pense @[Awa Traoré] ?")

    assert notifications_of(member) == [(Kind.MENTION, post.pk)]
    assert notifications_of(moderator) == [(Kind.REPLY, post.pk)]
    assert profile_link(member) in post.body_html
    assert "@Awa Traoré</a>" in post.body_html
    assert "@[" not in post.body_html


def test_mention_ignores_case_and_shows_the_display_name(moderators_thread, member, other_member):
    post = make_post(other_member, moderators_thread, body="Merci @[awa TRAORÉ] !")

    assert notifications_of(member) == [(Kind.MENTION, post.pk)]
    assert profile_link(member) in post.body_html
    assert "@Awa Traoré</a>" in post.body_html


def test_mention_of_a_name_starting_with_an_accented_capital_is_linked(
    public_cop, moderators_thread, other_member
):
    emilie = make_user(display_name="Émilie Konaté")
    make_membership(emilie, public_cop)

    post = make_post(other_member, moderators_thread, body="Voir @[Émilie Konaté] à ce sujet.")

    assert notifications_of(emilie) == [(Kind.MENTION, post.pk)]
    assert profile_link(emilie) in post.body_html


def test_mention_of_the_parent_author_gives_one_reply_notification(thread, member, moderator):
    post = make_post(moderator, thread, body="D'accord avec @[Awa Traoré].")

    assert notifications_of(member) == [(Kind.REPLY, post.pk)]
    assert profile_link(member) in post.body_html


def test_a_name_two_members_share_stays_plain_and_notifies_nobody(
    public_cop, moderators_thread, other_member
):
    twins = [make_user(display_name="Aminata Keïta") for _ in range(2)]
    for twin in twins:
        make_membership(twin, public_cop)

    post = make_post(other_member, moderators_thread, body="Bonjour @[Aminata Keïta] !")

    assert "@[Aminata Keïta]" in post.body_html
    assert "<a" not in post.body_html
    assert not Notification.objects.filter(recipient__in=twins).exists()


def test_a_non_member_is_not_mentioned(moderators_thread, outsider, other_member):
    post = make_post(other_member, moderators_thread, body="Et @[Bintou Coulibaly] ?")

    assert "@[Bintou Coulibaly]" in post.body_html
    assert profile_link(outsider) not in post.body_html
    assert notifications_of(outsider) == []


def test_an_inactive_member_is_not_mentioned(moderators_thread, member, other_member):
    User.objects.filter(pk=member.pk).update(is_active=False)

    post = make_post(other_member, moderators_thread, body="Et @[Awa Traoré] ?")

    assert profile_link(member) not in post.body_html
    assert notifications_of(member) == []


def test_mentioning_oneself_links_but_notifies_nobody(moderators_thread, member):
    post = make_post(member, moderators_thread, body="Je (@[Awa Traoré]) m'en occupe.")

    assert profile_link(member) in post.body_html
    assert notifications_of(member) == []


def test_a_mention_in_a_new_thread_notifies_the_member(public_cop, member, moderator):
    thread = make_thread(moderator, public_cop, title="Atelier", body="@[Awa Traoré] anime.")

    assert notifications_of(member) == [(Kind.MENTION, opening_post(thread).pk)]


def test_edit_that_adds_a_mention_notifies_only_the_new_mention(
    moderators_thread, member, moderator, other_member
):
    post = make_post(other_member, moderators_thread, body="Merci @[Awa Traoré].")
    Notification.objects.filter(recipient=moderator).delete()

    services.edit_post(
        editor=other_member,
        post=post,
        body="Merci @[Awa Traoré] et @[Fatoumata Diarra].",
    )

    assert notifications_of(member) == [(Kind.MENTION, post.pk)]
    assert notifications_of(moderator) == [(Kind.MENTION, post.pk)]
    post.refresh_from_db()
    assert profile_link(moderator) in post.body_html


def test_edit_that_keeps_the_same_mentions_notifies_nobody_again(
    moderators_thread, member, other_member
):
    post = make_post(other_member, moderators_thread, body="Merci @[Awa Traoré].")

    services.edit_post(editor=other_member, post=post, body="Merci beaucoup @[Awa Traoré] !")

    assert notifications_of(member) == [(Kind.MENTION, post.pk)]
    assert unread_counter(member) == 1


# New threads in followed CoPs -----------------------------------------------------------


def test_new_thread_notifies_the_followers_but_not_its_author(
    public_cop, member, moderator, other_member
):
    for user in (member, moderator):
        services.follow_community(user=user, community=public_cop)

    thread = make_thread(moderator, public_cop, title="Nouvelle loi")

    assert notifications_of(member) == [(Kind.NEW_THREAD, opening_post(thread).pk)]
    assert notifications_of(moderator) == []
    assert notifications_of(other_member) == []  # a member who does not follow


def test_a_follower_mentioned_in_a_new_thread_gets_one_mention(public_cop, member, moderator):
    services.follow_community(user=member, community=public_cop)

    thread = make_thread(moderator, public_cop, title="Atelier", body="@[Awa Traoré] anime.")

    assert notifications_of(member) == [(Kind.MENTION, opening_post(thread).pk)]


def test_a_follower_who_is_not_a_member_of_a_public_cop_is_notified(public_cop, outsider, member):
    services.follow_community(user=outsider, community=public_cop)

    make_thread(member, public_cop, title="Ouvert à toutes")

    assert [kind for kind, _post in notifications_of(outsider)] == [Kind.NEW_THREAD]


def test_private_cop_follower_who_is_no_longer_a_member_is_not_notified(
    private_cop, member, moderator, other_member
):
    services.follow_community(user=other_member, community=private_cop)
    # Leaving drops the follow (test_follows.py); a row left behind still tells nothing.
    Membership.objects.filter(user=other_member, community=private_cop).delete()
    assert CommunityFollow.objects.filter(user=other_member).exists()

    make_thread(member, private_cop, title="Cas suivis à Kayes")

    assert notifications_of(other_member) == []
    assert unread_counter(other_member) == 0


def test_private_cop_follower_who_is_site_staff_is_notified(private_cop, member, staff):
    services.follow_community(user=staff, community=private_cop)

    make_thread(member, private_cop, title="Cas suivis à Kayes")

    assert [kind for kind, _post in notifications_of(staff)] == [Kind.NEW_THREAD]


def test_a_deactivated_follower_is_not_notified(public_cop, member, other_member):
    services.follow_community(user=other_member, community=public_cop)
    User.objects.filter(pk=other_member.pk).update(is_active=False)

    make_thread(member, public_cop, title="Nouvelle loi")

    assert notifications_of(other_member) == []


def test_follow_community_refuses_an_outsider_of_a_private_cop(private_cop, outsider):
    with pytest.raises(Http404):
        services.follow_community(user=outsider, community=private_cop)
    assert not CommunityFollow.objects.exists()


def test_following_twice_keeps_one_follow_and_unfollow_removes_it(public_cop, member):
    first = services.follow_community(user=member, community=public_cop)
    assert services.follow_community(user=member, community=public_cop) == first

    services.unfollow_community(user=member, community=public_cop)

    assert not CommunityFollow.objects.exists()


# Unread counter -------------------------------------------------------------------------------


def test_unread_counter_goes_up_and_mark_all_read_brings_it_back_to_zero(
    thread, member, moderator, other_member
):
    make_post(moderator, thread)
    make_post(other_member, thread)
    assert unread_counter(member) == 2

    marked = services.mark_all_notifications_read(user=member)

    assert marked == 2
    assert unread_counter(member) == 0
    assert member.unread_notifications == 0
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()


def test_marking_one_notification_read_counts_down_once(thread, member, moderator, other_member):
    make_post(moderator, thread)
    make_post(other_member, thread)
    first, second = Notification.objects.filter(recipient=member).order_by("id")

    services.mark_notification_read(user=member, notification=first)
    assert unread_counter(member) == 1
    services.mark_notification_read(user=member, notification=first)  # already read
    assert unread_counter(member) == 1
    services.mark_notification_read(user=member, notification=second)

    assert unread_counter(member) == 0
    first.refresh_from_db()
    assert first.read_at is not None


def test_marking_someone_elses_notification_read_is_refused(thread, member, moderator):
    make_post(moderator, thread)
    notification = Notification.objects.get(recipient=member)

    with pytest.raises(Notification.DoesNotExist):
        services.mark_notification_read(user=moderator, notification=notification)

    notification.refresh_from_db()
    assert notification.read_at is None
    assert unread_counter(member) == 1


# What the list shows -------------------------------------------------------------------------


def test_list_notifications_is_newest_first_and_only_the_users_own(
    thread, member, moderator, other_member
):
    first = make_post(moderator, thread)
    second = make_post(other_member, thread)
    make_post(member, thread, parent=first)  # notifies the moderator, not the member

    listed = list(selectors.list_notifications(member))

    assert [n.post_id for n in listed] == [second.pk, first.pk]


def test_list_notifications_hides_a_private_cop_the_user_left(
    private_thread, thread, member, moderator, other_member
):
    make_post(member, private_thread, body="@[Kadiatou Sidibé] voir ici.")
    public = make_post(member, thread, body="@[Kadiatou Sidibé] et là.")
    assert len(selectors.list_notifications(other_member)) == 2

    services.leave_community(user=other_member, community=private_thread.community)

    assert [n.post_id for n in selectors.list_notifications(other_member)] == [public.pk]
    hidden = Notification.objects.get(recipient=other_member, thread=private_thread)
    with pytest.raises(Http404):
        selectors.access_notification(other_member, hidden.pk)


# Events ------------------------------------------------------------------------------------------


def test_reply_emits_notifications_changed_for_the_parent_author_after_commit(
    thread, member, moderator, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_post(moderator, thread)
    assert captured_events == []

    for callback in callbacks:
        callback()

    assert events.NotificationsChanged(user_ids=(member.pk,)) in captured_events


def test_mention_and_reply_emit_one_event_with_all_their_recipients(
    moderators_thread,
    member,
    moderator,
    other_member,
    captured_events,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        make_post(other_member, moderators_thread, body="@[Awa Traoré] regarde.")

    changed = [e for e in captured_events if isinstance(e, events.NotificationsChanged)]
    # One batch of writes, one event (forum/services/follows.py).
    assert changed == [
        events.NotificationsChanged(user_ids=tuple(sorted([moderator.pk, member.pk])))
    ]


def test_new_thread_emits_notifications_changed_for_the_followers(
    public_cop,
    member,
    moderator,
    other_member,
    captured_events,
    django_capture_on_commit_callbacks,
):
    for user in (member, other_member, moderator):
        services.follow_community(user=user, community=public_cop)

    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(moderator, public_cop, title="Nouvelle loi")

    assert captured_events == [
        events.NotificationsChanged(user_ids=tuple(sorted((member.pk, other_member.pk)))),
        events.ThreadCreated(
            thread_id=thread.pk, community_id=public_cop.pk, author_id=moderator.pk
        ),
    ]


def test_writing_that_notifies_nobody_emits_no_notifications_event(
    thread, member, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_post(member, thread)

    assert [type(e) for e in captured_events] == [events.PostCreated]


def test_marking_read_emits_notifications_changed_for_the_reader(
    thread, member, moderator, captured_events, django_capture_on_commit_callbacks
):
    make_post(moderator, thread)
    notification = Notification.objects.get(recipient=member)

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_notification_read(user=member, notification=notification)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_all_notifications_read(user=member)

    assert captured_events == [events.NotificationsChanged(user_ids=(member.pk,))] * 2


def test_a_refused_post_notifies_nobody_and_emits_nothing(
    thread, outsider, captured_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        make_post(outsider, thread, body="@[Awa Traoré] ?")

    assert not Notification.objects.exists()
    assert captured_events == []
    assert Post.objects.filter(thread=thread).count() == 1
