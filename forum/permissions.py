"""
Who may see and do what in the forum.

``can_*`` answer a yes/no for templates; ``check_*`` raise: ``Http404`` when
the user may not even know the thing exists, ``PermissionDenied`` with a
translated reason when they may see it but not act. None of them takes a
request, so HTTP views and WebSocket consumers share them.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Community, JoinRequest, Membership, Post, Thread, User

_MEMBERSHIP_CACHE = "_jekafo_memberships"


def get_membership(user: User | None, community: Community) -> Membership | None:
    """Return the user's membership of ``community``, cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cache: dict[int, Membership | None] = user.__dict__.setdefault(_MEMBERSHIP_CACHE, {})
    if community.pk not in cache:
        cache[community.pk] = Membership.objects.filter(user=user, community=community).first()
    return cache[community.pk]


def forget_memberships(user: User) -> None:
    user.__dict__.pop(_MEMBERSHIP_CACHE, None)


class Refused(PermissionDenied):
    """A refusal with a machine-readable ``code``: both doors answer it as such."""

    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message)
        self.code = code


def is_staff(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


# Communities -----------------------------------------------------------------


def can_view_community(user: User | None, community: Community) -> bool:
    if not community.is_private:
        return True
    return is_staff(user) or get_membership(user, community) is not None


def check_view_community(user: User | None, community: Community) -> None:
    if not can_view_community(user, community):
        raise Http404


def can_post_in_community(user: User | None, community: Community) -> bool:
    return is_staff(user) or get_membership(user, community) is not None


def check_post_in_community(user: User | None, community: Community) -> None:
    check_view_community(user, community)
    if not can_post_in_community(user, community):
        raise PermissionDenied(_("Seuls les membres de cette communauté peuvent y écrire."))


def can_moderate_community(user: User | None, community: Community) -> bool:
    if is_staff(user):
        return True
    membership = get_membership(user, community)
    return membership is not None and membership.is_moderator


def check_moderate_community(user: User | None, community: Community) -> None:
    check_view_community(user, community)
    if not can_moderate_community(user, community):
        raise PermissionDenied(_("Cette action est réservée aux modératrices et modérateurs."))


def can_request_to_join(user: User | None, community: Community) -> bool:
    """Anyone signed in who can see a public CoP and is not yet a member."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and not community.is_private
        and get_membership(user, community) is None
    )


def check_request_to_join(user: User | None, community: Community) -> None:
    check_view_community(user, community)
    if not can_request_to_join(user, community):
        if get_membership(user, community) is not None:
            raise PermissionDenied(_("Vous êtes déjà membre de cette communauté."))
        raise PermissionDenied(_("Connectez-vous pour demander à rejoindre cette communauté."))


def can_leave_community(user: User | None, community: Community) -> bool:
    return get_membership(user, community) is not None


def check_leave_community(user: User | None, community: Community) -> None:
    check_view_community(user, community)
    if not can_leave_community(user, community):
        raise PermissionDenied(_("Vous n'êtes pas membre de cette communauté."))


# Threads and posts -------------------------------------------------------------


def can_view_thread(user: User | None, thread: Thread) -> bool:
    return can_view_community(user, thread.community)


def check_view_thread(user: User | None, thread: Thread) -> None:
    check_view_community(user, thread.community)


def can_start_thread(user: User | None, community: Community) -> bool:
    return can_post_in_community(user, community)


def check_start_thread(user: User | None, community: Community) -> None:
    check_post_in_community(user, community)


def can_reply_to_thread(user: User | None, thread: Thread) -> bool:
    if not can_post_in_community(user, thread.community):
        return False
    return not thread.is_locked or can_moderate_community(user, thread.community)


def check_reply_to_thread(user: User | None, thread: Thread) -> None:
    check_post_in_community(user, thread.community)
    if thread.is_locked and not can_moderate_community(user, thread.community):
        raise PermissionDenied(_("Cette discussion est verrouillée : on ne peut plus y répondre."))


def can_view_post_body(user: User | None, post: Post) -> bool:
    """Hidden posts stay readable by the CoP's moderators (and their author)."""
    if post.is_deleted:
        return False
    if not post.is_hidden:
        return True
    return can_moderate_community(user, post.thread.community) or (
        user is not None and user.is_authenticated and post.author_id == user.pk
    )


def can_edit_post(user: User | None, post: Post) -> bool:
    if post.is_deleted or user is None or not user.is_authenticated:
        return False
    if can_moderate_community(user, post.thread.community):
        return True
    return (
        post.author_id == user.pk
        and not post.is_hidden
        and can_post_in_community(user, post.thread.community)
        and not post.thread.is_locked
    )


def check_edit_post(user: User | None, post: Post) -> None:
    check_view_thread(user, post.thread)
    if post.is_deleted:
        raise PermissionDenied(_("Ce message a été supprimé."))
    if not can_edit_post(user, post):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce message."))


def can_delete_post(user: User | None, post: Post) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and not post.is_deleted
        and post.author_id == user.pk
    )


