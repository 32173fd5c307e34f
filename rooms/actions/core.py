"""The rooms app's own rows of the table: chat and moderation, in every kind of room."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from forum.models import Report
from forum.selectors import find_user
from forum.services import report_item
from forum.services.reports import REPORT_TEXT_MAX_LENGTH

from .. import selectors, services
from ..services.messages import CHAT_MAX_LENGTH
from ..services.moderation import MUTE_MAX_MINUTES, MUTE_REASON_MAX_LENGTH, SLOW_MODE_MAX
from .fields import Audio, Bool, Int, Key, Ref, Text
from .table import AUTHOR, AUTHOR_OR_MODERATOR, MEMBER, MODERATOR, READER, Context, Rows

rows = Rows()


def find_message(context: Context, pk: int):
    """A message of this room the reader may see; 404 otherwise (even in another room)."""
    message = selectors.access_message(context.user, pk)
    if message.room_id != context.room.pk:
        raise Http404
    message.room = context.room
    return message


def find_person(context: Context, pk: int):
    """An active account; whether they may be named in this room is the service's check."""
    person = find_user(pk)
    if person is None:
        raise Http404
    return person


def find_voice(context: Context, pk: int):
    """A voice note of this room (a message's or a question's); 404 otherwise."""
    return selectors.find_voice(context.room, pk)


MESSAGE = Ref("id", find=find_message)
BODY = Text("body", max_length=CHAT_MAX_LENGTH)
PERSON = Ref("user", find=find_person)
# A voice note, said instead of the text (which may then be empty) or with it.
VOICE = Audio("voice", required=False)


@rows.action(
    "send", Key("key"), BODY, VOICE, who=MEMBER, acks="message",
    summary=_("écrire un message, ou le dire (note vocale, par la porte « voix/ »)"),
)  # fmt: skip
def send(context: Context, *, key: str, body: str, voice) -> dict:
    message, _created = services.send_message(
        author=context.user, room=context.room, body=body, client_key=key, voice=voice
    )
    return {"id": message.pk, "seq": message.seq}


@rows.action(
    "transcript",
    Ref("id", find=find_voice),
    Text("text", max_length=services.TRANSCRIPT_MAX_LENGTH),
    who=AUTHOR_OR_MODERATOR, acks="voice", ref="id",
    summary=_("écrire la transcription d'une note vocale (vide : l'effacer)"),
)  # fmt: skip
def transcript(context: Context, *, id, text: str) -> dict:
    return {"id": services.set_transcript(user=context.user, note=id, text=text).pk}


@rows.action(
    "edit", MESSAGE, BODY, who=AUTHOR, acks="message", ref="id",
    summary=_("corriger son message (pendant 15 minutes)"),
)  # fmt: skip
def edit(context: Context, *, id, body: str) -> dict:
    return {"id": services.edit_message(editor=context.user, message=id, body=body).pk}


@rows.action(
    "delete", MESSAGE, who=AUTHOR_OR_MODERATOR, acks="message", ref="id",
    summary=_("supprimer un message (le sien, ou tout message pour la modération)"),
)  # fmt: skip
def delete(context: Context, *, id) -> dict:
    return {"id": services.delete_message(user=context.user, message=id).pk}


@rows.action(
    "slow_mode", Int("seconds", minimum=0, maximum=SLOW_MODE_MAX), who=MODERATOR, acks="room",
    summary=_("mode lent : secondes entre deux messages d'une personne (0 : désactivé)"),
)  # fmt: skip
def slow_mode(context: Context, *, seconds: int) -> dict:
    room = services.set_slow_mode(moderator=context.user, room=context.room, seconds=seconds)
    return {"id": room.pk}


@rows.action(
    "mute",
    PERSON,
    Int("minutes", required=False, default=0, minimum=0, maximum=MUTE_MAX_MINUTES),
    Text("reason", required=False, default="", max_length=MUTE_REASON_MAX_LENGTH),
    who=MODERATOR, acks="user", ref="user",
    summary=_("rendre muet·te une personne, pour une durée (0 : jusqu'à nouvel ordre)"),
)  # fmt: skip
def mute(context: Context, *, user, minutes: int, reason: str) -> dict:
    services.mute_participant(
        moderator=context.user, room=context.room, user=user, minutes=minutes, reason=reason
    )
    return {"id": user.pk}


@rows.action(
    "unmute", PERSON, who=MODERATOR, acks="user", ref="user",
    summary=_("rendre la parole avant la fin de la durée"),
)  # fmt: skip
def unmute(context: Context, *, user) -> dict:
    services.unmute_participant(moderator=context.user, room=context.room, user=user)
    return {"id": user.pk}


@rows.action(
    "pin", Ref("id", required=False, find=find_message), who=MODERATOR, acks="message", ref="id",
    summary=_("épingler un message (sans id : désépingler)"),
)  # fmt: skip
def pin(context: Context, *, id) -> dict:
    services.pin_message(moderator=context.user, room=context.room, message=id)
    return {"id": id.pk if id is not None else None}


@rows.action(
    "close", Bool("closed", required=False, default=True), who=MODERATOR, acks="room",
    summary=_("fermer la salle (lecture seule) ou la rouvrir"),
)  # fmt: skip
def close(context: Context, *, closed: bool) -> dict:
    room = services.close_room(moderator=context.user, room=context.room, closed=closed)
    return {"id": room.pk}


@rows.action(
    "report",
    MESSAGE,
    Text("reason", max_length=max(len(value) for value in Report.Reason.values)),
    Text("text", required=False, default="", max_length=REPORT_TEXT_MAX_LENGTH),
    who=READER, acks="message", ref="id",
    summary=_("signaler un message à la modération (motif : spam, harassment, personal_data, "
              "danger, off_topic, other + texte)"),
)  # fmt: skip
def report(context: Context, *, id, reason: str, text: str) -> dict:
    report_item(reporter=context.user, kind="message", object_id=id.pk, reason=reason, text=text)
    return {"id": id.pk}
