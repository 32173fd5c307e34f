"""
The thread page against the Spirit forum (django-spirit 0.14.3) on the same data.

Run it with ``make bench-spirit``: the target first builds Spirit's own
virtualenv, bench/.spirit-venv (Spirit 0.14.3 needs Django < 6; versions are
pinned in the Makefile), then runs this script with Jɛkafɔ's Python.

Both forums get the same corpus (bench/_corpus.py): one thread of 100 French
Markdown posts by eight authors, written through each forum's own write path
(forum.services here, Spirit's CommentForm + comment_posted there) into a
fresh SQLite file, and shown on one page (Jɛkafɔ's POSTS_PER_PAGE and
Spirit's ``comments_per_page`` set to 100). Both run with DEBUG off, cached
templates and per-process memory caches. Two audiences: a visitor and a
signed-in member (of the thread's CoP on our side, a registered user there).

1. In-process: each forum runs in a worker process of its own interpreter
   (bench/_page_side.py) and times Django test Client GETs of the page with
   time.process_time. Rounds alternate the sides (and which goes first) and
   are pooled: medians of CPU per request.
2. Over HTTP: each forum is served by Daphne on loopback — ours by
   ``python -m config.serve`` (Daphne on uvloop, as in production), Spirit by
   ``daphne`` from its virtualenv — and a keep-alive client sends batches of
   GETs in the same interleaved rounds. CPU per request is the server
   process's user + system time (/proc/<pid>/stat) over a batch divided by
   its requests; wall time p50/p95 is measured by the client.

The load average is printed before and after: the machine is shared.
Results are printed and written to docs/benchmarks.md between
``<!-- spirit:start -->`` and ``<!-- spirit:end -->`` (``--no-docs`` leaves
the file alone).
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from _page_side import POSTS, server_env  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- spirit:start -->", "<!-- spirit:end -->"
OURS = "jekafo"
PEER = "spirit"
PYTHON = {OURS: ROOT / ".venv" / "bin" / "python", PEER: BENCH / ".spirit-venv" / "bin" / "python"}
AUDIENCES = ("visitor", "member")
TARGET = 3.0


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# --peer-tree: Jɛkafɔ from another checkout in Spirit's place (same Python), to measure a change
# against the code before it when Spirit's virtualenv is not there. Never written to the docs.
PEER_TREE: Path | None = None


def side_command(side: str, db: Path, *args: str) -> list[str]:
    if side == PEER and PEER_TREE:
        page_side = PEER_TREE / "bench" / "_page_side.py"
        return [str(PYTHON[OURS]), str(page_side), OURS, str(db), *args]
    return [str(PYTHON[side]), str(BENCH / "_page_side.py"), side, str(db), *args]


def load_sides(scratch: Path) -> dict[str, dict]:
    """Build both databases at once (one core each); return each side's URL and cookie."""
    running = {}
    for side in (OURS, PEER):
        (scratch / side).mkdir()
        db = scratch / side / "db.sqlite3"
        running[side] = (db, subprocess.Popen(side_command(side, db, "load"),
                                              stdout=subprocess.PIPE, text=True))  # fmt: skip
    sides = {}
    for side, (db, process) in running.items():
        out, _ = process.communicate()
        if process.returncode:
            sys.exit(f"loading {side} failed")
        sides[side] = {"db": db, **json.loads(out.strip().splitlines()[-1])}
    return sides


