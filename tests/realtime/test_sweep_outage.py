"""
Access is lost on time while Redis is paused under two real Daphne processes.

During the pause the rooms go on from the database (test_redis_outage.py),
so a socket must not keep what its reader may no longer see: Awa's tab is
signed out from her phone, Bintou is removed from the private CoP, and a
thread Mariam reads is moved into it. Their pushes (``user.access``, the
move) cannot cross the paused Redis, and here they are lost outright (the
actions run in a process of their own without the layer). The access sweep
of each Daphne process (realtime/sweep.py) closes those sockets within a few
seconds with the push's code, and nothing more reaches them; Kadidia, who
kept her access, goes on receiving. Each process says in one line, after
the outage, how many sockets it closed.
"""

import asyncio
import contextlib
import json
import re
import time

import pytest

from ._daphne import LiveClient, close_all, open_socket, run_python
from .test_redis_outage import cluster_on_private_redis, log_of, wait_in_logs

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def sweep_cluster():
    yield from cluster_on_private_redis()


def without_layer(env: dict[str, str]) -> dict[str, str]:
    """The cluster's environment with no Redis: what this process pushes is lost."""
    return {key: value for key, value in env.items() if key != "REDIS_URL"}


async def open_thread(port: int, cookie: str, thread_id: int):
    connection, _hello = await open_socket(
        f"ws://127.0.0.1:{port}/ws/threads/{thread_id}/", f"http://127.0.0.1:{port}", cookie
    )
    return connection


async def close_code(connection, timeout: float) -> int | None:
    """Read until the server closes; the code it closed with (None: still open)."""
    from websockets.exceptions import ConnectionClosed

    with contextlib.suppress(ConnectionClosed, TimeoutError):
        async with asyncio.timeout(timeout):
            while True:
                await connection.recv()
    return connection.close_code


async def test_sockets_that_lose_access_while_redis_is_paused_are_closed(sweep_cluster):
    cluster = sweep_cluster
    cluster.prepare(members=1)  # (re)starts the processes; the rows are seeded below
    seeded = json.loads(
        run_python(["-m", "tests.realtime._sweep_cluster", "seed"], cluster.env, timeout=60)
        .strip()
        .splitlines()[-1]
    )
    redis = cluster.redis
    a, b = cluster.a, cluster.b
    marks = {process.name: len(log_of(process)) for process in (a, b)}
    room, thread = seeded["room"], seeded["thread"]
    clients: list[LiveClient] = []
    threads = []
    try:
        async with asyncio.timeout(120):
            awa = await LiveClient.open(a.port, seeded["awa"]["cookie"], room)
            bintou = await LiveClient.open(a.port, seeded["bintou"]["cookie"], room)
            kadidia = await LiveClient.open(b.port, seeded["kadidia"]["cookie"], room)
            writer = await LiveClient.open(b.port, seeded["moderator"]["cookie"], room)
            clients = [awa, bintou, kadidia, writer]
            mariam_thread = await open_thread(b.port, seeded["reader"]["cookie"], thread)
            kadidia_thread = await open_thread(a.port, seeded["kadidia"]["cookie"], thread)
            threads = [mariam_thread, kadidia_thread]
            first = await writer.send_message("avant-la-pause", "Avant la pause")
            for client in clients:
                await client.wait_for_ids({first["id"]}, timeout=5)

            redis.pause()
            try:
                await asyncio.sleep(0.3)
                # (a) open and receiving during the outage, from the database.
                during = await writer.send_message("pendant-la-pause", "Pendant la pause")
                for client in clients:
                    await client.wait_for_ids({during["id"]}, timeout=5)

                await asyncio.to_thread(
                    run_python,
                    ["-m", "tests.realtime._sweep_cluster", "act", json.dumps(seeded)],
                    without_layer(cluster.env),
                    timeout=60,
                )
                acted = time.monotonic()
                codes = await asyncio.gather(
                    close_code(awa.connection, timeout=6),
                    close_code(bintou.connection, timeout=6),
                    close_code(mariam_thread, timeout=6),
                )
                closed_within = time.monotonic() - acted
                # (a) signed out elsewhere: 4401; (b) removed: 4403; (c) moved
                # into a CoP she cannot see: 4404, as the move's push closes it.
                assert codes == [4401, 4403, 4404], codes
                assert closed_within < 5.0, closed_within

                # (d) the others go on; nothing reaches the closed ones.
                after = await writer.send_message("apres-la-fin", "Après la fin de l'accès")
                await kadidia.wait_for_ids({after["id"]}, timeout=5)
                assert kadidia_thread.close_code is None
                for client in (awa, bintou):
                    assert after["id"] not in {m["message"]["id"] for m in client.messages}
            finally:
                redis.resume()

            await wait_in_logs(cluster, r"channel layer back after", timeout=15, marks=marks)
            await wait_in_logs(cluster, r"lost access during the outage", timeout=10, marks=marks)
            again = await writer.send_message("retour-de-redis", "Redis est revenu")
            await kadidia.wait_for_ids({again["id"]}, timeout=5)
            assert kadidia_thread.close_code is None

        for process, closed in ((a, 2), (b, 1)):
            log = log_of(process)[marks[process.name] :]
            assert "Traceback" not in log, log[-3000:]
            lines = re.findall(r"sockets closed for lost access during the outage: \d+", log)
            assert lines == [f"sockets closed for lost access during the outage: {closed}"], log
    finally:
        redis.resume()
        await close_all(clients)
        for connection in threads:
            with contextlib.suppress(Exception):
                await connection.close()
        print(cluster.logs())
