"""
Benchmark resuming room sockets: Daphne's memory while many clients catch up from ``after=0``.

Run it with ``make bench-resume`` (or ``.venv/bin/python bench/resume.py``);
it needs ``redis-server`` on the PATH unless ``--redis-url`` names a running Redis.

Set-up (bench/_live_servers.py, on bench/fanout.py's machinery): a throw-away
database, a private Redis, a public community whose salon holds
``--messages`` messages (10,000), written in bulk with their room events, and
``--sockets`` signed-in members.

Each case starts two fresh Daphne processes on Redis, warms each with one
socket that reads the last two pages, then reads their resident memory
(VmRSS, /proc/<pid>/status). Then ``--sockets`` clients (half on each
process) open ``/ws/rooms/<id>/?after=0`` at once and read the whole room,
answering each ``more`` frame as the page's script does, while ``--stalled``
more sockets resume the same way and never read (a phone whose link
stalled). Memory is sampled every 50 ms; the clients must end with every
message, seq 1 to the last, once each, in order. Then every socket closes and,
three seconds later, memory is read again.

Two cases, interleaved over ``--rounds`` rounds: ``paged``, the server as it
is (pages of RESUME_PAGE = 200 changes, the next one when the client asks);
and ``whole``, the same server with RESUME_PAGE above the room's size: the
whole backlog read and sent at once, as sockets did before pages. Printed
and written into docs/benchmarks.md (section ``resume``) with the load average.
Target: growth under 10 MB per Daphne process for ``paged``.
"""

import argparse
import asyncio
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _live_servers as live  # noqa: E402
import fanout  # noqa: E402
from _fanout_client import close_reason, open_socket  # noqa: E402

SECTION = "resume"
COMMAND = ".venv/bin/python bench/resume.py"
TARGET_MB = 10.0
SEQ = re.compile(r'^\{"type":"(\w+)","seq":(\d+)')
BODY = "Bonjour à toutes, voici le compte rendu de la réunion de la coopérative, message {n}."


def prepare(messages: int, sockets: int) -> dict:
    """Members with sessions and a salon of ``messages`` messages."""
    from django.db import transaction
    from django.utils.html import escape

    from rooms.models import Message, Room, RoomEvent

    members = fanout.create_members(sockets, "resume-")
    room_id = fanout.create_room("resume", [pk for pk, _key in members])
    author = members[0][0]
    with transaction.atomic():
        Message.objects.bulk_create(
            [
                Message(
                    room_id=room_id,
                    author_id=author,
                    seq=n,
                    body=BODY.format(n=n),
                    body_html=escape(BODY.format(n=n)),
                )
                for n in range(1, messages + 1)
            ],
            batch_size=1000,
        )
        RoomEvent.objects.bulk_create(
            [
                RoomEvent(room_id=room_id, seq=seq, kind=RoomEvent.Kind.MESSAGE, object_id=pk)
                for pk, seq in Message.objects.filter(room_id=room_id).values_list("pk", "seq")
            ],
            batch_size=1000,
        )
        Room.objects.filter(pk=room_id).update(last_seq=messages)
    return {"room": room_id, "sessions": [key for _pk, key in members]}


async def resume(url: str, session: str, last: int, timeout: float) -> dict:
    """Read the room from after=0 to ``last``, asking for every page; check the order."""
    seqs: list[int] = []
    error = ""
    started = time.monotonic()
    try:
        async with open_socket(url, session, 60) as ws:
            async with asyncio.timeout(timeout):
                while not seqs or seqs[-1] < last:
                    text = await ws.recv()
                    found = SEQ.match(text)
                    if found and found[1] == "message":
                        seqs.append(int(found[2]))
                    elif text.startswith('{"type":"more"'):
                        await ws.send('{"type":"more"}')
    except Exception as exc:  # noqa: BLE001 — reported, not raised
        error = close_reason(exc)
    return {
        "complete": seqs == list(range(1, last + 1)),
        "received": len(seqs),
        "seconds": time.monotonic() - started,
        "error": error,
    }


async def stall(url: str, session: str, stop: asyncio.Event) -> None:
    """Resume and never read: the server's frames pile up against a full TCP window."""
    try:
        async with open_socket(url, session, 60):
            await stop.wait()
    except Exception:  # noqa: BLE001, S110 — a stalled socket may well be dropped
        pass


