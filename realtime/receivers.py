"""
Turn the forum's domain events into pushes.

Each frame is serialised once here and sent to a group; consumers forward
the text as it is. Handlers run after the write committed (``forum.events``
delivers on commit), so nothing is pushed for a write that rolled back.
``_send`` hands the message to the process's publisher and returns at once
(realtime/publisher.py): the database thread never waits on the layer.
"""

import json
import logging

from django.conf import settings

from forum import events
from forum.models import Post, Thread, User
from forum.presentation import AUDIENCES, READER, render_post_for
from rooms import events as room_events
from rooms import kinds
from rooms.models import Room

from . import groups
from .publisher import publish as _send

logger = logging.getLogger(__name__)


def dumps(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def room_changed(event: room_events.RoomChanged) -> None:
    room = Room(pk=event.room_id, community_id=event.community_id)
    frame = kinds.frame_for(room, event.seq, event.kind, event.object_id)
    if frame is None:
        return
    text = dumps(frame)
    _send(groups.room(event.room_id), {"type": "room.change", "seq": event.seq, "text": text})
    if frame.get("type") == "mute" and frame.get("user"):
        # The muted person's own sockets read their standing again (why, until
        # when): that goes in their ``hello``, never in the room's frame.
        _send(groups.user(frame["user"]["id"]), {"type": "user.room", "room_id": event.room_id})


_POST_EVENTS = {
    events.PostCreated: "created",
    events.PostEdited: "edited",
    events.PostDeleted: "deleted",
}


def post_frame(post: Post, thread: Thread, audience: str, language: str, kind: str) -> dict:
    """The ``post`` frame of ``post`` as ``audience`` reads it in ``language``.

    The one drawing of a post for sockets: pushes and a socket's catch-up
    (realtime.consumers) both use it.
    """
    return {
        "type": "post",
        "event": kind,
        "id": post.pk,
        "seq": post.seq,
        "path": post.path,
        "parent": post.parent_id,
        "html": render_post_for(post, thread, audience, language),
    }


def push_audiences(thread: Thread) -> list[str]:
    """The audiences of ``thread`` that its posts are pushed to (and polled for, thread_poll)."""
    # Nobody reads a private CoP's thread as a mere reader; sockets still in
    # the reader group are those of people a move has just shut out.
    return [a for a in AUDIENCES if a != READER or not thread.community.is_private]


def post_changed(event) -> None:
    kind = _POST_EVENTS.get(type(event))
    if kind is None:  # PostModerated
        kind = "hidden" if event.hidden else "restored"
    post = (
        Post.objects.select_related("author__organisation", "parent__author", "thread__community")
        .prefetch_related("files")
        .filter(pk=event.post_id)
        .first()
    )
    if post is None or post.is_pending or post.thread.is_pending:
        # Awaiting validation: its author and moderators see it on the page
        # and in the queue; nothing is pushed until it is approved.
        return
    thread = post.thread
    for audience in push_audiences(thread):
        for language, _name in settings.LANGUAGES:
            frame = post_frame(post, thread, audience, language, kind)
            _send(
                groups.thread(thread.pk, audience, language),
                {
                    "type": "thread.push",
                    "seq": post.seq,
                    "event": kind,
                    "approved": getattr(event, "approved", False),
                    "text": dumps(frame),
                },
            )


_THREAD_EVENTS = {
    "pin": "pinned",
    "unpin": "unpinned",
    "lock": "locked",
    "unlock": "unlocked",
    "rename": "renamed",
    "retag": "retagged",
    "move_out": "moved",
    "move_in": "moved",
    "slow_mode": "slow_mode",
    "reload": "reload",
}


def thread_frame(thread: Thread, action: str) -> dict:
    """The ``thread`` frame of a moderator's action on ``thread``."""
    return {
        "type": "thread",
        "event": _THREAD_EVENTS.get(action, action),
        "title": thread.title,
        "url": thread.get_absolute_url(),
        "locked": thread.is_locked,
        "pinned": thread.is_pinned,
        "note": thread.closed_note,
        "slow_mode": thread.slow_mode,
    }


def thread_moderated(event: events.ThreadModerated) -> None:
    thread = Thread.objects.select_related("community").filter(pk=event.thread_id).first()
    if thread is None:
        return
    frame = thread_frame(thread, event.action)
    if frame["event"] == "moved" and thread.community.is_private:
        # The thread's groups hold readers and members of the CoP it left, who
        # may not see where it went: they get no title. Each socket checks its
        # reader's access first, then sends the full frame to those who kept it.
        frame = {"type": "thread", "event": "moved"}
    message = {"type": "thread.moderated", "text": dumps(frame)}
    for group in groups.thread_all(thread.pk):
        _send(group, message)


def thread_merged(event: events.ThreadMerged) -> None:
    # The target may be in a CoP some readers of the source cannot see: each
    # socket checks its reader's access before it says anything about it.
    message = {"type": "thread.merged", "target_id": event.target_id}
    for group in groups.thread_all(event.thread_id):
        _send(group, message)


def posts_removed(event: events.PostsRemoved) -> None:
    # Where the posts went is not said: the new thread may be in another CoP.
    text = dumps({"type": "thread", "event": "split", "removed": list(event.post_ids)})
    for group in groups.thread_all(event.thread_id):
        _send(group, {"type": "thread.moderated", "text": text})


def notifications_changed(event: events.NotificationsChanged) -> None:
    counts = User.objects.filter(pk__in=event.user_ids).values_list("pk", "unread_notifications")
    for user_id, unread in counts:
        text = dumps({"type": "notifications", "unread": unread})
        _send(groups.user(user_id), {"type": "user.notifications", "text": text})


def membership_changed(event: events.MembershipChanged) -> None:
    _send(
        groups.user(event.user_id),
        {"type": "user.access", "community_id": event.community_id, "role": event.role},
    )


def user_deactivated(event: events.UserDeactivated) -> None:
    _send(groups.user(event.user_id), {"type": "user.access", "deactivated": True})


def sessions_ended(event: events.SessionsEnded) -> None:
    # Each socket of the user compares its own session's handle (see LiveConsumer).
    _send(groups.user(event.user_id), {"type": "user.access", "sessions": list(event.handles)})


_HANDLERS = {
    room_events.RoomChanged: room_changed,
    events.PostCreated: post_changed,
    events.PostEdited: post_changed,
    events.PostDeleted: post_changed,
    events.PostModerated: post_changed,
    events.ThreadModerated: thread_moderated,
    events.ThreadMerged: thread_merged,
    events.PostsRemoved: posts_removed,
    events.NotificationsChanged: notifications_changed,
    events.MembershipChanged: membership_changed,
    events.UserDeactivated: user_deactivated,
    events.SessionsEnded: sessions_ended,
}


def dispatch(event: events.Event) -> None:
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(event)
