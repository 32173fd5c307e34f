"""
Benchmark a mass reconnection: kill -9 one of two Daphne processes under 1,000 room sockets.

Run it with ``.venv/bin/python bench/reconnect.py`` (``make bench-reconnect``);
it needs ``redis-server`` on the PATH unless ``--redis-url`` names a running
Redis. It reuses bench/fanout.py's machinery (private Redis, throw-away
database, member accounts with sessions, Daphne processes, the sender pool of
bench/_fanout_client.py).

1. **Handshakes at 50 in flight**, measured on their own: ``--handshakes``
   sockets open on one Daphne process, ``--in-flight`` at a time, each timed
   from its TCP connect to its ``hello`` (p50, p99; and how many were told
   ``busy``).
2. **Mass reconnect**: ``--sockets`` room sockets (half on each of two Daphne
   processes, opened by ``--client-processes`` child processes,
   bench/_reconnect_client.py) while a sender posts ``--rate`` messages a
   second through the other process for the whole run. After ``--before``
   seconds one process is killed with SIGKILL and started again at once on the
   same port, as systemd's ``Restart=always`` does. Its sockets come back the
   way static/js/live.js does: full-jitter back-off, the server's ``busy``
   hint after a 4503, ``?after=<last seq>``; a socket whose process does not
   answer tries the other one, as nginx's ``proxy_next_upstream`` would.
   After ``--after`` more seconds of sending, every socket must hold every
   message once, in order.

Reported: handshake p50/p99; how many sockets dropped, the time from the kill
until the last one was back (target: 15 s), sockets never back (target: 0),
``busy`` answers and refused attempts, messages missed, repeated or out of
order (target: 0), tracebacks in the Daphne logs, and the load average. The
figures are printed and written into docs/benchmarks.md between
``<!-- reconnect:start -->`` and ``<!-- reconnect:end -->`` (``--no-write``
leaves it alone).
"""

import argparse
import asyncio
import datetime
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _sections  # noqa: E402
from _fanout_client import Senders  # noqa: E402
from fanout import (  # noqa: E402
    CHILDREN,
    create_members,
    create_room,
    daphne_command,
    drop_database,
    finish_client,
    free_port,
    machine_facts,
    percentile,
    prepare_database,
    raise_open_files_limit,
    read_event,
    scan_logs,
    server_env,
    start,
    start_client,
    start_redis,
    wait_listening,
)
from fanout import tell as tell_all  # noqa: E402

DOCS = _sections.DOCS
SECTION = "reconnect"
COMMAND = ".venv/bin/python bench/reconnect.py"
CLIENT = ROOT / "bench" / "_reconnect_client.py"
BACK_WITHIN = 15.0  # seconds from the kill until every socket is back


