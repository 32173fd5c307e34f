"""
A paused Redis under the cache stalls no page and no write (issue 16, item 6).

The cache holds the abuse limits' counters (forum/limits.py). Here it is the
production cache (``config.cache.build_caches``: GuardedRedisCache with its
short timeouts and its breaker) on a Redis of the test's own
(tests/realtime/_redis.py), paused with SIGSTOP as a frozen host: it accepts
connections and never answers. Meanwhile pages answer, a reply and a chat
message sent over HTTP are stored and answered within a second, twenty
writes cost one timeout (not twenty), and the outage is said in one line.
Resumed, the limits count in Redis again.

Needs ``redis-server`` only (no REDIS_URL: nothing is played on a shared
Redis); under CI=true a missing one fails, elsewhere it skips.
``CACHE_OUTAGE_REDIS_PORT`` pins the port (a run told which ports it may use).
"""

import logging
import os
import time

import pytest
import redis as redis_py
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from config import cache as guarded
from forum.models import Post
from rooms import services as room_services
from rooms.models import Message

from .factories import make_thread
from .realtime._redis import PrivateRedis, redis_server_binary

TIMEOUT = 0.25  # the default CACHE_TIMEOUT and CACHE_CONNECT_TIMEOUT
RETRY_AFTER = 1.0  # shorter than the default 5 s, so the return is seen quickly


@pytest.fixture(scope="module")
def private_redis():
    if redis_server_binary() is None:
        message = "redis-server is not installed: a fault is never played on a shared Redis."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} CI must install it.", pytrace=False)
        pytest.skip(message)
    port = os.environ.get("CACHE_OUTAGE_REDIS_PORT")
    server = PrivateRedis(port=int(port) if port else None)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_cache(private_redis, settings, caplog):
    """The site's cache on the private Redis, with a fresh breaker; resumed after the test."""
    guarded.forget_breakers()
    settings.CACHES = guarded.build_caches(
        private_redis.url, {"CACHE_RETRY_AFTER": str(RETRY_AFTER)}
    )
    direct = redis_py.Redis.from_url(private_redis.url, socket_timeout=5)
    direct.flushdb()
    caplog.set_level(logging.INFO)
    try:
        yield direct
    finally:
        private_redis.resume()
        direct.close()
        guarded.forget_breakers()


@pytest.fixture
def thread(public_cop, moderator):
    return make_thread(moderator, public_cop)


@pytest.fixture
def salon(public_cop):
    return room_services.ensure_salon(public_cop)


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def outage_lines(caplog) -> tuple[list[str], list[str]]:
    down = [r.getMessage() for r in caplog.records if "cache unreachable" in r.getMessage()]
    back = [r.getMessage() for r in caplog.records if "cache back after" in r.getMessage()]
    return down, back


def reply_counters(direct) -> list[bytes]:
    return direct.keys("*limit:reply:*")


def test_the_settings_build_the_guarded_cache_from_the_environment():
    caches = guarded.build_caches(
        "redis://:secret@127.0.0.1:6400/0",
        {"CACHE_TIMEOUT": "0.5", "CACHE_CONNECT_TIMEOUT": "0.3", "CACHE_RETRY_AFTER": "7"},
    )
    default = caches["default"]
    assert default["BACKEND"] == "config.cache.GuardedRedisCache"
    assert default["OPTIONS"] == {
        "socket_connect_timeout": 0.3,
        "socket_timeout": 0.5,
        "retry_after": 7.0,
    }
    defaults = guarded.build_caches("redis://127.0.0.1:6400/0", {})["default"]["OPTIONS"]
    assert defaults == {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, "retry_after": 5.0}
    assert guarded.build_caches("", {})["default"]["BACKEND"].endswith("LocMemCache")
    for bad in ("0", "-1", "soon", "120"):
        with pytest.raises(ValueError, match="CACHE_TIMEOUT"):
            guarded.build_caches("redis://127.0.0.1:6400/0", {"CACHE_TIMEOUT": bad})


def test_the_breaker_opens_once_tries_again_after_its_period_and_closes(caplog):
    now = [100.0]
    breaker = guarded.Breaker("redis://127.0.0.1:1/0", retry_after=5, clock=lambda: now[0])
    caplog.set_level(logging.INFO)
    assert breaker.allow()
    breaker.failed(redis_py.TimeoutError("Timeout reading"))
    assert breaker.open and not breaker.allow()
    now[0] += 4.9
    assert not breaker.allow()
    now[0] += 0.2
    assert breaker.allow()  # the one trial of this period
    assert not breaker.allow()  # the others keep failing fast meanwhile
    breaker.failed(redis_py.TimeoutError("Timeout reading"))
    now[0] += 5.1
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.open and breaker.allow()
    down, back = outage_lines(caplog)
    assert len(down) == 1 and "TimeoutError" in down[0]
    assert back == ["cache back after 10.2 s at redis://127.0.0.1:1/0"]


def test_a_password_never_reaches_the_log(caplog):
    breaker = guarded.breaker_for("redis://:hunter2@127.0.0.1:1/0", 5)
    caplog.set_level(logging.INFO)
    try:
        breaker.failed(redis_py.ConnectionError("refused"))
    finally:
        guarded.forget_breakers()
    assert "hunter2" not in caplog.text
    assert "redis://127.0.0.1:1/0" in caplog.text