def check_delete_post(user: User | None, post: Post) -> None:
    check_view_thread(user, post.thread)
    if not can_delete_post(user, post):
        raise PermissionDenied(_("Seule l'autrice ou l'auteur peut supprimer ce message."))


def can_view_post_history(user: User | None, post: Post) -> bool:
    return can_moderate_community(user, post.thread.community)


def check_view_post_history(user: User | None, post: Post) -> None:
    check_moderate_community(user, post.thread.community)


def can_view_moderation_log(user: User | None, community: Community) -> bool:
    return can_moderate_community(user, community)


def check_view_moderation_log(user: User | None, community: Community) -> None:
    check_moderate_community(user, community)


# Reports and pre-moderation ------------------------------------------------------


def can_see_pending(user: User | None, item: Post | Thread, community: Community) -> bool:
    """A post or thread awaiting validation is seen by its author and the CoP's moderators."""
    if not item.is_pending:
        return True
    if user is not None and user.is_authenticated and item.author_id == user.pk:
        return True
    return can_moderate_community(user, community)


def can_report(user: User | None) -> bool:
    """Anyone signed in may report what she can see (finding the item checks that)."""
    return bool(user and user.is_authenticated and user.is_active)


def check_report(user: User | None, author_id: int | None) -> None:
    if not can_report(user):
        raise PermissionDenied(_("Connectez-vous pour signaler un contenu."))
    if author_id is not None and author_id == user.pk:
        raise PermissionDenied(_("Vous ne pouvez pas signaler ce que vous avez écrit."))


def check_review_reports(user: User | None, community: Community) -> None:
    check_moderate_community(user, community)


# Profiles ------------------------------------------------------------------------
#
# Some members are human-rights defenders: another member sees their profile
# only through a CoP both belong to (or, for a CoP's moderators, one the person
# asked to join), and only what the person chose to show. Staff see everything.


def shares_community(viewer: User | None, member: User) -> bool:
    """Whether ``viewer`` and ``member`` are both members of at least one CoP."""
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return False
    return Membership.objects.filter(user=member, community__memberships__user=viewer).exists()


def _moderates_a_request_of(viewer: User, member: User) -> bool:
    return JoinRequest.objects.filter(
        user=member,
        status=JoinRequest.Status.PENDING,
        community__memberships__user=viewer,
        community__memberships__role=Membership.Role.MODERATOR,
    ).exists()


def can_view_profile(viewer: User | None, member: User) -> bool:
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.pk == member.pk or is_staff(viewer):
        return True
    if not member.is_active or member.deleted_at is not None:
        return False
    return shares_community(viewer, member) or _moderates_a_request_of(viewer, member)


def check_view_profile(viewer: User | None, member: User) -> None:
    """Raise Http404, the same answer as for an id that does not exist."""
    if not can_view_profile(viewer, member):
        raise Http404


def shows_to(viewer: User | None, member: User, choice: str) -> bool:
    """
    Whether a field the member shows with ``choice`` (``User.Shown``) is shown to ``viewer``.

    Called where ``viewer`` already reached the member through a shared CoP
    (their profile, a CoP's member list, a post in a CoP the viewer belongs to).
    """
    if viewer is not None and viewer.is_authenticated and viewer.pk == member.pk:
        return True
    if is_staff(viewer):
        return True
    return choice == User.Shown.SHARED