class Daphne:
    """One Daphne process on a fixed port, which can be killed and started again."""

    def __init__(self, name: str, env: dict, workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.env = env
        self.log = workdir / f"daphne-{name}.log"
        self.process = None
        self.logs = [self.log]

    def start(self) -> None:
        command = daphne_command(self.port)
        self.process = start(command, f"daphne {self.name}", self.log, self.env)

    def wait(self) -> None:
        wait_listening(self.port, self.process, self.log)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        CHILDREN.forget(self.process.pid)

    def url(self, room: int) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/rooms/{room}/"


async def child(spec: dict, workdir: Path, env: dict, name: str):
    return await start_client(CLIENT, spec, workdir, env, name, limit=2**26)


async def tell(process, message: dict) -> None:
    await tell_all([process], message)


async def measure_handshakes(args, server: Daphne, room: int, keys: list[str], workdir, env):
    """Open ``args.handshakes`` sockets on one process, ``args.in_flight`` at a time.

    A first, untimed pass of ``in_flight`` sockets warms the process up (imports,
    first queries, the room's group), as the hours before a burst would.
    """
    for count in (args.in_flight, args.handshakes):
        result = await handshake_pass(args, server, room, keys, workdir, env, count)
    times = sorted(int(t * 1e6) for t in result["times"])
    return {
        "count": count,
        "in_flight": args.in_flight,
        "p50_ms": percentile(times, 50) / 1000,
        "p99_ms": percentile(times, 99) / 1000,
        "max_ms": times[-1] / 1000 if times else None,
        "outcomes": result["outcomes"],
    }


async def handshake_pass(args, server: Daphne, room: int, keys, workdir, env, count: int):
    spec = {
        "mode": "handshakes",
        "in_flight": args.in_flight,
        "urls": [server.url(room)] * count,
        "session_keys": [keys[i % len(keys)] for i in range(count)],
    }
    process = await child(spec, workdir, env, "handshakes")
    result = await read_event(process, timeout=600)
    await finish_client(process)
    return result


def last_seq(room: int) -> int:
    from rooms.models import Room

    return Room.objects.values_list("last_seq", flat=True).get(pk=room)


async def mass_reconnect(args, servers, room, keys, sender_keys, workdir, env):
    victim, survivor = servers
    token = secrets.token_hex(4)
    senders = Senders([survivor.url(room)] * len(sender_keys), sender_keys, token)
    await senders.open()
    count = args.sockets
    # Socket i lives on process i % 2; the other process is its fallback.
    urls = [[servers[i % 2].url(room), servers[(i + 1) % 2].url(room)] for i in range(count)]
    clients = []
    for index in range(args.client_processes):
        spec = {
            "mode": "room",
            "urls": urls[index :: args.client_processes],
            "session_keys": [keys[i % len(keys)] for i in range(count)][
                index :: args.client_processes
            ],
            "connect_concurrency": max(1, args.in_flight // args.client_processes),
        }
        clients.append(await child(spec, workdir, env, f"room-{index}"))
    ready = [await read_event(process, timeout=600) for process in clients]
    connect_s = max(r["connect_s"] for r in ready)
    connected = sum(r["connected"] for r in ready)
    print(f"    {connected}/{count} sockets connected in {connect_s:.1f} s", flush=True)

    duration = args.before + args.after
    sending = asyncio.create_task(senders.run(args.rate, duration, ack_timeout=15))
    await asyncio.sleep(args.before)
    load_at_kill = round(os.getloadavg()[0], 2)
    killed_at = time.time()
    victim.kill()
    print(f"    killed daphne {victim.name} (load {load_at_kill})", flush=True)
    await asyncio.sleep(args.restart_delay)
    victim.start()
    victim.logs.append(victim.log)
    await asyncio.to_thread(victim.wait)
    restarted_s = time.time() - killed_at
    print(f"    daphne {victim.name} listening again after {restarted_s:.1f} s", flush=True)
    sent = await sending
    await senders.close()
    final = await asyncio.to_thread(last_seq, room)
    deadline = time.time() + args.grace
    for process in clients:
        await tell(process, {"event": "stop", "final_seq": final, "deadline": deadline})
    results = [await read_event(process, timeout=args.grace + 120) for process in clients]
    for process in clients:
        await finish_client(process)

    total = {
        key: sum(r[key] for r in results)
        for key in (
            "sockets",
            "dropped",
            "never_back",
            "attempts",
            "busy",
            "refused",
            "missing",
            "sockets_missing",
            "duplicates",
            "out_of_order",
            "beyond",
        )
    }
    reasons: dict[str, int] = {}
    for r in results:
        for reason, n in r["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + n
    back_at = sorted(t for r in results for t in r["back_at"] if t >= killed_at)
    # Second by second after the kill: sockets back, told "busy", refused; by the
    # process that answered (the socket's own, restarted, or the other one).
    timeline: dict[int, dict[str, int]] = {}
    for r in results:
        for at, outcome, answered in r["trace"]:
            if at < killed_at:
                continue
            second = timeline.setdefault(int(at - killed_at), {})
            key = f"{outcome.split()[0]} {'own' if answered == 0 else 'other'}"
            second[key] = second.get(key, 0) + 1
    back_after = sorted(int(t * 1e6) for r in results for t in r["back_after"])
    return {
        **total,
        "connected_first": connected,
        "connect_s": connect_s,
        "messages": final,
        "sent": len(sent.sent),
        "acked": len(sent.acked),
        "send_errors": sent.errors,
        "restarted_s": restarted_s,
        "all_back_s": (back_at[-1] - killed_at) if back_at else None,
        "back_p50_s": percentile(back_after, 50) / 1e6 if back_after else None,
        "back_p99_s": percentile(back_after, 99) / 1e6 if back_after else None,
        "reasons": reasons,
        "load_at_kill": load_at_kill,
        "timeline": {second: timeline[second] for second in sorted(timeline)},
        "busy_hints": sorted(
            float(outcome.split()[1])
            for r in results
            for _, outcome, _ in r["trace"]
            if outcome.startswith("busy")
        )[:: max(1, total["busy"] // 20)],
    }


def verdict(report: dict) -> list[tuple[str, bool]]:
    r = report["reconnect"]
    return [
        (
            f"every dropped socket back within {BACK_WITHIN:g} s of the kill",
            r["never_back"] == 0 and r["all_back_s"] is not None and r["all_back_s"] <= BACK_WITHIN,
        ),
        ("none refused for good", r["never_back"] == 0),
        (
            "no message missed, repeated or out of order",
            r["missing"] == 0 and r["duplicates"] == 0 and r["out_of_order"] == 0,
        ),
        ("no traceback in the Daphne logs", report["server_log"].get("tracebacks", 0) == 0),
    ]


def fmt(value, digits=1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def timeline_table(timeline: dict) -> str:
    """Second by second after the kill: sockets back, and told ``busy``, by process."""
    if not timeline:
        return ""
    seconds = sorted(int(second) for second in timeline)
    rows = [
        "Second by second after the kill (the socket's own process, killed and restarted, or "
        "the other one; `busy`: told to come back at a booked slot):",
        "",
        "| second | back (own) | back (other) | busy (own) | busy (other) |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for second in seconds:
        counts = timeline.get(second) or timeline.get(str(second)) or {}
        rows.append(
            f"| {second} | {counts.get('hello own', 0)} | {counts.get('hello other', 0)} "
            f"| {counts.get('busy own', 0)} | {counts.get('busy other', 0)} |"
        )
    return "\n".join(rows) + "\n"


def markdown_section(report: dict) -> str:
    h, r, m = report["handshakes"], report["reconnect"], report["machine"]
    size_note = ""
    if report["sockets"] < 1000:
        size_note = (
            f"\n**Run at {report['sockets']} sockets, not the issue's 1,000** "
            "(the default): the full size did not fit in the time left on this shared "
            "machine.\n"
        )
    lines = [
        "## Mass reconnect — kill -9 one of two Daphne processes",
        "",
        f"Measured {report['date']} with `{report['command']}` "
        "(`make bench-reconnect`). "
        f"{m['cpus']} CPUs (shared), load average {m['load_average']} at the start, "
        f"{r['load_at_kill']} at the kill, {report['load_end']} at the end; "
        f"{m['database']}, Redis {m['redis']}; {m['server']}; {m['versions']}.",
        size_note,
        f"**Handshakes at {h['in_flight']} in flight** ({h['count']} room sockets opened on "
        f"one process, each timed from its TCP connect to its `hello`): "
        f"p50 {fmt(h['p50_ms'])} ms, p99 {fmt(h['p99_ms'])} ms, max {fmt(h['max_ms'])} ms; "
        f"answers {h['outcomes']}.",
        "",
        f"**Mass reconnect**: {report['sockets']} room sockets over two Daphne processes "
        f"(admission: {report['admission']}), a sender posting {report['rate']:g} messages/s "
        f"through the other process for {report['before'] + report['after']:g} s; "
        f"after {report['before']:g} s one process is killed with SIGKILL and started again "
        "at once (as systemd would). Clients reconnect as static/js/live.js does.",
        "",
        "| | |",
        "|---|---|",
        f"| sockets connected at the start | {r['connected_first']}/{report['sockets']} "
        f"in {r['connect_s']:.1f} s |",
        f"| sockets dropped by the kill | {r['dropped']} |",
        f"| killed process listening again after | {r['restarted_s']:.1f} s |",
        f"| last dropped socket back after the kill | {fmt(r['all_back_s'])} s "
        f"(target ≤ {BACK_WITHIN:g} s) |",
        f"| time back per dropped socket, p50 / p99 | {fmt(r['back_p50_s'])} s / "
        f"{fmt(r['back_p99_s'])} s |",
        f"| sockets never back | {r['never_back']} |",
        f"| reconnection attempts told `busy` (4503) | {r['busy']} |",
        f"| attempts refused (process down) | {r['refused']} |",
        f"| messages sent / stored | {r['sent']} / {r['messages']} |",
        f"| messages missed / repeated / out of order (all sockets) | {r['missing']} / "
        f"{r['duplicates']} / {r['out_of_order']} |",
        f"| tracebacks in the Daphne logs | {report['server_log'].get('tracebacks', 0)} |",
        "",
        timeline_table(r.get("timeline") or {}),
        "Targets: "
        + "; ".join(f"{name}: {'yes' if met else '**no**'}" for name, met in report["verdict"])
        + ".",
        "",
        f"How to read it: the sockets opened at the start at "
        f"{r['connected_first'] / max(r['connect_s'], 0.001):.0f} handshakes/s over the two "
        f"processes ({h['in_flight']} in flight), which bounds how fast the "
        f"{r['dropped']} dropped sockets can be served again: at that rate they need "
        f"{r['dropped'] / max(r['connected_first'] / max(r['connect_s'], 0.001), 0.001):.1f} s "
        "of both processes' time, on top of the restart. Sockets beyond a process's queue "
        "are told `busy` and come back after its hint plus jitter; none is refused for good.",
    ]
    return "\n".join(lines)


def replace_section(body: str) -> None:
    _sections.write_section(SECTION, body)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000, help="room sockets (default 1000)")
    parser.add_argument("--rate", type=float, default=3.0, help="messages per second")
    parser.add_argument("--before", type=float, default=10.0, help="seconds before the kill")
    parser.add_argument("--after", type=float, default=25.0, help="seconds after the kill")
    parser.add_argument("--restart-delay", type=float, default=0.1, help="systemd's RestartSec")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds for stragglers")
    parser.add_argument("--handshakes", type=int, default=500, help="sockets timed on their own")
    parser.add_argument("--in-flight", type=int, default=50, help="handshakes at a time")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--database-url", help="PostgreSQL server to use (default: SQLite file)")
    parser.add_argument("--redis-url", help="a running Redis (default: a private redis-server)")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write results as JSON")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument(
        "--write-from", metavar="PATH", type=Path, help="write the section from a --json file"
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.write_from:
        replace_section(markdown_section(json.loads(args.write_from.read_text())))
        print(f"Updated {DOCS.relative_to(ROOT)}")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    open_files = raise_open_files_limit()
    if open_files < args.sockets * 2 + 200:
        raise SystemExit(f"the open-files limit is {open_files}; raise it")
    workdir = Path(tempfile.mkdtemp(prefix="jekafo-reconnect-"))
    database = None
    servers: list[Daphne] = []
    try:
        load_start = round(os.getloadavg()[0], 2)
        redis_url = args.redis_url or start_redis(workdir)
        database = prepare_database(args.database_url, workdir)
        env = server_env(database.url, redis_url)
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        print(f"Database {database.url.split('@')[-1]}, Redis {redis_url}, logs in {workdir}")
        print(f"Load average at the start: {load_start}", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        listeners = create_members(min(args.sockets, 500), "reco-l")
        senders = create_members(max(10, int(args.rate * 5)), "reco-s")
        hs_room = create_room("poignees", [pk for pk, _ in listeners])
        room = create_room("reconnexion", [pk for pk, _ in listeners + senders])
        options = settings.JEKAFO
        admission = (
            f"{options['HANDSHAKES_IN_FLIGHT']} handshakes in flight per process, "
            f"{options['HANDSHAKE_QUEUE']} waiting at most {options['HANDSHAKE_WAIT']:g} s"
        )
        machine = {**machine_facts(redis_url), "load_average": load_start}
        connections.close_all()

        servers = [Daphne("a", env, workdir), Daphne("b", env, workdir)]
        for server in servers:
            server.start()
        for server in servers:
            server.wait()
        keys = [key for _pk, key in listeners]
        sender_keys = [key for _pk, key in senders]

        print(f"Handshakes: {args.handshakes} at {args.in_flight} in flight…", flush=True)
        handshakes = asyncio.run(measure_handshakes(args, servers[1], hs_room, keys, workdir, env))
        print(
            f"    p50 {fmt(handshakes['p50_ms'])} ms, p99 {fmt(handshakes['p99_ms'])} ms, "
            f"{handshakes['outcomes']}",
            flush=True,
        )
        print(f"Mass reconnect: {args.sockets} sockets over two processes…", flush=True)
        reconnect = asyncio.run(
            mass_reconnect(args, servers, room, keys, sender_keys, workdir, env)
        )
        load_end = round(os.getloadavg()[0], 2)
        print(f"Load average at the end: {load_end}", flush=True)
    finally:
        # The servers first, while Redis still answers: stopping Redis under them
        # would fill their logs with tracebacks that are no part of the run.
        for server in servers:
            if server.process is not None and server.process.poll() is None:
                CHILDREN.stop(server.process.pid)
        CHILDREN.stop_all()
        if database is not None:
            from django.db import connections

            connections.close_all()
            drop_database(database)
    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([COMMAND, *sys.argv[1:]]),
        "machine": machine,
        "sockets": args.sockets,
        "rate": args.rate,
        "before": args.before,
        "after": args.after,
        "admission": admission,
        "handshakes": handshakes,
        "reconnect": reconnect,
        "load_end": load_end,
        "server_log": scan_logs([log for server in servers for log in {*server.logs}]),
    }
    report["verdict"] = verdict(report)
    print(json.dumps({k: report[k] for k in ("handshakes", "reconnect", "server_log")}, indent=1))
    for name, met in report["verdict"]:
        print(f"{'yes' if met else 'NO '}  {name}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if not args.no_write:
        replace_section(markdown_section(report))
        print(f"Updated {DOCS.relative_to(ROOT)}")
    if all(met for _name, met in report["verdict"]):
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"Logs kept in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