def test_while_redis_is_paused_pages_and_writes_answer_within_a_second(
    redis_cache, private_redis, thread, salon, member, client_for, caplog
):
    client = client_for(member)
    # Live first: a reply counts its limit in Redis.
    response = client.post(reverse("thread_reply", args=[thread.pk]), {"body": "Avant la pause"})
    assert response.status_code == 302
    assert reply_counters(redis_cache)

    private_redis.pause()
    for url in (
        reverse("home"),
        thread.get_absolute_url(),
        reverse("salon", args=[salon.community.slug]),
    ):
        response, took = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        assert took < 1.0, f"GET {url} took {took:.2f} s"

    response, took = timed(
        lambda: client.post(reverse("thread_reply", args=[thread.pk]), {"body": "Pendant la pause"})
    )
    assert response.status_code == 302
    assert took < 1.0, f"the reply took {took:.2f} s"
    assert Post.objects.filter(thread=thread, body="Pendant la pause").exists()

    response, took = timed(
        lambda: client.post(
            reverse("room_action", args=[salon.pk]),
            {"action": "send", "key": "pause-cache-0001", "body": "Salut pendant la pause"},
        )
    )
    assert response.status_code == 302
    assert took < 1.0, f"the chat message took {took:.2f} s"
    assert Message.objects.filter(room=salon, body="Salut pendant la pause").exists()

    response, took = timed(
        lambda: client.post(
            reverse("room_action", args=[salon.pk]),
            {"action": "send", "key": "pause-cache-0002", "body": "En JSON"},
            headers={"accept": "application/json"},
        )
    )
    assert (response.status_code, response.json()["type"]) == (200, "ack")
    assert took < 1.0

    down, back = outage_lines(caplog)
    assert len(down) == 1 and not back
    assert not [r for r in caplog.records if r.name == "forum.limits"]
    assert "Traceback" not in caplog.text


def test_twenty_writes_during_the_pause_cost_one_timeout_and_the_limits_count_again_after(
    redis_cache, private_redis, thread, member, client_for, caplog, monkeypatch
):
    reached = []  # cache calls that went to Redis, past the breaker
    real_get_many = RedisCache.get_many

    def counting_get_many(self, *args, **kwargs):
        reached.append(time.monotonic())
        return real_get_many(self, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "get_many", counting_get_many)
    client = client_for(member)
    url = reverse("thread_reply", args=[thread.pk])
    private_redis.pause()
    started = time.monotonic()
    for n in range(20):
        response = client.post(url, {"body": f"Réponse {n} pendant la pause"})
        assert response.status_code == 302
    took = time.monotonic() - started
    # Each call that reaches the paused Redis waits one timeout; the breaker lets one
    # through per RETRY_AFTER second(s), so the count is bounded by the time taken.
    assert len(reached) <= min(4, 1 + took / RETRY_AFTER), (len(reached), took)
    # Twenty timeouts alone would take 20 * TIMEOUT.
    assert took < 20 * TIMEOUT, f"20 replies took {took:.2f} s"
    assert Post.objects.filter(thread=thread, body__endswith="pendant la pause").count() == 20

    private_redis.resume()
    time.sleep(RETRY_AFTER + 0.1)  # the breaker's period runs out
    response = client.post(url, {"body": "Après la pause"})
    assert response.status_code == 302
    counters = reply_counters(redis_cache)
    assert counters, "the reply was not counted in Redis after the resume"
    assert int(redis_cache.get(counters[0])) >= 1

    down, back = outage_lines(caplog)
    assert len(down) == 1, down
    assert len(back) == 1, back
    assert not [r for r in caplog.records if r.name == "forum.limits"]
    assert "Traceback" not in caplog.text


def test_every_command_of_djangos_redis_cache_goes_through_the_breaker():
    """A method Django adds to RedisCache (or async ones of its own) must be guarded too."""
    commands = {
        name
        for name, value in vars(RedisCache).items()
        if callable(value) and not name.startswith("_") and name != "get_backend_timeout"
    }
    unguarded = {name for name in commands if name not in vars(guarded.GuardedRedisCache)}
    assert not unguarded, f"not behind the breaker: {sorted(unguarded)}"


def test_a_killed_redis_refuses_at_once_and_the_writes_go_on(
    redis_cache, private_redis, thread, member, client_for, caplog
):
    client = client_for(member)
    url = reverse("thread_reply", args=[thread.pk])
    private_redis.kill()
    try:
        for n in range(3):
            response, took = timed(lambda n=n: client.post(url, {"body": f"Redis tué, {n}"}))
            assert response.status_code == 302
            assert took < 1.0, f"the reply took {took:.2f} s"
    finally:
        private_redis.restart()
    assert Post.objects.filter(thread=thread, body__startswith="Redis tué").count() == 3
    down, _back = outage_lines(caplog)
    assert len(down) == 1 and "ConnectionError" in down[0], down
    assert "Traceback" not in caplog.text


def test_an_answer_that_is_an_error_still_closes_the_breaker(redis_cache, private_redis, caplog):
    from django.core.cache import cache

    breaker = guarded.breaker_for(private_redis.url, RETRY_AFTER)
    breaker.failed(redis_py.TimeoutError("Timeout reading"))
    with pytest.raises(guarded.CacheUnavailable):
        cache.get("limit:x")
    breaker.retry_at = 0.0  # its period is over: the next call is the trial
    with pytest.raises(ValueError):
        cache.incr("limit:missing")  # Django's answer for a missing key: Redis answered
    assert not breaker.open
    assert cache.get("limit:x") is None
    assert len(outage_lines(caplog)[1]) == 1
