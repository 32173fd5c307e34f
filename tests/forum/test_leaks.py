"""
Leaks found from outside (issue 13): what a move into a private CoP must hide
from those notified before, and the reply form as an oracle on private post ids.
"""

import re

import pytest
from django.urls import reverse

from forum import selectors, services
from forum.models import Notification, User

from ..factories import make_membership, make_post, make_thread, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_reader(public_cop):
    """A member of the public CoP only."""
    user = make_user(username="oumou", display_name="Oumou Sangaré")
    make_membership(user, public_cop)
    return user


@pytest.fixture
def notified_then_moved(public_reader, member, moderator, public_cop, private_cop):
    """``public_reader`` was told of a reply; the thread then moves into the private CoP."""
    thread = make_thread(public_reader, public_cop, title="Titre ordinaire")
    make_post(member, thread, body="Une réponse")
    assert Notification.objects.filter(recipient=public_reader, thread=thread).exists()
    services.rename_thread(moderator=moderator, thread=thread, title="Cas de Mariam à Mopti")
    services.move_thread(moderator=moderator, thread=thread, target=private_cop)
    return thread


def without_tokens(response) -> str:
    """The page without what differs on every answer (CSRF token, CSP nonce) or echoes the id."""
    text = response.content.decode()
    return re.sub(
        r'(name="csrfmiddlewaretoken" value|name="csrf-token" content|nonce|name="parent" value)'
        r'="[^"]*"',
        "",
        text,
    )


def unread(user: User) -> int:
    return User.objects.values_list("unread_notifications", flat=True).get(pk=user.pk)


def test_notification_of_a_thread_moved_into_a_private_cop_leaves_the_outsiders_list(
    notified_then_moved, public_reader, client_for
):
    assert not selectors.list_notifications(public_reader).exists()
    page = client_for(public_reader).get(reverse("notifications"))
    assert page.status_code == 200
    assert "Mariam" not in page.content.decode()


def test_count_and_json_count_drop_the_moved_thread_notification(
    notified_then_moved, public_reader, client_for
):
    assert unread(public_reader) == 0
    answer = client_for(public_reader).get(reverse("notifications_count"))
    assert answer.json() == {"unread": 0}


def test_opening_a_notification_of_a_thread_now_private_is_a_404(
    notified_then_moved, public_reader, client_for
):
    notification = Notification.objects.get(recipient=public_reader, thread=notified_then_moved)
    client = client_for(public_reader)
    assert client.get(reverse("notification", args=[notification.pk])).status_code == 404
    assert client.post(reverse("notification", args=[notification.pk])).status_code == 404


def test_member_of_the_private_cop_still_sees_the_notification(
    public_cop, private_cop, member, moderator, client_for
):
    thread = make_thread(member, public_cop, title="Titre ordinaire")
    make_post(moderator, thread, body="Une réponse")
    services.move_thread(moderator=moderator, thread=thread, target=private_cop)
    assert selectors.list_notifications(member).filter(thread=thread).exists()
    assert unread(member) == 1


def test_notification_comes_back_when_the_thread_moves_back_to_a_public_cop(
    notified_then_moved, public_reader, moderator, public_cop
):
    services.move_thread(moderator=moderator, thread=notified_then_moved, target=public_cop)
    assert selectors.list_notifications(public_reader).count() == 1
    assert unread(public_reader) == 1


def test_reply_with_parent_of_another_thread_answers_as_a_missing_parent(
    thread, private_thread, member, outsider, public_cop, client_for
):
    make_membership(outsider, public_cop)
    secret = make_post(member, private_thread, body="Réponse privée")
    client = client_for(outsider)
    url = reverse("thread_reply", args=[thread.pk])

    existing = client.post(url, {"body": "Bonjour", "parent": secret.pk})
    missing = client.post(url, {"body": "Bonjour", "parent": secret.pk + 10_000})

    assert existing.status_code == missing.status_code
    assert without_tokens(existing) == without_tokens(missing)
    assert not thread.posts.filter(author=outsider).exists()
