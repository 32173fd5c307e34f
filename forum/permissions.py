"""
Who may see and do what in the forum.

``can_*`` answer a yes/no for templates; ``check_*`` raise: ``Http404`` when
the user may not even know the thing exists, ``PermissionDenied`` with a
translated reason when they may see it but not act. None of them takes a
request, so HTTP views and WebSocket consumers share them.
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Community, JoinRequest, Membership, Post, Sanction, Thread, User

_MEMBERSHIP_CACHE = "_jekafo_memberships"
_SANCTION_CACHE = "_jekafo_sanctions"


def get_membership(user: User | None, community: Community) -> Membership | None:
    """Return the user's membership of ``community``, cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cache: dict[int, Membership | None] = user.__dict__.setdefault(_MEMBERSHIP_CACHE, {})
    if community.pk not in cache:
        cache[community.pk] = Membership.objects.filter(user=user, community=community).first()
    return cache[community.pk]


def forget_memberships(user: User) -> None:
    """Drop what is cached on ``user`` about memberships and sanctions."""
    user.__dict__.pop(_MEMBERSHIP_CACHE, None)
    user.__dict__.pop(_SANCTION_CACHE, None)


def preload_access(users: Iterable[User], community_ids: Iterable[int]) -> None:
    """Read, in two queries, what the checks below would ask of each user in each CoP.

    Fills the caches that ``get_membership`` and ``sanction_of`` read, so that
    ``can_view_community`` and its kin then answer for many (user, CoP) pairs
    without a query each: a check of every open socket of a process costs the
    same whatever their number.
    """
    people = {user.pk: user for user in users if user.is_authenticated and user.is_active}
    communities = set(community_ids)
    if not people or not communities:
        return
    for user in people.values():
        memberships = user.__dict__.setdefault(_MEMBERSHIP_CACHE, {})
        sanctions = user.__dict__.setdefault(_SANCTION_CACHE, {})
        for community_id in communities:
            memberships[community_id] = None
            sanctions[community_id] = []
    for membership in Membership.objects.filter(user_id__in=people, community_id__in=communities):
        people[membership.user_id].__dict__[_MEMBERSHIP_CACHE][membership.community_id] = membership
    for sanction in Sanction.objects.filter(
        user_id__in=people, community_id__in=communities
    ).filter(in_force_q()):
        people[sanction.user_id].__dict__[_SANCTION_CACHE][sanction.community_id].append(sanction)


def preload_access_of(user: User | None, community_ids: Iterable[int]) -> None:
    """``preload_access`` for one reader, of the CoPs whose rights are not read yet (if any).

    A page that looks up many items (the review queue) reads rights once for
    all of them, however many lookups ask.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return
    memberships = user.__dict__.get(_MEMBERSHIP_CACHE, {})
    sanctions = user.__dict__.get(_SANCTION_CACHE, {})
    missing = {pk for pk in community_ids if pk not in memberships or pk not in sanctions}
    if missing:
        preload_access([user], missing)


def in_force_q(now=None) -> Q:
    """A filter on Sanction for those in force at ``now``."""
    now = now or timezone.now()
    return Q(lifted_at__isnull=True) & (Q(until__isnull=True) | Q(until__gt=now))


def sanction_of(user: User | None, community: Community, kind: str) -> Sanction | None:
    """The sanction of ``kind`` in force on ``user`` in ``community``, if any.

    The rows are cached on the user; whether one is still in force is judged
    now, so a sanction ends on time without anything having to run.
    """
    if user is None or not user.is_authenticated:
        return None
    cache: dict[int, list[Sanction]] = user.__dict__.setdefault(_SANCTION_CACHE, {})
    if community.pk not in cache:
        cache[community.pk] = list(
            Sanction.objects.filter(user=user, community=community).filter(in_force_q())
        )
    now = timezone.now()
    current = [s for s in cache[community.pk] if s.kind == kind and s.in_force(now)]
    # The one that lasts longest says until when (None: until lifted).
    current.sort(key=lambda s: (s.until is None, s.until or now))
    return current[-1] if current else None


def is_banned(user: User | None, community: Community) -> bool:
    return sanction_of(user, community, Sanction.Kind.BAN) is not None


def is_muted(user: User | None, community: Community) -> bool:
    return sanction_of(user, community, Sanction.Kind.MUTE) is not None


def sanction_explanation(sanction: Sanction) -> str:
    """What the sanctioned member is told: what, where, until when, and why."""
    community = sanction.community.name if sanction.community else _("ce site")
    if sanction.until is None:
        until = _("jusqu'à nouvel ordre")
    else:
        moment = formats.date_format(timezone.localtime(sanction.until), "SHORT_DATETIME_FORMAT")
        until = _("jusqu'au %(moment)s (heure de Bamako)") % {"moment": moment}
    if sanction.kind == Sanction.Kind.MUTE:
        text = _(
            "Vous êtes en sourdine dans « %(community)s » %(until)s : vous pouvez lire, pas écrire."
        )
    else:
        text = _("Vous êtes exclu·e de « %(community)s » %(until)s.")
    text = text % {"community": community, "until": until}
    if sanction.reason:
        text += " " + _("Motif : %(reason)s") % {"reason": sanction.reason}
    return text


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
    if is_staff(user):
        return True
    return get_membership(user, community) is not None and not is_banned(user, community)


def check_view_community(user: User | None, community: Community) -> None:
    if not can_view_community(user, community):
        raise Http404


def can_take_part_in_community(user: User | None, community: Community) -> bool:
    """Attend its sessions, stay registered: members not banned (a mute still reads and attends)."""
    if is_staff(user):
        return True
    return get_membership(user, community) is not None and not is_banned(user, community)


def can_view_members(user: User | None, community: Community) -> bool:
    """A CoP's member list stays inside it: its members (a muted one still reads), and staff."""
    return can_take_part_in_community(user, community)


