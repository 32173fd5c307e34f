"""
Account security: login throttling, sessions, password reset (e-mail and
one-time links), second factor, quick exit.

Time is never slept through: the stored attempts, links and sessions are
aged instead, and TOTP codes are computed for a given moment.
"""

import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from forum import devices, events
from forum.models import Membership, ModerationAction, ResetLink, UserSession
from forum.services import security
from forum.sessions import SEEN_KEY

from ..factories import PASSWORD, make_membership, make_user

NEW_PASSWORD = "un-nouveau-secret-solide-2026"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def age_attempts(by: timedelta) -> None:
    """Move the clock forward for the throttle: every stored failure gets older."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - by)


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Login throttling ---------------------------------------------------------------------


def test_sixty_wrong_passwords_then_the_right_one_does_not_sign_in(member):
    client = Client()
    statuses = {sign_in(client, "awa", "faux").status_code for _ in range(60)}

    response = sign_in(client, "awa")

    assert statuses == {200, 429}
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_fifth_failure_locks_the_account_from_this_address(member):
    client = Client()
    answers = [sign_in(client, "awa", "faux").status_code for _ in range(5)]

    assert answers == [200, 200, 200, 200, 429]
    assert sign_in(client, "awa").status_code == 429


def test_the_lock_page_says_in_french_when_to_try_again(member):
    client = Client()
    for _ in range(5):
        response = sign_in(client, "awa", "faux")

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert "Trop de tentatives de connexion" in page
    assert "encore 15 minutes" in page
    retry_at = timezone.localtime(AccessAttempt.objects.get().attempt_time + timedelta(minutes=15))
    assert f"à partir de {retry_at:%H:%M}" in page
    assert 'id="quick-exit"' in page  # a full page of the site, usable without JavaScript
    assert "<script>" not in page


def test_the_lock_ends_after_the_cool_off(member):
    client = Client()
    for _ in range(8):
        sign_in(client, "awa", "faux")
    assert sign_in(client, "awa").status_code == 429

    age_attempts(settings.AXES_COOLOFF_TIME - timedelta(seconds=5))
    assert sign_in(client, "awa").status_code == 429  # not yet

    age_attempts(timedelta(seconds=10))
    response = sign_in(client, "awa")

    assert response.status_code == 302
    assert signed_in(client)


def test_failures_during_a_lock_do_not_extend_it(member):
    client = Client()
    for _ in range(5):
        sign_in(client, "awa", "faux")
    age_attempts(timedelta(minutes=10))
    for _ in range(20):
        assert sign_in(client, "awa", "faux").status_code == 429
    age_attempts(timedelta(minutes=5, seconds=1))

    assert sign_in(client, "awa").status_code == 302


def test_a_success_forgets_the_failures_of_that_account_from_that_address(member):
    client = Client()
    for _ in range(4):
        sign_in(client, "awa", "faux")
    assert sign_in(client, "awa").status_code == 302
    client.post(reverse("logout"))

    for _ in range(4):
        assert sign_in(client, "awa", "faux").status_code == 200
    assert sign_in(client, "awa").status_code == 302


def test_a_success_on_ones_own_account_does_not_reset_guesses_at_another(member, outsider):
    attacker = Client()
    for _ in range(4):
        sign_in(attacker, "awa", "faux")
    assert sign_in(attacker, "bintou").status_code == 302
    attacker.post(reverse("logout"))

    assert sign_in(attacker, "awa", "faux").status_code == 429


def test_case_variants_of_a_username_share_one_counter(member):
    client = Client()
    for name in ["awa", "AWA", "Awa", " awa", "ＡＷＡ"]:
        response = sign_in(client, name, "faux")

    assert response.status_code == 429


def test_twenty_failures_from_one_address_lock_it_for_every_account(member, outsider):
    client = Client()
    for number in range(20):
        sign_in(client, f"inconnu{number}", "faux")

    assert sign_in(client, "bintou").status_code == 429
    # Another address is not locked.
    assert sign_in(Client(), "bintou", REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_account_still_signs_in_from_another_address(member):
    attacker = Client()
    for _ in range(10):
        sign_in(attacker, "awa", "faux", REMOTE_ADDR="10.0.0.66")

    assert sign_in(Client(), "awa", REMOTE_ADDR="10.0.0.7").status_code == 302


def test_x_forwarded_for_is_ignored_unless_behind_the_proxy(member, settings):
    settings.BEHIND_PROXY = False
    client = Client()
    for number in range(5):
        sign_in(client, "awa", "faux", HTTP_X_FORWARDED_FOR=f"10.1.0.{number}")

    assert sign_in(client, "awa", HTTP_X_FORWARDED_FOR="10.1.0.99").status_code == 429


def test_behind_the_proxy_the_address_nginx_saw_counts_not_what_the_client_wrote(member, settings):
    settings.BEHIND_PROXY = True
    client = Client()
    for number in range(5):
        # The client forges the first entry; nginx appends the real one.
        sign_in(client, "awa", "faux", HTTP_X_FORWARDED_FOR=f"10.9.9.{number}, 41.73.0.5")

    assert sign_in(client, "awa", HTTP_X_FORWARDED_FOR="41.73.0.5").status_code == 429
    # Another real client behind the same proxy (same REMOTE_ADDR) is not locked.
    assert sign_in(Client(), "awa", HTTP_X_FORWARDED_FOR="41.73.0.6").status_code == 302


def test_no_address_or_password_is_logged_for_a_successful_sign_in(member):
    from axes.models import AccessLog

    client = Client()
    sign_in(client, "awa", "faux")
    sign_in(client, "awa")

    assert AccessLog.objects.count() == 0
    stored = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "faux" not in stored and "awa" not in stored


def test_csrf_tokens_of_failed_attempts_are_not_stored(member):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    sign_in(client, "awa", "faux", HTTP_X_CSRFTOKEN=token)
    client.post(
        reverse("login"), {"username": "awa", "password": "faux", "csrfmiddlewaretoken": token}
    )

    assert token not in AccessAttempt.objects.get().post_data


def test_a_locked_account_keeps_its_open_sessions(member, client_for):
    client = client_for(member)
    for _ in range(5):
        sign_in(Client(), "awa", "faux")

    assert client.get(reverse("profile_edit")).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_no_account_page_writes_on_get(who, member, moderator, public_cop, client_for):
    client = client_for({"member": member, "moderator": moderator}.get(who))
    no_email = make_user(username="sira", email="")
    membership = make_membership(no_email, public_cop)
    urls = [
        reverse("login"),
        reverse("login_code"),
        reverse("sessions"),
        reverse("password_change"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_complete"),
        reverse("password_reset_confirm", args=["MQ", "jeton-invalide"]),
        reverse("reset_link_issue", args=[public_cop.slug, membership.pk]),
        reverse("reset_link", args=["jeton-inconnu"]),
        reverse("second_factor"),
        reverse("quick_exit"),
    ]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code < 500, url
        assert [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])] == [], url


# Sessions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "said"),
    [
        (ANDROID_CHROME, "Chrome sur Android"),
        (WINDOWS_FIREFOX, "Firefox sur Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari sur iPhone/iPad",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-A045F) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet sur Android",
        ),
        ("Opera/9.80 (J2ME/MIDP; Opera Mini/4.2)", "Opera"),
        ("", "Navigateur inconnu"),
        ("<script>alert(1)</script>", "Navigateur inconnu"),
    ],
)
def test_a_device_is_said_in_plain_french(agent, said):
    assert devices.describe(devices.summarise(agent)) == said


def test_my_sessions_lists_each_device_and_marks_this_one(member):
    phone, laptop = Client(HTTP_USER_AGENT=ANDROID_CHROME), Client(HTTP_USER_AGENT=WINDOWS_FIREFOX)
    sign_in(phone, "awa")
    sign_in(laptop, "awa")

    response = phone.get(reverse("sessions"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Chrome sur Android") < page.index("cette session") < page.index("Firefox")
    assert page.count("Fermer cette session") == 1
    assert "Active il y a moins de 5 minutes" in page
    # Neither session's key appears: only handles do.
    for key in UserSession.objects.values_list("session_key", flat=True):
        assert key not in page


def test_the_sessions_page_writes_nothing(member):
    client = Client(HTTP_USER_AGENT=ANDROID_CHROME)
    sign_in(client, "awa")
    UserSession.objects.update(last_seen=timezone.now() - timedelta(hours=2))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("sessions"))
    assert response.status_code == 200
    assert "Dernière activité il y a 2" in response.content.decode()
    assert [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])] == []


def test_last_seen_moves_on_a_post_at_most_every_few_minutes(member):
    client = Client()
    sign_in(client, "awa")
    old = timezone.now() - timedelta(hours=2)
    session = UserSession.objects.get(user=member)
    store = session.get_decoded()
    store[SEEN_KEY] = old.isoformat()
    UserSession.objects.filter(pk=session.pk).update(
        session_data=UserSession.objects.encode(store), last_seen=old
    )

    client.get(reverse("home"))
    assert UserSession.objects.get(user=member).last_seen == old  # a GET never writes
    client.post(reverse("switch_language"), {"language": "fr"})
    first = UserSession.objects.get(user=member).last_seen
    client.post(reverse("switch_language"), {"language": "fr"})

    assert first > old + timedelta(hours=1)
    assert UserSession.objects.get(user=member).last_seen == first


def test_ending_another_session_signs_it_out_and_tells_its_sockets(
    member, captured_events, django_capture_on_commit_callbacks
):
    phone, laptop = Client(HTTP_USER_AGENT=ANDROID_CHROME), Client(HTTP_USER_AGENT=WINDOWS_FIREFOX)
    sign_in(phone, "awa")
    sign_in(laptop, "awa")
    laptop_key = laptop.session.session_key
    handle = security.session_handle(laptop_key)

    with django_capture_on_commit_callbacks(execute=True):
        response = phone.post(reverse("session_end", args=[handle]), follow=True)

    assert flashed(response) == ["Session fermée."]
    assert not UserSession.objects.filter(session_key=laptop_key).exists()
    assert laptop.get(reverse("profile_edit")).status_code == 302  # to the sign-in page
    assert phone.get(reverse("profile_edit")).status_code == 200
    ended = [e for e in captured_events if isinstance(e, events.SessionsEnded)]
    assert ended == [events.SessionsEnded(user_id=member.pk, handles=(handle,))]


def test_this_session_is_not_ended_from_the_list(member):
    client = Client()
    sign_in(client, "awa")
    handle = security.session_handle(client.session.session_key)

    response = client.post(reverse("session_end", args=[handle]), follow=True)

    assert "Déconnexion" in flashed(response)[0]
    assert signed_in(client)


def test_another_members_session_cannot_be_ended(member, outsider):
    hers, mine = Client(), Client()
    sign_in(hers, "awa")
    sign_in(mine, "bintou")
    handle = security.session_handle(hers.session.session_key)

    assert mine.post(reverse("session_end", args=[handle])).status_code == 404
    assert mine.post(reverse("session_end", args=["inconnue"])).status_code == 404
    assert signed_in(hers)


def test_ending_all_other_sessions_keeps_this_one(member):
    clients = [Client() for _ in range(3)]
    for client in clients:
        sign_in(client, "awa")

    response = clients[0].post(reverse("sessions_end_others"), follow=True)

    assert flashed(response) == ["Autres sessions fermées : 2."]
    assert [c.get(reverse("profile_edit")).status_code for c in clients] == [200, 302, 302]
    assert UserSession.objects.filter(user=member).count() == 1


def test_ending_sessions_needs_a_post(member):
    client = Client()
    sign_in(client, "awa")

    assert client.get(reverse("sessions_end_others")).status_code == 405


def test_anonymous_sessions_page_asks_to_sign_in():
    assert Client().get(reverse("sessions")).status_code == 302


def test_changing_the_password_ends_the_other_sessions(member):
    here, there = Client(), Client()
    sign_in(here, "awa")
    sign_in(there, "awa")

    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert flashed(response) == ["Mot de passe modifié.", "Vos autres sessions ont été fermées."]
    assert here.get(reverse("profile_edit")).status_code == 200
    assert there.get(reverse("profile_edit")).status_code == 302
    assert UserSession.objects.filter(user=member).count() == 1


# Password reset by e-mail -------------------------------------------------------------


def reset_link_from(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_reset_by_email_answers_the_same_for_a_known_and_an_unknown_address(member):
    known = Client().post(reverse("password_reset"), {"email": member.email})
    unknown = Client().post(reverse("password_reset"), {"email": "personne@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]


def test_the_reset_email_is_plain_text_with_a_working_single_use_link(member):
    member.display_name = "Awa <b>&</b> Traoré"
    member.save()
    other = Client()
    sign_in(other, "awa")  # before the request: a sign-in afterwards spends the link
    Client().post(reverse("password_reset"), {"email": member.email})
    message = mail.outbox[0]
    link = reset_link_from(message)

    assert message.subject == "Jɛkafɔ : choisir un nouveau mot de passe"
    assert not getattr(message, "alternatives", [])  # no HTML part
    assert "Bonjour Awa <b>&</b> Traoré," in message.body  # plain text: nothing to escape
    assert link.startswith(settings.SITE_URL + "/compte/reinitialiser/")
    assert "24 heures" in message.body

    client = Client()
    with CaptureQueriesContext(connection) as queries:
        form_page = client.get(link)
    assert form_page.status_code == 200
    assert 'name="new_password1"' in form_page.content.decode()
    assert [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])] == []
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert other.get(reverse("profile_edit")).status_code == 302  # every session ended

    again = Client().get(link, follow=True)
    assert "Ce lien ne fonctionne plus" in again.content.decode()


def test_the_reset_email_is_written_in_the_members_language(member, monkeypatch):
    from django.contrib.auth import forms as auth_forms
    from django.utils import translation

    seen = []
    real = auth_forms.loader.render_to_string

    def spy(*args, **kwargs):
        seen.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_forms.loader, "render_to_string", spy)
    member.preferred_language = "en"
    member.save()

    Client().post(reverse("password_reset"), {"email": member.email})

    assert seen and set(seen) == {"en"}


def test_a_reset_link_expires(member, monkeypatch):
    Client().post(reverse("password_reset"), {"email": member.email})
    link = reset_link_from(mail.outbox[0])
    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    response = Client().get(link, follow=True)

    assert "Ce lien ne fonctionne plus" in response.content.decode()


def test_login_page_offers_the_reset():
    page = Client().get(reverse("login")).content.decode()

    assert reverse("password_reset") in page


# One-time reset links from a moderator ------------------------------------------------


@pytest.fixture
def no_email_member(public_cop, private_cop):
    user = make_user(username="mariam", display_name="Mariam Sidibé", email="")
    make_membership(user, private_cop, Membership.Role.MEMBER)
    return user


def issue_url(community, user) -> str:
    membership = Membership.objects.get(community=community, user=user)
    return reverse("reset_link_issue", args=[community.slug, membership.pk])


def test_a_moderator_issues_a_one_time_link_shown_once_and_logged_without_it(
    moderator, no_email_member, private_cop, client_for
):
    client = client_for(moderator)
    url = issue_url(private_cop, no_email_member)
    assert client.get(url).status_code == 200
    assert not ResetLink.objects.exists()  # the page alone makes nothing

    response = client.post(url)

    page = response.content.decode()
    token = re.search(r"/compte/nouveau-mot-de-passe/([^/<\s]+)/", page).group(1)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    link = ResetLink.objects.get()
    assert link.token_hash != token and token not in link.token_hash
    assert link.expires_at - link.created_at == timedelta(hours=48)
    action = ModerationAction.objects.get(kind=ModerationAction.Kind.RESET_LINK)
    assert (action.community, action.actor, action.target_user) == (
        private_cop,
        moderator,
        no_email_member,
    )
    assert token not in str(action.details) and token not in action.reason


def test_the_members_page_offers_the_link_only_for_members_without_email(
    moderator, member, no_email_member, private_cop, client_for
):
    page = (
        client_for(moderator)
        .get(reverse("community_members", args=[private_cop.slug]))
        .content.decode()
    )

    assert issue_url(private_cop, no_email_member) in page
    assert issue_url(private_cop, member) not in page
    members_page = client_for(member).get(reverse("community_members", args=[private_cop.slug]))
    assert "lien-mot-de-passe" not in members_page.content.decode()


def test_the_one_time_link_sets_a_password_once_and_ends_every_session(
    moderator, no_email_member, private_cop
):
    token = security.issue_reset_link(
        issuer=moderator, member=no_email_member, community=private_cop
    )
    open_session = Client()
    sign_in(open_session, "mariam")
    url = reverse("reset_link", args=[token])
    assert Client().get(url).status_code == 200

    response = Client().post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    no_email_member.refresh_from_db()
    assert no_email_member.check_password(NEW_PASSWORD)
    assert open_session.get(reverse("profile_edit")).status_code == 302
    again = Client().post(url, {"new_password1": "autre-secret-99", "new_password2": "x"})
    assert again.status_code == 404
    assert Client().get(url).status_code == 404


def test_a_weak_password_is_refused_and_the_link_stays_usable(
    moderator, no_email_member, private_cop
):
    token = security.issue_reset_link(
        issuer=moderator, member=no_email_member, community=private_cop
    )
    url = reverse("reset_link", args=[token])

    assert Client().post(url, {"new_password1": "123", "new_password2": "123"}).status_code == 400
    assert Client().get(url).status_code == 200


def test_a_one_time_link_expires_and_a_new_one_replaces_it(moderator, no_email_member, private_cop):
    first = security.issue_reset_link(
        issuer=moderator, member=no_email_member, community=private_cop
    )
    second = security.issue_reset_link(
        issuer=moderator, member=no_email_member, community=private_cop
    )
    assert Client().get(reverse("reset_link", args=[first])).status_code == 404
    assert Client().get(reverse("reset_link", args=[second])).status_code == 200

    ResetLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert Client().get(reverse("reset_link", args=[second])).status_code == 404


def test_who_may_issue_a_reset_link(
    member, moderator, outsider, staff, no_email_member, private_cop, public_cop, client_for
):
    url = issue_url(private_cop, no_email_member)

    assert client_for(outsider).post(url).status_code == 404  # cannot see the private CoP
    assert client_for(member).post(url).status_code == 403
    assert client_for(None).post(url).status_code == 302
    assert client_for(staff).post(url).status_code == 200
    # A member with an e-mail address resets it herself.
    assert client_for(moderator).post(issue_url(private_cop, member)).status_code == 403
    # Not for a peer moderator, nor for oneself.
    peer = make_user(username="salimata", email="")
    make_membership(peer, private_cop, Membership.Role.MODERATOR)
    assert client_for(moderator).post(issue_url(private_cop, peer)).status_code == 403
    moderator.email = ""
    moderator.save()
    assert client_for(moderator).post(issue_url(private_cop, moderator)).status_code == 403
    # A moderator of another CoP only.
    other_moderator = make_user(username="oumou")
    make_membership(other_moderator, public_cop, Membership.Role.MODERATOR)
    assert client_for(other_moderator).post(url).status_code == 404
    assert ResetLink.objects.count() == 1  # staff's


def test_a_bad_token_is_404_without_a_500(db):
    for token in ["x", "a" * 300, "%00", "éé"]:
        response = Client().get(f"/compte/nouveau-mot-de-passe/{token}/")
        assert response.status_code == 404


# Second factor ------------------------------------------------------------------------


def let_devices_try_again() -> None:
    """Move past the back-off django-otp imposes after a wrong code."""
    TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - timedelta(hours=1))


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def moderated(public_cop):
    return public_cop


def enable_second_factor(client: Client) -> tuple[TOTPDevice, list[str]]:
    client.post(reverse("second_factor"), {"action": "start"})
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(
        reverse("second_factor"), {"action": "confirm", "code": code_for(device)}
    )
    codes = re.findall(r"<li>([a-z0-9]+)</li>", response.content.decode())
    return TOTPDevice.objects.get(pk=device.pk), codes


def test_a_moderator_sets_up_the_second_factor_with_a_real_code(moderator, moderated, client_for):
    client = client_for(moderator)
    assert client.get(reverse("second_factor")).status_code == 200
    assert not TOTPDevice.objects.exists()  # a GET makes no key

    client.post(reverse("second_factor"), {"action": "start"})
    page = client.get(reverse("second_factor")).content.decode()
    device = TOTPDevice.objects.get()
    assert security.totp_secret(device) in page
    assert 'src="data:image/svg+xml' in page
    assert "style=" not in page.split('src="data:')[0][-200:]

    wrong = client.post(reverse("second_factor"), {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400
    response = client.post(
        reverse("second_factor"), {"action": "confirm", "code": code_for(device)}
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device.refresh_from_db()
    assert device.confirmed
    codes = re.findall(r"<li>([a-z0-9]+)</li>", response.content.decode())
    assert len(codes) == 10
    assert StaticToken.objects.count() == 10


def test_a_plain_member_has_no_second_factor_page(member, public_cop, client_for):
    assert client_for(member).get(reverse("second_factor")).status_code == 404
    assert client_for(member).post(reverse("second_factor"), {"action": "start"}).status_code == 404


def test_sign_in_asks_for_the_code_after_the_password(moderator, moderated, client_for):
    device, _codes = enable_second_factor(client_for(moderator))
    client = Client()

    response = sign_in(client, "fatoumata")
    assert response.status_code == 302
    assert response["Location"] == reverse("login_code")
    assert not signed_in(client)

    assert client.post(reverse("login_code"), {"code": "123456"}).status_code == 400
    assert not signed_in(client)
    let_devices_try_again()
    # The confirming code was spent: the next time step's code signs in.
    response = client.post(reverse("login_code"), {"code": code_for(device, time.time() + 30)})

    assert response.status_code == 302
    assert signed_in(client)


def test_a_backup_code_signs_in_once(moderator, moderated, client_for):
    _device, codes = enable_second_factor(client_for(moderator))
    first, second = Client(), Client()
    sign_in(first, "fatoumata")
    first.post(reverse("login_code"), {"code": codes[0]})
    sign_in(second, "fatoumata")
    second.post(reverse("login_code"), {"code": codes[0]})

    assert signed_in(first)
    assert not signed_in(second)
    assert StaticToken.objects.count() == 9


def test_the_code_step_expires(moderator, moderated, client_for, monkeypatch):
    device, _codes = enable_second_factor(client_for(moderator))
    client = Client()
    sign_in(client, "fatoumata")
    session = client.session
    pending = session["_pending_second_factor"]
    pending["at"] = (timezone.now() - timedelta(minutes=6)).isoformat()
    session["_pending_second_factor"] = pending
    session.save()

    response = client.post(reverse("login_code"), {"code": code_for(device, time.time() + 30)})

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not signed_in(client)


def test_the_code_page_without_a_password_first_goes_to_sign_in():
    assert Client().get(reverse("login_code"))["Location"] == reverse("login")


def test_disabling_the_second_factor_needs_a_code(moderator, moderated, client_for):
    client = client_for(moderator)
    device, _codes = enable_second_factor(client)

    assert (
        client.post(reverse("second_factor"), {"action": "disable", "code": "1"}).status_code == 400
    )
    assert TOTPDevice.objects.filter(confirmed=True).exists()
    let_devices_try_again()
    response = client.post(
        reverse("second_factor"),
        {"action": "disable", "code": code_for(device, time.time() + 30)},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()
    assert not StaticToken.objects.exists()
    assert sign_in(Client(), "fatoumata").status_code == 302


def test_the_admin_sign_in_goes_through_the_second_factor(staff, client_for):
    device, _codes = enable_second_factor(client_for(staff))
    client = Client()

    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("login") + "?next=%2Fadmin%2F"
    # The admin's own form is not reachable: no password-only door for staff.
    assert client.post("/admin/login/", {"username": "equipe", "password": PASSWORD})[
        "Location"
    ].startswith(reverse("login"))
    assert not signed_in(client)

    sign_in(client, "equipe")
    let_devices_try_again()
    client.post(reverse("login_code"), {"code": code_for(device, time.time() + 30)})
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_member_is_refused_the_admin_without_a_loop(member, client_for):
    client = client_for(member)

    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_a_former_moderator_can_still_turn_the_second_factor_off(moderator, moderated, client_for):
    client = client_for(moderator)
    enable_second_factor(client)
    Membership.objects.filter(user=moderator).update(role=Membership.Role.MEMBER)

    assert client.get(reverse("second_factor")).status_code == 200


def test_an_unknown_second_factor_action_is_400(moderator, moderated, client_for):
    response = client_for(moderator).post(reverse("second_factor"), {"action": "x"})

    assert response.status_code == 400


# Quick exit ---------------------------------------------------------------------------


def quick_exit_link(page: str) -> str:
    match = re.search(
        r'<a class="quick-exit" id="quick-exit" href="([^"]+)" rel="noreferrer"', page
    )
    assert match, "no quick exit link"
    return match.group(1)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_every_page_has_the_quick_exit(who, member, thread, public_cop, client_for):
    client = client_for(member if who == "member" else None)
    urls = [
        reverse("home"),
        reverse("community", args=[public_cop.slug]),
        thread.get_absolute_url(),
        reverse("password_reset"),
        reverse("webinars"),
        "/page-qui-n-existe-pas/",
    ]
    if who == "member":
        urls += [reverse("sessions"), reverse("profile_edit"), reverse("notifications")]
    else:
        urls += [reverse("login"), reverse("signup")]
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        page = response.content.decode()
        assert quick_exit_link(page) == reverse("quick_exit"), url
        assert "js/quick-exit.js" in page
        assert "Sortie rapide" in page


def test_the_neutral_page_has_nothing_of_the_site(member, client_for):
    response = client_for(member).get(reverse("quick_exit"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "Jɛkafɔ" not in page and "jekafo" not in page.lower().replace("/static/", "")
    assert "quick-exit" not in page
    assert "<script" not in page


def test_the_quick_exit_destination_is_a_setting(settings, member):
    settings.QUICK_EXIT_URL = "https://www.google.com/"

    page = Client().get(reverse("home")).content.decode()

    assert quick_exit_link(page) == "https://www.google.com/"


@pytest.mark.django_db(transaction=True)
async def test_the_lock_holds_through_the_asgi_handler_daphne_runs(member):
    from django.test import AsyncClient

    client = AsyncClient()
    answers = [
        (await client.post(reverse("login"), {"username": "awa", "password": "faux"})).status_code
        for _ in range(5)
    ]
    response = await client.post(reverse("login"), {"username": "awa", "password": PASSWORD})

    assert answers == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()


def test_the_one_time_link_used_while_signed_in_as_her_ends_on_the_sign_in_page(
    moderator, no_email_member, private_cop
):
    """Found by the access matrix: her session was ended by the reset, then saved (a 400)."""
    token = security.issue_reset_link(
        issuer=moderator, member=no_email_member, community=private_cop
    )
    client = Client()
    assert sign_in(client, no_email_member.username).status_code == 302
    new = "Un-nouveau-mot-de-passe-2026"

    response = client.post(
        reverse("reset_link", args=[token]),
        {"new_password1": new, "new_password2": new},
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Mot de passe enregistré" in response.content.decode()
    assert not signed_in(client)
    assert sign_in(Client(), no_email_member.username, new).status_code == 302


def test_a_signed_in_staff_member_opening_the_admin_sign_in_goes_to_the_admin(staff, client_for):
    """Found by the access matrix: signed-in staff were refused (403) at /admin/login/."""
    client = client_for(staff)

    assert client.get("/admin/login/?next=/admin/forum/")["Location"] == "/admin/forum/"
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/admin/"
