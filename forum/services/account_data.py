"""
Deleting one's account.

The ``User`` row is kept and emptied rather than deleted: threads, posts, chat
messages, questions and the moderation log point at it, and keeping it keeps
those links valid (no ``on_delete`` cascade can take other people's replies or
a CoP's history with it). The row becomes "ancien·ne membre": inactive, no
password, every personal field blank, a fresh login name (the old one is free
for a new account), ``deleted_at`` set. Memberships, requests, follows and
notifications go; each app wipes its own part through
``forum.account_data.Section.erase``.
"""

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events
from ..data_sections import sections
from ..models import (
    CommunityFollow,
    FeedToken,
    JoinRequest,
    Membership,
    Notification,
    Post,
    ThreadFollow,
    User,
)
from .attachments import delete_files
from .security import end_all_sessions

FORMER_MEMBER = "ancien·ne membre"


def erase_forum_data(user: User, *, erase_content: bool) -> None:
    """Remove the member from every CoP; with ``erase_content``, erase their posts' text."""
    for membership in Membership.objects.filter(user=user):
        community_id = membership.community_id
        membership.delete()
        events.emit(events.MembershipChanged(user_id=user.pk, community_id=community_id, role=None))
    JoinRequest.objects.filter(user=user).delete()
    CommunityFollow.objects.filter(user=user).delete()
    FeedToken.objects.filter(user=user).delete()
    ThreadFollow.objects.filter(user=user).delete()
    Notification.objects.filter(recipient=user).delete()
    if not erase_content:
        return
    # As when an author deletes a post: text and earlier versions are gone for
    # everyone, a marker keeps the reply tree, so threads stay readable. Titles
    # stay: they name what other members answered.
    now = timezone.now()
    posts = Post.objects.filter(author=user, deleted_at__isnull=True).select_related("thread")
    for post in posts.select_for_update(of=("self",)):
        post.revisions.all().delete()
        delete_files(post.files.all())
        post.body = ""
        post.body_html = ""
        post.deleted_at = now
        post.save(update_fields=["body", "body_html", "deleted_at"])
        events.emit(
            events.PostDeleted(
                post_id=post.pk, thread_id=post.thread_id, community_id=post.thread.community_id
            )
        )


@transaction.atomic
def delete_account(*, user: User, password: str, erase_content: bool = False) -> User:
    """
    Delete the member's account after checking their password.

    Every open session ends (the password hash that Django checks on each
    request is gone, and the view logs the current one out); live sockets are
    closed by the ``UserDeactivated`` event.
    """
    fresh = User.objects.select_for_update().get(pk=user.pk)
    if fresh.deleted_at is not None or not fresh.is_active:
        raise ValidationError({"password": _("Ce compte n'est plus actif.")}, code="inactive")
    if not password or not check_password(password, fresh.password):
        raise ValidationError(
            {"password": _("Mot de passe incorrect : le compte n'a pas été supprimé.")},
            code="password",
        )
    for section in sections():
        if section.erase is not None:
            section.erase(fresh, erase_content)
    fresh.username = f"ancien-membre-{fresh.pk}"
    fresh.display_name = FORMER_MEMBER
    fresh.first_name = ""
    fresh.last_name = ""
    fresh.email = ""
    fresh.phone = ""
    fresh.bio = ""
    fresh.region = None
    fresh.organisation = None
    fresh.time_zone = ""
    fresh.show_organisation = User.Shown.NOBODY
    fresh.show_region = User.Shown.NOBODY
    fresh.show_activity = User.ActivityShown.NOBODY
    fresh.is_active = False
    fresh.is_staff = False
    fresh.is_superuser = False
    fresh.unread_notifications = 0
    fresh.deleted_at = timezone.now()
    fresh.set_unusable_password()
    fresh.save()
    fresh.groups.clear()
    fresh.user_permissions.clear()
    # Every stored session of the account goes (its sockets close with UserDeactivated).
    end_all_sessions(user=fresh)
    events.emit(events.UserDeactivated(user_id=fresh.pk))
    return fresh