def can_post_in_community(user: User | None, community: Community) -> bool:
    if is_staff(user):
        return True
    return can_take_part_in_community(user, community) and not is_muted(user, community)


def sanction_notice(user: User | None, community: Community) -> str:
    """What a sanctioned member reads on the CoP's page ("" when nothing holds her back)."""
    if is_staff(user):
        return ""
    for kind in (Sanction.Kind.BAN, Sanction.Kind.MUTE):
        sanction = sanction_of(user, community, kind)
        if sanction is not None:
            return sanction_explanation(sanction)
    return ""


def check_not_sanctioned(user: User | None, community: Community) -> None:
    """Refuse, with why and until when, a member whom a mute or a ban keeps from writing."""
    if is_staff(user):
        return
    for kind, code in ((Sanction.Kind.BAN, "banned"), (Sanction.Kind.MUTE, "muted")):
        sanction = sanction_of(user, community, kind)
        if sanction is not None:
            raise Refused(sanction_explanation(sanction), code=code)


def check_post_in_community(user: User | None, community: Community) -> None:
    check_view_community(user, community)
    check_not_sanctioned(user, community)
    if not can_post_in_community(user, community):
        raise PermissionDenied(_("Seuls les membres de cette communauté peuvent y écrire."))


def can_moderate_community(user: User | None, community: Community) -> bool:
    if is_staff(user):
        return True
    membership = get_membership(user, community)
    return (
        membership is not None
        and membership.is_moderator
        and not is_banned(user, community)
        and not is_muted(user, community)
    )


def check_moderate_community(user: User | None, community: Community) -> None:
    check_view_community(user, community)
    if not can_moderate_community(user, community):
        raise PermissionDenied(_("Cette action est réservée aux modératrices et modérateurs."))


def can_request_to_join(user: User | None, community: Community) -> bool:
    """Anyone signed in who can see a public CoP, is not yet a member and is not banned from it."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and not community.is_private
        and get_membership(user, community) is None
        and not is_banned(user, community)
    )


def check_request_to_join(user: User | None, community: Community) -> None:
    check_view_community(user, community)
    if not can_request_to_join(user, community):
        if get_membership(user, community) is not None:
            raise PermissionDenied(_("Vous êtes déjà membre de cette communauté."))
        check_not_sanctioned(user, community)
        raise PermissionDenied(_("Connectez-vous pour demander à rejoindre cette communauté."))


def check_enter_community(user: User | None, community: Community) -> None:
    """Refuse entry (an invitation, an accepted request) to someone banned from ``community``."""
    sanction = sanction_of(user, community, Sanction.Kind.BAN)
    if sanction is not None:
        raise Refused(sanction_explanation(sanction), code="banned")


def can_sanction_member(user: User | None, community: Community, target: User) -> bool:
    """Moderators of the CoP and staff; never oneself, nor staff, nor a moderator unless staff."""
    if not can_moderate_community(user, community) or target.pk == user.pk or target.is_staff:
        return False
    if is_staff(user):
        return True
    membership = Membership.objects.filter(user=target, community=community).first()
    return membership is None or not membership.is_moderator


def check_sanction_member(user: User | None, community: Community, target: User) -> None:
    check_moderate_community(user, community)
    if target.pk == user.pk:
        raise PermissionDenied(_("Vous ne pouvez pas vous sanctionner vous-même."))
    if target.is_staff:
        raise PermissionDenied(_("L'équipe du site ne peut pas être sanctionnée ici."))
    if not can_sanction_member(user, community, target):
        raise PermissionDenied(_("Seule l'équipe du site peut sanctionner un modérateur."))


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


def can_open_thread(user: User | None, thread: Thread) -> bool:
    """May read ``thread`` now: its CoP, and the thread itself if it awaits validation."""
    return can_view_thread(user, thread) and can_see_pending(user, thread, thread.community)


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


def post_rights_on(user: User | None, thread: Thread) -> Callable[[Post], tuple[bool, bool, bool]]:
    """
    ``can_view_post_body``, ``can_edit_post`` and ``can_delete_post`` for the posts of ``thread``.

    The same rules as those three functions, with what depends only on the
    viewer and the thread (moderator? may post? locked?) worked out once: a
    thread page asks for a hundred posts. tests/forum/test_permissions.py
    checks the two give the same answers.
    """
    community = thread.community
    signed_in = user is not None and user.is_authenticated
    viewer = user.pk if signed_in else None
    moderator = can_moderate_community(user, community)
    may_edit_own = signed_in and not thread.is_locked and can_post_in_community(user, community)

    def rights(post: Post) -> tuple[bool, bool, bool]:
        if post.is_deleted:
            return False, False, False
        own = signed_in and post.author_id == viewer
        body = not post.is_hidden or moderator or own
        edit = signed_in and (moderator or (own and not post.is_hidden and may_edit_own))
        return body, edit, own

    return rights


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
