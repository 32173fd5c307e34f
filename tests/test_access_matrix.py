"""
The access matrix: every route × every role toward a private CoP, GET and POST.

The routes come from the URL resolver and the WebSocket routing, not from a
list kept by hand: a route that has no rule in RULES (or WS_RULES) fails
``test_every_route_has_a_rule``, so a new page cannot ship without someone
deciding who may see it and who may act on it.

The expectations come from the roles (tests/private_world.py), never from
the permission functions: what a pending applicant or a removed member should
get is written here as a decision, and the site is held to it.

Outcomes, and the rule the site follows:

- ``404`` "can't see": the object is in a private CoP the reader is not in
  (or is someone else's notification). Same answer as a thing that does
  not exist.
- ``login`` for a visitor on a page that needs an account: the redirect to
  the sign-in page comes before any lookup, so it says nothing about whether
  the object exists (pages open to visitors answer 404 for private things).
  A JSON endpoint answers 401 instead, counted as ``login``.
- ``403`` "can't act": the reader sees the object but the action is not
  theirs (a member on a moderation action, a muted member sending in a room).
- ``ok``: anything else below 500 (a page, a redirect after a POST, a form
  shown again with its errors): the reader got through the access check.

Each POST runs in a savepoint rolled back afterwards, so every cell sees the
same world.
"""

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from forum.models import User
from realtime import routing

from .audio import tone
from .factories import PASSWORD
from .private_world import ROLES, World, build_world

OK, HIDDEN, DENIED, LOGIN = "ok", "404", "403", "login"

# Who sees the private CoP, and who may do what in it (decided here, from the roles).
SEES = frozenset({"member", "muted", "moderator", "staff"})
# "muted" carries a CoP mute (a Sanction until lifted): she reads, she does not write.
WRITES = SEES - {"muted"}
MODERATES = frozenset({"moderator", "staff"})
AUTHOR = frozenset({"member"})
# Those who moderate some CoP (this one or another), and the staff.
ANY_MODERATOR = frozenset({"moderator", "other_moderator", "staff"})


def cop(act=SEES, *, anonymous=LOGIN) -> dict[str, str]:
    """A thing of the private CoP: seen by SEES, done by ``act``; hidden from everyone else."""
    table = {}
    for role in ROLES:
        if role == "anonymous":
            table[role] = anonymous
        elif role in act:
            table[role] = OK
        elif role in SEES:
            table[role] = DENIED
        else:
            table[role] = HIDDEN
    return table


def everyone() -> dict[str, str]:
    return dict.fromkeys(ROLES, OK)


def signed_in() -> dict[str, str]:
    return {role: LOGIN if role == "anonymous" else OK for role in ROLES}


def staff_only() -> dict[str, str]:
    """A page of the site's team: a visitor signs in, anyone else is refused."""
    return {
        role: LOGIN if role == "anonymous" else OK if role == "staff" else DENIED for role in ROLES
    }


def owned_by(owners, *, anonymous=LOGIN) -> dict[str, str]:
    """Someone's own thing (a notification): theirs to open; nobody else learns it exists."""
    return {
        role: anonymous if role == "anonymous" else OK if role in owners else HIDDEN
        for role in ROLES
    }


@dataclass(frozen=True)
class Rule:
    url: Callable[[World], str]
    get: dict[str, str] | None = None  # None: the route refuses GET (405)
    post: dict[str, str] | None = None  # None: the route refuses POST (405)
    data: Callable[[World], dict] | None = None
    json: bool = False  # POST a JSON body (the room doors) instead of a form
    # Files: POST a multipart form (``data`` and these) asking for a JSON answer (the voice door).
    files: Callable[[World], dict] | None = None


def url(name: str, *attrs: str) -> Callable[[World], str]:
    """``url("thread", "thread.pk", "thread.slug")``: reverse with the world's objects."""

    def build(world: World) -> str:
        args = []
        for attr in attrs:
            head, *rest = attr.split(".")
            value = world[head]
            for part in rest:
                value = getattr(value, part)
            args.append(value)
        return reverse(name, args=args)

    return build


def _reset_token(world: World) -> str:
    return default_token_generator.make_token(User.objects.get(pk=world.users["moderator"].pk))


