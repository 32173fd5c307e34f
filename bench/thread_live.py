"""
Benchmark a live thread: members replying at once, readers with the page open.

Run it with ``make bench-thread-live`` (or ``.venv/bin/python bench/thread_live.py``);
it needs ``redis-server`` on the PATH unless ``--redis-url`` names a running Redis.

Set-up (bench/_live_servers.py, on bench/fanout.py's machinery): a throw-away
database (SQLite file in WAL mode, or ``--database-url`` PostgreSQL), a
private Redis, two Daphne processes on it. One public community, ``--writers``
members who write and ``--readers`` members who read, each with a signed-in
session; one thread.

The readers open the thread page's socket (``/ws/threads/<id>/?after=<last
post number>``, session cookie and Origin as a browser sends them), half on
each Daphne process. Every ``--interval`` seconds for ``--duration`` seconds
all the writers reply at the same moment, each through the real reply form
(``POST /discussions/<id>/actions/repondre/`` with its CSRF token, on the
Daphne process of its turn) — the moment two processes publish replies out of
order. The interval keeps each writer under the site's 30 replies per 10
minutes. The body of a reply carries its send time.

Then the readers get ``--grace`` seconds to receive everything. Expected: the
replies the database holds. Per reader: each reply's ``created`` frame once,
in number order. Printed and written into docs/benchmarks.md (section
``thread-live``): replies, receipts expected and received, lost, duplicated,
out of order, latency p50/p99/max from the reply's POST to its frame, refused
posts, errors in the Daphne logs, load average.
"""

import argparse
import asyncio
import http.client
import json
import re
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _live_servers as live  # noqa: E402
import fanout  # noqa: E402
from _fanout_client import close_reason, open_socket  # noqa: E402

SECTION = "thread-live"
COMMAND = ".venv/bin/python bench/thread_live.py"
SENT_AT = re.compile(r"t=(\d+)")


def prepare(writers: int, readers: int) -> dict:
    """Members with sessions, one public community, one thread; what the clients need."""
    from django.db import transaction

    from forum import services
    from forum.models import Community, Membership, User

    writer_keys = fanout.create_members(writers, "live-w")
    reader_keys = fanout.create_members(readers, "live-r")
    with transaction.atomic():
        community = Community.objects.create(
            name="Banc d'essai, discussion en direct",
            slug="banc-essai-discussion",
            summary="Communauté du banc d'essai des discussions en direct",
            visibility=Community.Visibility.PUBLIC,
        )
        Membership.objects.bulk_create(
            [Membership(community=community, user_id=pk) for pk, _ in writer_keys + reader_keys]
        )
    thread = services.create_thread(
        author=User.objects.get(pk=writer_keys[0][0]),
        community=community,
        title="Banc d'essai : réponses simultanées",
        body="Chacune répond en même temps que les autres.",
    )
    return {
        "thread": thread.pk,
        "after": thread.last_seq,
        "writers": writer_keys,
        "readers": reader_keys,
    }


class Reader:
    def __init__(self, url: str, session: str) -> None:
        self.url, self.session = url, session
        self.frames: list[tuple[int, int, int, int | None]] = []  # (ns, id, seq, sent ns)
        self.error = ""
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            async with open_socket(self.url, self.session, 30) as ws:
                while not stop.is_set():
                    try:
                        text = await asyncio.wait_for(ws.recv(), 0.5)
                    except TimeoutError:
                        continue
                    received = time.time_ns()
                    frame = json.loads(text)
                    kind = frame.get("type")
                    if kind == "hello":
                        self.ready.set()
                    elif kind == "more":
                        await ws.send('{"type":"more"}')
                    elif kind == "post" and frame.get("event") == "created":
                        sent = SENT_AT.search(frame.get("html", ""))
                        self.frames.append(
                            (received, frame["id"], frame["seq"], int(sent[1]) if sent else None)
                        )
        except Exception as exc:  # noqa: BLE001 — reported, not raised
            self.error = close_reason(exc)
            self.ready.set()


def post_reply(port: int, thread: int, session: str, body: str) -> int:
    """The reply form, as a browser posts it; returns the HTTP status (302: saved)."""
    token = secrets.token_hex(16)  # a CSRF secret (32 characters) is a valid form token
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
                "Cookie": f"sessionid={session}; csrftoken={token}",
                "Origin": f"http://127.0.0.1:{port}",
                "Host": f"127.0.0.1:{port}",
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


async def write(args, ports: list[int], setup: dict, token: str) -> tuple[int, dict]:
    """Every interval, every writer replies at once; return (posts tried, statuses)."""
    statuses: dict[int, int] = {}
    tried = 0
    rounds = max(1, int(args.duration / args.interval))
    start = time.monotonic()
    for number in range(rounds):
        await asyncio.sleep(max(0.0, start + number * args.interval - time.monotonic()))
        calls = []
        for index, (_pk, session) in enumerate(setup["writers"]):
            body = f"Réponse {token} w={index} n={number} t={time.time_ns()}"
            port = ports[(index + number) % len(ports)]
            calls.append(asyncio.to_thread(post_reply, port, setup["thread"], session, body))
        for status in await asyncio.gather(*calls, return_exceptions=True):
            key = status if isinstance(status, int) else 0
            statuses[key] = statuses.get(key, 0) + 1
            tried += 1
    return tried, statuses


def expected_replies(thread: int, after: int) -> list[tuple[int, int]]:
    from forum.models import Post

    return list(
        Post.objects.filter(thread_id=thread, seq__gt=after, is_pending=False)
        .order_by("seq")
        .values_list("pk", "seq")
    )


