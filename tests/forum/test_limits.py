"""
Abuse limits (forum/limits.py) and the duplicate-post guard.

Time never passes for real here: the ``clock`` fixture freezes the one clock
the limits read and moves it forward.
"""

import json
from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from forum import limits, services
from forum.middleware import rate_limited_response
from forum.models import Invitation, Post, Thread, User
from rooms.actions import refusal

pytestmark = pytest.mark.django_db

PASSWORD = "Un-mot-de-passe-solide-2024"


def spend(name: str, **who) -> None:
    for _ in range(limits.LIMITS[name].count):
        limits.hit(name, **who)


def test_every_row_has_a_positive_count_window_a_scope_and_a_message():
    for name, row in limits.LIMITS.items():
        assert row.name == name
        assert row.count > 0 and row.window > 0
        assert set(row.scopes) <= {limits.USER, limits.ADDRESS} and row.scopes
        assert str(row.message)
    assert {"signup", "thread", "reply", "report", "invitation", "upload"} <= set(limits.LIMITS)


def test_a_limit_refuses_the_hit_past_its_count_and_says_when_to_retry(clock, member):
    spend("thread", user=member)

    with pytest.raises(limits.RateLimited) as refused:
        limits.hit("thread", user=member)

    assert refused.value.code == "rate_limited"
    assert refused.value.status == 429
    assert "beaucoup de discussions" in refused.value.message
    assert "Réessayez dans" in refused.value.message
    assert 1 <= refused.value.retry_after <= 2 * limits.LIMITS["thread"].window


def test_a_limit_counts_each_member_apart(clock, member, moderator):
    spend("reply", user=member)
    limits.hit("reply", user=moderator)  # not refused
    with pytest.raises(limits.RateLimited):
        limits.hit("reply", user=member)


def test_the_sliding_window_does_not_allow_twice_the_count_across_a_boundary(clock, member):
    row = limits.LIMITS["reply"]
    # Put the clock just before a window boundary, spend the count there...
    moment = clock.current.timestamp()
    clock.move(row.window - (moment % row.window) - 1)
    spend("reply", user=member)
    # ...then cross the boundary: a fixed window would allow a whole new count.
    clock.move(2)
    with pytest.raises(limits.RateLimited) as refused:
        limits.hit("reply", user=member)
    # The wait told is enough, and waiting it lets one more through.
    clock.move(refused.value.retry_after)
    limits.hit("reply", user=member)


def test_a_spent_limit_recovers_as_the_window_slides(clock, member):
    row = limits.LIMITS["invitation"]
    spend("invitation", user=member)
    with pytest.raises(limits.RateLimited):
        limits.hit("invitation", user=member)
    clock.move(2 * row.window)
    spend("invitation", user=member)  # a whole count again


def test_suspended_writes_are_not_counted(member):
    with limits.suspended():
        for _ in range(3 * limits.LIMITS["thread"].count):
            limits.hit("thread", user=member)
    limits.hit("thread", user=member)