async def sample(pids: list[int], peaks: dict[int, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for pid in pids:
            peaks[pid] = max(peaks.get(pid, 0.0), live.rss_mb(pid))
        await asyncio.sleep(0.05)


async def measure(args, ports: list[int], pids: list[int], setup: dict) -> dict:
    path = f"/ws/rooms/{setup['room']}/"
    sessions = setup["sessions"]
    # Warm-up: each process serves one socket the last two pages.
    warm = max(0, args.messages - 2 * args.page)
    for port in ports:
        url = f"ws://127.0.0.1:{port}{path}?after={warm}"
        async with open_socket(url, sessions[0], 60) as ws:
            got = 0
            with_more = asyncio.timeout(30)
            async with with_more:
                while got < args.messages - warm:
                    text = await ws.recv()
                    if text.startswith('{"type":"message"'):
                        got += 1
                    elif text.startswith('{"type":"more"'):
                        await ws.send('{"type":"more"}')
    await asyncio.sleep(1.0)
    before = {pid: live.rss_mb(pid) for pid in pids}
    peaks: dict[int, float] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(pids, peaks, stop))
    stalled = [
        asyncio.create_task(
            stall(f"ws://127.0.0.1:{ports[i % 2]}{path}?after=0", sessions[i], stop)
        )
        for i in range(args.stalled)
    ]
    started = time.monotonic()
    results = await asyncio.gather(
        *(
            resume(
                f"ws://127.0.0.1:{ports[i % 2]}{path}?after=0",
                sessions[i],
                args.messages,
                args.timeout,
            )
            for i in range(args.sockets)
        )
    )
    took = time.monotonic() - started
    stop.set()
    await asyncio.gather(sampler, *stalled)
    await asyncio.sleep(3.0)
    after = {pid: live.rss_mb(pid) for pid in pids}
    return {
        "sockets": args.sockets,
        "stalled": args.stalled,
        "complete": sum(1 for r in results if r["complete"]),
        "errors": sorted({r["error"] for r in results if r["error"]}),
        "seconds": round(took, 1),
        "before_mb": max(before.values()),
        "peak_growth_mb": max(peaks[pid] - before[pid] for pid in pids),
        "kept_mb": max(after[pid] - before[pid] for pid in pids),
    }


def run_case(run, args, setup: dict, name: str, page: int, number: int) -> dict:
    load = live.load_average()
    ports, pids, logs = live.start_daphnes(
        run, 2, f"{name}-round{number}", {"RESUME_PAGE": str(page)}
    )
    try:
        result = asyncio.run(measure(args, ports, pids, setup))
    finally:
        live.stop(pids)
    result.update(case=name, page=page, load=load, logs=fanout.scan_logs(logs)["tracebacks"])
    return result


def pooled(results: list[dict], case: str) -> dict:
    mine = [r for r in results if r["case"] == case]
    return {
        "rounds": len(mine),
        "complete": sum(r["complete"] for r in mine),
        "sockets": sum(r["sockets"] for r in mine),
        "peak_growth_mb": max(r["peak_growth_mb"] for r in mine),
        "kept_mb": max(r["kept_mb"] for r in mine),
    }


def report_text(args, results: list[dict], machine: dict) -> str:
    paged, whole = pooled(results, "paged"), pooled(results, "whole")
    met = paged["peak_growth_mb"] < TARGET_MB and paged["complete"] == paged["sockets"]
    lines = [
        "## Resuming room sockets — memory of Daphne while clients catch up",
        "",
        f"Measured {live.now_text()} with `{COMMAND} {' '.join(sys.argv[1:])}`".rstrip()
        + " (`make bench-resume`).",
        "",
        f"A salon of {args.messages:,} messages; {args.sockets} clients resume from `after=0` "
        f"at once over two Daphne processes on Redis (half on each) and read every message, "
        f"answering each `more`; {args.stalled} more sockets resume the same way and never "
        "read. Memory: VmRSS of each Daphne process from /proc, after a warm-up socket, "
        "sampled every 50 ms; the largest growth of the two processes. `paged` is the server "
        f"as it is (pages of {args.page} changes, the next when the client asks); `whole` the "
        "same server with the page larger than the room, i.e. the whole backlog read and sent "
        "at once, as before. Cases interleaved, each round on fresh processes.",
        "",
        "| round | case | load (1/5/15 min) | clients with every message, in order | time "
        "| RSS growth, peak | kept 3 s after closing | tracebacks in the Daphne logs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        errors = f" ({', '.join(r['errors'])})" if r["errors"] else ""
        lines.append(
            f"| {r.get('round', 1)} | {r['case']} | {r['load']} | {r['complete']}/{r['sockets']}"
            f"{errors} | {r['seconds']} s | {r['peak_growth_mb']:.1f} MB | {r['kept_mb']:.1f} MB "
            f"| {r['logs']} |"
        )
    lines += [
        "",
        f"Target (paged: growth under {TARGET_MB:g} MB per process, every client complete and in "
        f"order): **{'met' if met else 'not met'}** — peak growth {paged['peak_growth_mb']:.1f} MB "
        f"(whole backlog at once: {whole['peak_growth_mb']:.1f} MB), "
        f"{paged['complete']}/{paged['sockets']} clients complete.",
        "",
        f"Machine: {live.machine_text(machine)}.",
    ]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--sockets", type=int, default=50)
    parser.add_argument("--stalled", type=int, default=20)
    parser.add_argument("--page", type=int, default=200, help="RESUME_PAGE of the paged case")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per client")
    parser.add_argument("--no-whole", action="store_true", help="skip the whole-backlog case")
    parser.add_argument("--database-url", help="PostgreSQL server to use (default: SQLite file)")
    parser.add_argument("--redis-url", help="a running Redis (default: a private redis-server)")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    run = live.start_run("resume", args.database_url, args.redis_url)
    failed = True
    try:
        setup = prepare(args.messages, args.sockets + args.stalled)
        from django.db import connections

        connections.close_all()
        results = []
        for number in range(1, args.rounds + 1):
            cases = [("paged", args.page)]
            if not args.no_whole:
                cases.append(("whole", args.messages + 1))
            if number % 2 == 0:
                cases.reverse()
            for name, page in cases:
                print(f"round {number}: {name}…", flush=True)
                result = run_case(run, args, setup, name, page, number)
                result["round"] = number
                print("   ", json.dumps(result), flush=True)
                results.append(result)
        text = report_text(args, results, run.machine)
        print(text)
        if not args.no_write:
            live.write_section(SECTION, text)
        paged = pooled(results, "paged")
        failed = not (paged["peak_growth_mb"] < TARGET_MB and paged["complete"] == paged["sockets"])
    finally:
        run.close(keep=failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
