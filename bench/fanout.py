"""
Benchmark chat fan-out: one room, hundreds of signed-in listeners, one message stream.

Run it with ``.venv/bin/python bench/fanout.py`` (options below); it needs
``redis-server`` on the PATH unless ``--redis-url`` names a running Redis.

For each number of listeners (200, 500 and 1000 by default) it measures, in
one run and with the same client:

- a bare ``websockets`` broadcast server (bench/bare_ws_server.py): the floor;
- Jɛkafɔ itself, real Daphne processes on Redis, once per channel layer
  (``CHANNEL_LAYER=core`` and ``pubsub``): one Daphne process below 1000
  listeners, two from 1000 on, listeners split evenly between them.

Set-up: a throw-away database (a SQLite file in WAL mode in a temporary
directory, or ``<name>_fanout_bench`` next to the PostgreSQL database of
``--database-url``), migrated, with member accounts and a Django session for
each (the sockets send the ``sessionid`` cookie and an ``Origin`` header, as
a browser does). Every case gets a new public community, so a new salon and a
new channel-layer group; its listeners are members. Redis is a private
``redis-server`` on a free port unless ``--redis-url`` is given.

A case: the servers start; the listeners connect (``--connect-concurrency``
handshakes at a time, in a child process, bench/_fanout_client.py) and each
waits for ``hello``; after ``--settle`` seconds, senders post ``--rate``
messages a second for ``--duration`` seconds. The sender is a pool of member
sockets taking turns (5 × rate of them, so each sends 2 messages in 10 s),
because the room allows each user 5 messages in 10 s; they are not counted as
listeners. Each body carries its send time; a
listener's latency is its receive time minus that. After the last send the
listeners have ``--grace`` seconds to receive everything.

Reported per case: p50, p99 and max latency; delivered / expected
(listeners × messages sent, so a refused connection or a refused send counts
as loss); duplicates and out-of-order receipts; p99 over the bare server's
p99 with as many listeners; and, to explain them, connection time, CPU used
by each process while the messages flowed, Redis clients and errors found in
the Daphne logs (e.g. redis-py's "Too many connections"). The figures are
printed, written into docs/benchmarks.md between ``<!-- fanout:start -->`` and
``<!-- fanout:end -->`` (``--no-write`` leaves it alone) and optionally as
JSON (``--json PATH``).

Targets: with 500 listeners on one Daphne process nothing is lost and p99 is
at most twice the bare server's; with 1000 listeners over two Daphne
processes nothing is lost.

``--rounds N`` runs every case N times, the bare server and Daphne in turn
within each round, and judges the targets on each case's receipts of all
rounds pooled, listing each round's own figures too: one run's p99 rests on
its few slowest messages, and on this shared 2-core machine the same code gave
1.2× to 2.6× the bare server in single runs. ``make bench-fanout-target`` is
the 500-listener target measured that way (section ``fanout-target``).
"""

import argparse
import asyncio
import contextlib
import datetime
import importlib
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _sections  # noqa: E402
from _fanout_client import Senders, Upvoters  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "fanout"  # docs/benchmarks.md, between <!-- fanout:start --> and <!-- fanout:end -->
COMMAND = ".venv/bin/python bench/fanout.py"
VENV_BIN = Path(sys.executable).parent
ASGI_APPLICATION = "config.asgi:application"
CLIENT = ROOT / "bench" / "_fanout_client.py"
BARE_SERVER = ROOT / "bench" / "bare_ws_server.py"
LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
TARGET_LISTENERS = 500  # one Daphne process: nothing lost, p99 ≤ 2 × bare p99
TARGET_RATIO = 2.0
TARGET_TWO_PROCESSES = 1000  # two Daphne processes: nothing lost
TARGET_CPU_RATIO = 3.0  # issue 16: CPU per delivered frame ≤ 3 × the bare server's
USER_PREFIX = "fanout"
TITLES = {
    SECTION: "Chat fan-out — Daphne + Channels against a bare websockets server",
    "fanout-target": "Chat fan-out target, 500 listeners — rounds against the bare server",
}
LOG_PATTERNS = {
    "too_many_connections": "Too many connections",
    "tracebacks": "Traceback (most recent call last)",
    "over_capacity": "over capacity",
    "channel_full": "ChannelFull",
}


# Processes ----------------------------------------------------------------------------------


class Children:
    """Every process the benchmark starts, so that all of them stop, even on Ctrl-C."""

    def __init__(self) -> None:
        self.pids: dict[int, str] = {}

    def add(self, pid: int, name: str) -> None:
        self.pids[pid] = name

    def stop(self, pid: int, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; reap the process."""
        if pid not in self.pids:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break  # reaped elsewhere (asyncio's child watcher)
            if done:
                break
            time.sleep(0.05)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.pids.pop(pid, None)

    def forget(self, pid: int) -> None:
        self.pids.pop(pid, None)

    def stop_all(self) -> None:
        for pid in list(self.pids):
            self.stop(pid, timeout=5)


CHILDREN = Children()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited:\n{tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start(command: list[str], name: str, log: Path, env: dict) -> subprocess.Popen:
    # A session of its own: Ctrl-C reaches the benchmark only, which then
    # stops the children in order instead of leaving some running.
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    CHILDREN.add(process.pid, name)
    return process


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# Redis --------------------------------------------------------------------------------------


def start_redis(workdir: Path) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not on the PATH; install it or pass --redis-url.")
    port = free_port()
    log = workdir / "redis.log"
    process = start(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        "redis-server",
        log,
        os.environ.copy(),
    )
    wait_listening(port, process, log)
    return f"redis://127.0.0.1:{port}/0"


def redis_info(url: str) -> dict:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return client.info()
    finally:
        client.close()


async def watch_redis_clients(url: str, peak: list[int]) -> None:
    from redis import asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    try:
        while True:
            info = await client.info("clients")
            peak[0] = max(peak[0], int(info["connected_clients"]) - 1)  # minus this one
            await asyncio.sleep(0.25)
    finally:
        await client.aclose()


# Database -----------------------------------------------------------------------------------


@dataclass
class Database:
    url: str
    drop: str | None = None  # PostgreSQL database to drop at the end
    admin_url: str | None = None


def prepare_database(database_url: str | None, workdir: Path) -> Database:
    """Return a new, empty database for this run."""
    if not database_url:
        return Database(url=f"sqlite:///{workdir / 'fanout.sqlite3'}")
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default).")
    name = f"{config['NAME']}_fanout_bench"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(database_url)
    return Database(
        url=urlunsplit(parts._replace(path=f"/{name}")),
        drop=name,
        admin_url=database_url,
    )


def drop_database(database: Database) -> None:
    if database.drop is None:
        return
    import psycopg

    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database.drop}" WITH (FORCE)')


def database_description() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (file, WAL)"


def create_members(count: int, prefix: str) -> list[tuple[int, str]]:
    """Create ``count`` accounts, each with a signed-in session; return (user id, session key)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from forum.models import User

    store_class = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    # The backend a sign-in through the form records (the first one, the login
    # throttle, only refuses; it reads no user back).
    backend = "django.contrib.auth.backends.ModelBackend"
    password = make_password(None)  # unusable: nobody signs in with a password here
    users = [
        User(
            username=f"{prefix}{number}",
            display_name=f"Auditrice {prefix}{number}",
            email=f"{prefix}{number}@example.org",
            password=password,
        )
        for number in range(count)
    ]
    members = []
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=500)
        for user in User.objects.filter(username__startswith=prefix).order_by("pk"):
            session = store_class()
            session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            session[BACKEND_SESSION_KEY] = backend
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            members.append((user.pk, session.session_key))
    return members


