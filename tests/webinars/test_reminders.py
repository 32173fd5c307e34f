"""
Webinar reminders: the day before and an hour before, in-app and by e-mail,
each sent once whatever the number of runs, overlapping or not.
"""

import logging
from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from forum import events as forum_events
from forum import services as forum_services
from forum.models import Membership, Notification
from tests.factories import make_user
from webinars import services
from webinars.models import Registration, Reminder, Series, Session
from webinars.services import reminders
from webinars.services.reminders import list_due_reminders, send_due_reminders

from .conftest import make_session

BAMAKO = ZoneInfo("Africa/Bamako")
FRENCH_WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
ENGLISH_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TITLE = "Loi 052 et mariage précoce"


class FailingBackend(BaseEmailBackend):
    """An e-mail backend whose server is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def counts(day=0, hour=0, emailed=0, skipped=0, failed=0) -> dict[str, int]:
    return {"24h": day, "1h": hour, "emailed": emailed, "skipped": skipped, "failed": failed}


def reminder_notices(user):
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.OTHER)


def seat_for_new_member(session, region, **kw):
    """A new member of the session's CoP, registered (confirmed unless it is full)."""
    user = make_user(region=region, **kw)
    Membership.objects.create(user=user, community=session.community)
    services.register(user=user, session=session)
    return user


def replay_stale_selection(monkeypatch, stale):
    """Make the next run work from a selection made before another run claimed it."""
    monkeypatch.setattr(reminders, "list_due_reminders", lambda *, now: stale)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def tomorrow_session(public_cop, moderator, regional, member):
    """Starts in 20 hours; ``member`` holds a seat."""
    session = make_session(public_cop, moderator, starts_in=timedelta(hours=20), title=TITLE)
    services.register(user=member, session=session)
    return session


@pytest.fixture
def soon_session(public_cop, moderator, regional, member):
    """Starts in 30 minutes; ``member`` registered late, in the last hour."""
    session = make_session(public_cop, moderator, starts_in=timedelta(minutes=30), title=TITLE)
    services.register(user=member, session=session)
    return session


@pytest.fixture
def private_cop_session(private_cop, moderator, regional, member):
    """In ``private_cop``, in three hours; ``member`` holds a seat."""
    session = make_session(private_cop, moderator, starts_in=timedelta(hours=3), title=TITLE)
    services.register(user=member, session=session)
    return session


# When each reminder is due ---------------------------------------------------------------


def test_day_reminder_is_sent_once_by_notification_and_email(
    tomorrow_session, member, now, mailoutbox
):
    assert send_due_reminders(now=now) == counts(day=1, emailed=1)
    assert send_due_reminders(now=now) == counts()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [member.email]
    assert TITLE in message.subject
    assert "\n" not in message.subject
    assert TITLE in message.body
    notice = reminder_notices(member).get()
    assert notice.url == tomorrow_session.get_absolute_url()
    assert TITLE in notice.subject
    member.refresh_from_db()
    assert member.unread_notifications == 1
    reminder = Reminder.objects.get(session=tomorrow_session, user=member)
    assert (reminder.kind, reminder.emailed) == (Reminder.Kind.DAY, True)


def test_hour_reminder_follows_the_day_reminder_and_is_sent_once(
    tomorrow_session, member, now, mailoutbox
):
    send_due_reminders(now=now)
    fifty_minutes_before = tomorrow_session.starts_at - timedelta(minutes=50)

    assert send_due_reminders(now=fifty_minutes_before) == counts(hour=1, emailed=1)
    assert send_due_reminders(now=fifty_minutes_before) == counts()

    assert len(mailoutbox) == 2
    assert TITLE in mailoutbox[1].subject
    kinds = Reminder.objects.filter(session=tomorrow_session, user=member)
    assert sorted(kinds.values_list("kind", flat=True)) == ["1h", "24h"]
    member.refresh_from_db()
    assert member.unread_notifications == 2


