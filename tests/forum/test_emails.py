"""
Notifications by e-mail: per event or as digests, the "sensible" rule, once only,
re-checked at send time, one-click unsubscribe, and a real SMTP server.
"""

import email
import email.policy
import io
import json
import os
import re
import socket
import zipfile
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import (
    Community,
    DigestEmail,
    EmailPreference,
    Membership,
    ModerationAction,
    Notification,
    NotificationEmail,
)
from forum.services import emails
from forum.services.emails import (
    build_digest,
    digest_period,
    render_digest_html,
    send_digests,
    send_notification_emails,
    set_email_frequency,
)
from tests.factories import (
    PASSWORD,
    make_community,
    make_membership,
    make_post,
    make_thread,
    make_user,
)

EACH = EmailPreference.Frequency.EACH
DAILY = EmailPreference.Frequency.DAILY
WEEKLY = EmailPreference.Frequency.WEEKLY
NEVER = EmailPreference.Frequency.NEVER

HOSTILE_TITLE = "<script>alert(1)</script> Terres & héritages"
SECRET_TITLE = "Plan de mise à l'abri de Mariam"
SECRET_BODY = "Elle dort chez sa tante à Sévaré ce soir."
# Monday 7 December 2026, 08:00 in Bamako (UTC+0): a day and a week just ended at 07:00.
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def reply_to(thread, author, body="Voici notre expérience à Kati."):
    """A reply to the opening post: a "reply" notification for the thread's author."""
    return make_post(author, thread, parent=thread.posts.get(parent__isnull=True), body=body)


def every_part(message) -> str:
    """Subject, text and HTML of a Django e-mail message, as one text."""
    html = message.alternatives[0].content if message.alternatives else ""
    return "\n".join([message.subject, message.body, html])


def date_notifications(user, when):
    Notification.objects.filter(recipient=user).update(created_at=when)


@pytest.fixture
def each(member):
    return set_email_frequency(user=member, frequency=EACH)


@pytest.fixture
def sensitive_cop(member, moderator):
    community = make_community(
        name="Défenseures en danger",
        slug="defenseures",
        visibility=Community.Visibility.PRIVATE,
        sensitive=True,
    )
    make_membership(member, community)
    make_membership(moderator, community, Membership.Role.MODERATOR)
    return community


# The member's choice ---------------------------------------------------------------------


def test_nobody_gets_email_until_she_chooses(thread, member, moderator, mailoutbox):
    reply_to(thread, moderator)

    assert send_notification_emails() == {"emailed": 0, "skipped": 0, "failed": 0}
    assert mailoutbox == []
    assert emails.email_frequency(member) == NEVER


def test_settings_page_records_the_choice_without_javascript(client_for, member):
    client = client_for(member)

    page = client.get(reverse("email_settings"))
    assert page.status_code == 200
    assert 'type="radio"' in page.text and member.email in page.text

    response = client.post(reverse("email_settings"), {"frequency": "weekly"})
    assert response.status_code == 302
    assert EmailPreference.objects.get(user=member).frequency == WEEKLY

    bad = client.post(reverse("email_settings"), {"frequency": "hourly"})
    assert bad.status_code == 400
    assert EmailPreference.objects.get(user=member).frequency == WEEKLY


def test_the_notifications_page_links_to_the_email_settings(client_for, member):
    page = client_for(member).get(reverse("notifications"))
    url = reverse("email_settings")
    assert f'<a href="{url}">Recevoir par e-mail</a>' in page.text
    assert client_for(member).get(url).status_code == 200


def test_settings_page_says_when_there_is_no_address(client_for, member):
    member.email = ""
    member.save(update_fields=["email"])
    page = client_for(member).get(reverse("email_settings"))
    assert "pas d'adresse e-mail" in page.text


# One e-mail per notification -------------------------------------------------------------


def test_each_notification_is_emailed_once_with_one_click_unsubscribe(
    thread, member, moderator, each, mailoutbox, settings
):
    settings.SITE_URL = "https://jekafo.example.org"
    reply = reply_to(thread, moderator, body="Nous avons obtenu un titre foncier.")

    assert send_notification_emails() == {"emailed": 1, "skipped": 0, "failed": 0}
    assert send_notification_emails() == {"emailed": 0, "skipped": 0, "failed": 0}

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [member.email]
    assert moderator.display_name in message.subject and thread.title in message.subject
    assert "obtenu un titre foncier" in message.body
    notification = Notification.objects.get(recipient=member, post=reply)
    link = f"https://jekafo.example.org{reverse('notification', args=[notification.pk])}"
    assert link in message.body and link in message.alternatives[0].content
    unsubscribe = reverse("email_unsubscribe", args=[each.unsubscribe_token])
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<https://jekafo.example.org{unsubscribe}>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.alternatives[0].mimetype == "text/html"
    assert NotificationEmail.objects.get(notification=notification).emailed is True