def test_a_cache_that_fails_lets_the_action_through(member, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", broken)
    for _ in range(limits.LIMITS["thread"].count + 5):
        limits.hit("thread", user=member)


def test_a_cache_that_does_not_answer_is_left_alone_for_a_while_with_one_line(
    member, monkeypatch, caplog
):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise TimeoutError("timed out")

    monkeypatch.setattr(limits, "cache_state", {"down": False, "until": 0.0})
    monkeypatch.setattr(cache, "get_many", broken)
    for _ in range(5):
        limits.hit("reply", user=member)
    # One wait on the cache, then actions go through without it: a paused Redis
    # does not hold every write of the process for its timeout.
    assert len(calls) == 1
    lines = [r for r in caplog.records if r.name == "forum.limits"]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "Rate-limit cache unavailable" in lines[0].getMessage()

    monkeypatch.undo()
    monkeypatch.setattr(limits, "cache_state", {"down": True, "until": 0.0})  # the pause is over
    limits.hit("reply", user=member)
    assert [r.getMessage() for r in caplog.records if r.name == "forum.limits"][-1] == (
        "Rate-limit cache back"
    )
    assert limits.cache_state["down"] is False


def test_report_limit_is_exposed_for_the_reports_service(clock, member):
    for _ in range(limits.LIMITS["report"].count):
        limits.check_report(user=member)
    with pytest.raises(limits.RateLimited, match="signalements"):
        limits.check_report(user=member)


# The doors ------------------------------------------------------------------------------


def test_new_thread_past_the_limit_answers_429_with_the_text_kept(
    clock, public_cop, member, client_for
):
    client = client_for(member)
    url = reverse("thread_create", args=[public_cop.slug])
    for number in range(limits.LIMITS["thread"].count):
        response = client.post(url, {"title": f"Sujet {number}", "body": "Texte", "tags": ""})
        assert response.status_code == 302

    response = client.post(url, {"title": "Encore un", "body": "Mon long texte", "tags": ""})

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert "beaucoup de discussions" in page
    assert "Mon long texte" in page  # nothing typed is lost
    assert not Thread.objects.filter(title="Encore un").exists()


def test_replies_past_the_limit_answer_429(clock, thread, member, client_for):
    client = client_for(member)
    url = reverse("thread_reply", args=[thread.pk])
    for number in range(limits.LIMITS["reply"].count):
        assert client.post(url, {"body": f"Réponse {number}"}).status_code == 302

    response = client.post(url, {"body": "Une de trop"})

    assert response.status_code == 429
    assert "beaucoup de réponses" in response.content.decode()
    assert not Post.objects.filter(body="Une de trop").exists()
    clock.move(2 * limits.LIMITS["reply"].window)
    assert client.post(url, {"body": "Une de trop"}).status_code == 302


def test_signup_is_limited_per_address(clock, client):
    url = reverse("signup")

    def sign_up(number: int, address: str):
        return Client(REMOTE_ADDR=address).post(
            url,
            {
                "username": f"personne{number}",
                "display_name": f"Personne {number}",
                "preferred_language": "fr",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )

    for number in range(limits.LIMITS["signup"].count):
        assert sign_up(number, "203.0.113.7").status_code == 302

    refused = sign_up(99, "203.0.113.7")
    assert refused.status_code == 429
    assert "Trop de comptes" in refused.content.decode()
    assert not User.objects.filter(username="personne99").exists()
    assert sign_up(100, "198.51.100.4").status_code == 302  # another address


def test_client_address_trusts_only_the_proxy_own_entry(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    request.META["HTTP_X_FORWARDED_FOR"] = "1.2.3.4, 203.0.113.9"
    settings.SECURE_PROXY_SSL_HEADER = None
    assert limits.client_address(request) == "10.0.0.1"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert limits.client_address(request) == "203.0.113.9"


def test_invitations_past_the_limit_answer_429(clock, public_cop, moderator, client_for):
    client = client_for(moderator)
    url = reverse("invitations", args=[public_cop.slug])
    for _ in range(limits.LIMITS["invitation"].count):
        assert client.post(url, {"days": 7, "max_uses": 5}).status_code == 302

    response = client.post(url, {"days": 7, "max_uses": 5})

    assert response.status_code == 429
    assert "liens d'invitation" in unescape(response.content.decode())
    assert Invitation.objects.count() == limits.LIMITS["invitation"].count


def test_a_json_door_gets_a_json_error_with_the_rooms_shape(rf):
    error = limits.RateLimited("Trop vite. Réessayez dans 3 secondes.", retry_after=3)
    request = rf.post("/x/", data="{}", content_type="application/json")

    response = rate_limited_response(request, error)

    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    assert json.loads(response.content) == {
        "type": "error",
        "code": "rate_limited",
        "message": "Trop vite. Réessayez dans 3 secondes.",
    }


def test_a_socket_door_gets_the_rooms_rate_limited_error_frame():
    error = limits.RateLimited("Trop vite.", retry_after=3)
    assert refusal(error).code == "rate_limited"
    slow = limits.RateLimited("Mode lent.", retry_after=3, code="slow_mode")
    assert refusal(slow).code == "slow_mode"


# Duplicate-post guard -------------------------------------------------------------------


def test_a_double_tapped_reply_is_posted_once_and_both_taps_land_on_it(
    clock, thread, member, client_for
):
    client = client_for(member)
    url = reverse("thread_reply", args=[thread.pk])

    first = client.post(url, {"body": "Merci pour ce partage !"})
    second = client.post(url, {"body": "Merci pour ce partage !"})

    posts = Post.objects.filter(thread=thread, body="Merci pour ce partage !")
    assert posts.count() == 1
    assert first["Location"] == second["Location"] == posts.get().get_absolute_url()
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_the_same_text_later_or_elsewhere_is_a_new_post(clock, thread, member):
    opening = Post.objects.get(thread=thread, parent=None)
    first = services.create_post(author=member, thread=thread, parent=None, body="D'accord.")
    reply = services.create_post(author=member, thread=thread, parent=first, body="D'accord.")
    assert reply.pk != first.pk  # another parent
    clock.move(limits.DUPLICATE_WINDOW + 1)
    again = services.create_post(author=member, thread=thread, parent=opening, body="D'accord.")
    assert again.pk != first.pk


def test_a_duplicate_does_not_spend_the_limit(clock, thread, member):
    for _ in range(3 * limits.LIMITS["reply"].count):
        services.create_post(author=member, thread=thread, parent=None, body="Même texte")
    assert Post.objects.filter(body="Même texte").count() == 1


def test_a_double_tapped_new_thread_is_opened_once(clock, public_cop, member, client_for):
    client = client_for(member)
    url = reverse("thread_create", args=[public_cop.slug])
    data = {"title": "Formation à Kayes", "body": "Qui vient ?", "tags": ""}

    first = client.post(url, data)
    second = client.post(url, data)

    assert Thread.objects.filter(title="Formation à Kayes").count() == 1
    assert first["Location"] == second["Location"]
