"""
What bench/thread_live.py and bench/resume.py share, on top of bench/fanout.py's machinery.

fanout.py starts the processes (Daphne, a private redis-server), makes the
throw-away database and the signed-in members; this module sets up a run the
same way (environment, Django, database, Redis), starts a case's Daphne
processes, reads their memory from /proc and writes a section of
docs/benchmarks.md.
"""

import contextlib
import datetime
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _sections  # noqa: E402
import fanout  # noqa: E402

ROOT = fanout.ROOT
DOCS = fanout.DOCS


@dataclass
class Run:
    """A benchmark run: its work directory, Redis, database and the servers' environment."""

    workdir: Path
    redis_url: str
    database: fanout.Database
    env: dict
    machine: dict = field(default_factory=dict)

    def close(self, keep: bool) -> None:
        fanout.CHILDREN.stop_all()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        fanout.drop_database(self.database)
        if keep:
            print(f"Server logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def start_run(prefix: str, database_url: str | None, redis_url: str | None) -> Run:
    """A work directory, a private Redis, a migrated database; Django set up on it."""
    fanout.raise_open_files_limit()
    workdir = Path(tempfile.mkdtemp(prefix=f"jekafo-{prefix}-"))
    redis = redis_url or fanout.start_redis(workdir)
    database = fanout.prepare_database(database_url, workdir)
    env = fanout.server_env(
        database.url,
        # Pages and pushed posts draw icons from the manifest: collected here, once.
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    machine = fanout.machine_facts(redis)
    print(f"Database {database.url.split('@')[-1]}, Redis {redis}, logs in {workdir}", flush=True)
    return Run(workdir, redis, database, env, machine)


def start_daphnes(run: Run, count: int, name: str, extra_env: dict | None = None):
    """Start ``count`` Daphne processes on Redis (pub/sub layer); return (ports, pids, logs)."""
    env = {**run.env, "REDIS_URL": run.redis_url, "CHANNEL_LAYER": "pubsub", **(extra_env or {})}
    ports, started, logs = fanout.start_daphnes(
        count, env, run.workdir, log_name=f"{name}-daphne-{{index}}.log"
    )
    return ports, [process.pid for process in started], logs


def stop(pids: list[int]) -> None:
    for pid in pids:
        fanout.CHILDREN.stop(pid)


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB, from /proc/<pid>/status (VmRSS)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def percentile(values: list[float], q: float) -> float:
    return fanout.percentile(sorted(values), q) if values else float("nan")


def now_text() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def write_section(name: str, text: str) -> None:
    """Replace the section ``name`` of docs/benchmarks.md (bench/_sections.py), keep the rest."""
    _sections.write_section(name, text.rstrip())
    print(f"Updated {DOCS.relative_to(ROOT)}")


def machine_text(machine: dict) -> str:
    return (
        f"{machine['cpus']} CPUs, {machine['platform']}, Python {machine['python']}; "
        f"{machine['versions']}; {machine['server']}; Redis {machine['redis']}; "
        f"{machine['database']}"
    )