def test_registration_in_the_last_hour_gets_only_the_hour_reminder(
    soon_session, member, now, mailoutbox
):
    assert send_due_reminders(now=now) == counts(hour=1, emailed=1)

    kinds = Reminder.objects.filter(session=soon_session).values_list("kind", flat=True)
    assert list(kinds) == ["1h"]
    assert len(mailoutbox) == 1


def test_nothing_is_due_more_than_a_day_ahead_nor_once_the_session_started(
    tomorrow_session, mailoutbox
):
    assert send_due_reminders(now=tomorrow_session.starts_at - timedelta(hours=25)) == counts()
    assert send_due_reminders(now=tomorrow_session.starts_at) == counts()

    assert mailoutbox == []
    assert not Reminder.objects.exists()


def test_selection_is_one_query_whatever_the_number_of_registrations(
    tomorrow_session, private_cop_session, segou, now, django_assert_num_queries
):
    for _ in range(4):
        seat_for_new_member(tomorrow_session, segou)

    with django_assert_num_queries(1):
        due = list_due_reminders(now=now)
        assert {(d.kind, d.session.community.slug, d.user.username) for d in due}

    assert len(due) == 6


# Once, even when runs overlap --------------------------------------------------------------


def test_run_that_lost_the_race_for_a_claim_sends_nothing(
    tomorrow_session, member, now, mailoutbox, monkeypatch
):
    stale = list_due_reminders(now=now)
    assert send_due_reminders(now=now) == counts(day=1, emailed=1)

    replay_stale_selection(monkeypatch, stale)
    assert send_due_reminders(now=now) == counts(skipped=1)

    assert len(mailoutbox) == 1
    assert reminder_notices(member).count() == 1
    member.refresh_from_db()
    assert member.unread_notifications == 1


def test_reminder_claimed_by_another_run_is_not_sent_again(
    tomorrow_session, member, now, mailoutbox
):
    Reminder.objects.create(session=tomorrow_session, user=member, kind=Reminder.Kind.DAY)

    assert send_due_reminders(now=now) == counts()

    assert mailoutbox == []
    assert not reminder_notices(member).exists()


def test_running_the_command_twice_sends_nothing_the_second_time(
    tomorrow_session, member, mailoutbox
):
    first, second = StringIO(), StringIO()

    call_command("send_webinar_reminders", stdout=first)
    call_command("send_webinar_reminders", stdout=second)

    assert len(mailoutbox) == 1
    assert reminder_notices(member).count() == 1
    assert "Rappels : 1 envoyé(s) (24h : 1, 1h : 0), 1 e-mail(s)" in first.getvalue()
    assert "Rappels : 0 envoyé(s)" in second.getvalue()


def test_command_replays_a_given_moment_with_now(tomorrow_session, mailoutbox):
    an_hour_before = (tomorrow_session.starts_at - timedelta(minutes=59)).isoformat()
    out = StringIO()

    call_command("send_webinar_reminders", "--now", an_hour_before, stdout=out)

    assert "(24h : 0, 1h : 1)" in out.getvalue()
    assert Reminder.objects.get().kind == Reminder.Kind.HOUR


def test_command_refuses_a_now_that_is_not_iso_8601(db):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_webinar_reminders", "--now", "demain matin")


def test_dry_run_lists_what_is_due_and_writes_nothing(tomorrow_session, member, now, mailoutbox):
    out = StringIO()

    call_command("send_webinar_reminders", "--dry-run", "--now", now.isoformat(), stdout=out)

    output = out.getvalue()
    assert TITLE in output
    assert "24h" in output
    assert "1 rappel(s) à envoyer" in output
    assert not Reminder.objects.exists()
    assert not reminder_notices(member).exists()
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_claim_commits_on_its_own_and_the_notice_is_pushed_live(
    tomorrow_session, member, now, mailoutbox, captured_events
):
    assert send_due_reminders(now=now) == counts(day=1, emailed=1)

    pushed = [e for e in captured_events if isinstance(e, forum_events.NotificationsChanged)]
    assert [e.user_ids for e in pushed] == [(member.pk,)]
    assert Reminder.objects.get(user=member).emailed is True


