"""
Redis paused under two real Daphne processes: the room goes on (issue 16, item 6).

A Redis of the test's own (tests/realtime/_redis.py) is stopped with SIGSTOP,
as a frozen host: connections stay open and nothing answers. While it is
paused a message is acknowledged within a second, reaches every open socket
of both processes within five (each process reads the room's log from the
database), and a new socket connects. Resumed, the room is live again and
no socket got a message twice or missed one; each process said so in one
line each way, with no traceback.

The same Redis holds the cache (the abuse limits' counters, config/cache.py):
while it is paused the HTTP doors answer within a second too (new threads,
a chat message sent without a socket, JSON reads), and the
process says "cache unreachable" once and "cache back" once.
"""

import asyncio
import contextlib
import json
import os
import re
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.test_infrastructure import require_service

from ._daphne import (
    LiveClient,
    close_all,
    cluster_redis_url,
    open_socket,
    run_python,
    running_cluster,
)
from ._redis import PrivateRedis, redis_server_binary

pytestmark = pytest.mark.redis


def cluster_on_private_redis(**options):
    """Two Daphne processes on a redis-server of their own, which a test may pause or kill.

    A generator for module fixtures (``yield from``); ``options`` go to
    ``running_cluster``. A fault is never played on a shared Redis: without
    redis-server this skips, and fails under CI, which installs it.
    """
    require_service("Redis", "REDIS_URL")  # runs where the Redis tests run
    if redis_server_binary() is None:
        message = "redis-server is not installed: a fault is never played on a shared Redis."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} CI must install it.", pytrace=False)
        pytest.skip(message)
    redis = PrivateRedis()
    try:
        with running_cluster(cluster_redis_url(redis.url), slow_link=False, **options) as running:
            running.redis = redis
            try:
                yield running
            finally:
                redis.stop()  # before the processes, as it always was
    finally:
        redis.stop()  # a cluster that did not start


@pytest.fixture(scope="module")
def outage_cluster():
    yield from cluster_on_private_redis(static=True)


def log_of(process) -> str:
    process._log.flush()
    return process.log_path.read_text(errors="replace")


async def wait_in_logs(cluster, pattern: str, timeout: float, marks: dict) -> None:
    """Wait until each process logged ``pattern`` after its mark."""
    async with asyncio.timeout(timeout):
        while not all(
            re.search(pattern, log_of(p)[marks[p.name] :]) for p in (cluster.a, cluster.b)
        ):
            await asyncio.sleep(0.1)


def pairs(client: LiveClient) -> list[tuple[int, int]]:
    return [(frame["seq"], frame["message"]["id"]) for frame in client.messages]


async def test_paused_redis_delays_no_one_and_loses_nothing(outage_cluster):
    cluster = outage_cluster
    cluster.prepare(members=7)
    redis = cluster.redis
    # The processes may have served the module's other test: read only what follows.
    marks = {process.name: len(log_of(process)) for process in (cluster.a, cluster.b)}
    sent: list[dict] = []
    clients: list[LiveClient] = []
    try:
        async with asyncio.timeout(90):
            readers = [
                await LiveClient.open(process.port, cluster.cookies[n], cluster.room)
                for n, process in enumerate((cluster.a, cluster.b, cluster.a, cluster.b))
            ]
            writer = await LiveClient.open(cluster.b.port, cluster.cookies[4], cluster.room)
            clients = [*readers, writer]
            sent.append(await writer.send_message("avant-la-pause", "Avant la pause"))
            for client in clients:
                await client.wait_for_ids({sent[-1]["id"]}, timeout=5)

            redis.pause()
            try:
                await asyncio.sleep(0.3)
                # A single message, then silence: every socket gets it from the database.
                started = time.monotonic()
                sent.append(await writer.send_message("pendant-0001", "Seul, pendant la pause"))
                acked = time.monotonic() - started
                assert acked < 1.0, f"ack took {acked:.2f} s"
                for client in clients:
                    await client.wait_for_ids(
                        {sent[-1]["id"]}, timeout=5 - (time.monotonic() - started - acked)
                    )
                reached = time.monotonic() - started - acked
                assert reached < 5.0

                # New sockets connect meanwhile, on both processes, and may send.
                newcomers = []
                for n, process in ((5, cluster.a), (6, cluster.b)):
                    opened = time.monotonic()
                    newcomers.append(
                        await LiveClient.open(process.port, cluster.cookies[n], cluster.room)
                    )
                    assert time.monotonic() - opened < 5.0
                    assert newcomers[-1].hello["last_seq"] == sent[-1]["seq"]
                clients += newcomers
                started = time.monotonic()
                sent.append(
                    await newcomers[0].send_message("pendant-0002", "Nouvelle venue, pendant")
                )
                assert time.monotonic() - started < 1.0
                for client in clients:
                    await client.wait_for_ids({sent[-1]["id"]}, timeout=5)
            finally:
                redis.resume()

            await wait_in_logs(cluster, r"channel layer back after", timeout=15, marks=marks)
            # Live again: a message goes through Redis (each process has stopped polling).
            sent.append(await writer.send_message("apres-la-pause", "Après la pause"))
            for client in clients:
                await client.wait_for_ids({sent[-1]["id"]}, timeout=5)
            for client in clients:
                await client.drain(1.0)  # pushes queued during the pause land here, to be dropped

        expected = sorted((ack["seq"], ack["id"]) for ack in sent)
        for client in clients:  # the newcomers got the first two as their history
            assert pairs(client) == expected
        for process in (cluster.a, cluster.b):
            log = log_of(process)[marks[process.name] :]
            assert "Traceback" not in log, log[-3000:]
            assert len(re.findall(r"channel layer unreachable", log)) == 1, log[-3000:]
            assert len(re.findall(r"channel layer back after", log)) == 1, log[-3000:]
    finally:
        redis.resume()
        await close_all(clients)
        print(cluster.logs())