def test_html_has_no_image_and_no_remote_resource(thread, moderator, each, mailoutbox):
    reply_to(thread, moderator)
    send_notification_emails()
    html = mailoutbox[0].alternatives[0].content
    assert "<img" not in html and "<link" not in html and "<script" not in html
    assert "src=" not in html


def test_switching_on_sends_no_backlog(thread, member, moderator, mailoutbox):
    reply_to(thread, moderator)
    date_notifications(member, timezone.now() - timedelta(minutes=5))
    set_email_frequency(user=member, frequency=EACH)

    assert send_notification_emails()["emailed"] == 0
    assert mailoutbox == []


def test_a_notification_read_on_the_site_is_not_emailed(
    thread, member, moderator, each, mailoutbox
):
    reply_to(thread, moderator)
    services.mark_all_notifications_read(user=member)

    assert send_notification_emails()["emailed"] == 0
    assert mailoutbox == []


def test_a_notification_older_than_a_day_is_left_to_the_site(thread, member, moderator, mailoutbox):
    EmailPreference.objects.create(
        user=member, frequency=EACH, changed_at=timezone.now() - timedelta(days=3)
    )
    reply_to(thread, moderator)
    date_notifications(member, timezone.now() - timedelta(days=2))

    assert send_notification_emails()["emailed"] == 0
    assert mailoutbox == []


def test_no_email_without_an_address(thread, member, moderator, each, mailoutbox):
    member.email = ""
    member.save(update_fields=["email"])
    reply_to(thread, moderator)
    assert send_notification_emails()["emailed"] == 0
    assert mailoutbox == []


def test_not_sent_when_she_left_the_private_cop(private_thread, member, moderator, mailoutbox):
    set_email_frequency(user=member, frequency=EACH)
    reply_to(private_thread, moderator)
    Membership.objects.filter(user=member, community=private_thread.community).delete()

    assert send_notification_emails() == {"emailed": 0, "skipped": 1, "failed": 0}
    assert mailoutbox == []


def test_not_sent_when_the_thread_moved_to_a_cop_she_cannot_see(
    thread, member, moderator, each, mailoutbox
):
    reply_to(thread, moderator)
    closed = make_community(name="Cellule juridique", visibility=Community.Visibility.PRIVATE)
    make_membership(moderator, closed, Membership.Role.MODERATOR)
    services.move_thread(moderator=moderator, thread=thread, target=closed)

    assert send_notification_emails()["emailed"] == 0
    assert mailoutbox == []


@pytest.mark.parametrize("how", ["hidden", "deleted"])
def test_not_sent_when_the_post_is_hidden_or_deleted(
    how, thread, member, moderator, each, mailoutbox
):
    reply = reply_to(thread, moderator)
    if how == "hidden":
        services.hide_post(moderator=moderator, post=reply, reason="Hors sujet")
    else:
        services.delete_post(user=moderator, post=reply)

    assert send_notification_emails()["emailed"] == 0
    assert mailoutbox == []


def test_two_overlapping_runs_send_each_notification_once(
    thread, member, moderator, each, mailoutbox, monkeypatch
):
    reply_to(thread, moderator)
    # The second run selected the notification before the first one claimed it.
    stale = list(emails.list_due_notifications().values_list("pk", flat=True))
    assert len(stale) == 1
    assert send_notification_emails()["emailed"] == 1
    monkeypatch.setattr(
        emails,
        "list_due_notifications",
        lambda now=None: Notification.objects.filter(pk__in=stale),
    )

    assert send_notification_emails() == {"emailed": 0, "skipped": 1, "failed": 0}
    assert len(mailoutbox) == 1
    assert NotificationEmail.objects.count() == 1


def test_a_claim_is_taken_once(thread, member, moderator, each):
    reply_to(thread, moderator)
    pk = Notification.objects.get(recipient=member).pk
    assert emails._claim_notification(pk) is not None
    assert emails._claim_notification(pk) is None