def test_sending_inside_a_callers_transaction_is_refused(tomorrow_session, now, mailoutbox):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        send_due_reminders(now=now)

    assert mailoutbox == []
    assert not Reminder.objects.exists()


# Who gets nothing ------------------------------------------------------------------------


def test_waitlisted_and_cancelled_registrations_get_nothing(
    public_cop, moderator, member, segou, regional, now, mailoutbox
):
    session = make_session(public_cop, moderator, starts_in=timedelta(hours=5), capacity=1)
    services.register(user=moderator, session=session)
    services.register(user=member, session=session)
    gave_up = seat_for_new_member(session, segou)
    services.cancel_registration(user=gave_up, session=session)
    statuses = dict(Registration.objects.filter(session=session).values_list("user", "status"))
    assert statuses == {moderator.pk: "confirmed", member.pk: "waitlisted", gave_up.pk: "cancelled"}

    assert send_due_reminders(now=now) == counts(day=1, emailed=1)

    assert [m.to for m in mailoutbox] == [[moderator.email]]
    assert not reminder_notices(member).exists()
    assert not reminder_notices(gave_up).exists()


def test_cancelled_session_gets_no_reminder(tomorrow_session, moderator, member, now, mailoutbox):
    services.cancel_session(moderator=moderator, session=tomorrow_session)

    assert send_due_reminders(now=now) == counts()

    assert mailoutbox == []
    assert not reminder_notices(member).exists()


def test_deactivated_member_gets_no_reminder(tomorrow_session, member, now, mailoutbox):
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert send_due_reminders(now=now) == counts()

    assert mailoutbox == []


def test_member_who_left_a_private_cop_gets_nothing(
    private_cop_session, private_cop, member, now, mailoutbox
):
    forum_services.leave_community(user=member, community=private_cop)

    assert send_due_reminders(now=now) == counts()

    assert mailoutbox == []
    assert not reminder_notices(member).exists()
    assert not Reminder.objects.exists()


def test_member_of_the_private_cop_gets_the_reminder(private_cop_session, member, now, mailoutbox):
    assert send_due_reminders(now=now) == counts(day=1, emailed=1)
    assert mailoutbox[0].to == [member.email]


def test_member_who_leaves_during_the_run_gets_nothing(
    private_cop_session, private_cop, member, now, mailoutbox, monkeypatch
):
    stale = list_due_reminders(now=now)
    forum_services.leave_community(user=member, community=private_cop)

    replay_stale_selection(monkeypatch, stale)
    assert send_due_reminders(now=now) == counts(skipped=1)

    assert mailoutbox == []
    assert not reminder_notices(member).exists()


def test_member_without_email_gets_only_the_notification(tomorrow_session, member, now, mailoutbox):
    member.email = ""
    member.save(update_fields=["email"])

    assert send_due_reminders(now=now) == counts(day=1)

    assert mailoutbox == []
    assert reminder_notices(member).count() == 1
    assert Reminder.objects.get(user=member).emailed is False


# When the e-mail fails ----------------------------------------------------------------------


def test_failed_email_is_logged_and_never_retried(
    tomorrow_session, member, now, mailoutbox, caplog
):
    with caplog.at_level(logging.ERROR, logger="webinars.services.reminders"):
        result = send_due_reminders(now=now, connection=FailingBackend())

    assert result == counts(day=1, failed=1)
    assert "could not be e-mailed" in caplog.text
    assert "SMTP server unreachable" in caplog.text
    assert Reminder.objects.get(user=member).emailed is False
    assert reminder_notices(member).count() == 1
    assert send_due_reminders(now=now) == counts()
    assert mailoutbox == []


def test_command_exits_non_zero_when_an_email_fails_and_does_not_resend(
    tomorrow_session, member, settings, mailoutbox
):
    mailers = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
    out = StringIO()

    with pytest.raises(CommandError, match="1 e-mail"):
        call_command("send_webinar_reminders", stdout=out)

    assert "1 échec(s)" in out.getvalue()
    settings.MAILERS = mailers
    call_command("send_webinar_reminders", stdout=StringIO())
    assert mailoutbox == []
    assert Reminder.objects.get(user=member).emailed is False


