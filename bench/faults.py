"""
Benchmark a Redis outage during a chat: degrade, don't stall (issue 16, item 6).

Run it with ``.venv/bin/python bench/faults.py`` (``make bench-faults``); it
needs ``redis-server`` on the PATH: the fault is played on a Redis of its own
(SIGSTOP, as a frozen host: connections stay open, nothing answers).

Set-up, machinery and client are bench/fanout.py's and
bench/_fanout_client.py's, imported: a throw-away database, members with
sessions, two Daphne processes on the pub/sub layer, ``--listeners`` room
sockets split between them in a child process that stamps every frame, a
pool of sender sockets taking turns (the room allows 5 messages per member
per 10 s).

Timeline:

1. chat at ``--rate`` messages a second for ``--before`` seconds;
2. Redis paused for ``--pause`` seconds while the chat goes on; halfway,
   ``--newcomers`` new sockets connect (half on each process);
3. Redis resumed, the chat goes on for ``--after`` seconds;
4. silence; Redis paused again, and after ``--quiet`` seconds ONE message is
   sent: the time until every open socket holds it is measured, then Redis
   is resumed.

Reported: delivery p50/p99/max before, during and after the pause; acks
p99/max during the pause; lost and repeated deliveries (every listener must
get every message, each once); the single message's ack and the time from
its ack to the last socket; newcomers connected and their handshake times;
per Daphne process, the lines it logged (access lines aside) and the
tracebacks among them. Written to docs/benchmarks.md between
``<!-- faults:start -->`` and ``<!-- faults:end -->`` (``--no-write`` leaves
it alone).
"""

import argparse
import asyncio
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import _sections
import fanout
from _fanout_client import Senders, close_reason, open_socket, wait_hello

SECTION = "faults"
COMMAND = ".venv/bin/python bench/faults.py"
# Daphne's access log ("127.0.0.1:5000 - - [date] "WSCONNECT /ws/…" - -").
ACCESS_LINE = re.compile(r'^\S+:\d+ - - \[[^\]]+\] "')
STARTUP_LINES = ("config.serve:", "UserWarning: No directory at", "mw_instance = middleware")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listeners", type=int, default=100)
    parser.add_argument("--rate", type=float, default=2.0, help="messages a second")
    parser.add_argument("--before", type=float, default=10.0)
    parser.add_argument("--pause", type=float, default=30.0)
    parser.add_argument("--after", type=float, default=10.0)
    parser.add_argument("--quiet", type=float, default=3.0)
    parser.add_argument("--newcomers", type=int, default=10)
    parser.add_argument("--grace", type=float, default=20.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--scenario",
        choices=("room", "thread"),
        default="room",
        help="room: the chat above; thread: replies to a thread page (see thread_main)",
    )
    parser.add_argument("--writers", type=int, default=4, help="thread: members replying")
    parser.add_argument("--readers", type=int, default=20, help="thread: sockets on the page")
    parser.add_argument(
        "--interval", type=float, default=2.0, help="thread: seconds between rounds of replies"
    )
    return parser.parse_args()