def test_email_is_in_the_members_language(thread, member, moderator, each, mailoutbox):
    member.preferred_language = "en"
    member.save(update_fields=["preferred_language"])
    reply_to(thread, moderator)
    other = make_user(preferred_language="fr")
    make_membership(other, thread.community)
    set_email_frequency(user=other, frequency=EACH)
    reply_to(make_thread(other, thread.community, title="Autre"), moderator)

    send_notification_emails()

    languages = {m.to[0]: m.alternatives[0].content for m in mailoutbox}
    assert '<html lang="en">' in languages[member.email]
    assert '<html lang="fr">' in languages[other.email]


def test_user_text_is_escaped_in_html_and_plain_in_text(public_cop, member, moderator, mailoutbox):
    thread = make_thread(member, public_cop, title=HOSTILE_TITLE)
    set_email_frequency(user=member, frequency=EACH)
    reply_to(thread, moderator, body="<b>gras</b> & <img src=x onerror=alert(1)>")

    send_notification_emails()

    message = mailoutbox[0]
    html = message.alternatives[0].content
    assert "<script>" not in html and "<b>gras" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Terres &amp; héritages" in html
    assert "&lt;b&gt;gras&lt;/b&gt; &amp;" in html
    # Plain text is plain: the title as written, not HTML entities.
    assert HOSTILE_TITLE in message.body and "&amp;" not in message.body
    assert "\n" not in message.subject and HOSTILE_TITLE in message.subject


# The "sensible" rule ---------------------------------------------------------------------


def assert_says_nothing(text: str, *, community, thread, people) -> None:
    for secret in (community.name, thread.title, SECRET_BODY, *people):
        assert secret not in text
    assert "Mariam" not in text and "Sévaré" not in text


def test_sensible_cop_email_says_only_that_there_is_something_new(
    sensitive_cop, member, moderator, mailoutbox, settings
):
    settings.SITE_URL = "https://jekafo.example.org"
    thread = make_thread(member, sensitive_cop, title=SECRET_TITLE)
    set_email_frequency(user=member, frequency=EACH)
    reply_to(thread, moderator, body=SECRET_BODY)

    assert send_notification_emails()["emailed"] == 1

    message = mailoutbox[0]
    assert_says_nothing(
        every_part(message),
        community=sensitive_cop,
        thread=thread,
        people=[moderator.display_name, member.display_name],
    )
    assert "du nouveau" in message.subject.lower()
    assert "https://jekafo.example.org/compte/connexion/?next=%2Fnotifications%2F" in message.body
    assert f"/discussions/{thread.pk}" not in every_part(message)


def test_sensible_flag_is_read_when_the_email_leaves(thread, member, moderator, each, mailoutbox):
    reply_to(thread, moderator)
    Community.objects.filter(pk=thread.community_id).update(sensitive=True)

    send_notification_emails()

    assert thread.title not in every_part(mailoutbox[0])


# Digests ---------------------------------------------------------------------------------


def test_digest_periods_end_at_seven_in_bamako_and_on_monday():
    assert digest_period(DAILY, MONDAY) == (MONDAY.replace(day=6, hour=7), MONDAY.replace(hour=7))
    early = MONDAY.replace(hour=6)
    assert digest_period(DAILY, early) == (
        MONDAY.replace(day=5, hour=7),
        early.replace(day=6, hour=7),
    )
    assert digest_period(WEEKLY, MONDAY) == (
        datetime(2026, 11, 30, 7, tzinfo=UTC),
        datetime(2026, 12, 7, 7, tzinfo=UTC),
    )
    # Before 07:00 on Monday the week that ended is the previous one.
    assert digest_period(WEEKLY, early)[1] == datetime(2026, 11, 30, 7, tzinfo=UTC)


@pytest.fixture
def busy_day(public_cop, sensitive_cop, member, moderator):
    """Notifications for ``member`` in the day that ended at MONDAY 07:00, and one before."""
    other = make_community(name="Violences basées sur le genre", slug="vbg")
    make_membership(member, other)
    make_membership(moderator, other)
    land = [make_thread(member, public_cop, title=f"Terres {n}") for n in range(4)]
    for thread in land:
        reply_to(thread, moderator)
    reply_to(land[0], moderator, body="Encore une réponse.")
    violence = make_thread(member, other, title=HOSTILE_TITLE)
    reply_to(violence, moderator)
    secret = make_thread(member, sensitive_cop, title=SECRET_TITLE)
    reply_to(secret, moderator, body=SECRET_BODY)
    # In the day, one minute apart, in the order written.
    for minute, notification in enumerate(Notification.objects.order_by("pk")):
        Notification.objects.filter(pk=notification.pk).update(
            created_at=MONDAY - timedelta(hours=10) + timedelta(minutes=minute)
        )
    old = make_thread(member, public_cop, title="Une vieille histoire")
    reply_to(old, moderator)
    Notification.objects.filter(thread=old).update(created_at=MONDAY - timedelta(days=2))
    return {"public": public_cop, "other": other, "secret": secret, "violence": violence}


