"""
A GET never writes: no page, feed or JSON read changes a row.

Every GET route of the site is opened by each kind of reader on a small
world with something behind each page; the SQL of each request is captured
and must hold no INSERT, UPDATE or DELETE. (A GET that wrote — a salon
created by its page, a notification marked read by a link — could be
triggered by a link preview, a prefetch or a crawler, and repeated at will.)

One named exception, ``READING_MARK``: a signed-in member's thread page
records how far she has read (forum/services/reading.py: one conditional
write, only when her mark advances) — only that table, only on that page,
never for a visitor, never for a request announced as a prefetch.
"""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from forum import limits, services
from forum.models import Membership, Notification
from forum.services import emails as email_services
from rooms import services as room_services
from webinars import services as webinar_services
from webinars.models import CalendarToken

from .audio import tone
from .factories import make_post
from .webinars.conftest import make_session

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@pytest.fixture
def world(public_cop, private_cop, thread, member, moderator, outsider):
    from datetime import timedelta

    reply = make_post(moderator, thread, body=f"Merci @[{member.display_name}] !")
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 40, 40)).save(photo, "JPEG")
    with limits.suspended():
        voice_post = services.create_post(
            author=moderator,
            thread=thread,
            parent=reply,
            body="",
            voice=SimpleUploadedFile("note.webm", tone("webm", 1.0)),
            files=[SimpleUploadedFile("photo.jpg", photo.getvalue())],
        )
    voice_file, image_file = voice_post.files.order_by("pk")
    salon = room_services.ensure_salon(public_cop)
    message, _created = room_services.send_message(
        author=member,
        room=salon,
        body="Bonjour",
        client_key="k-get-001",
        voice=io.BytesIO(tone("ogg", 0.5)),
    )
    # A case in the queue, so that the queue page draws one.
    services.report_item(reporter=outsider, kind="post", object_id=reply.pk, reason="spam")
    session = make_session(public_cop, moderator, starts_in=timedelta(minutes=-5))
    webinar_services.ask_question(
        author=member, session=session, body="Une question ?", client_key="k-get-q01"
    )
    services.follow_community(user=member, community=public_cop)
    preference = email_services.set_email_frequency(user=member, frequency="daily")
    token = CalendarToken.objects.filter(user=member).first()
    feed_token = services.get_or_create_feed_token(member)
    notification = Notification.objects.filter(recipient=member).first()
    return {
        "cop": public_cop,
        "private": private_cop,
        "thread": thread,
        "post": reply,
        "voice_file": voice_file,
        "image_file": image_file,
        "salon": salon,
        "message": message,
        "session": session,
        "token": token,
        "feed_token": feed_token,
        "notification": notification,
        "email_preference": preference,
        "membership": Membership.objects.get(user=member, community=public_cop),
    }