SESSION = {
    "title": "Séance",
    "starts_at": "2030-01-07T10:00",
    "duration": "60",
    "open_minutes_before": "15",
    "capacity": "20",
}


@functools.cache
def matrix_recording() -> bytes:
    return tone("ogg", 0.5)


SEND = {"type": "send", "key": "matrix-key-0001", "body": "Bonjour à toutes"}

RULES: dict[str, Rule] = {
    # Site-wide pages, open to all.
    "home": Rule(url("home"), get=everyone()),
    "organisations": Rule(url("organisations"), get=everyone()),
    # Everyone may search; what each finds is tested in tests/search/.
    "search": Rule(lambda world: reverse("search") + "?q=loi", get=everyone()),
    "organisation": Rule(url("organisation", "organisation.slug"), get=everyone()),
    "webinars": Rule(url("webinars"), get=everyone()),
    "signup": Rule(
        url("signup"),
        get=everyone(),
        post=everyone(),
        data=lambda w: {
            "username": "nouvelle",
            "display_name": "Nouvelle venue",
            "password1": "un-long-mot-de-passe-1",
            "password2": "un-long-mot-de-passe-1",
            "preferred_language": "fr",
        },
    ),
    "login": Rule(
        url("login"),
        get=everyone(),
        post=everyone(),
        data=lambda w: {"username": "awa", "password": PASSWORD},
    ),
    "logout": Rule(url("logout"), post=everyone()),
    "switch_language": Rule(
        url("switch_language"), post=everyone(), data=lambda w: {"language": "en"}
    ),
    # The second step of sign-in: with no password checked in this browser in the last
    # minutes (no one here has one pending), it sends back to the sign-in page.
    "login_code": Rule(
        url("login_code"),
        get=dict.fromkeys(ROLES, LOGIN),
        post=dict.fromkeys(ROLES, LOGIN),
        data=lambda w: {"code": "123456"},
    ),
    # The admin's sign-in is the site's: a visitor is sent to it; a signed-in account
    # that is not staff is refused (sending her to sign in again would loop).
    "admin/login/": Rule(
        lambda w: "/admin/login/",
        get=staff_only(),
        post=staff_only(),
    ),
    # Forgotten password: the same answers whoever asks, known address or not.
    "password_reset": Rule(
        url("password_reset"),
        get=everyone(),
        post=everyone(),
        data=lambda w: {"email": "personne@example.org"},
    ),
    "password_reset_done": Rule(url("password_reset_done"), get=everyone()),
    "password_reset_complete": Rule(url("password_reset_complete"), get=everyone()),
    # A reset link is its key (made when asked: signing in changes the token).
    "password_reset_confirm": Rule(
        lambda w: reverse(
            "password_reset_confirm",
            args=[urlsafe_base64_encode(force_bytes(w.users["moderator"].pk)), _reset_token(w)],
        ),
        get=everyone(),
        post=everyone(),
        data=lambda w: {
            "new_password1": "un-autre-long-mot-de-passe-2",
            "new_password2": "un-autre-long-mot-de-passe-2",
        },
    ),
    # A moderator's one-time link is its key too: whoever holds it sets the password, and
    # is sent to sign in with it.
    "reset_link": Rule(
        url("reset_link", "reset_token"),
        get=everyone(),
        post=dict.fromkeys(ROLES, LOGIN),
        data=lambda w: {
            "new_password1": "un-autre-long-mot-de-passe-2",
            "new_password2": "un-autre-long-mot-de-passe-2",
        },
    ),
    # The neutral page the quick exit lands on: nothing of the site, open to all.
    "quick_exit": Rule(url("quick_exit"), get=everyone()),
    "service_worker": Rule(url("service_worker"), get=everyone()),
    "manifest": Rule(url("manifest"), get=everyone()),
    "offline": Rule(url("offline"), get=everyone()),
    # One's own pages.
    "sessions": Rule(url("sessions"), get=signed_in()),
    "follows": Rule(url("follows"), get=signed_in()),
    "sessions_end_others": Rule(url("sessions_end_others"), post=signed_in()),
    # Ending one of the member's other sessions: a session is nobody else's to see.
    "session_end": Rule(url("session_end", "session_handle"), post=owned_by(AUTHOR)),
    # The second factor is for those who moderate and for staff; nobody else has the page.
    "second_factor": Rule(
        url("second_factor"),
        get={
            role: LOGIN if role == "anonymous" else OK if role in ANY_MODERATOR else HIDDEN
            for role in ROLES
        },
        post={
            role: LOGIN if role == "anonymous" else OK if role in ANY_MODERATOR else HIDDEN
            for role in ROLES
        },
        data=lambda w: {"action": "start"},
    ),
    "my_data": Rule(url("my_data"), get=signed_in()),
    "my_data_download": Rule(url("my_data_download"), post=signed_in()),
    # Not the password: the service refuses (past the form), and the account stays.
    "account_delete": Rule(
        url("account_delete"),
        get=signed_in(),
        post=signed_in(),
        data=lambda w: {"password": "pas-le-bon-mot-de-passe"},
    ),
    # The site's team: banned accounts, and banning one (here the member).
    "site_bans": Rule(url("site_bans"), get=staff_only()),
    "site_ban": Rule(
        url("site_ban", "profile.pk"),
        get=staff_only(),
        post=staff_only(),
        data=lambda w: {"reason": "Menaces"},
    ),
    "profile_edit": Rule(url("profile_edit"), get=signed_in(), post=signed_in()),
    "password_change": Rule(url("password_change"), get=signed_in(), post=signed_in()),
    "notifications": Rule(url("notifications"), get=signed_in()),
    "notifications_read": Rule(url("notifications_read"), post=signed_in()),
    "notifications_count": Rule(url("notifications_count"), get=signed_in()),
    "notification": Rule(
        url("notification", "notification.pk"), get=owned_by(AUTHOR), post=owned_by(AUTHOR)
    ),
    "email_settings": Rule(
        url("email_settings"),
        get=signed_in(),
        post=signed_in(),
        data=lambda w: {"frequency": "weekly"},
    ),
    # The one-click unsubscribe address is its key: whoever holds it (a mail app's server,
    # without a session) stops that member's e-mails, and can do nothing else.
    "email_unsubscribe": Rule(
        url("email_unsubscribe", "email_preference.unsubscribe_token"),
        get=everyone(),
        post=everyone(),
        data=lambda w: {"List-Unsubscribe": "One-Click"},
    ),
    "calendar": Rule(url("calendar"), get=signed_in(), post=signed_in()),
    # A calendar feed's address is its key: whoever holds it reads its owner's feed.
    "calendar_feed": Rule(url("calendar_feed", "token.token"), get=everyone()),
    "calendar_feed_community": Rule(
        url("calendar_feed_community", "token.token", "cop.slug"), get=everyone()
    ),
    # A member's profile is seen through a CoP shared with them (issue 13, "members at risk").
    "profile": Rule(url("profile", "profile.pk"), get=cop(anonymous=HIDDEN)),
    # The CoP.
    "community": Rule(url("community", "cop.slug"), get=cop(anonymous=HIDDEN)),
    "community_join": Rule(url("community_join", "cop.slug"), post=cop(act=())),
    "community_leave": Rule(
        url("community_leave", "cop.slug"), post=cop(act={"member", "muted", "moderator"})
    ),
    "community_members": Rule(url("community_members", "cop.slug"), get=cop()),
    "community_follow": Rule(
        url("community_follow", "cop.slug"), post=cop(), data=lambda w: {"level": "replies"}
    ),
    # Unread (issue 15): "tout marquer comme lu" for whoever sees the CoP; the first new post
    # of a thread (a visitor is sent to the thread itself); the member's own news.
    "community_mark_read": Rule(url("community_mark_read", "cop.slug"), post=cop()),
    "thread_unread": Rule(url("thread_unread", "thread.pk"), get=cop(anonymous=HIDDEN)),
    # Live replies shown on an open page count as read: whoever sees the thread (a visitor of a
    # public one gets a no-op); the private CoP's thread is missing for everyone else.
    "thread_read_live": Rule(
        url("thread_read_live", "thread.pk"),
        post=cop(anonymous=HIDDEN),
        data=lambda w: {"seq": "1"},
    ),
    "whats_new": Rule(url("whats_new"), get=signed_in()),
    # The names the composer offers: the CoP's members, read by its members (a muted one too).
    "mention_candidates": Rule(url("mention_candidates", "cop.slug"), get=cop(anonymous=HIDDEN)),
    "member_role": Rule(
        url("member_role", "cop.slug", "membership.pk"),
        post=cop(act=MODERATES),
        data=lambda w: {"role": "moderator"},
    ),
    # Removal asks for a confirmation and a reason on a page of its own (GET), then removes.
    "member_remove": Rule(
        url("member_remove", "cop.slug", "membership.pk"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: {"reason": "Essai", "duration": "forever"},
    ),
    "member_sanction": Rule(
        url("member_sanction", "cop.slug", "membership.pk"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: {"kind": "mute", "duration": "1d", "reason": "Essai"},
    ),
    "sanction_lift": Rule(url("sanction_lift", "cop.slug", "mute.pk"), post=cop(act=MODERATES)),
    # A one-time password link, for a member without e-mail, made by her CoP's moderators.
    "reset_link_issue": Rule(
        url("reset_link_issue", "cop.slug", "membership.pk"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
    ),
    # Reports: the queue and its settings are the CoP's moderators'.
    "review_queue": Rule(url("review_queue", "cop.slug"), get=cop(act=MODERATES)),
    "review_settings": Rule(
        url("review_settings", "cop.slug"),
        post=cop(act=MODERATES),
        data=lambda w: {"auto_hide_threshold": "3", "premoderation_posts": "0"},
    ),
    "join_requests": Rule(url("join_requests", "cop.slug"), get=cop(act=MODERATES)),
    "join_request_decide": Rule(
        url("join_request_decide", "cop.slug", "join_request.pk"),
        post=cop(act=MODERATES),
        data=lambda w: {"decision": "approve"},
    ),
    "invitations": Rule(
        url("invitations", "cop.slug"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: {"days": "7", "max_uses": "5"},
    ),
    "invitation_revoke": Rule(
        url("invitation_revoke", "cop.slug", "invitation.pk"), post=cop(act=MODERATES)
    ),
    # An invitation link is its key: anyone holding it may join, except a removed member.
    "invitation": Rule(
        url("invitation", "invitation.token"),
        get=everyone(),
        post={**everyone(), "removed": DENIED},
    ),
    "moderation_log": Rule(url("moderation_log", "cop.slug"), get=cop(act=MODERATES)),
    "thread_create": Rule(
        url("thread_create", "cop.slug"),
        get=cop(act=WRITES),
        post=cop(act=WRITES),
        data=lambda w: {"title": "Une nouvelle discussion", "body": "Bonjour", "tags": ""},
    ),
    # Threads and posts.
    "thread_short": Rule(url("thread_short", "thread.pk"), get=cop(anonymous=HIDDEN)),
    "thread": Rule(url("thread", "thread.pk", "thread.slug"), get=cop(anonymous=HIDDEN)),
    "thread_reply": Rule(
        url("thread_reply", "thread.pk"), post=cop(act=WRITES), data=lambda w: {"body": "Oui"}
    ),
    # Following is reading: whoever sees the thread (a muted member too) may set her level.
    "thread_follow": Rule(
        url("thread_follow", "thread.pk"), post=cop(), data=lambda w: {"level": "muted"}
    ),
    "thread_merge": Rule(
        url("thread_merge", "thread.pk"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: {"target": str(w["other_thread"].pk), "reason": "Doublon"},
    ),
    "thread_moderate": Rule(
        lambda w: reverse("thread_moderate", args=[w["thread"].pk, "lock"]),
        post=cop(act=MODERATES),
        data=lambda w: {"reason": "Calme"},
    ),
    "post": Rule(url("post", "post.pk"), get=cop(anonymous=HIDDEN)),
    "post_reply": Rule(
        url("post_reply", "post.pk"),
        get=cop(act=WRITES),
        post=cop(act=WRITES),
        data=lambda w: {"body": "Oui"},
    ),
    "post_edit": Rule(
        url("post_edit", "post.pk"),
        get=cop(act=AUTHOR | MODERATES),
        post=cop(act=AUTHOR | MODERATES),
        data=lambda w: {"body": "Corrigé"},
    ),
    "post_delete": Rule(url("post_delete", "post.pk"), get=cop(act=AUTHOR), post=cop(act=AUTHOR)),
    "post_history": Rule(url("post_history", "post.pk"), get=cop(act=MODERATES)),
    # A post's files are read like its text: a visitor gets the 404 of a missing file.
    "post_file": Rule(url("post_file", "post.pk", "voice_file.pk"), get=cop(anonymous=HIDDEN)),
    "post_file_preview": Rule(
        url("post_file_preview", "post.pk", "image_file.pk"), get=cop(anonymous=HIDDEN)
    ),
    # A voice note's transcript is written by the post's author or a moderator.
    "post_file_transcript": Rule(
        url("post_file_transcript", "post.pk", "voice_file.pk"),
        get=cop(act=AUTHOR | MODERATES),
        post=cop(act=AUTHOR | MODERATES),
        data=lambda w: {"transcript": "Elle raconte la réunion de Mopti."},
    ),
    "post_hide": Rule(
        url("post_hide", "post.pk"),
        post=cop(act=MODERATES),
        data=lambda w: {"reason": "Hors sujet"},
    ),
    "post_restore": Rule(url("post_restore", "post.pk"), post=cop(act=MODERATES)),
    "post_split": Rule(
        url("post_split", "post.pk"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: {"title": "Une autre question", "community": str(w["cop"].pk)},
    ),
    # The post is not waiting for validation: the moderator is told so (the access is checked).
    "post_approve": Rule(url("post_approve", "post.pk"), post=cop(act=MODERATES)),
    "post_refuse": Rule(
        url("post_refuse", "post.pk"), post=cop(act=MODERATES), data=lambda w: {"note": "Non"}
    ),
    # Whoever sees a post may report it, except its author (the form page is shown to her).
    "report": Rule(
        lambda w: reverse("report", args=["post", w["post"].pk]),
        get=cop(),
        post=cop(act=SEES - AUTHOR),
        data=lambda w: {"reason": "spam", "text": ""},
    ),
    # A report case is the moderators' business: nobody else learns that it exists.
    "case_resolve": Rule(
        url("case_resolve", "case.pk"),
        post={**cop(act=MODERATES), "member": HIDDEN, "muted": HIDDEN},
        data=lambda w: {"decision": "dismiss", "note": ""},
    ),
    # Every CoP one moderates on one page (staff: all): refused to those who moderate none.
    "review_queue_all": Rule(
        url("review_queue_all"),
        get={
            role: LOGIN if role == "anonymous" else OK if role in ANY_MODERATOR else DENIED
            for role in ROLES
        },
    ),
    # A tag used only in a private CoP is itself private.
    "tag": Rule(url("tag", "tag.slug"), get=cop(anonymous=HIDDEN)),
    # Atom feeds are read by feed readers, without a session: a private CoP's feed, and a
    # tag used only in private CoPs, are a 404 whoever asks (members use their own feed).
    "community_feed": Rule(url("community_feed", "cop.slug"), get=dict.fromkeys(ROLES, HIDDEN)),
    "tag_feed": Rule(url("tag_feed", "tag.slug"), get=dict.fromkeys(ROLES, HIDDEN)),
    # A personal feed's address is its key: whoever holds it reads its owner's feed.
    "member_feed": Rule(url("member_feed", "feed_token.token"), get=everyone()),
    "feeds": Rule(url("feeds"), get=signed_in(), post=signed_in()),
    # Live rooms (JSON door: the answer's status is the protocol's).
    "salon": Rule(
        url("salon", "cop.slug"),
        get=cop(anonymous=HIDDEN),
        post=cop(act=WRITES - {"muted"}, anonymous=HIDDEN),
        data=lambda w: SEND,
        json=True,
    ),
    "room_action": Rule(
        url("room_action", "salon.pk"),
        post=cop(act=WRITES - {"muted"}, anonymous=HIDDEN),
        data=lambda w: SEND,
        json=True,
    ),
    # The voice door: a recording, by multipart POST; the same rights as a text message.
    "room_voice": Rule(
        url("room_voice", "salon.pk"),
        post=cop(act=WRITES - {"muted"}, anonymous=HIDDEN),
        data=lambda w: {"key": "matrix-voice-01"},
        files=lambda w: {"voice": SimpleUploadedFile("note.ogg", matrix_recording(), "audio/ogg")},
    ),
    # A voice note is seen like its room, now: 404 to outsiders and to the removed member.
    "room_voice_file": Rule(
        url("room_voice_file", "salon.pk", "voice.pk"), get=cop(anonymous=HIDDEN)
    ),
    "room_events": Rule(url("room_events", "salon.pk"), get=cop(anonymous=HIDDEN)),
    "room_history": Rule(url("room_history", "salon.pk"), get=cop(anonymous=HIDDEN)),
    # Webinars.
    "community_webinars": Rule(url("community_webinars", "cop.slug"), get=cop(anonymous=HIDDEN)),
    # A CoP's public feed is read by calendar apps, without a session: a private CoP's
    # is a 404 whoever asks (members subscribe to their own feed, by its key).
    "community_webinars_ics": Rule(
        url("community_webinars_ics", "cop.slug"), get=dict.fromkeys(ROLES, HIDDEN)
    ),
    "webinar_series_new": Rule(
        url("webinar_series_new", "cop.slug"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: {
            "title": "Série",
            "first_start": "2030-01-07T10:00",
            "rrule": "FREQ=WEEKLY;COUNT=2",
            "duration": "60",
            "open_minutes_before": "15",
            "capacity": "20",
        },
    ),
    "webinar_session_new": Rule(
        url("webinar_session_new", "cop.slug"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: SESSION,
    ),
    "webinar_series": Rule(url("webinar_series", "series.pk"), get=cop(anonymous=HIDDEN)),
    "webinar": Rule(url("webinar", "session.pk"), get=cop(anonymous=HIDDEN)),
    "webinar_edit": Rule(
        url("webinar_edit", "session.pk"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: SESSION,
    ),
    "webinar_cancel": Rule(url("webinar_cancel", "session.pk"), post=cop(act=MODERATES)),
    # Attending is not writing: a muted member still registers (the room keeps her muted).
    "webinar_register": Rule(url("webinar_register", "upcoming.pk"), post=cop()),
    "webinar_unregister": Rule(url("webinar_unregister", "upcoming.pk"), post=cop()),
    "webinar_registrants": Rule(url("webinar_registrants", "session.pk"), get=cop(act=MODERATES)),
    "webinar_registrants_csv": Rule(
        url("webinar_registrants_csv", "session.pk"), get=cop(act=MODERATES)
    ),
    "webinar_document_add": Rule(
        url("webinar_document_add", "session.pk"),
        post=cop(act=MODERATES),
        data=lambda w: {"title": "Lien", "url": "https://example.org/fiche"},
    ),
    "webinar_document": Rule(url("webinar_document", "document.pk"), get=cop(anonymous=HIDDEN)),
    "webinar_document_remove": Rule(
        url("webinar_document_remove", "document.pk"), post=cop(act=MODERATES)
    ),
    "webinar_room": Rule(url("webinar_room", "session.pk"), get=cop(anonymous=HIDDEN)),
    "webinar_ics": Rule(url("webinar_ics", "session.pk"), get=cop(anonymous=HIDDEN)),
    "webinar_report": Rule(url("webinar_report", "session.pk"), get=cop(anonymous=HIDDEN)),
    "webinar_minutes": Rule(
        url("webinar_minutes", "session.pk"),
        get=cop(act=MODERATES),
        post=cop(act=MODERATES),
        data=lambda w: {"minutes": "Compte rendu"},
    ),
    "webinar_decision_add": Rule(
        url("webinar_decision_add", "session.pk"),
        post=cop(act=MODERATES),
        data=lambda w: {"text": "Une décision"},
    ),
    "webinar_decision_thread": Rule(
        url("webinar_decision_thread", "decision.pk"), post=cop(act=MODERATES)
    ),
    # A radio session's recording: sent and removed by moderators, heard like the minutes.
    "webinar_recording_upload": Rule(
        url("webinar_recording_upload", "session.pk"), post=cop(act=MODERATES), data=lambda w: {}
    ),
    "webinar_recording_remove": Rule(
        url("webinar_recording_remove", "session.pk"), post=cop(act=MODERATES)
    ),
    "webinar_recording_file": Rule(
        url("webinar_recording_file", "session.pk"), get=cop(anonymous=HIDDEN)
    ),
    "webinar_decision_offset": Rule(
        url("webinar_decision_offset", "decision.pk"),
        post=cop(act=MODERATES),
        data=lambda w: {"offset": "12:30"},
    ),
    "webinar_export": Rule(
        lambda w: reverse("webinar_export", args=[w["session"].pk, "questions", "csv"]),
        get=cop(act=MODERATES),
    ),
}


def thread_action(action: str, data: dict | None = None) -> Rule:
    return Rule(
        lambda w: reverse("thread_moderate", args=[w["thread"].pk, action]),
        post=cop(act=MODERATES),
        data=(lambda w: data) if data is not None else None,
    )


# Routes whose path names an action: each action of the CoP's moderators is a cell of its
# own ("route:action"), besides the route's rule above (thread_moderate: lock).
ACTION_RULES: dict[str, Rule] = {
    "thread_moderate:pin": thread_action("pin"),
    "thread_moderate:close": thread_action("close", {"note": "Sujet traité", "reason": ""}),
    "thread_moderate:slow": thread_action("slow", {"seconds": "60"}),
    "thread_moderate:rename": thread_action("rename", {"title": "Mise à l'abri à Mopti"}),
    "thread_moderate:retag": thread_action("retag", {"tags": "écoute"}),
    # The target is a CoP she does not moderate: the form says so (the access is checked).
    "thread_moderate:move": Rule(
        lambda w: reverse("thread_moderate", args=[w["thread"].pk, "move"]),
        post=cop(act=MODERATES),
        data=lambda w: {"target": str(w["other_cop"].pk), "reason": ""},
    ),
}
ALL_RULES: dict[str, Rule] = RULES | ACTION_RULES

# Routes outside the matrix, each with the reason.
NOT_IN_MATRIX = {
    # Django's admin: its own staff-only login, tested by Django.
    "admin",
    # Static files, served by Django only when DEBUG is on (whitenoise/nginx otherwise).
    "static",
}

# Discovery ---------------------------------------------------------------------------


def http_routes(patterns=None, prefix="") -> dict[str, str]:
    """Every named URL pattern (namespaced ones by namespace), by name: its route."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            key = pattern.namespace or pattern.app_name
            route = prefix + str(pattern.pattern)
            if key:
                found[key] = route
            else:
                found.update(http_routes(pattern.url_patterns, route))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = pattern.name or ("static" if "static" in route else route)
            found[name] = route
    return found


def uncovered(routes) -> set[str]:
    return set(routes) - set(RULES) - NOT_IN_MATRIX


# The HTTP matrix ---------------------------------------------------------------------


def outcome(response) -> str:
    status = response.status_code
    if status == 302 and urlsplit(response.url).path == reverse("login"):
        return LOGIN
    if status == 401:
        return LOGIN
    if status in (403, 404, 405) or status >= 500:
        return str(status)
    return OK


def clients(world: World) -> dict[str, Client]:
    made = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        user = world.users.get(role)
        if user is not None:
            client.force_login(user)
        made[role] = client
    return made


def request(client: Client, method: str, rule: Rule, world: World):
    target = rule.url(world)
    cache.clear()  # rate limits count per test, not across cells
    with transaction.atomic():
        if method == "GET":
            response = client.get(target)
        elif rule.files is not None:
            response = client.post(
                target,
                {**rule.data(world), **rule.files(world)},
                headers={"accept": "application/json"},
            )
        elif rule.json:
            response = client.post(
                target,
                rule.data(world),
                content_type="application/json",
                headers={"accept": "application/json"},
            )
        else:
            response = client.post(target, rule.data(world) if rule.data else {})
        transaction.set_rollback(True)
    return response


@pytest.fixture
def world(db):
    return build_world()


def test_every_route_has_a_rule():
    assert uncovered(http_routes()) == set()
    assert set(RULES) <= set(http_routes()), "a rule for a route that no longer exists"
    assert {name.split(":")[0] for name in ACTION_RULES} <= set(RULES)
    for name, rule in ALL_RULES.items():
        assert rule.get is not None or rule.post is not None, name
        for table in (rule.get, rule.post):
            assert table is None or set(table) == set(ROLES), f"{name}: every role, once"


fake_urlpatterns = [
    *get_resolver().url_patterns,
    path("nouvelle-page/", lambda request: None, name="brand_new_page"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_route_without_a_rule_fails_the_matrix():
    assert uncovered(http_routes()) == {"brand_new_page"}


urlpatterns = fake_urlpatterns  # the URLconf of the test above


@pytest.mark.parametrize("name", sorted(ALL_RULES))
def test_route_answers_each_role_as_its_rule_says(name, world):
    rule = ALL_RULES[name]
    readers = clients(world)
    wrong = {}
    for method, table in (("GET", rule.get), ("POST", rule.post)):
        for role in ROLES:
            if table is None:
                if role != "staff":
                    continue
                expected = "405"  # a method the route does not take, checked once
            else:
                expected = table[role]
            got = outcome(request(readers[role], method, rule, world))
            if got != expected:
                wrong[f"{method} {role}"] = f"expected {expected}, got {got}"
    assert wrong == {}


# The WebSocket matrix -------------------------------------------------------------------

ACCEPTED, WS_HIDDEN, WS_LOGIN = "hello", 4404, 4401

WS_RULES: dict[str, tuple[Callable[[World], str], dict]] = {
    r"^ws/rooms/(?P<room_id>[^/]+)/$": (
        lambda w: f"ws/rooms/{w['salon'].pk}/",
        {role: ACCEPTED if role in SEES else WS_HIDDEN for role in ROLES},
    ),
    r"^ws/threads/(?P<thread_id>[^/]+)/$": (
        lambda w: f"ws/threads/{w['thread'].pk}/",
        {role: ACCEPTED if role in SEES else WS_HIDDEN for role in ROLES},
    ),
    r"^ws/webinars/(?P<session_id>[^/]+)/$": (
        lambda w: f"ws/webinars/{w['session'].pk}/",
        {role: ACCEPTED if role in SEES else WS_HIDDEN for role in ROLES},
    ),
    "ws/notifications/": (
        lambda w: "ws/notifications/",
        {role: WS_LOGIN if role == "anonymous" else ACCEPTED for role in ROLES},
    ),
    # The routing's last line: any other path is "not found" for everyone.
    "": (lambda w: "ws/inconnu/", dict.fromkeys(ROLES, WS_HIDDEN)),
}


def ws_routes(patterns=None) -> set[str]:
    return {str(p.pattern) for p in (patterns or routing.websocket_urlpatterns)}


def test_every_websocket_route_has_a_rule():
    assert ws_routes() == set(WS_RULES)


def test_a_new_websocket_route_without_a_rule_fails_the_matrix():
    patterns = [*routing.websocket_urlpatterns, path("ws/nouveau/", lambda scope: None)]
    assert ws_routes(patterns) - set(WS_RULES) == {"ws/nouveau/"}


async def ws_outcome(path_: str, user) -> str | int:
    """``"hello"`` when the socket is let in, else the code it is closed with."""
    communicator = WebsocketCommunicator(URLRouter(routing.websocket_urlpatterns), "/" + path_)
    communicator.scope["user"] = await database_sync_to_async(_fresh)(user)
    try:
        connected, _ = await communicator.connect(timeout=5)
        assert connected  # refusals accept then close, so the browser learns the code
        first = await communicator.receive_output(timeout=5)
        if first["type"] == "websocket.close":
            return first.get("code")
        return json.loads(first["text"])["type"]
    finally:
        await communicator.disconnect()


def _fresh(user):
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", sorted(WS_RULES))
async def test_websocket_route_answers_each_role_as_its_rule_says(route):
    world = await database_sync_to_async(build_world)()
    build, table = WS_RULES[route]
    wrong = {}
    for role in ROLES:
        got = await ws_outcome(build(world), world.users.get(role))
        if got != table[role]:
            wrong[role] = f"expected {table[role]}, got {got}"
    assert wrong == {}
