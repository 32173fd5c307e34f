"""
A throw-away cluster for the multi-process tests: a database that several
processes share, real Daphne processes on Redis, and a WebSocket client.

pytest-django's test database lives in memory (SQLite) or is reached only by
the test process, so the cluster gets its own: a SQLite file, or a PostgreSQL
database created beside the one DATABASE_URL names, dropped afterwards. Its
rows are written by ``python -m tests.realtime._daphne seed`` run with the
cluster's environment, i.e. by the application's own models and services.

Only the standard library is imported at module level: the same file is the
seeding script, which sets Django up itself.
"""

import asyncio
import contextlib
import json
import os
import queue
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)
# Keys of the core layer go to a Redis database of their own; pub/sub channels
# ignore database numbers, so the seed also picks random ids for the rooms and
# users whose group names cross Redis.
CLUSTER_REDIS_DB = 5


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def cluster_redis_url(redis_url: str) -> str:
    return _with_path(redis_url, f"/{CLUSTER_REDIS_DB}")


def redis_answers(redis_url: str) -> bool:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return client.ping() is True
    except redis.RedisError:
        return False
    finally:
        client.close()


# Database ----------------------------------------------------------------------------


class ClusterDatabase:
    """A migrated database of its own, on the engine DATABASE_URL selects."""

    def __init__(self, base_url: str, workdir: Path) -> None:
        self.base_url = base_url
        self.postgres = base_url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            self.name = f"jekafo_cluster_{secrets.token_hex(4)}"
            self.url = _with_path(base_url, f"/{self.name}")
        else:
            self.path = workdir / "cluster.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def create(self, env: dict[str, str]) -> None:
        if self.postgres:
            self._admin(f'CREATE DATABASE "{self.name}"')
        run_python(["manage.py", "migrate", "--no-input", "-v0"], env, timeout=180)

    def drop(self) -> None:
        if self.postgres:
            # FORCE: a killed process's connections may linger a moment.
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.base_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(sql)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the cluster's database directly; ``sql`` uses %s placeholders."""
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url, connect_timeout=10) as connection:
                return connection.execute(sql, params).fetchall()
        with contextlib.closing(sqlite3.connect(self.path, timeout=20)) as connection:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()


def run_python(args: list[str], env: dict[str, str], *, timeout: float) -> str:
    result = subprocess.run(
        [str(PYTHON), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}"
        )
    return result.stdout


def seed(env: dict[str, str], members: int) -> dict:
    """Create a public CoP, its salon and ``members`` signed-in members; return their ids."""
    output = run_python(["-m", "tests.realtime._daphne", "seed", str(members)], env, timeout=60)
    return json.loads(output.strip().splitlines()[-1])