def create_room(name: str, user_ids: list[int]) -> int:
    """Create a public community whose members are ``user_ids``; return its salon's id."""
    from django.db import transaction

    from forum.models import Community, Membership
    from rooms import services as room_services

    with transaction.atomic():
        community = Community.objects.create(
            name=f"Banc d'essai {name}",
            slug=f"banc-essai-{name}",
            summary="Communauté du banc d'essai de diffusion",
            visibility=Community.Visibility.PUBLIC,
        )
        Membership.objects.bulk_create(
            [Membership(community=community, user_id=pk) for pk in user_ids], batch_size=500
        )
        return room_services.ensure_salon(community).pk


def create_webinar_room(
    name: str, user_ids: list[int], moderator_id: int, asker_ids: list[int], questions: int
) -> tuple[int, list[int]]:
    """A live webinar session of a new public CoP with ``questions`` questions asked.

    ``user_ids`` are members; ``moderator_id`` moderates the CoP and opens
    the session; ``asker_ids`` ask the questions in turn (a member asks at
    most 3 in 30 s), so that the others may upvote each of them once.
    Returns the room's id and the questions' ids.
    """
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from forum.models import Community, Membership, User
    from webinars import services as webinar_services

    with transaction.atomic():
        community = Community.objects.create(
            name=f"Banc d'essai {name}",
            slug=f"banc-essai-{name}",
            summary="Communauté du banc d'essai des webinaires",
            visibility=Community.Visibility.PUBLIC,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    community=community,
                    user_id=pk,
                    role=(
                        Membership.Role.MODERATOR if pk == moderator_id else Membership.Role.MEMBER
                    ),
                )
                for pk in user_ids
            ],
            batch_size=500,
        )
    moderator = User.objects.get(pk=moderator_id)
    session = webinar_services.create_session(
        author=moderator,
        community=community,
        title=f"Conférence {name}",
        starts_at=timezone.now() - timedelta(minutes=5),
        duration=240,
    )
    if questions > 3 * len(asker_ids):
        raise RuntimeError(f"{questions} questions need {questions // 3 + 1} askers")
    askers = {user.pk: user for user in User.objects.filter(pk__in=asker_ids)}
    asked = []
    for number in range(questions):
        question, _created = webinar_services.ask_question(
            author=askers[asker_ids[number % len(asker_ids)]],
            session=session,
            body=f"Question {number} du banc d'essai : qui finance les parajuristes ?",
            client_key=f"bench-{name}-{number}",
        )
        asked.append(question.pk)
    return session.room_id, asked


# Cases --------------------------------------------------------------------------------------


@dataclass
class Case:
    target: str  # "bare" or "channels"
    layer: str | None
    listeners: int
    processes: int
    round: int = 1
    # Daphne only: "on" frames a room push once per process (realtime/wire.py),
    # "off" sends it the usual way (WIRE_FAST_PATH=0), to compare in one run.
    wire: str = "on"

    @property
    def label(self) -> str:
        if self.target == "bare":
            return f"bare websockets, {self.listeners} listeners"
        usual = ", usual send" if self.wire == "off" else ""
        return f"Daphne×{self.processes} + {self.layer}{usual}, {self.listeners} listeners"

    @property
    def key(self) -> tuple:
        """What a case measures, whatever its round."""
        return (self.target, self.layer, self.listeners, self.processes, self.wire)


def daphne_command(port: int, application: str = ASGI_APPLICATION) -> list[str]:
    """One Daphne process as production runs it (config/serve.py), on ``port``."""
    return [
        str(VENV_BIN / "python"),
        "-m",
        "config.serve",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        application,
    ]


def server_commands(case: Case, ports: list[int], application: str) -> list[tuple[list[str], str]]:
    if case.target == "bare":
        return [([sys.executable, str(BARE_SERVER), "--port", str(ports[0])], "bare server")]
    return [(daphne_command(port, application), f"daphne :{port}") for port in ports]


def start_daphnes(
    count: int, env: dict, workdir: Path, log_name: str = "daphne-{index}.log"
) -> tuple[list[int], list[subprocess.Popen], list[Path]]:
    """Start ``count`` Daphne processes on free ports, wait until each listens.

    Returns (ports, processes, logs); the logs go to ``workdir`` under ``log_name``
    (``{index}`` is the process's number from 0). bench/faults.py and
    bench/_live_servers.py start their servers so."""
    ports = [free_port() for _ in range(count)]
    case = Case("channels", env.get("CHANNEL_LAYER"), 0, count)
    started, logs = [], []
    for index, (command, label) in enumerate(server_commands(case, ports, ASGI_APPLICATION)):
        log = workdir / log_name.format(index=index)
        started.append(start(command, label, log, env))
        logs.append(log)
    for port, process, log in zip(ports, started, logs, strict=True):
        wait_listening(port, process, log)
    return ports, started, logs


async def start_client(
    script: Path, spec: dict, workdir: Path, env: dict, name: str, limit: int = 2**28
):
    """A client child process running ``script`` (its stderr in client-<name>.log),
    told ``spec`` on its stdin; ``limit`` bounds the line it answers with (fanout's
    result line carries every latency)."""
    log = (workdir / f"client-{name}.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        limit=limit,
    )
    log.close()
    CHILDREN.add(process.pid, f"client {name}")
    await tell([process], spec)
    return process


async def start_clients(count: int, specs: list[dict], workdir: Path, env: dict) -> list:
    return [
        await start_client(CLIENT, spec, workdir, env, str(index))
        for index, spec in enumerate(specs[:count])
    ]


async def finish_client(process) -> None:
    """Wait up to 30 s for a client child process to exit (then kill it); forget it."""
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()
    CHILDREN.forget(process.pid)


async def read_event(process, timeout: float) -> dict:
    line = await asyncio.wait_for(process.stdout.readline(), timeout)
    if not line:
        raise RuntimeError("a client process exited early (see client-*.log)")
    return json.loads(line)


