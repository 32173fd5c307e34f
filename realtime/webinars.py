"""
The live room of a webinar session: /ws/webinars/<session_id>/?after=<seq>.

The same room protocol as a CoP's salon (chat, resume, presence, moderation),
plus questions and upvotes, polls and raised hands. Every action calls a
service of ``webinars.services``; the change it makes is pushed to the whole
room by ``receivers`` as one frame, so this consumer answers the actor only
with an ``ack`` (or an error frame).
"""

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from forum import frames as forum_frames
from forum import permissions as forum_permissions
from rooms import permissions as room_permissions
from rooms.services import validate_client_key
from webinars import frames, permissions, selectors, services

from . import groups
from .consumers import (
    FrameError,
    RoomConsumer,
    _after,
    _bool_field,
    _int_field,
    _route_id,
    _str_field,
)


class WebinarRoomConsumer(RoomConsumer):
    handlers = {
        **RoomConsumer.handlers,
        "ask": "on_ask",
        "upvote": "on_upvote",
        "hand": "on_hand",
        "vote": "on_vote",
        # Moderators
        "answer": "on_answer",
        "hide_question": "on_hide_question",
        "poll": "on_poll",
        "close_poll": "on_close_poll",
        "call_hand": "on_call_hand",
    }

    async def open(self) -> None:
        session_id = _route_id(self.scope, "session_id")
        self.after = _after(self.scope)
        self.session = await database_sync_to_async(selectors.access_session)(self.user, session_id)
        self.room = self.session.room
        self.room.community = self.session.community
        self.community_id = self.room.community_id
        self.topic = f"room.{self.room.pk}"
        await self.load_rights()
        await self.join(groups.room(self.room.pk), local=True)

    async def load_rights(self) -> None:
        def rights():
            if self.signed_in:
                forum_permissions.forget_memberships(self.user)
            return (
                room_permissions.can_write_in_room(self.user, self.room),
                room_permissions.can_moderate_room(self.user, self.room),
                permissions.can_take_part(self.user, self.session),
            )

        self.can_post, self.can_moderate, self.can_take_part = await database_sync_to_async(
            rights
        )()

    def snapshot(self, cursor: int) -> list[dict]:
        """Messages, then every question (hidden ones without text), poll and hand up."""
        drawn = super().snapshot(cursor)
        drawn += [
            frames.question_frame(cursor, q)
            for q in selectors.list_questions(self.session, hidden=True)
        ]
        drawn += [frames.poll_frame(cursor, p) for p in selectors.list_polls(self.session)]
        drawn += [frames.hand_frame(cursor, h) for h in selectors.list_raised_hands(self.session)]
        return drawn

    def room_state(self) -> dict:
        state = super().room_state()
        session = self.session
        state["session"] = {
            "id": session.pk,
            "starts_at": forum_frames.iso_time(session.starts_at),
            "ends_at": forum_frames.iso_time(session.ends_at),
        }
        state["me"] = selectors.participant_state(self.user, session)
        return state

    def room_hello(self) -> dict:
        hello = super().room_hello()
        hello["can_take_part"] = self.can_take_part
        return hello

    # Helpers ------------------------------------------------------------------------

    async def _ack(self, frame: dict, action: str, object_id: int) -> None:
        ack = {"type": "ack", "action": action, "id": object_id}
        key = frame.get("key")
        if isinstance(key, str) and len(key) <= 64:
            ack["key"] = key
        await self.send_frame(ack)

    async def _find(self, finder, frame: dict, name: str = "id"):
        object_id = _int_field(frame, name)
        try:
            return await self.call(finder, session=self.session, pk=object_id)
        except Http404:
            raise FrameError("not_found", _("Cet élément n'existe pas."), ref=object_id) from None

    async def _service(self, function, frame: dict, *, ref=None, **kwargs):
        key = frame.get("key") if isinstance(frame.get("key"), str) else None
        return await self.call_service(function, key=key, ref=ref, **kwargs)

    # Questions ------------------------------------------------------------------------

    async def on_ask(self, frame: dict) -> None:
        key = frame.get("key")
        try:
            key = _str_field(frame, "key")
            try:
                services_key = _validated_key(key)
            except ValidationError as error:
                raise FrameError("bad_frame", " ".join(error.messages)) from None
            body = _str_field(frame, "body")
        except FrameError as error:
            echo = key if isinstance(key, str) and len(key) <= 64 else None
            await self.send_error(error.code, error.text, key=echo)
            return
        result = await self.call_service(
            services.ask_question,
            key=key,
            author=self.user,
            session=self.session,
            body=body,
            client_key=services_key,
        )
        if result is not None:
            question, _created = result
            await self._ack(frame, "ask", question.pk)

    async def on_upvote(self, frame: dict) -> None:
        question = await self._find(selectors.access_question, frame)
        up = _bool_field(frame, "up", default=True)
        done = await self._service(
            services.upvote_question,
            frame,
            ref=question.pk,
            user=self.user,
            question=question,
            up=up,
        )
        if done is not None:
            await self._ack(frame, "upvote", question.pk)

    async def on_answer(self, frame: dict) -> None:
        question = await self._find(selectors.access_question, frame)
        answered = _bool_field(frame, "answered", default=True)
        done = await self._service(
            services.answer_question,
            frame,
            ref=question.pk,
            moderator=self.user,
            question=question,
            answered=answered,
        )
        if done is not None:
            await self._ack(frame, "answer", question.pk)

    async def on_hide_question(self, frame: dict) -> None:
        question = await self._find(selectors.access_question, frame)
        hidden = _bool_field(frame, "hidden", default=True)
        done = await self._service(
            services.hide_question,
            frame,
            ref=question.pk,
            moderator=self.user,
            question=question,
            hidden=hidden,
        )
        if done is not None:
            await self._ack(frame, "hide_question", question.pk)

    # Polls ----------------------------------------------------------------------------

    async def on_poll(self, frame: dict) -> None:
        question = _str_field(frame, "question")
        options = frame.get("options")
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise FrameError("bad_frame", _("Le champ « options » doit être une liste de textes."))
        poll = await self._service(
            services.create_poll,
            frame,
            moderator=self.user,
            session=self.session,
            question=question,
            options=options,
        )
        if poll is not None:
            await self._ack(frame, "poll", poll.pk)

    async def on_vote(self, frame: dict) -> None:
        poll = await self._find(selectors.access_poll, frame)
        option = _int_field(frame, "option")
        done = await self._service(
            services.vote_in_poll, frame, ref=poll.pk, user=self.user, poll=poll, option_id=option
        )
        if done is not None:
            await self._ack(frame, "vote", poll.pk)

    async def on_close_poll(self, frame: dict) -> None:
        poll = await self._find(selectors.access_poll, frame)
        done = await self._service(
            services.close_poll, frame, ref=poll.pk, moderator=self.user, poll=poll
        )
        if done is not None:
            await self._ack(frame, "close_poll", poll.pk)

    # Raised hands ---------------------------------------------------------------------

    async def on_hand(self, frame: dict) -> None:
        """{"type": "hand", "up": true} raises one's hand; "up": false lowers it (or, with
        "id", a moderator lowers someone else's)."""
        up = _bool_field(frame, "up", default=True)
        if up:
            hand = await self._service(
                services.raise_hand, frame, user=self.user, session=self.session
            )
        else:
            target = (
                None if frame.get("id") is None else await self._find(selectors.access_hand, frame)
            )
            hand = await self._service(
                services.lower_hand, frame, user=self.user, session=self.session, hand=target
            )
        if hand is not None:
            await self._ack(frame, "hand", hand.pk)

    async def on_call_hand(self, frame: dict) -> None:
        """Give the floor to the hand ``id``, or without ``id`` to the first in the queue."""
        target = None if frame.get("id") is None else await self._find(selectors.access_hand, frame)
        hand = await self._service(
            services.call_hand, frame, moderator=self.user, session=self.session, hand=target
        )
        if hand is not None:
            await self._ack(frame, "call_hand", hand.pk)


def _validated_key(key: str) -> str:
    if not key:
        raise ValidationError(_("Le champ « key » est obligatoire."))
    return validate_client_key(key)