async def test_killed_redis_delays_no_one_and_the_room_goes_live_when_it_is_back(
    outage_cluster,
):
    cluster = outage_cluster
    cluster.prepare(members=7)
    redis = cluster.redis
    # The processes may have served the module's other test: read only what follows.
    marks = {process.name: len(log_of(process)) for process in (cluster.a, cluster.b)}
    sent: list[dict] = []
    clients: list[LiveClient] = []
    try:
        async with asyncio.timeout(90):
            clients = [
                await LiveClient.open(process.port, cluster.cookies[n], cluster.room)
                for n, process in enumerate((cluster.a, cluster.b, cluster.a, cluster.b))
            ]
            writer = clients[0]
            sent.append(await writer.send_message("avant-la-panne", "Avant la panne"))
            for client in clients:
                await client.wait_for_ids({sent[-1]["id"]}, timeout=5)

            redis.kill()
            await asyncio.sleep(0.3)
            started = time.monotonic()
            sent.append(await writer.send_message("pendant-0001", "Seul, Redis tué"))
            assert time.monotonic() - started < 1.0
            for client in clients:
                await client.wait_for_ids({sent[-1]["id"]}, timeout=5)
            opened = time.monotonic()
            clients.append(await LiveClient.open(cluster.b.port, cluster.cookies[5], cluster.room))
            assert time.monotonic() - opened < 5.0
            await asyncio.sleep(3)
            redis.restart()

            await wait_in_logs(cluster, r"channel layer back after", timeout=15, marks=marks)
            sent.append(await clients[1].send_message("apres-la-panne", "Après la panne"))
            for client in clients:
                await client.wait_for_ids({sent[-1]["id"]}, timeout=5)
            for client in clients:
                await client.drain(1.0)

        expected = sorted((ack["seq"], ack["id"]) for ack in sent)
        for client in clients:
            assert pairs(client) == expected
        for process in (cluster.a, cluster.b):
            log = log_of(process)[marks[process.name] :]
            # The outage is reported once each way; channels_redis's traceback per retry is not.
            assert "Traceback" not in log, log[-3000:]
            assert len(re.findall(r"channel layer unreachable", log)) == 1, log[-3000:]
    finally:
        if redis.process.poll() is not None:
            redis.restart()
        await close_all(clients)
        print(cluster.logs())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer to check, not a page to follow