async def measure(args, ports: list[int], setup: dict) -> dict:
    token = secrets.token_hex(4)
    path = f"/ws/threads/{setup['thread']}/?after={setup['after']}"
    readers = [
        Reader(f"ws://127.0.0.1:{ports[index % len(ports)]}{path}", session)
        for index, (_pk, session) in enumerate(setup["readers"])
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(reader.run(stop)) for reader in readers]
    await asyncio.wait_for(asyncio.gather(*(r.ready.wait() for r in readers)), 60)
    await asyncio.sleep(args.settle)
    started = time.monotonic()
    tried, statuses = await write(args, ports, setup, token)
    wrote_for = time.monotonic() - started
    expected = await asyncio.to_thread(expected_replies, setup["thread"], setup["after"])
    ids = {pk for pk, _seq in expected}
    deadline = time.monotonic() + args.grace
    while time.monotonic() < deadline:
        if all(ids <= {frame[1] for frame in reader.frames} for reader in readers):
            break
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return summarise(readers, expected, tried, statuses, wrote_for)


def summarise(readers, expected, tried, statuses, wrote_for) -> dict:
    order = {pk: seq for pk, seq in expected}
    lost = duplicated = out_of_order = 0
    latencies = []
    for reader in readers:
        seen: dict[int, int] = {}
        last_seq = 0
        for received, pk, seq, sent in reader.frames:
            if pk not in order:
                continue  # not a reply of this run
            seen[pk] = seen.get(pk, 0) + 1
            if seen[pk] > 1:
                duplicated += 1
                continue
            if seq < last_seq:
                out_of_order += 1
            last_seq = max(last_seq, seq)
            if sent is not None:
                latencies.append((received - sent) / 1e6)
        lost += sum(1 for pk in order if pk not in seen)
    return {
        "replies": len(expected),
        "tried": tried,
        "statuses": statuses,
        "wrote_for": round(wrote_for, 1),
        "readers": len(readers),
        "reader_errors": sum(1 for reader in readers if reader.error),
        "expected": len(expected) * len(readers),
        "received": sum(len(reader.frames) for reader in readers),
        "lost": lost,
        "duplicated": duplicated,
        "out_of_order": out_of_order,
        "p50_ms": live.percentile(latencies, 50),
        "p99_ms": live.percentile(latencies, 99),
        "max_ms": max(latencies) if latencies else float("nan"),
    }


def met(result: dict) -> bool:
    """Every reader got every reply once, in order (and there were replies and readers)."""
    return bool(
        result["replies"]
        and not result["reader_errors"]
        and not (result["lost"] or result["duplicated"] or result["out_of_order"])
    )


def report_text(args, result: dict, machine: dict, load_before: str, load_after: str, logs: dict):
    ok = met(result)
    statuses = ", ".join(f"{code}: {count}" for code, count in sorted(result["statuses"].items()))
    return "\n".join(
        [
            "## Live thread — members replying at once, readers with the page open",
            "",
            f"Measured {live.now_text()} with `{COMMAND} {' '.join(sys.argv[1:])}`".rstrip()
            + f" (`make bench-thread-live`). Load average (1/5/15 min) before: {load_before}, "
            f"after: {load_after}.",
            "",
            f"{args.writers} members reply to one thread through the reply form, all at the same "
            f"moment every {args.interval:g} s for {args.duration:g} s, alternating between two "
            f"Daphne processes on Redis (pub/sub layer); {args.readers} members read it with the "
            "page's socket open, half on each process. Expected: every reply the database holds, "
            "at every reader, once, in number order.",
            "",
            "| replies | readers | receipts expected | received | lost | duplicated "
            "| out of order | p50 | p99 | max |",
            "|---|---|---|---|---|---|---|---|---|---|",
            f"| {result['replies']} | {result['readers']} | {result['expected']} "
            f"| {result['received']} | {result['lost']} | {result['duplicated']} "
            f"| {result['out_of_order']} | {fanout.fmt_ms(result['p50_ms'])} ms "
            f"| {fanout.fmt_ms(result['p99_ms'])} ms | {fanout.fmt_ms(result['max_ms'])} ms |",
            "",
            f"Target (every reader receives every reply live, once, in thread order): "
            f"**{'met' if ok else 'not met'}**. Posts tried {result['tried']} (HTTP status: "
            f"{statuses}; 302 is a saved reply); sockets that failed: {result['reader_errors']}; "
            f"Daphne logs: {logs['tracebacks']} tracebacks"
            + (f" (first: `{logs['first_error']}`)" if logs["first_error"] else "")
            + ". Latency: from the moment the reply form was posted to the frame's arrival.",
            "",
            f"Machine: {live.machine_text(machine)}.",
        ]
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of replying")
    parser.add_argument(
        "--interval",
        type=float,
        default=2.25,
        help="seconds between two rounds of replies (30 replies per 10 min per member)",
    )
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--grace", type=float, default=15.0)
    parser.add_argument("--database-url", help="PostgreSQL server to use (default: SQLite file)")
    parser.add_argument("--redis-url", help="a running Redis (default: a private redis-server)")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.duration / args.interval > 29:
        raise SystemExit("each member may post 30 replies per 10 minutes: raise --interval")
    run = live.start_run("thread-live", args.database_url, args.redis_url)
    failed = True
    try:
        setup = prepare(args.writers, args.readers)
        from django.db import connections

        connections.close_all()
        load_before = live.load_average()
        ports, pids, logs = live.start_daphnes(run, 2, "thread")
        try:
            result = asyncio.run(measure(args, ports, setup))
        finally:
            live.stop(pids)
        load_after = live.load_average()
        found = fanout.scan_logs(logs)
        print(json.dumps(result, indent=2))
        text = report_text(args, result, run.machine, load_before, load_after, found)
        print(text)
        if not args.no_write:
            live.write_section(SECTION, text)
        failed = not met(result)
    finally:
        run.close(keep=failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