def _seed_main(members: int) -> None:
    """Run in a subprocess with the cluster's environment: print the seeded ids as JSON."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from forum.models import Community, Membership, User
    from rooms import services as room_services
    from rooms.models import Room

    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    cookie = settings.SESSION_COOKIE_NAME
    tag = secrets.token_hex(4)

    # Group names (room.<id>, user.<id>) cross Redis, which other runs may share.
    def random_id() -> int:
        return secrets.randbelow(2**31 - 10**6) + 10**6

    community = Community.objects.create(
        pk=random_id(),
        name=f"Salon de grappe {tag}",
        slug=f"grappe-{tag}",
        summary="Deux processus Daphne, un salon.",
        visibility=Community.Visibility.PUBLIC,
    )
    room = Room.objects.create(
        pk=random_id(), community=community, kind="salon", title=community.name
    )
    assert room_services.ensure_salon(community).pk == room.pk
    people = []
    for number in range(1, members + 1):
        user = User.objects.create_user(
            pk=random_id(),
            username=f"grappe-{tag}-{number}",
            display_name=f"Membre {number} de la grappe",
            password=None,
        )
        Membership.objects.create(user=user, community=community, role=Membership.Role.MEMBER)
        session = session_store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        people.append({"id": user.pk, "cookie": f"{cookie}={session.session_key}"})
    print(json.dumps({"room": room.pk, "community": community.pk, "members": people}))


# Daphne processes --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_command(port: int) -> list[str]:
    """Daphne as production starts it (config/serve.py), on 127.0.0.1:``port``."""
    return [
        str(PYTHON),
        "-m",
        "config.serve",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "config.asgi:application",
    ]


class DaphneProcess:
    """One ``daphne config.asgi:application`` on a port of its own."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = workdir / f"daphne-{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            serve_command(self.port),
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log_tail(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne {self.name} exited:\n{self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return
            time.sleep(0.1)
        raise RuntimeError(f"daphne {self.name} did not listen in {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """Die at once, as in a crash or an OOM kill: no close frame, no cleanup."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


class SlowLink:
    """A TCP relay to Redis that holds what a process sends for ``delay`` seconds.

    Given to one process of the cluster, a delay makes that process publish
    each change late, as a loaded host or a far network would: the other
    process's next change overtakes it, and clients see the gap that the
    consumers fill from the database. Answers from Redis pass at once.
    ``delay`` may change at any time; it starts at 0.
    """

    def __init__(self, redis_url: str) -> None:
        parts = urlsplit(redis_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.delay = 0.0
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        self.url = urlunsplit(
            (parts.scheme, f"{netloc}127.0.0.1:{port}", parts.path, parts.query, "")
        )
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                return  # closed
            server.settimeout(None)
            self.sockets += [client, server]
            chunks: queue.Queue = queue.Queue()
            for target, args in (
                (self._read, (client, chunks)),
                (self._write_late, (chunks, server)),
                (self._pump, (server, client)),
            ):
                threading.Thread(target=target, args=args, daemon=True).start()

    def _read(self, source: socket.socket, chunks: queue.Queue) -> None:
        data = b"x"
        while data:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            chunks.put((time.monotonic() + self.delay, data))

    @staticmethod
    def _write_late(chunks: queue.Queue, target: socket.socket) -> None:
        while True:
            due, data = chunks.get()
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                if not data:
                    target.shutdown(socket.SHUT_WR)
                    return
                target.sendall(data)
            except OSError:
                return

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        for sock in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                sock.close()


class Cluster:
    """The shared database and two Daphne processes, ``a`` and ``b``, started once.

    ``a`` reaches Redis through ``link``, a ``SlowLink`` (plain redis:// only).
    ``prepare()`` gives each test a fresh room with its members and an
    undelayed link, and first brings back a process the previous test killed.
    """

    def __init__(
        self,
        database: ClusterDatabase,
        env: dict[str, str],
        workdir: Path,
        *,
        slow_link: bool = True,
    ) -> None:
        self.database = database
        self.env = env
        self.workdir = workdir
        # Without it (slow_link=False) both processes reach Redis directly: the
        # relay gives up for good when Redis refuses a connection (a fault test).
        plain = slow_link and urlsplit(env["REDIS_URL"]).scheme == "redis"
        self.link = SlowLink(env["REDIS_URL"]) if plain else None
        self.env_a = {**env, "REDIS_URL": self.link.url} if self.link else env
        self.generation = 0
        self.a = self._start("a")
        self.b = self._start("b")
        self.room = 0
        self.community = 0
        self.member_ids: list[int] = []
        self.cookies: list[str] = []

    def _start(self, name: str) -> DaphneProcess:
        self.generation += 1
        env = self.env_a if name == "a" else self.env
        return DaphneProcess(f"{name}{self.generation}", env, self.workdir)

    def prepare(self, members: int = 7) -> None:
        if self.link is not None:
            self.link.delay = 0.0
        for name in ("a", "b"):
            process = getattr(self, name)
            if process.process.poll() is not None:
                process.stop()
                setattr(self, name, self._start(name))
        # The processes start while the seed runs, each in its own interpreter.
        seeded = seed(self.env, members)
        self.a.wait_ready()
        self.b.wait_ready()
        self.room = seeded["room"]
        self.community = seeded["community"]
        self.member_ids = [person["id"] for person in seeded["members"]]
        self.cookies = [person["cookie"] for person in seeded["members"]]

    def stop(self) -> None:
        for process in (self.a, self.b):
            process.stop()
        if self.link is not None:
            self.link.close()

    def logs(self) -> str:
        return "\n".join(f"--- daphne {p.name}\n{p.log_tail()}" for p in (self.a, self.b))


def cluster_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(BASE_DIR),
        # Production settings served on plain http://127.0.0.1: no redirect to HTTPS,
        # and e-mails printed (DEBUG off refuses to start without a named backend).
        SECURE_SSL_REDIRECT="0",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    return env


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="jekafo-cluster-"))


def shared_redis_url() -> str:
    """The cluster's database of the Redis that REDIS_URL names, answering.

    Without REDIS_URL, or when that Redis does not answer, the test is skipped
    (it fails under CI=true, which must provide Redis). pytest is imported here,
    not at module level: this file is also the seeding script."""
    import pytest

    from tests.test_infrastructure import require_service

    redis_url = cluster_redis_url(require_service("Redis", "REDIS_URL"))
    if not redis_answers(redis_url):
        message = f"Redis does not answer at {redis_url}."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} CI must provide Redis.", pytrace=False)
        pytest.skip(message)
    return redis_url


@contextlib.contextmanager
def running_cluster(
    redis_url: str,
    cluster_class: type[Cluster] = Cluster,
    extra_env: dict[str, str] | None = None,
    *,
    static: bool = False,
    **options,
):
    """A throw-away database and a started ``cluster_class`` on ``redis_url``.

    ``extra_env`` adds to (or overrides) ``cluster_env``'s settings of both
    processes; ``static`` collects the static files first (pages and pushed
    posts draw icons from the manifest of production settings); ``options`` go
    to the cluster (``slow_link=False``). The
    processes are stopped, the database dropped and the work directory removed
    afterwards. No room yet: call ``prepare()``."""
    workdir = make_workdir()
    database = ClusterDatabase(os.environ.get("DATABASE_URL", ""), workdir)
    env = {**cluster_env(database.url, redis_url), **(extra_env or {})}
    running = None
    try:
        if static:
            env["STATIC_ROOT"] = str(workdir / "static")
            run_python(["manage.py", "collectstatic", "--no-input", "-v0"], env, timeout=180)
        # Daphne touches the database only when a socket opens: start it during the migration.
        running = cluster_class(database, env, workdir, **options)
        database.create(env)
        yield running
    finally:
        if running is not None:
            running.stop()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


# WebSocket client --------------------------------------------------------------------


async def open_socket(url: str, origin: str, cookie: str, ssl=None) -> tuple:
    """Open a live socket (room or thread) as the session ``cookie``; (connection, hello)."""
    from websockets.asyncio.client import connect

    connection = await connect(
        url,
        ssl=ssl,
        origin=origin,
        additional_headers={"Cookie": cookie},
        proxy=None,
        open_timeout=10,
        close_timeout=2,
    )
    async with asyncio.timeout(10):
        hello = json.loads(await connection.recv())
    assert hello["type"] == "hello", hello
    return connection, hello


class LiveClient:
    """A room socket that keeps every ``message`` frame it receives, in arrival order."""

    def __init__(self, connection, hello: dict) -> None:
        self.connection = connection
        self.hello = hello
        self.messages: list[dict] = []
        self.acks: dict[str, dict] = {}

    @classmethod
    async def open(
        cls, port: int, cookie: str, room_id: int, *, after: int | None = None
    ) -> "LiveClient":
        """Connect as the member whose session ``cookie`` ("sessionid=…") is given."""
        query = "" if after is None else f"?after={after}"
        return await cls.connect(
            f"ws://127.0.0.1:{port}/ws/rooms/{room_id}/{query}",
            f"http://127.0.0.1:{port}",
            cookie,
        )

    @classmethod
    async def connect(cls, url: str, origin: str, cookie: str, ssl=None) -> "LiveClient":
        """Open ``url`` (a room's socket, straight or through nginx with ``ssl``) as the
        member whose session ``cookie`` is given; her ``hello`` must let her post."""
        connection, hello = await open_socket(url, origin, cookie, ssl=ssl)
        assert hello["user"] is not None and hello["can_post"], hello
        return cls(connection, hello)

    async def next_frame(self) -> dict:
        frame = json.loads(await self.connection.recv())
        if frame["type"] == "message":
            self.messages.append(frame)
        elif frame["type"] == "ack":
            self.acks[frame["key"]] = frame
        elif frame["type"] == "error":
            raise AssertionError(f"error frame: {frame}")
        return frame

    async def wait_for(self, predicate, timeout: float = 10) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next_frame()
                if predicate(frame):
                    return frame

    async def push(self, key: str, body: str) -> None:
        await self.connection.send(json.dumps({"type": "send", "key": key, "body": body}))

    async def ack(self, key: str, timeout: float = 10) -> dict:
        """Return the ack of the ``send`` with ``key``, once it arrives."""
        if key not in self.acks:
            await self.wait_for(
                lambda frame: frame["type"] == "ack" and frame["key"] == key, timeout
            )
        return self.acks[key]

    async def send_message(self, key: str, body: str, timeout: float = 10) -> dict:
        """Send, and return the ack."""
        await self.push(key, body)
        return await self.ack(key, timeout)

    async def wait_for_ids(self, wanted: set[int], timeout: float = 10) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not wanted <= set(ids(self.messages)):
                    await self.next_frame()
        except TimeoutError:
            missing = sorted(wanted - set(ids(self.messages)))
            received = [(frame["seq"], frame["message"]["id"]) for frame in self.messages]
            raise AssertionError(
                f"no message frame within {timeout} s for ids {missing}; "
                f"received (seq, id): {received}"
            ) from None

    async def drain(self, seconds: float) -> None:
        """Read whatever arrives during ``seconds`` (a late duplicate would land here)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    await self.next_frame()

    async def wait_closed(self, timeout: float = 10) -> None:
        from websockets.exceptions import ConnectionClosed

        with contextlib.suppress(ConnectionClosed):
            async with asyncio.timeout(timeout):
                while True:
                    await self.next_frame()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.connection.close()


async def close_all(clients) -> None:
    """Close the sockets at once: each close handshake takes Daphne a moment."""
    await asyncio.gather(*(client.close() for client in clients if client is not None))


def seqs(frames: list[dict]) -> list[int]:
    return [frame["seq"] for frame in frames]


def ids(frames: list[dict]) -> list[int]:
    return [frame["message"]["id"] for frame in frames]


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command != "seed":
        raise SystemExit(f"unknown command: {command}")
    _seed_main(int(arguments[0]))
