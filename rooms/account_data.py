"""The rooms' part of a member's own data (see ``forum.account_data``)."""

from forum.account_data import Section, register
from forum.frames import iso_time
from forum.models import User

from .models import Message
from .services import erase_messages_of


def export_messages(user: User) -> list[dict]:
    """The chat messages the member wrote, with the room's CoP, oldest first."""
    return [
        {
            "id": message.pk,
            "room": message.room.title or message.room.community.name,
            "created_at": iso_time(message.created_at),
            "edited_at": iso_time(message.edited_at),
            "deleted": message.deleted_at is not None,
            "body": message.body,
        }
        for message in Message.objects.filter(author=user)
        .select_related("room__community")
        .order_by("pk")
    ]


def erase(user: User, erase_content: bool) -> None:
    if erase_content:
        erase_messages_of(user)


def register_section() -> None:
    register(Section(name="chat_messages", export=export_messages, erase=erase))
