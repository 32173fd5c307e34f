"""
The webinar room's rows of the room-action table (see rooms.actions).

Registered from WebinarsConfig.ready(), for rooms of the webinar kind only.
The context's subject is the room's session.
"""

from django.utils.translation import gettext_lazy as _

from rooms.actions import (
    MEMBER,
    MODERATOR,
    Audio,
    Bool,
    Context,
    Key,
    Ref,
    Rows,
    Text,
    TextList,
)

from . import selectors, services
from .models import ROOM_KIND
from .services.room import (
    POLL_MAX_OPTIONS,
    POLL_OPTION_MAX_LENGTH,
    POLL_QUESTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
)

rows = Rows(room_kinds={ROOM_KIND})


def find_question(context: Context, pk: int):
    return selectors.access_question(context.subject, pk)


def find_poll(context: Context, pk: int):
    return selectors.access_poll(context.subject, pk)


def find_hand(context: Context, pk: int):
    return selectors.access_hand(context.subject, pk)


QUESTION = Ref("id", find=find_question)
POLL = Ref("id", find=find_poll)
HAND = Ref("id", required=False, find=find_hand)


def flag(name: str) -> Bool:
    return Bool(name, required=False, default=True)


@rows.action(
    "ask", Key("key"), Text("body", max_length=QUESTION_MAX_LENGTH), Audio("voice", required=False),
    who=MEMBER, acks="question",
    summary=_("poser une question aux intervenant·es (écrite, ou dite par la porte « voix/ »)"),
)  # fmt: skip
def ask(context: Context, *, key: str, body: str, voice) -> dict:
    question, _created = services.ask_question(
        author=context.user, session=context.subject, body=body, client_key=key, voice=voice
    )
    return {"id": question.pk}


@rows.action(
    "upvote", QUESTION, flag("up"), who=MEMBER, acks="question", ref="id",
    summary=_("voter pour la question d'une autre personne (ou retirer son vote)"),
)  # fmt: skip
def upvote(context: Context, *, id, up: bool) -> dict:
    return {"id": services.upvote_question(user=context.user, question=id, up=up).pk}


@rows.action(
    "answer", QUESTION, flag("answered"), who=MODERATOR, acks="question", ref="id",
    summary=_("marquer une question répondue (ou non)"),
)  # fmt: skip
def answer(context: Context, *, id, answered: bool) -> dict:
    return {
        "id": services.answer_question(moderator=context.user, question=id, answered=answered).pk
    }


@rows.action(
    "hide_question", QUESTION, flag("hidden"), who=MODERATOR, acks="question", ref="id",
    summary=_("masquer une question (ou la rétablir)"),
)  # fmt: skip
def hide_question(context: Context, *, id, hidden: bool) -> dict:
    return {"id": services.hide_question(moderator=context.user, question=id, hidden=hidden).pk}


@rows.action(
    "poll",
    Text("question", max_length=POLL_QUESTION_MAX_LENGTH),
    TextList("options", max_items=POLL_MAX_OPTIONS, max_length=POLL_OPTION_MAX_LENGTH),
    who=MODERATOR, acks="poll", summary=_("lancer un sondage (2 à 10 réponses)"),
)  # fmt: skip
def poll(context: Context, *, question: str, options: list[str]) -> dict:
    created = services.create_poll(
        moderator=context.user, session=context.subject, question=question, options=options
    )
    return {"id": created.pk}


@rows.action(
    "vote", POLL, Ref("option"), who=MEMBER, acks="poll", ref="id",
    summary=_("voter à un sondage (une fois)"),
)  # fmt: skip
def vote(context: Context, *, id, option: int) -> dict:
    return {"id": services.vote_in_poll(user=context.user, poll=id, option_id=option).pk}


@rows.action(
    "close_poll", POLL, who=MODERATOR, acks="poll", ref="id", summary=_("clore un sondage"),
)  # fmt: skip
def close_poll(context: Context, *, id) -> dict:
    return {"id": services.close_poll(moderator=context.user, poll=id).pk}


@rows.action(
    "hand", flag("up"), HAND, who=MEMBER, acks="hand", ref="id",
    summary=_("lever ou baisser la main (la modération baisse celle d'une autre, avec id)"),
)  # fmt: skip
def hand(context: Context, *, up: bool, id) -> dict:
    if up:
        return {"id": services.raise_hand(user=context.user, session=context.subject).pk}
    return {"id": services.lower_hand(user=context.user, session=context.subject, hand=id).pk}


@rows.action(
    "call_hand", HAND, who=MODERATOR, acks="hand", ref="id",
    summary=_("donner la parole (sans id : à la première main levée)"),
)  # fmt: skip
def call_hand(context: Context, *, id) -> dict:
    return {"id": services.call_hand(moderator=context.user, session=context.subject, hand=id).pk}
