"""
Who may see and do what in a live room.

A room is seen by whoever may see its CoP; members write while it is open
and they are not muted; the CoP's moderators moderate it. ``can_*`` answer
for templates, ``check_*`` raise (``Http404`` for what may not be seen,
``Refused`` with a code and a translated reason otherwise). None takes a
request: both doors share them.
"""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from forum.models import User
from forum.permissions import (
    Refused,
    can_moderate_community,
    can_post_in_community,
    can_view_community,
    check_not_sanctioned,
    check_view_community,
)

from .models import Message, Room, RoomMute


def can_view_room(user: User | None, room: Room) -> bool:
    return can_view_community(user, room.community)


def check_view_room(user: User | None, room: Room) -> None:
    check_view_community(user, room.community)


def room_window(room: Room, now=None) -> str:
    """Where ``room`` stands for writing: "open", "not_yet" or "closed"."""
    now = now or timezone.now()
    if room.is_closed or (room.closes_at is not None and now >= room.closes_at):
        return "closed"
    if room.opens_at is not None and now < room.opens_at:
        return "not_yet"
    return "open"


def mute_of(user: User | None, room: Room) -> RoomMute | None:
    """The mute in force on ``user`` in ``room``, if any."""
    if user is None or not user.is_authenticated:
        return None
    mute = RoomMute.objects.filter(room=room, user=user, lifted_at__isnull=True).first()
    return mute if mute is not None and mute.in_force() else None


def is_muted(user: User | None, room: Room) -> bool:
    return mute_of(user, room) is not None


def can_write_in_room(user: User | None, room: Room) -> bool:
    return (
        room_window(room) == "open"
        and can_post_in_community(user, room.community)
        and (can_moderate_room(user, room) or not is_muted(user, room))
    )


def check_room_open(room: Room) -> None:
    window = room_window(room)
    if window == "closed":
        raise Refused(_("Ce salon est fermé : on ne peut plus y écrire."), code="closed")
    if window == "not_yet":
        raise Refused(_("Ce salon n'est pas encore ouvert."), code="not_open")


def check_write_in_room(user: User | None, room: Room) -> None:
    check_view_room(user, room)
    if user is None or not user.is_authenticated:
        raise Refused(_("Connectez-vous pour écrire dans ce salon."))
    # A CoP's mute or ban holds in its salon and webinar rooms, said with why and until when.
    check_not_sanctioned(user, room.community)
    if not can_post_in_community(user, room.community):
        raise Refused(_("Seuls les membres de cette communauté peuvent écrire dans ce salon."))
    check_room_open(room)
    mute = None if can_moderate_room(user, room) else mute_of(user, room)
    if mute is not None:
        raise Refused(mute_explanation(mute), code="muted")


def mute_explanation(mute: RoomMute) -> str:
    """What a muted person is told: until when, and why when the moderator said."""
    if mute.until is None:
        text = _("Une modératrice ou un modérateur vous a rendu muet·te ici, jusqu'à nouvel ordre.")
    else:
        until = timezone.localtime(mute.until)
        moment = formats.time_format(until, "TIME_FORMAT")
        if until.date() != timezone.localdate():
            moment = formats.date_format(until, "SHORT_DATETIME_FORMAT")
        text = _(
            "Une modératrice ou un modérateur vous a rendu muet·te ici jusqu'à %(moment)s "
            "(heure de Bamako)."
        ) % {"moment": moment}
    if mute.reason:
        text += " " + _("Motif : %(reason)s") % {"reason": mute.reason}
    return text


def can_moderate_room(user: User | None, room: Room) -> bool:
    return can_moderate_community(user, room.community)


def can_edit_message(user: User | None, message: Message) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and message.author_id == user.pk
        and not message.is_deleted
    )


def check_edit_message(user: User | None, message: Message) -> None:
    check_write_in_room(user, message.room)
    if message.is_deleted:
        raise Refused(_("Ce message a été supprimé."), code="not_found")
    if not can_edit_message(user, message):
        raise Refused(_("Seule l'autrice ou l'auteur peut modifier ce message."))


def can_delete_message(user: User | None, message: Message) -> bool:
    if message.is_deleted or user is None or not user.is_authenticated:
        return False
    return message.author_id == user.pk or can_moderate_room(user, message.room)


def check_delete_message(user: User | None, message: Message) -> None:
    check_view_room(user, message.room)
    if message.is_deleted:
        raise Refused(_("Ce message a été supprimé."), code="not_found")
    if not can_delete_message(user, message):
        raise Refused(_("Vous ne pouvez pas supprimer ce message."))


def check_moderate_room(user: User | None, room: Room) -> None:
    check_view_room(user, room)
    if not can_moderate_room(user, room):
        raise Refused(_("Cette action est réservée aux modératrices et modérateurs."))