def test_digest_groups_the_periods_notifications_by_cop(busy_day, member):
    start, end = digest_period(DAILY, MONDAY)
    digest = build_digest(member, start, end)

    assert digest.count == 7
    assert [(g.community, g.count) for g in digest.groups] == [
        ("Droits fonciers des femmes", 5),
        ("Violences basées sur le genre", 1),
    ]
    # The latest titles first, each once, three at most.
    assert digest.groups[0].titles == ["Terres 0", "Terres 3", "Terres 2"]
    assert digest.groups[1].titles == [HOSTILE_TITLE]
    assert digest.sensitive is True
    assert "Une vieille histoire" not in str(digest)


def test_daily_digest_is_sent_once_per_period(busy_day, member, mailoutbox):
    set_email_frequency(user=member, frequency=DAILY)

    counts = send_digests(now=MONDAY)
    assert counts["daily"] == 1 and counts["failed"] == 0
    assert send_digests(now=MONDAY + timedelta(hours=1))["daily"] == 0

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Droits fonciers des femmes" in message.body and "Terres 3" in message.body
    assert "5 notifications" in message.body and "1 notification" in message.body
    html = message.alternatives[0].content
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert_says_nothing(
        every_part(message),
        community=busy_day["secret"].community,
        thread=busy_day["secret"],
        people=[],
    )
    assert "du nouveau dans une de vos communautés" in message.body
    assert DigestEmail.objects.get(user=member).notification_count == 7


def test_weekly_digest_goes_on_monday_only(busy_day, member, mailoutbox):
    set_email_frequency(user=member, frequency=WEEKLY)
    # On Sunday the last complete week ended on 30 November: nothing in it.
    assert send_digests(now=MONDAY - timedelta(days=1))["empty"] == 1
    assert mailoutbox == []
    assert send_digests(now=MONDAY)["weekly"] == 1
    # The reply two days old is in this week too (but not among the three latest titles).
    assert "Droits fonciers des femmes : 6 notifications" in mailoutbox[0].body
    assert "semaine" in mailoutbox[0].subject
    assert send_digests(now=MONDAY + timedelta(days=3))["weekly"] == 0


def test_digest_of_only_sensible_news_names_nothing(sensitive_cop, member, moderator, mailoutbox):
    secret = make_thread(member, sensitive_cop, title=SECRET_TITLE)
    reply_to(secret, moderator, body=SECRET_BODY)
    date_notifications(member, MONDAY - timedelta(hours=3))
    set_email_frequency(user=member, frequency=DAILY)

    assert send_digests(now=MONDAY)["daily"] == 1

    text = every_part(mailoutbox[0])
    assert_says_nothing(
        text,
        community=sensitive_cop,
        thread=secret,
        people=[moderator.display_name, member.display_name],
    )
    assert "Il y a du nouveau dans une de vos communautés" in text
    assert "aussi" not in mailoutbox[0].body


def test_digest_leaves_out_what_she_can_no_longer_see(
    private_thread, member, moderator, mailoutbox
):
    reply_to(private_thread, moderator)
    date_notifications(member, MONDAY - timedelta(hours=3))
    set_email_frequency(user=member, frequency=DAILY)
    Membership.objects.filter(user=member, community=private_thread.community).delete()

    counts = send_digests(now=MONDAY)

    assert counts["daily"] == 0 and counts["empty"] == 1
    assert mailoutbox == []


def test_old_digest_claims_are_pruned(member):
    set_email_frequency(user=member, frequency=DAILY)
    send_digests(now=MONDAY - timedelta(days=90))
    assert DigestEmail.objects.count() == 1
    send_digests(now=MONDAY)
    assert list(DigestEmail.objects.values_list("period_end", flat=True)) == [
        MONDAY.replace(hour=7)
    ]


def test_nothing_new_sends_no_digest(member, mailoutbox):
    set_email_frequency(user=member, frequency=DAILY)
    assert send_digests(now=MONDAY)["empty"] == 1
    assert mailoutbox == []


def test_commands_report_what_they_sent(thread, member, moderator, each, mailoutbox):
    reply_to(thread, moderator)
    out = StringIO()
    call_command("send_notification_emails", stdout=out)
    assert "1 envoyé(s)" in out.getvalue()
    out = StringIO()
    call_command("send_digests", stdout=out)
    assert "Résumés" in out.getvalue()


