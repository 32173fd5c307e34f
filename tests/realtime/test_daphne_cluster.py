"""
Two real Daphne processes on one Redis and one database, as in production.

These tests prove what a single process cannot: a message crosses from one
process to the other through the channel layer; sockets opened on either
process during a burst, and pushes that overtake each other between the
processes, still give every client each seq once and in order ("History on
join"); a client whose process dies reconnects to the other with ``after=``
and loses nothing; a ``send`` whose ack died with its process is retried
elsewhere without a second message (docs/realtime-protocol.md, "Reconnecting").

Process a reaches Redis through a relay that can hold its traffic back
(``_daphne.SlowLink``), to make the overtaking certain rather than lucky.
"""

import asyncio

import pytest

from . import _daphne
from ._daphne import (
    LiveClient,
    close_all,
    ids,
    seqs,
    shared_redis_url,
)

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def running_cluster():
    """A migrated database and two Daphne processes that all the module's tests share."""
    with _daphne.running_cluster(shared_redis_url()) as running:
        yield running


@pytest.fixture
def cluster(running_cluster):
    """Both processes up (a killed one restarted) and a fresh room with seven members."""
    running_cluster.prepare()
    yield running_cluster
    print(running_cluster.logs())  # pytest shows it only when the test failed


async def test_message_sent_through_one_process_reaches_a_client_of_the_other(cluster):
    async with asyncio.timeout(30):
        on_a = await LiveClient.open(cluster.a.port, cluster.cookies[0], cluster.room)
        on_b = await LiveClient.open(cluster.b.port, cluster.cookies[1], cluster.room)
        try:
            ack = await on_b.send_message("de-b-vers-a-1", "Bonjour depuis le processus B")
            await on_a.wait_for_ids({ack["id"]})
            reply = await on_a.send_message("de-a-vers-b-1", "Bien reçu sur le processus A")
            await on_b.wait_for_ids({reply["id"]})
            await on_a.wait_for_ids({reply["id"]})

            assert [ack["seq"], reply["seq"]] == [1, 2]
            for client in (on_a, on_b):
                assert seqs(client.messages) == [1, 2]
                assert ids(client.messages) == [ack["id"], reply["id"]]
            assert "Bonjour depuis le processus B" in on_a.messages[0]["message"]["html"]
        finally:
            await close_all([on_a, on_b])


async def test_sockets_opened_during_a_burst_get_each_message_once_in_order(cluster):
    reader_cookie, *writer_cookies = cluster.cookies
    async with asyncio.timeout(30):
        # Writers on both processes: each publishes its own commits, so one
        # process's frame may overtake the other's, leaving a gap to fill.
        writers = [
            await LiveClient.open((cluster.a, cluster.b)[number % 2].port, cookie, cluster.room)
            for number, cookie in enumerate(writer_cookies)
        ]
        burst_over = asyncio.Event()

        async def write(number: int, writer: LiveClient) -> list[dict]:
            return [
                await writer.send_message(f"rafale-{number}-{n:04d}", f"Rafale {number}.{n}")
                for n in range(5)
            ]

        async def watch(number: int) -> LiveClient:
            # Sockets open on both processes while messages commit, so some read
            # their history just as a change commits and is published.
            await asyncio.sleep(0.03 * number)
            port = (cluster.a, cluster.b)[number % 2].port
            watcher = await LiveClient.open(port, reader_cookie, cluster.room)
            await burst_over.wait()
            await watcher.drain(0.5)
            return watcher

        watching = [asyncio.create_task(watch(number)) for number in range(20)]
        try:
            acks = await asyncio.gather(*(write(n, w) for n, w in enumerate(writers)))
        finally:
            burst_over.set()
        # The writers read only up to their last ack: read the rest meanwhile.
        await asyncio.gather(*(writer.drain(0.5) for writer in writers))
        watchers = await asyncio.gather(*watching)
        try:
            expected = sorted((ack["seq"], ack["id"]) for ack in sum(acks, []))
            assert [seq for seq, _id in expected] == list(range(1, 31))
            for client in [*writers, *watchers]:
                received = [(frame["seq"], frame["message"]["id"]) for frame in client.messages]
                assert received == expected, f"hello last_seq={client.hello['last_seq']}"
        finally:
            await close_all([*writers, *watchers])


async def stored(cluster, count: int, timeout: float = 5) -> None:
    """Wait until the room holds ``count`` messages."""
    sql = "SELECT COUNT(*) FROM forum_message WHERE room_id = %s"
    async with asyncio.timeout(timeout):
        while cluster.database.query(sql, (cluster.room,))[0][0] < count:
            await asyncio.sleep(0.01)