def http(port: int, path: str, cookie: str, data: dict | None = None, headers=None):
    """One request to a Daphne process: (status, headers, body, seconds)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=urlencode(data).encode() if data is not None else None,
        headers={"Cookie": cookie, **(headers or {})},
    )
    started = time.monotonic()
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=15) as response:
            status, answer_headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, body = error.code, error.headers, error.read()
    return status, answer_headers, body, time.monotonic() - started


def test_paused_redis_stalls_no_page_and_no_write_over_http(outage_cluster):
    try:
        _http_during_a_pause(outage_cluster)
    finally:
        print(outage_cluster.logs())


def _http_during_a_pause(cluster) -> None:
    cluster.prepare(members=2)
    redis = cluster.redis
    process = cluster.a
    marks = {process.name: len(log_of(process))}
    ((slug,),) = cluster.database.query(
        "SELECT c.slug FROM forum_community c JOIN forum_room r ON r.community_id = c.id "
        "WHERE r.id = %s",
        (cluster.room,),
    )
    # Pages are not checked here (the processes serve no collected static files, so a
    # template names none); tests/test_cache_outage.py checks pages with a paused cache.
    # A CSRF secret of our own, unmasked, in the cookie and the header, as Django accepts.
    token = secrets.token_hex(16)
    cookie = f"{cluster.cookies[0]}; csrftoken={token}"
    form = {"X-CSRFToken": token}
    # Live first (the process's first write also pays for its warm-up).
    status, _headers, _body, took = http(
        process.port,
        f"/communautes/{slug}/nouvelle-discussion/",
        cookie,
        {"title": "Avant la pause", "body": "Une discussion ouverte avant la pause"},
        form,
    )
    assert status == 302, status
    print(f"new thread before the pause: {took:.2f} s")

    redis.pause()
    try:
        time.sleep(0.3)
        # The first write that counts a limit meets the paused Redis: one timeout.
        status, _headers, _body, took = http(
            process.port,
            f"/communautes/{slug}/nouvelle-discussion/",
            cookie,
            {"title": "Pendant la pause", "body": "Une discussion ouverte pendant la pause"},
            form,
        )
        assert status == 302, status
        assert took < 1.0, f"the new thread took {took:.2f} s"
        # The next ones find the breaker open: no wait at all. (New threads, not replies:
        # a reply's push renders a post, which names a static file these processes,
        # serving no collected static files, cannot name.)
        status, _headers, _body, took = http(
            process.port,
            f"/communautes/{slug}/nouvelle-discussion/",
            cookie,
            {"title": "Encore pendant", "body": "Une autre discussion pendant la pause"},
            form,
        )
        assert (status, took < 1.0) == (302, True), (status, took)
        status, _headers, body, took = http(
            process.port,
            f"/salles/{cluster.room}/action/",
            cookie,
            {"action": "send", "key": "http-pause-0001", "body": "Sans socket, pendant"},
            {**form, "Accept": "application/json"},
        )
        assert (status, took < 1.0) == (200, True), (status, took, body[:300])
        assert b'"ack"' in body
        for path in (f"/salons/{cluster.room}/evenements/", "/notifications/compte/"):
            status, _headers, _body, took = http(process.port, path, cookie)
            assert (status, took < 1.0) == (200, True), (path, status, took)
    finally:
        redis.resume()

    # Back: the breaker's period (CACHE_RETRY_AFTER, 5 s) runs out, a write finds Redis.
    time.sleep(5.2)
    status, _headers, _body, _took = http(
        process.port,
        f"/communautes/{slug}/nouvelle-discussion/",
        cookie,
        {"title": "Après la pause", "body": "Une discussion ouverte après la pause"},
        form,
    )
    assert status == 302
    assert cluster.database.query(
        "SELECT count(*) FROM forum_post p JOIN forum_thread t ON p.thread_id = t.id "
        "WHERE t.community_id = (SELECT community_id FROM forum_room WHERE id = %s)",
        (cluster.room,),
    ) == [(4,)]
    log = log_of(process)[marks[process.name] :]
    assert "Traceback" not in log, log[-3000:]
    assert len(re.findall(r"cache unreachable", log)) == 1, log[-3000:]
    assert len(re.findall(r"cache back after", log)) == 1, log[-3000:]


# Threads ----------------------------------------------------------------------------

THREAD_SEED = """
import json, django
django.setup()
from forum import services
from forum.models import Community, Membership, User
community = Community.objects.get(pk={community})
people = [User.objects.get(pk=pk) for pk in {people}]
Membership.objects.filter(user=people[1], community=community).update(role="moderator")
thread = services.create_thread(
    author=people[0], community=community, title="Pendant la panne", body="Le fil s'ouvre."
)
# Each member's first post waits for a moderator: the author has published hers.
community.premoderation_posts = 1
community.save(update_fields=["premoderation_posts"])
print(json.dumps({{"thread": thread.pk, "last_seq": thread.last_seq}}))
"""


def reply_over_http(port: int, thread: int, cookie: str, body: str) -> int:
    """The reply form as a browser posts it (CSRF token and cookie); the HTTP status."""
    import http.client
    import secrets
    from urllib.parse import urlencode

    token = secrets.token_hex(16)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            f"/discussions/{thread}/actions/repondre/",
            body=urlencode(
                {"body": body, "key": secrets.token_urlsafe(12), "csrfmiddlewaretoken": token}
            ),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{cookie}; csrftoken={token}",
                "Origin": f"http://127.0.0.1:{port}",
                "Host": f"127.0.0.1:{port}",
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


class ThreadClient:
    """A thread page's socket that keeps every post frame it receives, in arrival order."""

    def __init__(self, connection, hello: dict) -> None:
        self.connection = connection
        self.hello = hello
        self.posts: list[dict] = []

    @classmethod
    async def open(cls, port: int, cookie: str, thread: int) -> "ThreadClient":
        connection, hello = await open_socket(
            f"ws://127.0.0.1:{port}/ws/threads/{thread}/", f"http://127.0.0.1:{port}", cookie
        )
        return cls(connection, hello)

    def created(self) -> list[tuple[int, int]]:
        return [(f["seq"], f["id"]) for f in self.posts if f["event"] == "created"]

    async def next_frame(self) -> dict:
        frame = json.loads(await self.connection.recv())
        if frame["type"] == "post":
            self.posts.append(frame)
        elif frame["type"] == "more":
            await self.connection.send('{"type":"more"}')
        elif frame["type"] == "error":
            raise AssertionError(f"error frame: {frame}")
        return frame

    async def wait_for_seq(self, seq: int, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                while seq not in {s for s, _id in self.created()}:
                    await self.next_frame()
        except TimeoutError:
            raise AssertionError(
                f"no post {seq} within {timeout:.1f} s; received {self.created()}"
            ) from None

    async def drain(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    await self.next_frame()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.connection.close()


def posts_of(cluster, thread: int) -> list[tuple[int, int, bool]]:
    return cluster.database.query(
        "SELECT seq, id, is_pending FROM forum_post WHERE thread_id = %s ORDER BY seq", (thread,)
    )


async def test_paused_redis_thread_pages_read_replies_from_the_database(outage_cluster):
    cluster = outage_cluster
    cluster.prepare(members=7)
    redis = cluster.redis
    people = cluster.member_ids
    seeded = json.loads(
        run_python(
            ["-c", THREAD_SEED.format(community=cluster.community, people=people)],
            cluster.env,
            timeout=60,
        )
        .strip()
        .splitlines()[-1]
    )
    thread = seeded["thread"]
    writer, newcomer = cluster.cookies[0], cluster.cookies[6]
    marks = {process.name: len(log_of(process)) for process in (cluster.a, cluster.b)}
    clients: list[ThreadClient] = []
    try:
        async with asyncio.timeout(90):
            # The moderator (1) and four members, over both processes.
            processes = (cluster.a, cluster.b, cluster.a, cluster.b, cluster.a)
            for n, process in enumerate(processes, start=1):
                clients.append(await ThreadClient.open(process.port, cluster.cookies[n], thread))
            assert clients[0].hello["can_moderate"]

            async def reply(process, cookie: str, body: str) -> float:
                """Reply over HTTP; the moment it was acknowledged."""
                port = process.port
                status = await asyncio.to_thread(reply_over_http, port, thread, cookie, body)
                assert status == 302, status
                return time.monotonic()

            await reply(cluster.b, writer, "Avant la pause")
            before = posts_of(cluster, thread)[-1][0]
            for client in clients:
                await client.wait_for_seq(before, timeout=5)

            redis.pause()
            try:
                await asyncio.sleep(0.3)
                # One reply, then silence: every socket of both processes reads it.
                acked = await reply(cluster.a, writer, "Seule, pendant la pause")
                alone = posts_of(cluster, thread)[-1][0]
                for client in clients:
                    await client.wait_for_seq(alone, timeout=5 - (time.monotonic() - acked))
                assert time.monotonic() - acked < 5.0

                # A newcomer's reply waits for a moderator: no one gets it live;
                # the reply after it does.
                await reply(cluster.b, newcomer, "En attente, pendant la pause")
                acked = await reply(cluster.a, writer, "Après celle qui attend")
                last = posts_of(cluster, thread)[-1][0]
                for client in clients:
                    await client.wait_for_seq(last, timeout=5 - (time.monotonic() - acked))
            finally:
                redis.resume()

            await wait_in_logs(cluster, r"channel layer back after", timeout=15, marks=marks)
            acked = await reply(cluster.b, writer, "Après la pause")
            back = posts_of(cluster, thread)[-1][0]
            for client in clients:
                await client.wait_for_seq(back, timeout=5)
            for client in clients:
                await client.drain(1.0)  # pushes queued during the pause land here, to be dropped

        rows = posts_of(cluster, thread)
        pending = [(seq, pk) for seq, pk, waits in rows if waits]
        assert len(pending) == 1
        expected = [(seq, pk) for seq, pk, waits in rows if not waits and seq > 1]
        assert len(expected) == 4
        for client in clients:
            assert client.created() == expected  # each once, in thread order, none pending
        for process in (cluster.a, cluster.b):
            log = log_of(process)[marks[process.name] :]
            # The reply form's rate limits read the cache (the same Redis): they let the
            # reply through and log why (forum/limits.py), not the live parts.
            assert "realtime/" not in log and "channels_redis" not in log, log[-3000:]
            assert len(re.findall(r"channel layer unreachable", log)) == 1, log[-3000:]
    finally:
        redis.resume()
        await close_all(clients)
        print(cluster.logs())