def pct(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def in_process(sides: dict, rounds: int, requests: int) -> dict:
    workers = {}
    for side, info in sides.items():
        command = side_command(side, info["db"], "worker", info["url"], json.dumps(info["cookie"]))
        workers[side] = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
    for side, worker in workers.items():
        line = worker.stdout.readline()
        if not line or not json.loads(line).get("ready"):
            sys.exit(f"the {side} worker did not start")
    cpu = {(side, audience): [] for side in sides for audience in AUDIENCES}
    for number in range(rounds + 1):  # round 0 warms up and is not counted
        order = (OURS, PEER) if number % 2 else (PEER, OURS)
        for audience in AUDIENCES:
            for side in order:
                workers[side].stdin.write(f"{audience} {requests}\n")
                workers[side].stdin.flush()
                answer = json.loads(workers[side].stdout.readline())
                if number:
                    cpu[side, audience].extend(answer["cpu"])
        print(f"  in-process round {number}/{rounds} done, load {load_average()}", flush=True)
    for worker in workers.values():
        worker.stdin.close()
        worker.wait(timeout=30)
    return summarise(cpu)


def summarise(cpu: dict, wall: dict | None = None) -> dict:
    result = {}
    for audience in AUDIENCES:
        row = {}
        for side in (OURS, PEER):
            samples = cpu[side, audience]
            row[side] = {"cpu_ms": statistics.median(samples) * 1000, "n": len(samples)}
            if wall is not None:
                row[side]["wall_p50_ms"] = pct(wall[side, audience], 0.50) * 1000
                row[side]["wall_p95_ms"] = pct(wall[side, audience], 0.95) * 1000
        row["ratio"] = row[PEER]["cpu_ms"] / row[OURS]["cpu_ms"]
        result[audience] = row
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(side: str, info: dict, scratch: Path, port: int = 0) -> tuple[subprocess.Popen, int]:
    port = port or free_port()
    tree = PEER_TREE if side == PEER and PEER_TREE else ROOT
    env = {**os.environ, **server_env(OURS if tree != ROOT else side, str(info["db"]),
                                      str(scratch / side))}  # fmt: skip
    if tree != ROOT:
        env["PYTHONPATH"] = f"{tree}:{tree / 'bench'}"
    if side == OURS or tree != ROOT:
        command = [str(PYTHON[OURS]), "-m", "config.serve", "-b", "127.0.0.1", "-p", str(port),
                   "config.asgi:application"]  # fmt: skip
    else:
        command = [str(BENCH / ".spirit-venv" / "bin" / "daphne"), "-b", "127.0.0.1", "-p",
                   str(port), "spirit_peer.asgi:application"]  # fmt: skip
    log = open(scratch / f"{side}-server.log", "w")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(command, env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    sys.exit(f"the {side} server did not start: see {log.name}")


def get(connection: http.client.HTTPConnection, url: str, cookie: str) -> bytes:
    headers = {"Host": "127.0.0.1", "Accept-Encoding": "identity"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("GET", url, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status} for {url}")
    return body


def over_http(sides: dict, scratch: Path, rounds: int, requests: int, port_base: int = 0) -> dict:
    servers = {
        side: serve(side, info, scratch, port_base + number if port_base else 0)
        for number, (side, info) in enumerate(sides.items())
    }
    cpu = {(side, audience): [] for side in sides for audience in AUDIENCES}
    wall = {(side, audience): [] for side in sides for audience in AUDIENCES}
    try:
        connections = {}
        for side, (_process, port) in servers.items():
            for audience in AUDIENCES:
                cookie = "=".join(sides[side]["cookie"]) if audience == "member" else ""
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connections[side, audience] = (connection, cookie)
        for number in range(rounds + 1):  # round 0 warms up
            order = (OURS, PEER) if number % 2 else (PEER, OURS)
            for audience in AUDIENCES:
                for side in order:
                    process, _port = servers[side]
                    connection, cookie = connections[side, audience]
                    url = sides[side]["url"]
                    times = []
                    before = cpu_seconds(process.pid)
                    for _ in range(requests):
                        started = time.perf_counter()
                        get(connection, url, cookie)
                        times.append(time.perf_counter() - started)
                    used = cpu_seconds(process.pid) - before
                    if number:
                        # /proc counts in clock ticks: a batch's total, spread over its requests.
                        cpu[side, audience].extend([used / requests] * requests)
                        wall[side, audience].extend(times)
            print(f"  HTTP round {number}/{rounds} done, load {load_average()}", flush=True)
    finally:
        for process, _port in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    return summarise(cpu, wall)


def versions() -> dict:
    def freeze(side: str, names: tuple[str, ...]) -> str:
        code = ("from importlib import metadata; print(' '.join(f'{n} {metadata.version(n)}' for n"
                f" in {names!r}))")  # fmt: skip
        return subprocess.check_output([str(PYTHON[side]), "-c", code], text=True).strip()

    return {
        OURS: freeze(OURS, ("Django", "channels", "daphne")),
        PEER: f"Jɛkafɔ from {PEER_TREE}"
        if PEER_TREE
        else freeze(PEER, ("django-spirit", "Django", "daphne")),
    }


def print_report(results: dict) -> None:
    print(f"\nThread page, {POSTS} posts on one page — CPU per request, median"
          " (ratio = Spirit/ours)")  # fmt: skip
    for kind in ("in_process", "http"):
        print(f"  {kind.replace('_', '-')}:")
        for audience, row in results[kind].items():
            ours, peer = row[OURS], row[PEER]
            extra = ""
            if "wall_p50_ms" in ours:
                extra = (
                    f"  wall p50/p95 ours {ours['wall_p50_ms']:.1f}/{ours['wall_p95_ms']:.1f}"
                    f" Spirit {peer['wall_p50_ms']:.1f}/{peer['wall_p95_ms']:.1f} ms"
                )
            met = "met" if row["ratio"] >= TARGET else "NOT met"
            print(
                f"    {audience:8} ours {ours['cpu_ms']:6.2f} ms  Spirit {peer['cpu_ms']:6.2f} ms"
                f"  ratio {row['ratio']:.2f}× (target ≥ {TARGET:.0f}×: {met}){extra}"
            )
    print(f"  load average: before {results['load_before']}, after {results['load_after']}")


def markdown(results: dict) -> str:
    lines = [
        "## Thread page against Spirit (`make bench-spirit`)",
        "",
        f"Measured {results['date']} on {results['machine']} (shared; load average before "
        f"{results['load_before']}, after {results['load_after']}). Same corpus on both sides "
        f"(bench/_corpus.py): one thread of {POSTS} French Markdown posts on one page, SQLite "
        "file, DEBUG off. Ours: "
        + results["versions"][OURS]
        + "; peer: "
        + results["versions"][PEER]
        + f" (bench/spirit_peer/). {results['rounds']} interleaved "
        f"rounds of {results['requests']} requests per side and audience in-process, "
        f"{results['http_rounds']} rounds of {results['http_requests']} over HTTP, pooled "
        "(a warm-up round first, not counted). Over HTTP ours is served by `python -m "
        "config.serve` (Daphne on uvloop, as in production), Spirit by `daphne` from its "
        "virtualenv (asyncio loop); one keep-alive client, requests one at a time. "
        "Ratio = Spirit's CPU / ours; target ≥ 3×.",
        "",
        "| Where | Audience | Ours CPU/request | Spirit CPU/request | Ratio | Wall p50/p95 ours |"
        " Wall p50/p95 Spirit |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for kind, label in (("in_process", "in-process (test Client)"), ("http", "HTTP (Daphne)")):
        for audience, row in results[kind].items():
            ours, peer = row[OURS], row[PEER]
            if "wall_p50_ms" in ours:
                walls = (f"{ours['wall_p50_ms']:.1f} / {ours['wall_p95_ms']:.1f} ms",
                         f"{peer['wall_p50_ms']:.1f} / {peer['wall_p95_ms']:.1f} ms")  # fmt: skip
            else:
                walls = ("–", "–")
            lines.append(
                f"| {label} | {audience} | {ours['cpu_ms']:.2f} ms | {peer['cpu_ms']:.2f} ms | "
                f"**{row['ratio']:.2f}×** | {walls[0]} | {walls[1]} |"
            )
    lines += [
        "",
        "CPU in-process is the worker's `time.process_time()` around each test Client GET "
        "(median); over HTTP it is the server process's user + system time from "
        "`/proc/<pid>/stat` over each batch, divided by its requests (median of batches). "
        "Spirit writes on every read (view count, bookmark, unread and notification marks); "
        "ours writes only a member's ThreadRead mark when it moves "
        "(tests/test_no_write_on_get.py).",
        "",
        "What the second round of issue 16 cut (the first run gave 3.21× / 3.15× over HTTP, "
        "and 2.97× for a member on a busier machine): HTTP requests run their sync code on a few "
        "warm threads (config/warm_threads.py) instead of Django's two new threads and new "
        "database connection per request; the last (or only) page of a thread counts no posts "
        "(its rows are read with one more); a thread that fits on its page reads only the "
        "member's mark before moving it; the blank reply form is drawn once per language and "
        "CoP, with a fresh key per page. Member queries 11 → 10, visitor 5 → 4 here.",
        "",
        "Before issue 16 (the issue's own measurement) the same comparison gave 1.55–1.6× "
        "for a visitor and 2.1× for a member "
        "(posts drawn by a template partial, every column of five joined rows per post, files "
        'prefetched per post); docs/architecture.md, "The thread page draws posts in Python", '
        "says what changed and why no fragment cache.",
        "",
        "Command: `make bench-spirit` (options: `BENCH_ARGS='--rounds N --requests N "
        "--http-rounds N --http-requests N --port-base N'`).",
    ]
    return "\n".join(lines)


def write_docs(body: str) -> None:
    text = DOCS.read_text()
    section = f"{START}\n{body}\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=20, help="per side, audience and round")
    parser.add_argument("--http-rounds", type=int, default=6)
    parser.add_argument("--http-requests", type=int, default=25)
    parser.add_argument(
        "--port-base",
        type=int,
        default=0,
        help="serve ours on this port and Spirit on the next (default: any free ports)",
    )
    parser.add_argument(
        "--peer-tree",
        type=Path,
        help="Jɛkafɔ from this checkout (e.g. `git archive` of an older commit) in Spirit's place;"
        " implies --no-docs",
    )
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    global PEER_TREE
    if args.peer_tree:
        PEER_TREE = args.peer_tree.resolve()
        args.no_docs = True
        print(f"peer: Jɛkafɔ from {PEER_TREE} (the 'Spirit' columns below are that tree)")
    elif not PYTHON[PEER].exists():
        sys.exit("bench/.spirit-venv is missing: run `make bench-spirit`, which creates it.")
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "versions": versions(),
        "load_before": load_average(),
        "rounds": args.rounds,
        "requests": args.requests,
        "http_rounds": args.http_rounds,
        "http_requests": args.http_requests,
    }
    print(f"load average {results['load_before']}; loading both forums…", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-spirit-") as scratch:
        sides = load_sides(Path(scratch))
        results["in_process"] = in_process(sides, args.rounds, args.requests)
        results["http"] = over_http(
            sides, Path(scratch), args.http_rounds, args.http_requests, args.port_base
        )
    results["load_after"] = load_average()
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if not args.no_docs:
        write_docs(markdown(results))
        print(f"written to {DOCS.relative_to(ROOT)}")
    met = all(row["ratio"] >= TARGET for kind in ("in_process", "http")
              for row in results[kind].values())  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