class Outage:
    """The private Redis and its pauses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.paused_at: float | None = None

    def pause(self) -> float:
        os.kill(self.pid, signal.SIGSTOP)
        self.paused_at = time.time()
        return self.paused_at

    def resume(self) -> float:
        os.kill(self.pid, signal.SIGCONT)
        return time.time()


async def send(senders: Senders, n: int) -> None:
    """Send message ``n`` as the fan-out senders do (body with its send time)."""
    ws = senders.sockets[n % len(senders.sockets)]
    sent = time.time_ns()
    senders.result.sent[n] = sent
    body = f"fanout {senders.token} n={n} t={sent}"
    await ws.send(json.dumps({"type": "send", "key": f"{senders.token}-{n}", "body": body}))


async def newcomer(url: str, key: str) -> tuple[float | None, str]:
    started = time.monotonic()
    try:
        ws = await open_socket(url, key, 30)
        await wait_hello(ws)
    except Exception as exc:  # noqa: BLE001
        return None, close_reason(exc)
    spent = time.monotonic() - started
    await ws.close()
    return spent, "ok"


async def run(args, urls, keys, sender_urls, sender_keys, newcomer_urls, newcomer_keys, outage):
    token = secrets.token_hex(4)
    senders = Senders(sender_urls, sender_keys, token)
    await senders.open()
    specs = [{"urls": urls, "session_keys": keys, "token": token, "connect_concurrency": 20}]
    clients = await fanout.start_clients(1, specs, args.workdir, args.env)
    try:
        ready = [await fanout.read_event(process, timeout=600) for process in clients]
        await asyncio.sleep(2)
        await fanout.tell(clients, {"event": "measure"})
        chat = round(args.rate * (args.before + args.pause + args.after))
        senders.total = chat + 1
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        pause_at, resume_at = start + args.before, start + args.before + args.pause
        window: dict[str, float] = {}
        joins: list = []
        newcomers_started = False
        for n in range(chat):
            due = start + n / args.rate
            if "paused" not in window and due >= pause_at:
                await asyncio.sleep(max(0.0, pause_at - loop.time()))
                window["paused"] = outage.pause()
                print(f"    Redis paused at message {n}", flush=True)
            if not newcomers_started and due >= pause_at + args.pause / 2:
                newcomers_started = True
                joins = [
                    asyncio.create_task(newcomer(url, key))
                    for url, key in zip(newcomer_urls, newcomer_keys, strict=True)
                ]
            if "resumed" not in window and due >= resume_at:
                await asyncio.sleep(max(0.0, resume_at - loop.time()))
                window["resumed"] = outage.resume()
                print(f"    Redis resumed at message {n}", flush=True)
            await asyncio.sleep(max(0.0, due - loop.time()))
            await send(senders, n)
        joined = await asyncio.gather(*joins)
        await asyncio.sleep(5)  # the processes switch back; silence
        window["silence_paused"] = outage.pause()
        await asyncio.sleep(args.quiet)
        await send(senders, chat)  # one message, then silence
        try:
            async with asyncio.timeout(args.grace):
                await senders.acks_done.wait()
        except TimeoutError:
            pass
        await asyncio.sleep(10)
        outage.resume()
        await asyncio.sleep(3)  # each process notices (and says) that the layer is back
        await fanout.tell(
            clients,
            {
                "event": "stop",
                "expected": sorted(senders.result.sent),
                "deadline": time.time() + args.grace,
            },
        )
        results = [
            await fanout.read_event(process, timeout=args.grace + 120) for process in clients
        ]
    finally:
        outage.resume()
        await senders.close()
        for process in clients:
            if process.returncode is None:
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
            fanout.CHILDREN.forget(process.pid)
    return ready, results, senders.result, window, joined, chat


def pct(values: list[float], q: float) -> float:
    return fanout.percentile(sorted(values), q)


def summarise(args, ready, results, sent, window, joined, chat, logs) -> dict:
    by_message: dict[int, list[int]] = {}
    for result in results:
        for n, values in result["latencies_us"].items():
            by_message.setdefault(int(n), []).extend(values)
    phases: dict[str, list[float]] = {"before": [], "during": [], "after": []}
    for n, values in by_message.items():
        if n == chat:
            continue
        at = sent.sent[n] / 1e9
        phase = (
            "before" if at < window["paused"] else "during" if at < window["resumed"] else "after"
        )
        phases[phase] += [us / 1000 for us in values]
    acks_ms = {n: us / 1000 for n, us in sent.acked.items() if us >= 0}
    during_acks = [
        ms
        for n, ms in acks_ms.items()
        if n != chat and window["paused"] <= sent.sent[n] / 1e9 < window["resumed"]
    ]
    single = by_message.get(chat, [])
    single_ack = acks_ms.get(chat)
    listeners = args.listeners
    expected = listeners * len(sent.sent)
    delivered = sum(result["delivered"] for result in results)
    per_process = []
    for log in logs:
        lines = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if line.strip()
            and not ACCESS_LINE.match(line)
            and not any(part in line for part in STARTUP_LINES)
        ]
        per_process.append(
            {
                "lines": len(lines),
                "tracebacks": sum("Traceback (most recent call last)" in line for line in lines),
                "unreachable": sum("channel layer unreachable" in line for line in lines),
                "back": sum("channel layer back after" in line for line in lines),
                "sample": lines[:6],
            }
        )
    times = [spent for spent, _reason in joined if spent is not None]
    return {
        "listeners": listeners,
        "connected": sum(item["connected"] for item in ready),
        "messages": len(sent.sent),
        "expected": expected,
        "delivered": delivered,
        "lost": expected - delivered,
        "duplicates": sum(result["duplicates"] for result in results),
        "out_of_order": sum(result["out_of_order"] for result in results),
        "delivery_ms": {
            phase: {
                "count": len(values),
                "p50": pct(values, 50),
                "p99": pct(values, 99),
                "max": max(values, default=float("nan")),
            }
            for phase, values in phases.items()
        },
        "acks_during_ms": {
            "count": len(during_acks),
            "p99": pct(during_acks, 99),
            "max": max(during_acks, default=float("nan")),
        },
        "unacked": len(sent.sent) - len(acks_ms),
        "send_errors": sent.errors,
        "single": {
            "ack_ms": single_ack,
            "reached": len(single),
            "last_socket_after_ack_ms": (max(single) / 1000 - single_ack)
            if single and single_ack is not None
            else None,
        },
        "newcomers": {
            "tried": len(joined),
            "connected": len(times),
            "refused": sorted({reason for spent, reason in joined if spent is None}),
            "p50_s": pct(times, 50),
            "max_s": max(times, default=float("nan")),
        },
        "processes": per_process,
    }


def fmt(value, digits: int = 0) -> str:
    if value is None or value != value:  # NaN
        return "—"
    return f"{value:,.{digits}f}".replace(",", " ")


def markdown(report: dict) -> str:
    r = report["result"]
    d = r["delivery_ms"]
    single = r["single"]
    new = r["newcomers"]
    lines = [
        "## Redis paused during a chat — degrade, don't stall",
        "",
        f"{report['date']} — `{report['command']}` — {report['machine']}, load average "
        f"{report['load_before']} before, {report['load_after']} after.",
        "",
        f"Two Daphne processes (pub/sub layer) on a Redis of the benchmark's own; "
        f"{r['listeners']} room sockets split between them; {report['rate']:g} messages a second "
        f"for {report['before']:g} s, then Redis **paused (SIGSTOP) {report['pause']:g} s** while "
        f"the chat goes on, then {report['after']:g} s more; then silence, Redis paused again and "
        f"after {report['quiet']:g} s one single message. Listener count kept modest (2 shared "
        f"cores); `--listeners` sets it.",
        "",
        "| | before | during the pause | after |",
        "|---|---:|---:|---:|",
        "| messages received (sockets × messages) | "
        + " | ".join(fmt(d[p]["count"]) for p in ("before", "during", "after"))
        + " |",
        "| delivery p50 (ms) | "
        + " | ".join(fmt(d[p]["p50"]) for p in ("before", "during", "after"))
        + " |",
        "| delivery p99 (ms) | "
        + " | ".join(fmt(d[p]["p99"]) for p in ("before", "during", "after"))
        + " |",
        "| delivery max (ms) | "
        + " | ".join(fmt(d[p]["max"]) for p in ("before", "during", "after"))
        + " |",
        "",
        f"- Delivered {fmt(r['delivered'])} of {fmt(r['expected'])} "
        f"({r['messages']} messages × {r['listeners']} sockets): **lost {r['lost']}, repeated "
        f"{r['duplicates']}**, out of order {r['out_of_order']}.",
        f"- Acks during the pause: p99 {fmt(r['acks_during_ms']['p99'])} ms, max "
        f"{fmt(r['acks_during_ms']['max'])} ms ({r['acks_during_ms']['count']} sends; "
        f"unacknowledged {r['unacked']}, errors {r['send_errors'] or 'none'}).",
        f"- Single message in silence during an outage: acked in {fmt(single['ack_ms'])} ms, "
        f"reached {single['reached']} of {r['listeners']} sockets, the last "
        f"**{fmt(single['last_socket_after_ack_ms'])} ms after its ack** (target ≤ 5 s).",
        f"- New sockets during the pause: {new['connected']} of {new['tried']} connected "
        f"(hello p50 {fmt(new['p50_s'], 2)} s, max {fmt(new['max_s'], 2)} s)"
        + (f"; refused: {', '.join(new['refused'])}" if new["refused"] else "")
        + ".",
    ]
    for number, process in enumerate(r["processes"], start=1):
        lines.append(
            f"- Daphne {number} logged {process['lines']} lines for two outages (access log "
            f"aside): {process['unreachable']} × “channel layer unreachable…”, "
            f"{process['back']} × “channel layer back after N s”, "
            f"{process['tracebacks']} tracebacks."
        )
    target = d["during"]["p99"] <= 3000 and r["lost"] == 0 and r["duplicates"] == 0
    lines += [
        "",
        "Target (p99 during the pause ≤ 3 s, nothing lost or repeated, lone message ≤ 5 s "
        "after its ack, acks ≤ 1 s, new sockets connect): "
        + (
            "**met**."
            if target
            and (single["last_socket_after_ack_ms"] or 1e9) <= 5000
            and r["acks_during_ms"]["max"] <= 1000
            and new["connected"] == new["tried"]
            else "**not met** (see the figures)."
        ),
        "",
        "How: realtime/publisher.py, realtime/health.py, realtime/local_groups.py "
        "(docs/architecture.md, “When Redis is away”).",
    ]
    return "\n".join(lines)


def write_docs(text: str) -> None:
    _sections.write_section(SECTION, text)


THREAD_SECTION = "faults-thread"


async def thread_replies(args, ports, setup, token, outage) -> tuple[dict, list, dict]:
    """Rounds of replies before, during and after the pause; (statuses, POSTs, window)."""
    import thread_live

    statuses: dict[int, int] = {}
    posts: list[tuple[float, float, int, int]] = []  # (sent, acknowledged, status, sent ns)
    window: dict[str, float] = {}
    rounds = max(1, round((args.before + args.pause + args.after) / args.interval))
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    pause_at, resume_at = start + args.before, start + args.before + args.pause

    async def one(index: int, number: int, session: str) -> None:
        sent = time.time_ns()
        body = f"Réponse {token} w={index} n={number} t={sent}"
        port = ports[(index + number) % len(ports)]
        try:
            status = await asyncio.to_thread(
                thread_live.post_reply, port, setup["thread"], session, body
            )
        except Exception:  # noqa: BLE001 — counted as status 0
            status = 0
        statuses[status] = statuses.get(status, 0) + 1
        posts.append((sent / 1e9, time.time(), status, sent))

    calls = []
    for number in range(rounds):
        due = start + number * args.interval
        if "paused" not in window and due >= pause_at:
            await asyncio.sleep(max(0.0, pause_at - loop.time()))
            window["paused"] = outage.pause()
            print(f"    Redis paused at round {number}", flush=True)
        if "resumed" not in window and due >= resume_at:
            await asyncio.sleep(max(0.0, resume_at - loop.time()))
            window["resumed"] = outage.resume()
            print(f"    Redis resumed at round {number}", flush=True)
        await asyncio.sleep(max(0.0, due - loop.time()))
        calls += [
            asyncio.create_task(one(index, number, session))
            for index, (_pk, session) in enumerate(setup["writers"])
        ]
    await asyncio.gather(*calls)
    if "resumed" not in window:
        window["resumed"] = outage.resume()
    return statuses, posts, window


async def thread_measure(args, ports, setup, outage) -> dict:
    """Readers on the page over both processes; replies across a pause; what each received."""
    import thread_live

    token = secrets.token_hex(4)
    path = f"/ws/threads/{setup['thread']}/?after={setup['after']}"
    readers = [
        thread_live.Reader(f"ws://127.0.0.1:{ports[index % len(ports)]}{path}", session)
        for index, (_pk, session) in enumerate(setup["readers"])
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(reader.run(stop)) for reader in readers]
    await asyncio.wait_for(asyncio.gather(*(r.ready.wait() for r in readers)), 120)
    await asyncio.sleep(2)
    try:
        statuses, posts, window = await thread_replies(args, ports, setup, token, outage)
    finally:
        outage.resume()
    expected = await asyncio.to_thread(
        thread_live.expected_replies, setup["thread"], setup["after"]
    )
    ids = {pk for pk, _seq in expected}
    deadline = time.monotonic() + args.grace
    while time.monotonic() < deadline:
        if all(ids <= {frame[1] for frame in reader.frames} for reader in readers):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)  # what the publishers queued during the pause lands here
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    result = thread_live.summarise(readers, expected, len(posts), statuses, 0.0)
    # Delivery during the pause: replies sent while Redis was paused, POST to frame.
    paused, resumed = window["paused"] * 1e9, window["resumed"] * 1e9
    during = [
        (received - sent) / 1e6
        for reader in readers
        for received, pk, _seq, sent in reader.frames
        if sent is not None and pk in ids and paused <= sent < resumed
    ]
    acked_at = {ns: acked for _sent, acked, _status, ns in posts}
    from_ack = [
        received / 1e6 - acked_at[sent] * 1000
        for reader in readers
        for received, pk, _seq, sent in reader.frames
        if sent in acked_at and pk in ids and paused <= sent < resumed
    ]
    acks = [(acked - sent) * 1000 for sent, acked, _status, _ns in posts if paused / 1e9 <= sent]
    result.update(
        during_replies=sum(1 for _s, _a, _st, ns in posts if paused <= ns < resumed),
        during_p50_ms=fanout.percentile(sorted(during), 50) if during else float("nan"),
        during_p99_ms=fanout.percentile(sorted(during), 99) if during else float("nan"),
        during_max_ms=max(during) if during else float("nan"),
        from_ack_p99_ms=fanout.percentile(sorted(from_ack), 99) if from_ack else float("nan"),
        from_ack_max_ms=max(from_ack) if from_ack else float("nan"),
        ack_p99_ms=fanout.percentile(sorted(acks), 99) if acks else float("nan"),
        ack_max_ms=max(acks) if acks else float("nan"),
    )
    return result


def thread_main(args) -> int:
    """Redis paused while members reply to a thread whose page readers hold open.

    ``--writers`` members reply through the reply form every ``--interval``
    seconds, alternating between two Daphne processes, for ``--before`` +
    ``--pause`` + ``--after`` seconds, Redis paused (SIGSTOP) during
    ``--pause``; ``--readers`` sockets hold the thread page open, half on each
    process. Reported: every reply at every reader once, in order; delivery
    p50/p99/max (from the POST to the frame) of the replies sent during the
    pause; the POSTs' acknowledgement p99/max from the pause on; the Daphne
    logs' outage lines and tracebacks. Section ``faults-thread`` of
    docs/benchmarks.md.
    """
    import _live_servers as live
    import thread_live

    rounds = (args.before + args.pause + args.after) / args.interval
    if rounds > 29:
        raise SystemExit("each member may post 30 replies per 10 minutes: raise --interval")
    run = live.start_run("faults-thread", args.database_url, None)
    failed = True
    try:
        redis_pid = fanout.redis_pid(run.redis_url)
        if redis_pid is None:
            raise SystemExit("the private Redis has no pid to pause")
        setup = thread_live.prepare(args.writers, args.readers)
        from django.db import connections

        connections.close_all()
        load_before = live.load_average()
        ports, pids, logs = live.start_daphnes(run, 2, "faults-thread")
        try:
            result = asyncio.run(thread_measure(args, ports, setup, Outage(redis_pid)))
        finally:
            live.stop(pids)
        load_after = live.load_average()
        found = fanout.scan_logs(logs)
        outage_lines = [
            len(re.findall(r"channel layer unreachable", log.read_text(errors="replace")))
            for log in logs
        ]
        print(json.dumps(result, indent=2))
        ok = thread_live.met(result) and result["during_p99_ms"] <= 3000
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result["statuses"].items()))
        text = "\n".join(
            [
                "### Redis paused during replies to a thread",
                "",
                f"Measured {live.now_text()} with `{COMMAND} {' '.join(sys.argv[1:])}`".rstrip()
                + f". Load average (1/5/15 min) before: {load_before}, after: {load_after}.",
                "",
                f"{args.writers} members reply to one thread through the reply form every "
                f"{args.interval:g} s for {args.before + args.pause + args.after:g} s, "
                f"alternating between two Daphne processes; Redis paused (SIGSTOP) for "
                f"{args.pause:g} s after {args.before:g} s; {args.readers} members hold the "
                "page's socket open, half on each process. While Redis is paused each process "
                "reads each open thread from the database (realtime/thread_poll.py).",
                "",
                "| replies | during the pause | readers | receipts expected | received | lost "
                "| duplicated | out of order | p50 during | p99 during | max during "
                "| p99 / max from the ack | ack p99 / max |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
                f"| {result['replies']} | {result['during_replies']} | {result['readers']} "
                f"| {result['expected']} | {result['received']} | {result['lost']} "
                f"| {result['duplicated']} | {result['out_of_order']} "
                f"| {fanout.fmt_ms(result['during_p50_ms'])} ms "
                f"| {fanout.fmt_ms(result['during_p99_ms'])} ms "
                f"| {fanout.fmt_ms(result['during_max_ms'])} ms "
                f"| {fanout.fmt_ms(result['from_ack_p99_ms'])} / "
                f"{fanout.fmt_ms(result['from_ack_max_ms'])} ms "
                f"| {fanout.fmt_ms(result['ack_p99_ms'])} / "
                f"{fanout.fmt_ms(result['ack_max_ms'])} ms |",
                "",
                f"Target (every reply at every reader once, in order; p99 during the pause "
                f"≤ 3 s): **{'met' if ok else 'not met'}**. POSTs {result['tried']} (HTTP "
                f"status: {statuses}; 302 is a saved reply); sockets that failed: "
                f"{result['reader_errors']}; outage lines per process: {outage_lines}; "
                f"tracebacks in the Daphne logs: {found['tracebacks']}"
                + (f" (first: `{found['first_error']}`)" if found["first_error"] else "")
                + ". Delivery is timed from the moment the reply form was posted (so it "
                "includes the POST's own time, last column) and from its acknowledgement.",
                "",
                f"Machine: {live.machine_text(run.machine)}.",
            ]
        )
        print(text)
        if not args.no_write:
            live.write_section(THREAD_SECTION, text)
        failed = not ok
    finally:
        run.close(keep=failed)
    return 1 if failed else 0


def main() -> int:
    args = parse_args()
    if args.scenario == "thread":
        signal.signal(signal.SIGTERM, fanout.stop_on_sigterm)
        return thread_main(args)
    signal.signal(signal.SIGTERM, fanout.stop_on_sigterm)
    fanout.raise_open_files_limit()
    workdir = Path(tempfile.mkdtemp(prefix="jekafo-faults-"))
    args.workdir = workdir
    database = None
    load_before = round(os.getloadavg()[0], 2)
    try:
        redis_url = fanout.start_redis(workdir)
        redis_pid = fanout.redis_pid(redis_url)
        if redis_pid is None:
            raise SystemExit("the private Redis has no pid to pause")
        database = fanout.prepare_database(args.database_url, workdir)
        env = fanout.server_env(database.url)
        os.environ.update(env)
        args.env = env
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        members = fanout.create_members(args.listeners + args.newcomers, "faults-l")
        sender_count = max(5, round(5 * args.rate)) + 1
        senders = fanout.create_members(sender_count, "faults-s")
        room = fanout.create_room("faults", [pk for pk, _key in members + senders])
        redis_version = fanout.redis_info(redis_url)["redis_version"]
        machine = f"{os.cpu_count()} CPUs, {fanout.database_description()}, Redis {redis_version}"
        connections.close_all()

        server_env = {**env, "REDIS_URL": redis_url, "CHANNEL_LAYER": "pubsub"}
        ports, started, logs = fanout.start_daphnes(2, server_env, workdir)

        def url(index: int) -> str:
            return f"ws://127.0.0.1:{ports[index % 2]}/ws/rooms/{room}/"

        listeners, newcomers = members[: args.listeners], members[args.listeners :]
        print(f"{args.listeners} listeners over 2 Daphne processes, logs in {workdir}", flush=True)
        ready, results, sent, window, joined, chat = asyncio.run(
            run(
                args,
                [url(i) for i in range(len(listeners))],
                [key for _pk, key in listeners],
                [url(i) for i in range(len(senders))],
                [key for _pk, key in senders],
                [url(i) for i in range(len(newcomers))],
                [key for _pk, key in newcomers],
                Outage(redis_pid),
            )
        )
        for process in started:
            fanout.CHILDREN.stop(process.pid)
        result = summarise(args, ready, results, sent, window, joined, chat, logs)
    finally:
        fanout.CHILDREN.stop_all()
        if database is not None:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001, S110
                pass
            fanout.drop_database(database)
    options = " ".join(sys.argv[1:])
    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": f"{COMMAND} {options}".strip(),
        "machine": machine,
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2),
        "rate": args.rate,
        "before": args.before,
        "pause": args.pause,
        "after": args.after,
        "quiet": args.quiet,
        "result": result,
    }
    text = markdown(report)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if not args.no_write:
        write_docs(text)
        print(f"Updated {fanout.DOCS.relative_to(fanout.ROOT)}")
    if result["lost"] or any(p["tracebacks"] for p in result["processes"]):
        print(f"Logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