async def test_push_overtaken_by_the_other_process_is_delivered_in_seq_order(cluster):
    if cluster.link is None:
        pytest.skip("the slow link relays plain redis:// only")
    reader_cookie, *writer_cookies = cluster.cookies
    async with asyncio.timeout(30):
        readers = [
            await LiveClient.open(process.port, reader_cookie, cluster.room)
            for process in (cluster.a, cluster.b)
        ]
        on_a = await LiveClient.open(cluster.a.port, writer_cookies[0], cluster.room)
        on_b = await LiveClient.open(cluster.b.port, writer_cookies[1], cluster.room)
        try:
            # a's pushes now reach Redis late: b's next message, sent once a's
            # is stored, overtakes each of them.
            cluster.link.delay = 0.3
            sent = []
            for n in range(4):
                await on_a.push(f"lent-{n:04d}", f"Par le lien lent {n}")
                await stored(cluster, count=2 * n + 1)
                sent.append(await on_b.send_message(f"vif-{n:04d}", f"Par le lien rapide {n}"))
                sent.append(await on_a.ack(f"lent-{n:04d}"))
            sent.sort(key=lambda ack: ack["seq"])
            expected = [(ack["seq"], ack["id"]) for ack in sent]
            assert [seq for seq, _id in expected] == list(range(1, 9))
            for client in [*readers, on_a, on_b]:
                await client.wait_for_ids({ack["id"] for ack in sent})
                await client.drain(0.4)  # the late pushes land here, and must be dropped
                received = [(frame["seq"], frame["message"]["id"]) for frame in client.messages]
                assert received == expected
        finally:
            await close_all([*readers, on_a, on_b])


async def test_client_of_a_killed_process_catches_up_on_the_other_in_order(cluster):
    reader_cookie, *writer_cookies = cluster.cookies
    async with asyncio.timeout(45):
        reader = await LiveClient.open(cluster.a.port, reader_cookie, cluster.room)
        # Six writers on the surviving process: one member may send 5 messages per 10 s.
        writers = [
            await LiveClient.open(cluster.b.port, cookie, cluster.room) for cookie in writer_cookies
        ]
        sent: list[dict] = []
        back = None
        try:
            for n in range(3):
                sent.append(await writers[0].send_message(f"avant-{n:04d}", f"Avant la panne {n}"))
            await reader.wait_for_ids({ack["id"] for ack in sent})
            before = list(reader.messages)
            last_seen = before[-1]["seq"]

            cluster.a.kill()
            await reader.wait_closed(timeout=10)

            # The room goes on through the surviving process while the reader is away.
            for number, writer in enumerate(writers[1:3], start=1):
                for n in range(5):
                    sent.append(
                        await writer.send_message(
                            f"panne-{number}-{n:04d}", f"Pendant la panne ({number}) {n}"
                        )
                    )

            # And keeps going, from three writers at once, while the reader
            # reconnects: a change committed between its joining the group and
            # its reading the backlog comes both ways and must be sent once.
            flowing = asyncio.Event()

            async def keep_sending(number: int, writer: LiveClient) -> list[dict]:
                acks = []
                try:
                    for n in range(3):
                        key = f"retour-{number}-{n:04d}"
                        body = f"Pendant le retour ({number}) {n}"
                        acks.append(await writer.send_message(key, body))
                        flowing.set()
                finally:
                    flowing.set()  # a failed send is reported by gather() below
                return acks

            during = [
                asyncio.create_task(keep_sending(number, writer))
                for number, writer in enumerate(writers[3:6], start=3)
            ]
            await flowing.wait()
            back = await LiveClient.open(
                cluster.b.port, reader_cookie, cluster.room, after=last_seen
            )
            for acks in await asyncio.gather(*during):
                sent += acks
            assert back.hello["last_seq"] > 3 + 10
            await back.wait_for_ids({ack["id"] for ack in sent} - set(ids(before)), timeout=15)
            await back.drain(1.0)  # a frame sent twice would arrive here

            received = before + back.messages
            # Every seq of the room once, in order, each carrying the message it was acked with.
            assert len(sent) == 3 + 10 + 9
            assert seqs(received) == list(range(1, len(sent) + 1))
            assert [(frame["seq"], frame["message"]["id"]) for frame in received] == sorted(
                (ack["seq"], ack["id"]) for ack in sent
            )
        finally:
            await close_all([reader, *writers, back])


async def test_send_retried_on_the_other_process_after_a_kill_makes_one_message(cluster):
    author_cookie, watcher_cookie = cluster.cookies[:2]
    key = "cle-reessayee-0001"
    body = "Envoyé juste avant la panne"
    async with asyncio.timeout(30):
        author = await LiveClient.open(cluster.a.port, author_cookie, cluster.room)
        watcher = await LiveClient.open(cluster.b.port, watcher_cookie, cluster.room)
        retry = None
        try:
            await author.push(key, body)
            # The send is stored (the other process relays it), but its author
            # never reads the ack: the process dies first.
            original = await watcher.wait_for(lambda frame: frame["type"] == "message")
            cluster.a.kill()
            await author.wait_closed(timeout=10)

            retry = await LiveClient.open(
                cluster.b.port, author_cookie, cluster.room, after=author.hello["last_seq"]
            )
            ack = await retry.send_message(key, body)
            await retry.drain(1.0)
            await watcher.drain(0.5)

            assert ack == {
                "type": "ack",
                "action": "send",
                "key": key,
                "id": original["message"]["id"],
                "seq": original["seq"],
            }
            # The backlog brought the message once; the retry broadcast nothing new.
            assert ids(retry.messages) == [original["message"]["id"]]
            assert ids(watcher.messages) == [original["message"]["id"]]
            stored = cluster.database.query(
                "SELECT id, seq FROM forum_message WHERE room_id = %s", (cluster.room,)
            )
            assert stored == [(original["message"]["id"], original["seq"])]
            events = cluster.database.query(
                "SELECT seq FROM forum_roomevent WHERE room_id = %s", (cluster.room,)
            )
            assert events == [(original["seq"],)]
        finally:
            await close_all([author, watcher, retry])