def test_digest_html_can_be_drawn_without_sending(busy_day, member, mailoutbox):
    """Draws one digest; with SCREENSHOTS_DIR set, saves it there (i15-digest.html) for a look."""
    set_email_frequency(user=member, frequency=DAILY)
    html = render_digest_html(member, DAILY, now=MONDAY)
    assert "Droits fonciers des femmes" in html and SECRET_TITLE not in html
    assert mailoutbox == [] and not DigestEmail.objects.exists()
    if os.environ.get("SCREENSHOTS_DIR"):
        with open(os.path.join(os.environ["SCREENSHOTS_DIR"], "i15-digest.html"), "w") as saved:
            saved.write(html)


# One-click unsubscribe -----------------------------------------------------------------


def test_unsubscribe_get_asks_and_writes_nothing(member, each):
    client = Client()
    target = reverse("email_unsubscribe", args=[each.unsubscribe_token])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(target)
    assert page.status_code == 200
    assert 'method="post"' in page.text and "Me désabonner" in page.text
    writes = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
    assert not [q for q in queries.captured_queries if writes.match(q["sql"])]
    assert EmailPreference.objects.get(user=member).frequency == EACH


def test_one_click_post_without_session_or_csrf_unsubscribes_and_signs_nobody_in(member, each):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("email_unsubscribe", args=[each.unsubscribe_token]),
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert "Vous ne recevrez plus d'e-mails" in response.text
    assert EmailPreference.objects.get(user=member).frequency == NEVER
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("email_settings")).status_code == 302  # still a visitor


@pytest.mark.parametrize("token", ["x" * 43, "court", "a" * 64])
def test_unknown_token_is_a_404_with_a_message(token, member, each):
    response = Client().post(reverse("email_unsubscribe", args=[token]))
    assert response.status_code == 404
    assert "pas (ou plus) valable" in response.text
    assert EmailPreference.objects.get(user=member).frequency == EACH


# Moderators' setting, my data ------------------------------------------------------------


def test_moderators_mark_a_cop_sensible_and_the_log_says_old_and_new(
    client_for, public_cop, moderator
):
    client = client_for(moderator)
    page = client.get(reverse("review_queue", args=[public_cop.slug]))
    assert 'name="sensitive"' in page.text

    client.post(
        reverse("review_settings", args=[public_cop.slug]),
        {"auto_hide_threshold": "3", "premoderation_posts": "0", "sensitive": "on"},
    )

    public_cop.refresh_from_db()
    assert public_cop.sensitive is True
    entry = ModerationAction.objects.filter(community=public_cop).latest("pk")
    assert entry.details["changes"] == [{"field": "communauté sensible", "old": False, "new": True}]


def test_my_data_holds_the_email_choice(client_for, thread, member, moderator, each, mailoutbox):
    reply_to(thread, moderator)
    send_notification_emails()
    response = client_for(member).post(reverse("my_data_download"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["emails"]["frequency"] == "each"
    assert len(data["emails"]["notification_emails"]) == 1
    assert each.unsubscribe_token not in json.dumps(data)


def test_account_deletion_removes_the_choice(member, each):
    services.delete_account(user=member, password=PASSWORD)
    assert not EmailPreference.objects.filter(user=member).exists()


# A real SMTP server ---------------------------------------------------------------------


class Sink:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append(envelope.content)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def test_real_smtp_server_receives_the_email_and_its_unsubscribe_link_works(
    smtp_server, thread, member, moderator, each
):
    sink, port = smtp_server
    reply_to(thread, moderator)
    smtp = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 10},
        }
    }
    with override_settings(MAILERS=smtp, SITE_URL="https://jekafo.example.org"):
        assert send_notification_emails()["emailed"] == 1
        assert len(sink.received) == 1
        received = email.message_from_bytes(sink.received[0], policy=email.policy.default)
        assert received["To"] == member.email
        assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        header = received["List-Unsubscribe"]
        assert header.startswith("<https://jekafo.example.org/") and header.endswith(">")
        kinds = {part.get_content_type() for part in received.walk()}
        assert {"text/plain", "text/html"} <= kinds
        assert thread.title in received.get_body(("plain",)).get_content()

        # The mail app's one-click POST, from its own server: no session, no CSRF token.
        path = urlsplit(header[1:-1]).path
        answer = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200
        assert EmailPreference.objects.get(user=member).frequency == NEVER

        reply_to(thread, moderator, body="Encore une réponse.")
        assert send_notification_emails()["emailed"] == 0
        assert send_digests()["daily"] == 0  # and no digest either
        assert len(sink.received) == 1