def test_one_failed_email_does_not_stop_the_others(tomorrow_session, member, segou, now):
    other = seat_for_new_member(tomorrow_session, segou)
    sent = []

    class FlakyBackend(BaseEmailBackend):
        def send_messages(self, email_messages):
            if email_messages[0].to == [member.email]:
                raise TimeoutError("SMTP timeout")
            sent.extend(email_messages)
            return len(email_messages)

    assert send_due_reminders(now=now, connection=FlakyBackend()) == counts(
        day=2, emailed=1, failed=1
    )
    assert [m.to for m in sent] == [[other.email]]


# What the e-mail says -------------------------------------------------------------------


def test_email_gives_the_bamako_time_the_session_page_and_how_to_cancel(
    tomorrow_session, now, settings, mailoutbox
):
    settings.SITE_URL = "https://jekafo.example.org"

    send_due_reminders(now=now)

    body = mailoutbox[0].body
    start = tomorrow_session.starts_at.astimezone(BAMAKO)
    assert FRENCH_WEEKDAYS[start.weekday()] in body
    assert start.strftime("%H:%M") in body
    assert f"https://jekafo.example.org{tomorrow_session.get_absolute_url()}" in body
    assert "Annulez votre inscription" in body
    assert mailoutbox[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_email_also_gives_the_time_in_the_members_own_zone_when_its_clock_differs(
    tomorrow_session, member, now, mailoutbox
):
    member.time_zone = "Asia/Tokyo"
    member.save(update_fields=["time_zone"])

    send_due_reminders(now=now)

    body = mailoutbox[0].body
    assert "Tokyo" in body
    assert tomorrow_session.starts_at.astimezone(BAMAKO).strftime("%H:%M") in body
    assert tomorrow_session.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") in body


def test_email_gives_one_time_when_the_members_zone_reads_bamakos_clock(
    tomorrow_session, member, now, mailoutbox
):
    member.time_zone = "Africa/Dakar"
    member.save(update_fields=["time_zone"])

    send_due_reminders(now=now)

    assert "Dakar" not in mailoutbox[0].body


def test_email_to_an_english_speaker_is_written_in_english(
    tomorrow_session, member, now, mailoutbox
):
    member.preferred_language = "en"
    member.save(update_fields=["preferred_language"])

    send_due_reminders(now=now)

    message = mailoutbox[0]
    weekday = tomorrow_session.starts_at.astimezone(BAMAKO).weekday()
    assert ENGLISH_WEEKDAYS[weekday] in message.body
    assert FRENCH_WEEKDAYS[weekday] not in message.body
    assert TITLE in message.subject


def test_unknown_time_zone_on_a_profile_falls_back_to_bamako(
    tomorrow_session, member, now, mailoutbox
):
    member.time_zone = "Mars/Olympus_Mons"
    member.save(update_fields=["time_zone"])

    assert send_due_reminders(now=now) == counts(day=1, emailed=1)
    assert "Olympus" not in mailoutbox[0].body


# Generating the sessions of every series ------------------------------------------------


def test_generate_webinar_sessions_creates_only_the_missing_sessions(public_cop, moderator):
    series = services.create_series(
        author=moderator,
        community=public_cop,
        title="Causeries juridiques",
        first_start=(timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0),
        rrule="FREQ=MONTHLY;COUNT=3",
    )
    assert series.sessions.count() == 3
    Session.objects.filter(series=series).order_by("starts_at").last().delete()
    first, second = StringIO(), StringIO()

    call_command("generate_webinar_sessions", stdout=first)
    call_command("generate_webinar_sessions", stdout=second)

    assert "1 séance(s) créée(s) pour 1 série(s)" in first.getvalue()
    assert "0 séance(s) créée(s) pour 1 série(s)" in second.getvalue()
    assert Series.objects.get().sessions.count() == 3