def pages(w) -> list[str]:
    cop, thread, session = w["cop"], w["thread"], w["session"]
    urls = [
        reverse("home"),
        reverse("community", args=[cop.slug]),
        reverse("community", args=[w["private"].slug]),
        reverse("community_members", args=[cop.slug]),
        reverse("join_requests", args=[cop.slug]),
        reverse("invitations", args=[cop.slug]),
        reverse("moderation_log", args=[cop.slug]),
        reverse("thread_create", args=[cop.slug]),
        reverse("mention_candidates", args=[cop.slug]) + "?q=a",
        thread.get_absolute_url(),
        reverse("thread_short", args=[thread.pk]),
        reverse("thread_unread", args=[thread.pk]),
        reverse("whats_new"),
        reverse("post", args=[w["post"].pk]),
        reverse("post_reply", args=[w["post"].pk]),
        reverse("post_edit", args=[w["post"].pk]),
        reverse("post_delete", args=[w["post"].pk]),
        reverse("post_history", args=[w["post"].pk]),
        reverse("post_file", args=[w["voice_file"].post_id, w["voice_file"].pk]),
        reverse("post_file", args=[w["image_file"].post_id, w["image_file"].pk]),
        reverse("post_file_preview", args=[w["image_file"].post_id, w["image_file"].pk]),
        reverse("post_file_transcript", args=[w["voice_file"].post_id, w["voice_file"].pk]),
        reverse("thread_merge", args=[thread.pk]),
        reverse("member_remove", args=[cop.slug, w["membership"].pk]),
        reverse("member_sanction", args=[cop.slug, w["membership"].pk]),
        reverse("site_bans"),
        reverse("login_code"),
        reverse("sessions"),
        reverse("follows"),
        reverse("second_factor"),
        reverse("quick_exit"),
        reverse("service_worker"),
        reverse("manifest"),
        reverse("offline"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_confirm", args=["MQ", "set-password"]),
        reverse("password_reset_complete"),
        reverse("reset_link_issue", args=[cop.slug, w["membership"].pk]),
        reverse("reset_link", args=["jeton-inconnu"]),
        reverse("site_ban", args=[w["membership"].user_id]),
        reverse("post_split", args=[w["post"].pk]),
        reverse("notifications"),
        reverse("notifications_count"),
        reverse("tag", args=["loi-052"]),
        reverse("organisations"),
        reverse("search") + f"?q=loi+fonc&communaute={cop.slug}&du=2020-01-01",
        reverse("search") + "?q=mari&fragment=1&page=2",
        reverse("signup"),
        reverse("login"),
        reverse("profile_edit"),
        reverse("password_change"),
        reverse("my_data"),
        reverse("account_delete"),
        reverse("profile", args=[thread.author_id]),
        reverse("salon", args=[cop.slug]),
        reverse("salon", args=[w["private"].slug]),
        reverse("room_events", args=[w["salon"].pk]) + "?after=0",
        reverse("room_history", args=[w["salon"].pk]),
        reverse("room_voice_file", args=[w["salon"].pk, w["message"].voice_id]),
        reverse("webinars"),
        reverse("community_webinars", args=[cop.slug]),
        reverse("webinar_series_new", args=[cop.slug]),
        reverse("webinar_session_new", args=[cop.slug]),
        reverse("webinar", args=[session.pk]),
        reverse("webinar_edit", args=[session.pk]),
        reverse("webinar_registrants", args=[session.pk]),
        reverse("webinar_registrants_csv", args=[session.pk]),
        reverse("webinar_room", args=[session.pk]),
        reverse("webinar_room", args=[session.pk]) + "?onglet=questions&video=1",
        reverse("webinar_ics", args=[session.pk]),
        reverse("community_webinars_ics", args=[cop.slug]),
        reverse("calendar"),
        reverse("webinar_report", args=[session.pk]),
        reverse("webinar_minutes", args=[session.pk]),
        reverse("webinar_recording_file", args=[session.pk]),
        reverse("webinar_export", args=[session.pk, "questions", "csv"]),
        reverse("report", args=["post", w["post"].pk]),
        reverse("report", args=["thread", thread.pk]),
        reverse("report", args=["message", w["message"].pk]),
        reverse("review_queue", args=[cop.slug]),
        reverse("review_queue_all"),
        reverse("community_feed", args=[cop.slug]),
        reverse("community_feed", args=[w["private"].slug]),
        reverse("tag_feed", args=["loi-052"]),
        reverse("member_feed", args=[w["feed_token"].token]),
        reverse("feeds"),
        reverse("email_settings"),
        reverse("email_unsubscribe", args=[w["email_preference"].unsubscribe_token]),
        reverse("email_unsubscribe", args=["jeton-de-desabonnement-inconnu"]),
    ]
    if w["notification"] is not None:
        urls.append(reverse("notification", args=[w["notification"].pk]))
    if w["token"] is not None:
        urls.append(reverse("calendar_feed", args=[w["token"].token]))
    return urls


# The one exception, named: a signed-in member's thread page records how far she has read
# (forum/services/reading.py: one conditional write, only when her mark advances). Only
# that table, only on the thread page, never for a visitor nor for a prefetch (below).
READING_MARK = re.compile(r'^\s*(INSERT|UPDATE)\b.*"forum_threadread"', re.IGNORECASE | re.DOTALL)


def reading_pages(w) -> set[str]:
    return {w["thread"].get_absolute_url(), reverse("thread_short", args=[w["thread"].pk])}


def writes_of(queries, *, reading_allowed: bool) -> list[str]:
    return [
        q["sql"][:120]
        for q in queries.captured_queries
        if WRITE.match(q["sql"]) and not (reading_allowed and READING_MARK.match(q["sql"]))
    ]


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator", "outsider"])
def test_no_get_writes_a_row(world, who, client_for, member, moderator, outsider, anonymous):
    reader = {"anonymous": anonymous, "member": member, "moderator": moderator}.get(who, outsider)
    client = client_for(reader)
    writes = {}
    reading = reading_pages(world) if who != "anonymous" else set()
    for url in pages(world):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code < 500, url
        found = writes_of(queries, reading_allowed=url in reading)
        if found:
            writes[url] = found
    assert writes == {}


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_a_prefetch_writes_nothing_at_all(world, who, client_for, member, outsider):
    """Pages fetched ahead of the reader (speculation rules, link prefetch) record no reading."""
    client = client_for(member if who == "member" else outsider)
    writes = {}
    for url in pages(world):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_SEC_PURPOSE="prefetch")
        assert response.status_code < 500, url
        found = writes_of(queries, reading_allowed=False)
        if found:
            writes[url] = found
    assert writes == {}


def test_the_reading_exception_does_write_where_it_is_allowed(world, client_for, member):
    """The allowance is not dead: a member's thread page does record her reading."""
    client = client_for(member)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(world["thread"].get_absolute_url()).status_code == 200
    assert writes_of(queries, reading_allowed=False)
    assert writes_of(queries, reading_allowed=True) == []
