"""Chat messages as a kind of reported item (see forum.reporting)."""

from django.utils.translation import gettext_lazy as _

from forum import reporting

from . import kinds, selectors, services
from .models import Message


def _hide(moderator, message: Message, note: str) -> None:
    # A room message is hidden by erasing it (the case keeps the excerpt reported).
    services.delete_message(user=moderator, message=message)


def _excerpt(message: Message) -> str:
    """The words reported: the text, else what a voice note's transcript says it said."""
    if message.body or message.voice_id is None:
        return message.body
    transcript = message.voice.transcript
    return f"[{_('note vocale')}] {transcript}".strip()


def register_report_target() -> None:
    reporting.register(
        reporting.ReportTarget(
            kind="message",
            label=_("message de salon"),
            find=selectors.access_message,
            find_many=selectors.find_messages,
            community=lambda message: message.room.community,
            author=lambda message: message.author,
            excerpt=_excerpt,
            url=lambda message: kinds.page_url(message.room),
            is_hidden=lambda message: message.deleted_at is not None,
            hide=_hide,
            # Erasing cannot be undone: never done by the threshold alone.
            auto_hide=None,
        )
    )