async def tell(clients: list, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    for process in clients:
        process.stdin.write(data)
        await process.stdin.drain()


async def measure(
    case: Case,
    args: argparse.Namespace,
    urls: list[str],
    session_keys: list[str],
    sender_urls: list[str],
    sender_keys: list[str],
    pids: dict[str, int],
    redis_url: str | None,
    workdir: Path,
    env: dict,
    upvoters: dict | None = None,
) -> dict:
    """Connect the listeners and the senders, send, collect what every listener received."""
    token = secrets.token_hex(4)
    voters = None
    if upvoters and upvoters["urls"]:
        voters = Upvoters(
            upvoters["urls"], upvoters["keys"], secrets.token_hex(4), upvoters["questions"]
        )
    peak_clients = [0]
    watcher = None
    if redis_url:
        watcher = asyncio.create_task(watch_redis_clients(redis_url, peak_clients))
    senders = Senders(sender_urls, sender_keys, token)
    clients = []
    finished = False
    try:
        # The senders first: their handshakes warm the server up (imports, first queries).
        await senders.open()
        if voters is not None:
            await voters.open()
        specs = [
            {
                "urls": urls[index :: args.client_processes],
                "session_keys": session_keys[index :: args.client_processes],
                "token": token,
                "connect_concurrency": max(1, args.connect_concurrency // args.client_processes),
                "open_timeout": 60,
                "linger": 1.0 if voters is not None else 0.0,
            }
            for index in range(args.client_processes)
        ]
        clients = await start_clients(args.client_processes, specs, workdir, env)
        ready = [await read_event(process, timeout=900) for process in clients]
        await asyncio.sleep(args.settle)

        for index, process in enumerate(clients):
            pids[f"client {index}"] = process.pid
        await tell(clients, {"event": "measure"})
        redis_before = redis_info(redis_url) if redis_url else None
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        wall_before = time.monotonic()
        if voters is None:
            sent = await senders.run(args.rate, args.duration, ack_timeout=args.grace)
            voted = None
        else:
            sent, voted = await asyncio.gather(
                senders.run(args.rate, args.duration, ack_timeout=args.grace),
                voters.run(args.upvote_rate, args.duration, ack_timeout=args.grace),
            )
        wall = time.monotonic() - wall_before
        cpu = {name: (cpu_seconds(pid) - cpu_before[name]) / wall for name, pid in pids.items()}
        redis_after = redis_info(redis_url) if redis_url else None
        last_send = max(sent.sent.values()) / 1e9
        await tell(
            clients,
            {"event": "stop", "expected": sorted(sent.sent), "deadline": last_send + args.grace},
        )
        results = [await read_event(process, timeout=args.grace + 120) for process in clients]
        # Servers' CPU from the first send to the last frame received (or the deadline).
        cpu_s = {
            name: cpu_seconds(pid) - cpu_before[name]
            for name, pid in pids.items()
            if name.startswith("server")
        }
        finished = True
    finally:
        await senders.close()
        if voters is not None:
            await voters.close()
        for process in clients:
            if not finished and process.returncode is None:
                process.kill()  # interrupted: it would wait for a "stop" that never comes
            await finish_client(process)
        if watcher is not None:
            watcher.cancel()
    redis = None
    if redis_before is not None:
        redis = {
            "peak_clients": peak_clients[0],
            "cpu": (
                redis_after["used_cpu_user"]
                + redis_after["used_cpu_sys"]
                - redis_before["used_cpu_user"]
                - redis_before["used_cpu_sys"]
            )
            / wall,
            "commands_per_message": (
                redis_after["total_commands_processed"] - redis_before["total_commands_processed"]
            )
            / max(1, len(sent.sent)),
        }
    summary = summarise(case, ready, results, sent, cpu, redis)
    summary["server_cpu_s"] = round(sum(cpu_s.values()), 3)
    if voted is not None:
        succeeded = len(voted.acked)
        summary["upvotes_sent"] = len(voted.sent)
        summary["upvotes_acked"] = succeeded
        summary["upvote_errors"] = voted.errors
        summary["upvote_ack_p50_ms"] = percentile(sorted(voted.acked.values()), 50) / 1000
        summary["upvote_ack_p99_ms"] = percentile(sorted(voted.acked.values()), 99) / 1000
        summary["votes_expected"] = case.listeners * succeeded
        summary["votes_delivered"] = summary["frames"].get("measure", {}).get("votes", 0)
    summary["room_frames"] = room_frames(summary)
    if summary["room_frames"]:
        summary["cpu_us_per_frame"] = summary["server_cpu_s"] / summary["room_frames"] * 1e6
    return summary


# Frames of the room itself (what is fanned out), as opposed to pong and presence.
ROOM_FRAME_TYPES = ("message", "votes", "question", "poll", "tally", "hand")


def room_frames(r: dict) -> int:
    """Room frames the listeners received while the senders ran (what the CPU was spent on)."""
    counts = r.get("frames", {}).get("measure", {})
    return sum(counts.get(kind, 0) for kind in ROOM_FRAME_TYPES)


def percentile(ordered: list[int], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def add_counts(into: dict, counts: dict) -> None:
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value


def summarise(case: Case, ready: list, results: list, sent, cpu: dict, redis: dict | None) -> dict:
    by_message: dict[int, list[int]] = {}
    for result in results:
        for n, values in result["latencies_us"].items():
            by_message.setdefault(int(n), []).extend(values)
    latencies = sorted(us for values in by_message.values() for us in values)
    # The slowest listener of each message, in sending order: a line that
    # climbs means the server falls behind the sending rate.
    slowest = [max(by_message[n]) / 1000 for n in sorted(by_message) if by_message[n]]
    tenth = max(1, len(by_message) // 10)
    failures: dict[str, int] = {}
    closed: dict[str, int] = {}
    frames: dict[str, dict] = {}
    frame_bytes: dict[str, int] = {}
    for item in ready:
        add_counts(failures, item["failures"])
    for result in results:
        add_counts(closed, result["closed"])
        for phase, counts in result["frames"].items():
            add_counts(frames.setdefault(phase, {}), counts)
        add_counts(frame_bytes, result["bytes"])
    acks = sorted(sent.acked.values())
    expected = case.listeners * len(sent.sent)
    delivered = sum(result["delivered"] for result in results)
    return {
        "target": case.target,
        "layer": case.layer,
        "processes": case.processes,
        "listeners": case.listeners,
        "round": case.round,
        "wire": case.wire,
        # Kept for pooling rounds; dropped from the report (see strip_raw).
        "latencies_us": latencies,
        "acks_us": acks,
        "connected": sum(item["connected"] for item in ready),
        "connect_failures": failures,
        "connect_s": max(item["connect_s"] for item in ready),
        "messages_sent": len(sent.sent),
        "messages_acked": len(sent.acked),
        "send_errors": sent.errors,
        "send_lag_p99_ms": percentile(sorted(sent.lag_us), 99) / 1000,
        "expected": expected,
        "delivered": delivered,
        "lost": expected - delivered,
        "duplicates": sum(result["duplicates"] for result in results),
        "out_of_order": sum(result["out_of_order"] for result in results),
        "unexpected": sum(result["unexpected"] for result in results),
        "incomplete_listeners": sum(result["incomplete_listeners"] for result in results),
        "seq_repeats": sum(result.get("seq_repeats", 0) for result in results),
        "seq_gaps": sum(result.get("seq_gaps", 0) for result in results),
        "closed_during_run": closed,
        "p50_ms": percentile(latencies, 50) / 1000,
        "p99_ms": percentile(latencies, 99) / 1000,
        "max_ms": (latencies[-1] / 1000) if latencies else math.nan,
        "slowest_first_tenth_ms": statistics.median(slowest[:tenth]) if slowest else math.nan,
        "slowest_last_tenth_ms": statistics.median(slowest[-tenth:]) if slowest else math.nan,
        "slowest_per_message_ms": [round(value, 1) for value in slowest],
        "ack_p50_ms": percentile(acks, 50) / 1000,
        "ack_p99_ms": percentile(acks, 99) / 1000,
        "cpu": {name: round(value, 3) for name, value in cpu.items()},
        "redis": redis,
        "frames": frames,
        "frame_bytes": frame_bytes,
    }


def scan_logs(logs: list[Path]) -> dict:
    found = dict.fromkeys(LOG_PATTERNS, 0)
    first_error = ""
    for log in logs:
        try:
            text = log.read_text(errors="replace")
        except OSError:
            continue
        for key, pattern in LOG_PATTERNS.items():
            found[key] += text.count(pattern)
        if not first_error:
            for line in text.splitlines():
                if "Error" in line or "Exception" in line:
                    first_error = line.strip()[:200]
                    break
    found["first_error"] = first_error
    return found


def run_case(
    case: Case,
    args: argparse.Namespace,
    members: list[tuple[int, str]],
    senders: list[tuple[int, str]],
    redis_url: str,
    workdir: Path,
    base_env: dict,
    number: int,
    upvoter_sets: list | None = None,
) -> dict:
    """Start the case's servers, measure, stop them; return the figures."""
    load = round(os.getloadavg()[0], 2)
    ports = [free_port() for _ in range(case.processes)]
    listeners = members[: case.listeners]
    env = dict(base_env)
    upvoters = upvoter_sets[number] if args.mode == "webinar" else []
    question_ids = list(range(1, args.questions + 1))
    if case.target == "bare":
        room_id = 1
    elif args.mode == "webinar":
        everyone = [pk for pk, _key in listeners + senders + upvoters]
        room_id, question_ids = create_webinar_room(
            f"{number}-{case.layer}-{case.listeners}",
            everyone,
            moderator_id=senders[0][0],
            asker_ids=[pk for pk, _key in senders],
            questions=args.questions,
        )
    else:
        room_id = create_room(
            f"{number}-{case.layer}-{case.listeners}",
            [pk for pk, _key in listeners] + [pk for pk, _key in senders],
        )
    if case.target == "channels":
        env["REDIS_URL"] = redis_url
        env["CHANNEL_LAYER"] = case.layer
        env["WIRE_FAST_PATH"] = "0" if case.wire == "off" else "1"
        check_layer(case.layer, env)
    logs, pids = [], {}
    started = []
    try:
        for index, (command, name) in enumerate(server_commands(case, ports, args.application)):
            log = workdir / f"case{number}-{name.split()[0]}-{index}.log"
            process = start(command, name, log, env)
            started.append(process)
            logs.append(log)
            pids[f"server {index}" if case.processes > 1 else "server"] = process.pid
        for port, process, log in zip(ports, started, logs, strict=True):
            wait_listening(port, process, log)
        if redis_url and case.target == "channels":
            pids_redis = redis_pid(redis_url)
            if pids_redis:
                pids["redis"] = pids_redis
        pids["bench"] = os.getpid()

        def url(index: int) -> str:
            return f"ws://127.0.0.1:{ports[index % len(ports)]}/ws/rooms/{room_id}/"

        result = asyncio.run(
            measure(
                case,
                args,
                [url(index) for index in range(len(listeners))],
                [key for _pk, key in listeners],
                [url(index) for index in range(len(senders))],
                [key for _pk, key in senders],
                pids,
                redis_url if case.target == "channels" else None,
                workdir,
                base_env,
                upvoters={
                    # Spread over the processes too, as a conference's audience is.
                    "urls": [url(index + 1) for index in range(len(upvoters))],
                    "keys": [key for _pk, key in upvoters],
                    "questions": question_ids,
                },
            )
        )
    finally:
        for process in started:
            CHILDREN.stop(process.pid)
    result["server_log"] = scan_logs(logs)
    result["load_average"] = load
    return result


def redis_pid(url: str) -> int | None:
    try:
        return int(redis_info(url)["process_id"])
    except Exception:  # noqa: BLE001 — a remote Redis has no local pid to read
        return None


def check_layer(layer: str, env: dict) -> None:
    """Make sure config/settings.py gives Daphne the layer asked for."""
    code = "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    found = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    backend = found.stdout.strip()
    if backend != LAYERS[layer]:
        raise SystemExit(
            f"CHANNEL_LAYER={layer} gives {backend or found.stderr.strip()[-300:]!r}, "
            f"not {LAYERS[layer]}: config/settings.py must read CHANNEL_LAYER and REDIS_URL."
        )


# Report -------------------------------------------------------------------------------------


def fmt_ms(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1f}"


def ratio_to_bare(results: list[dict]) -> None:
    """Each Daphne case against the bare server of its round, with as many listeners."""
    bare = {
        (r["listeners"], r.get("round", 1)): r["p99_ms"]
        for r in results
        if r["target"] == "bare" and "error" not in r
    }
    bare_cpu = {
        (r["listeners"], r.get("round", 1)): r.get("cpu_us_per_frame")
        for r in results
        if r["target"] == "bare" and "error" not in r
    }
    for r in results:
        base = bare.get((r["listeners"], r.get("round", 1)))
        if r["target"] == "channels" and base and "error" not in r:
            r["p99_ratio"] = r["p99_ms"] / base
        cpu_base = bare_cpu.get((r["listeners"], r.get("round", 1)))
        if r["target"] == "channels" and cpu_base and r.get("cpu_us_per_frame"):
            r["cpu_ratio"] = r["cpu_us_per_frame"] / cpu_base


POOLED_SUMS = ("expected", "delivered", "lost", "duplicates", "out_of_order", "messages_sent")
# Summed when every round has them (CPU per frame, webinar mode's upvotes).
POOLED_OPTIONAL = (
    "server_cpu_s",
    "room_frames",
    "seq_repeats",
    "seq_gaps",
    "upvotes_sent",
    "upvotes_acked",
    "votes_expected",
    "votes_delivered",
)


def pool_rounds(results: list[dict]) -> list[dict]:
    """One row per case over all its rounds: every receipt of every round in one distribution.

    One run's p99 rests on its few slowest messages, so a stall of the shared
    machine (another process, CPU steal) moves it a lot: the same code gave
    1.2× to 2.6× in single runs. Rounds interleave the bare server and Daphne,
    so both see the same spells of noise, and the pooled p99 rests on all of
    them. A case that failed in any round is reported as failed.
    """
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        key = (r["target"], r["layer"], r["listeners"], r["processes"], r.get("wire", "on"))
        groups.setdefault(key, []).append(r)
    pooled = []
    for (target, layer, listeners, processes, wire), rounds in groups.items():
        row = {"target": target, "layer": layer, "listeners": listeners, "processes": processes}
        row["wire"] = wire
        row["rounds"] = len(rounds)
        failed = [r for r in rounds if "error" in r]
        if failed:
            row["error"] = failed[0]["error"]
            pooled.append(row)
            continue
        latencies = sorted(us for r in rounds for us in r["latencies_us"])
        acks = sorted(us for r in rounds for us in r["acks_us"])
        for name in POOLED_SUMS:
            row[name] = sum(r[name] for r in rounds)
        for name in POOLED_OPTIONAL:
            if all(name in r for r in rounds):
                row[name] = sum(r[name] for r in rounds)
        if row.get("room_frames"):
            row["cpu_us_per_frame"] = row["server_cpu_s"] / row["room_frames"] * 1e6
        row["p50_ms"] = percentile(latencies, 50) / 1000
        row["p99_ms"] = percentile(latencies, 99) / 1000
        row["max_ms"] = (latencies[-1] / 1000) if latencies else math.nan
        row["ack_p50_ms"] = percentile(acks, 50) / 1000
        row["ack_p99_ms"] = percentile(acks, 99) / 1000
        row["round_p99_ms"] = [r["p99_ms"] for r in rounds]
        pooled.append(row)
    ratio_to_bare(pooled)
    by_key = {
        (r["target"], r["layer"], r["listeners"], r["processes"], r["wire"]): r for r in pooled
    }
    for key, rounds in groups.items():
        ratios = [r["p99_ratio"] for r in rounds if "p99_ratio" in r]
        if ratios:
            by_key[key]["round_ratios"] = ratios
    return pooled


def strip_raw(results: list[dict]) -> None:
    for r in results:
        r.pop("latencies_us", None)
        r.pop("acks_us", None)


def target_name(r: dict) -> str:
    if r["target"] == "bare":
        return "bare websockets"
    if r.get("wire") == "off":
        return "Daphne + Channels, usual send"
    return "Daphne + Channels"


def verdicts(results: list[dict]) -> list[dict]:
    rows = []
    layers = sorted({r["layer"] for r in results if r["target"] == "channels"})
    for layer in layers:
        mine = {
            r["listeners"]: r
            for r in results
            if r["layer"] == layer and r.get("wire", "on") == "on"
        }
        one = mine.get(TARGET_LISTENERS)
        if one is not None:
            rows.append(
                {
                    "layer": layer,
                    "target": f"{TARGET_LISTENERS} listeners, 1 process: nothing lost",
                    "value": f"{one.get('delivered', 0)}/{one.get('expected', 0)}",
                    "met": "error" not in one and one["lost"] == 0,
                }
            )
            ratio = one.get("p99_ratio")
            value = "—" if ratio is None else f"{one['p99_ms']:.1f} ms = {ratio:.2f} × bare"
            if ratio is not None and len(one.get("round_ratios", [])) > 1:
                met_rounds = sum(r <= TARGET_RATIO for r in one["round_ratios"])
                value += (
                    f" over {len(one['round_ratios'])} rounds pooled (rounds: "
                    f"{', '.join(f'{r:.2f}' for r in one['round_ratios'])}; "
                    f"{met_rounds} of {len(one['round_ratios'])} met alone)"
                )
            rows.append(
                {
                    "layer": layer,
                    "target": f"{TARGET_LISTENERS} listeners: p99 ≤ {TARGET_RATIO:g} × bare p99",
                    "value": value,
                    "met": ratio is not None and ratio <= TARGET_RATIO,
                }
            )
        for r in mine.values():
            if "votes_expected" in r:
                whole = (
                    "error" not in r
                    and r["lost"] == 0
                    and r["duplicates"] == 0
                    and r["votes_delivered"] == r["votes_expected"]
                    and r.get("seq_repeats", 0) == 0
                    and r.get("seq_gaps", 0) == 0
                )
                rows.append(
                    {
                        "layer": layer,
                        "target": f"webinar, {r['listeners']} listeners over {r['processes']} "
                        "processes: nothing lost or repeated",
                        "value": f"messages {r.get('delivered', 0)}/{r.get('expected', 0)}, "
                        f"votes {r['votes_delivered']}/{r['votes_expected']}, "
                        f"seq repeated {r.get('seq_repeats', 0)}, "
                        f"missing {r.get('seq_gaps', 0)}",
                        "met": whole,
                    }
                )
                ratio = r.get("p99_ratio")
                rows.append(
                    {
                        "layer": layer,
                        "target": f"webinar, {r['listeners']} listeners: "
                        f"p99 ≤ {TARGET_RATIO:g} × bare p99",
                        "value": "—"
                        if ratio is None
                        else f"{r['p99_ms']:.1f} ms = {ratio:.2f} × bare",
                        "met": ratio is not None and ratio <= TARGET_RATIO,
                    }
                )
            if r.get("cpu_ratio") is not None:
                rows.append(
                    {
                        "layer": layer,
                        "target": f"{r['listeners']} listeners: CPU per room frame "
                        f"≤ {TARGET_CPU_RATIO:g} × bare",
                        "value": f"{r['cpu_us_per_frame']:.1f} µs = {r['cpu_ratio']:.2f} × bare",
                        "met": r["cpu_ratio"] <= TARGET_CPU_RATIO,
                    }
                )
        two = mine.get(TARGET_TWO_PROCESSES)
        if two is not None:
            rows.append(
                {
                    "layer": layer,
                    "target": f"{TARGET_TWO_PROCESSES} listeners, 2 processes: nothing lost",
                    "value": f"{two.get('delivered', 0)}/{two.get('expected', 0)}",
                    "met": "error" not in two and two["lost"] == 0 and two["processes"] == 2,
                }
            )
    return rows  # fmt: skip


def yes_no(met: bool) -> str:
    return "met" if met else "MISSED"


def cpu_text(r: dict) -> tuple[str, str, str]:
    cpu = r.get("cpu", {})
    servers = [f"{value:.0%}" for name, value in sorted(cpu.items()) if name.startswith("server")]
    clients = sum(value for name, value in cpu.items() if name.startswith("client"))
    redis = (r.get("redis") or {}).get("cpu")
    return (
        " + ".join(servers) or "—",
        f"{clients:.0%}" if cpu else "—",
        "—" if redis is None else f"{redis:.0%}",
    )


def connect_frames(r: dict) -> str:
    """Frames and kilobytes each listener received while the others were joining."""
    counts = r.get("frames", {}).get("connect", {})
    size = r.get("frame_bytes", {}).get("connect", 0)
    if not r.get("listeners"):
        return "—"
    per = sum(counts.values()) / r["listeners"]
    kinds = ", ".join(
        f"{kind} {count / r['listeners']:.1f}" for kind, count in sorted(counts.items())
    )
    return f"{per:.1f} ({kinds}; {size / r['listeners'] / 1000:.1f} KB)" if counts else "0"


def log_text(r: dict) -> str:
    log = r.get("server_log") or {}
    parts = [
        f"{key.replace('_', ' ')} ×{value}"
        for key, value in log.items()
        if key != "first_error" and value
    ]
    return ", ".join(parts) or "none"


def main_table(results: list[dict]) -> list[str]:
    lines = [
        "| target | layer | Daphne processes | listeners | p50 | p99 | max "
        "| delivered / expected | duplicates | out of order | p99 / bare p99 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if "error" in r:
            lines.append(
                f"| {target_name(r)} | {r['layer'] or '—'} | {r['processes']} | {r['listeners']} "
                f"| failed: {r['error']} | | | | | | |"
            )
            continue
        ratio = r.get("p99_ratio")
        lines.append(
            f"| {target_name(r)} | {r['layer'] or '—'} "
            f"| {r['processes'] if r['target'] == 'channels' else '—'} | {r['listeners']} "
            f"| {fmt_ms(r['p50_ms'])} ms | {fmt_ms(r['p99_ms'])} ms | {fmt_ms(r['max_ms'])} ms "
            f"| {r['delivered']}/{r['expected']} | {r['duplicates']} | {r['out_of_order']} "
            f"| {'—' if ratio is None else f'{ratio:.2f}'} |"
        )
    return lines


def cpu_table(results: list[dict]) -> list[str]:
    """CPU per room frame delivered, and in webinar mode what the upvotes became."""
    if not any("cpu_us_per_frame" in r for r in results):
        return []
    webinar = any("votes_expected" in r for r in results)
    head = (
        "| target | layer | listeners | room frames received | servers' CPU "
        "| CPU per room frame | / bare |"
    )
    rule = "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    if webinar:
        head += (
            " upvotes acked / sent | `votes` frames delivered / expected"
            " | seq repeated | seq missing |"
        )
        rule += " ---: | ---: | ---: | ---: |"
    lines = [head, rule]
    for r in results:
        if "error" in r or "cpu_us_per_frame" not in r:
            continue
        ratio = r.get("cpu_ratio")
        line = (
            f"| {target_name(r)} | {r['layer'] or '—'} | {r['listeners']} | {r['room_frames']} "
            f"| {r['server_cpu_s']:.1f} s | {r['cpu_us_per_frame']:.1f} µs "
            f"| {'—' if ratio is None else f'{ratio:.2f}'} |"
        )
        if webinar:
            line += (
                f" {r.get('upvotes_acked', 0)}/{r.get('upvotes_sent', 0)} "
                f"| {r.get('votes_delivered', 0)}/{r.get('votes_expected', 0)} "
                f"| {r.get('seq_repeats', 0)} | {r.get('seq_gaps', 0)} |"
            )
        lines.append(line)
    return lines


CPU_TEXT = (
    "CPU per room frame: the Daphne processes' (or the bare server's) CPU time from the "
    "first send until the listeners had everything, over the room frames (`message`, "
    "`votes`…) they received meanwhile; it includes the senders' own work (database "
    "writes, acks), pings and presence. *usual send*: the same code with "
    "`WIRE_FAST_PATH=0`, every push sent through Channels, Daphne and autobahn socket by "
    "socket instead of framed once per process (realtime/wire.py). *seq repeated / "
    "missing*: room frames a listener received twice, or whose seq it never received "
    "between its first and its last."
)


def rounds_table(results: list[dict]) -> list[str]:
    """Each round on its own: the spread the pooled figures smooth."""
    lines = [
        "| round | target | layer | listeners | p50 | p99 | max | delivered / expected "
        "| p99 / bare p99 of the round |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if "error" in r:
            lines.append(
                f"| {r['round']} | {target_name(r)} | {r['layer'] or '—'} | {r['listeners']} "
                f"| failed: {r['error']} | | | | |"
            )
            continue
        ratio = r.get("p99_ratio")
        lines.append(
            f"| {r['round']} | {target_name(r)} | {r['layer'] or '—'} | {r['listeners']} "
            f"| {fmt_ms(r['p50_ms'])} ms | {fmt_ms(r['p99_ms'])} ms | {fmt_ms(r['max_ms'])} ms "
            f"| {r['delivered']}/{r['expected']} | {'—' if ratio is None else f'{ratio:.2f}'} |"
        )
    return lines


def detail_table(results: list[dict]) -> list[str]:
    rounds = max((r.get("round", 1) for r in results), default=1) > 1
    lines = [
        f"{'| round ' if rounds else ''}"
        "| target | layer | listeners | load | connect all | refused | send → ack p50 / p99 "
        "| slowest listener, first → last tenth of the messages delivered "
        "| CPU servers | CPU client | CPU Redis | Redis clients "
        "| frames per listener while joining | server log |",
        f"{'| ---: ' if rounds else ''}"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| --- | --- |",
    ]
    for r in results:
        if "error" in r:
            continue
        servers, client, redis = cpu_text(r)
        refused = sum(r["connect_failures"].values()) + sum(r["closed_during_run"].values())
        errors = ", ".join(f"{code} ×{n}" for code, n in r["send_errors"].items())
        prefix = f"| {r['round']} " if rounds else ""
        lines.append(
            f"{prefix}| {target_name(r)} | {r['layer'] or '—'} | {r['listeners']} "
            f"| {r['load_average']:.1f} | {r['connect_s']:.1f} s "
            f"| {refused} | {fmt_ms(r['ack_p50_ms'])} / {fmt_ms(r['ack_p99_ms'])} ms"
            f"{f' ({errors})' if errors else ''} "
            f"| {fmt_ms(r['slowest_first_tenth_ms'])} → {fmt_ms(r['slowest_last_tenth_ms'])} ms "
            f"| {servers} | {client} | {redis} "
            f"| {(r.get('redis') or {}).get('peak_clients', '—')} | {connect_frames(r)} "
            f"| {log_text(r)} |"
        )
    return lines


def print_report(report: dict) -> None:
    machine = report["machine"]
    print(f"\nFan-out benchmark — {report['date']}")
    print(
        f"{machine['cpus']} CPUs, Python {machine['python']}, {machine['versions']}, "
        f"Redis {machine['redis']}, {machine['database']}; load average {machine['load_average']}"
    )
    print(machine.get("server", ""))
    print(
        f"{report['rate']:g} messages/s for {report['duration']:g} s from {report['senders']} "
        f"sender sockets; grace {report['grace']:g} s{rounds_text(report)}\n"
    )
    tables = main_table(report["pooled"] or report["results"]) + [""]
    cpu = cpu_table(report["pooled"] or report["results"])
    if cpu:
        tables += cpu + [""]
    if report["pooled"]:
        tables += rounds_table(report["results"]) + [""]
    for line in tables + detail_table(report["results"]):
        print(line)
    for r in report["results"]:
        if "error" not in r and r["server_log"].get("first_error"):
            where = f"{target_name(r)} {r['layer']} {r['listeners']}"
            print(f"\n{where}: first error in the server log: {r['server_log']['first_error']}")
    print("\nTargets:")
    for row in report["verdicts"]:
        print(f"  {row['layer']:<7} {row['target']}: {row['value']} — {yes_no(row['met'])}")


def rounds_text(report: dict) -> str:
    if not report["pooled"]:
        return ""
    return (
        f"; {report['rounds']} rounds, each running every case in turn; the first table "
        f"pools each case's receipts over all rounds"
    )


def markdown_section(report: dict) -> str:
    machine = report["machine"]
    per_round = []
    if report["pooled"]:
        per_round = [
            "",
            "Each round on its own (the ratio compares with the bare server of the same round):",
            "",
            *rounds_table(report["results"]),
        ]
    lines = [
        f"## {report['title']}",
        "",
        f"Measured {report['date']} on {machine['cpus']} CPUs ({machine['platform']}), "
        f"Python {machine['python']}, {machine['versions']}, Redis {machine['redis']}, "
        f"{machine['database']}, load average {machine['load_average']} at the start; "
        f"{machine.get('server', 'Daphne')}. "
        f"Everything on this one machine: servers, Redis, the database and the client "
        f"(one process, {report['client_processes']} for the listeners), over loopback.",
        "",
        *([report["scenario"], ""] if report.get("scenario") else []),
        f"{report.get('room', 'One salon')}, signed-in members listening; "
        f"{report['rate']:g} messages a second for "
        f"{report['duration']:g} s, sent in turn by {report['senders']} member sockets (the room "
        f"allows a user 5 messages in 10 s). Latency runs from the send to each listener's "
        f"receipt; delivered counts what arrived at most {report['grace']:g} s after the last "
        f"send; expected = listeners × messages sent. Listeners connected "
        f"{report['connect_concurrency']} at a time, then {report['settle']:g} s of quiet "
        f"before the first message; each sends the protocol's `ping` every 25 s, as a page "
        f"does. Bare websockets: one process, `websockets.broadcast` of a frame of the same "
        f"shape, no database, no channel layer, no sign-in{rounds_text(report)}.",
        "",
        *main_table(report["pooled"] or report["results"]),
        *(
            ["", *cpu_table(report["pooled"] or report["results"]), "", CPU_TEXT]
            if cpu_table(report["pooled"] or report["results"])
            else []
        ),
        *per_round,
        "",
        "How the figures came about. *load*: the machine's 1-minute load average when the "
        "case started (above 2, other work was competing for the 2 cores). *refused*: "
        "sockets refused at connection or dropped during the run. *send → ack*: the "
        "server's write path (database) as the sender sees it. *slowest listener*: the "
        "last receipt of each message, median over the first and the last tenth of the "
        "messages; when it climbs, the server falls behind the sending rate. CPU: share "
        "of one core while the messages flowed. *server log*: errors Daphne logged "
        "(redis-py's `Too many connections`, tracebacks).",
        "",
        *detail_table(report["results"]),
        "",
        "| layer | target | value | |",
        "| --- | --- | ---: | --- |",
        *[
            f"| {row['layer']} | {row['target']} | {row['value']} | {yes_no(row['met'])} |"
            for row in report["verdicts"]
        ],
        "",
        "Reproduce from the repository root (add `--database-url postgres://…` for PostgreSQL):",
        "",
        "```sh",
        report["command"],
        "```",
    ]
    return "\n".join(lines)


def write_docs(report: dict, name: str) -> None:
    """Replace the section ``name`` of docs/benchmarks.md, keeping the others."""
    _sections.write_section(name, markdown_section(report))


def server_description() -> str:
    """How the Daphne processes run: event loop, writes, thread switch interval, collector."""
    from django.conf import settings

    from config.serve import choose_loop, choose_write_through

    switch = settings.SWITCH_INTERVAL
    gc_thresholds = settings.GC_THRESHOLDS
    writes = "at once" if choose_write_through(os.environ.get("WRITE_THROUGH")) else "buffered"
    return (
        f"Daphne on {choose_loop(os.environ.get('EVENT_LOOP'))}, writes {writes}, "
        f"switch interval {'5 ms (Python)' if switch is None else f'{switch * 1000:g} ms'}, "
        f"GC {'Python defaults' if gc_thresholds is None else ','.join(map(str, gc_thresholds))}"
    )


def versions() -> str:
    labels = {
        "Django": "Django",
        "channels": "Channels",
        "channels-redis": "channels_redis",
        "daphne": "Daphne",
        "redis": "redis-py",
        "websockets": "websockets",
        "uvloop": "uvloop",
    }
    found = []
    for name, label in labels.items():
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{label} {metadata.version(name)}")
    return ", ".join(found)


# Run set-up (shared by reconnect.py, faults.py and _live_servers.py) ---------------------


def server_env(database_url: str, redis_url: str = "", **extra: str) -> dict:
    """The environment of the benchmark's own Django and of the servers it starts.

    ``redis_url`` empty: the benchmark's own process publishes nowhere (each
    server is given its Redis when it is started)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        # DEBUG off refuses to start without a named e-mail backend; none is sent here.
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SECURE_SSL_REDIRECT": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **extra,
    }


def machine_facts(redis_url: str) -> dict:
    """The machine, the libraries, the server, Redis and the database, for a report
    (Django set up)."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions(),
        "server": server_description(),
        "redis": redis_info(redis_url)["redis_version"],
        "database": database_description(),
    }


# Main ---------------------------------------------------------------------------------------


def scenario(args: argparse.Namespace) -> dict:
    """What the report says the room was, in webinar mode."""
    if args.mode != "webinar":
        return {}
    return {
        "room": "One webinar room (a live session of a public CoP)",
        "scenario": (
            f"Webinar mode: besides the chat below, {args.upvoters} other member sockets "
            f"upvote {args.questions} questions at {args.upvote_rate:g} a second in turn (no one "
            "twice for a question); each upvote reaches every listener as a `votes` frame "
            "(bare server: the same frame). Latency is measured on the chat messages; the "
            "`votes` frames are counted, and every room frame's seq is checked (none "
            "repeated, none missing). Upvoters and senders are spread over the processes."
        ),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listeners", default="200,500,1000", help="comma-separated counts")
    # 60 s = 300 messages: p99 then rests on a few messages, not on the one
    # that a stall of the machine happened to hit.
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of sending")
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second")
    parser.add_argument(
        "--layer",
        choices=["core", "pubsub", "both", "none"],
        default="both",
        help="channel layer(s) to measure; none: the bare server only",
    )
    parser.add_argument("--database-url", help="PostgreSQL server to use (default: SQLite file)")
    parser.add_argument("--redis-url", help="a running Redis (default: a private redis-server)")
    parser.add_argument(
        "--two-processes-from",
        type=int,
        default=TARGET_TWO_PROCESSES,
        help="from this many listeners on, two Daphne processes (default 1000)",
    )
    parser.add_argument(
        "--application",
        default=ASGI_APPLICATION,
        help=f"ASGI application Daphne serves (default {ASGI_APPLICATION})",
    )
    parser.add_argument("--client-processes", type=int, default=1, choices=[1, 2])
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--settle", type=float, default=3.0, help="quiet seconds before sending")
    parser.add_argument("--grace", type=float, default=15.0, help="seconds for stragglers")
    parser.add_argument("--senders", type=int, help="sender sockets (default: 5 × rate)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare server")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every case this many times, in turn, and pool each case's receipts",
    )
    parser.add_argument(
        "--section",
        default=SECTION,
        help=f"section of docs/benchmarks.md to replace (default {SECTION})",
    )
    parser.add_argument(
        "--mode",
        choices=["chat", "webinar"],
        default="chat",
        help="chat: a salon; webinar: a webinar room, chat plus question upvotes (--upvote-rate)",
    )
    parser.add_argument("--upvote-rate", type=float, default=20.0, help="upvotes per second")
    parser.add_argument("--questions", type=int, default=40, help="questions to upvote")
    parser.add_argument("--upvoters", type=int, default=40, help="upvoting member sockets")
    parser.add_argument(
        "--wire",
        default="on",
        help="Daphne cases: on (pushes framed once, realtime/wire.py), off (WIRE_FAST_PATH=0)"
        " or on,off (both, in turn in each round)",
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write results as JSON")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    try:
        args.counts = [int(n) for n in args.listeners.split(",") if n.strip()]
    except ValueError:
        parser.error("--listeners takes numbers separated by commas, e.g. 200,500,1000")
    if not args.counts or min(args.counts) < 1:
        parser.error("--listeners needs at least one positive number")
    if args.rate <= 0 or args.duration <= 0:
        parser.error("--rate and --duration must be positive")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.wires = [w.strip() for w in args.wire.split(",") if w.strip()]
    if not args.wires or set(args.wires) - {"on", "off"}:
        parser.error("--wire takes on, off or on,off")
    if args.mode == "webinar" and args.upvoters * args.questions < args.upvote_rate * args.duration:
        parser.error("--upvoters × --questions must cover --upvote-rate × --duration")
    if not re.fullmatch(r"[a-z0-9-]+", args.section):
        parser.error("--section takes lower-case letters, digits and dashes")
    # Each user may send 5 messages in 10 s, counted when the server writes
    # them: at 2 per 10 s, a sender stays under the limit even when a lagging
    # server writes its messages closer together than they were sent.
    args.senders = args.senders or max(1, math.ceil(args.rate * 5))
    return args


def measuring_options(argv: list[str]) -> list[str]:
    """The command-line options that change what is measured (not where results go)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--json", "--section"):
            skip = True
        elif not (arg.startswith(("--json=", "--section=")) or arg == "--no-write"):
            kept.append(arg)
    return kept


def stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt  # the same clean stop as Ctrl-C


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    open_files = raise_open_files_limit()
    needed = max(args.counts) + args.senders + args.upvoters + 100
    if open_files < needed:
        raise SystemExit(f"the open-files limit is {open_files}; {needed} are needed")
    layers = {"both": ["core", "pubsub"], "none": []}.get(args.layer, [args.layer])
    cases = []
    for count in args.counts:
        processes = 2 if count >= args.two_processes_from else 1
        for number in range(1, args.rounds + 1):
            if not args.no_bare:
                cases.append(Case("bare", None, count, 1, number))
            cases += [
                Case("channels", layer, count, processes, number, wire)
                for layer in layers
                for wire in args.wires
            ]

    workdir = Path(tempfile.mkdtemp(prefix="jekafo-fanout-"))
    database = None
    interrupted = False
    try:
        redis_url = args.redis_url or start_redis(workdir)
        database = prepare_database(args.database_url, workdir)
        base_env = server_env(database.url)
        os.environ.update(base_env)
        import django

        django.setup()
        from django.core.management import call_command

        print(f"Database {database.url.split('@')[-1]}, Redis {redis_url}, logs in {workdir}")
        call_command("migrate", verbosity=0, interactive=False)
        members = create_members(max(args.counts), f"{USER_PREFIX}-l")
        sender_sets = [
            create_members(args.senders, f"{USER_PREFIX}-s{number}-")
            for number in range(len(cases))
        ]
        upvoter_sets = [
            create_members(args.upvoters, f"{USER_PREFIX}-v{number}-")
            if args.mode == "webinar"
            else []
            for number in range(len(cases))
        ]
        from django.db import connections

        machine = {**machine_facts(redis_url), "load_average": round(os.getloadavg()[0], 2)}
        connections.close_all()

        results = []
        for number, case in enumerate(cases):
            in_round = f" (round {case.round})" if args.rounds > 1 else ""
            print(f"[{number + 1}/{len(cases)}] {case.label}{in_round}…", flush=True)
            try:
                result = run_case(
                    case,
                    args,
                    members,
                    sender_sets[number],
                    redis_url,
                    workdir,
                    base_env,
                    number,
                    upvoter_sets,
                )
            except (RuntimeError, OSError, TimeoutError) as exc:
                result = {**case.__dict__, "error": str(exc).splitlines()[0][:160]}
                print(f"    failed: {exc}", flush=True)
            else:
                print(
                    f"    p50 {fmt_ms(result['p50_ms'])} ms, p99 {fmt_ms(result['p99_ms'])} ms, "
                    f"{result['delivered']}/{result['expected']} delivered, "
                    f"connected in {result['connect_s']:.1f} s",
                    flush=True,
                )
            results.append(result)
            connections.close_all()
    except KeyboardInterrupt:
        interrupted = True
        print("\nInterrupted; stopping the servers.", file=sys.stderr)
    finally:
        CHILDREN.stop_all()
        if database is not None:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001, S110 — Django may not be set up yet
                pass
            drop_database(database)
    if interrupted:
        return 130

    ratio_to_bare(results)
    pooled = pool_rounds(results) if args.rounds > 1 else None
    strip_raw(results)
    command_args = " ".join(measuring_options(sys.argv[1:]))
    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "command": f"{COMMAND} {command_args}".strip(),
        "rate": args.rate,
        "duration": args.duration,
        "grace": args.grace,
        "settle": args.settle,
        "senders": args.senders,
        "client_processes": args.client_processes,
        "connect_concurrency": args.connect_concurrency,
        "title": TITLES.get(args.section, TITLES[SECTION]),
        "rounds": args.rounds,
        **scenario(args),
        "results": results,
        "pooled": pooled,
        "verdicts": verdicts(pooled or results),
    }
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"\nJSON: {args.json}")
    if not args.no_write:
        write_docs(report, args.section)
        print(f"Updated {DOCS.relative_to(ROOT)}")
    if any("error" in r or r["lost"] or log_text(r) != "none" for r in results):
        print(f"Server and client logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
