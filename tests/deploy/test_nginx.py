"""
The deploy/ nginx site, for real, in front of two Daphne processes.

A self-signed certificate is made here; deploy/nginx/jekafo.conf is filled in
as an operator would (test ports on 127.0.0.1, paths in a temporary directory)
and run by nginx with every written path under that directory. The two Daphne
processes are started with the command line of deploy/systemd/jekafo@.service,
under production settings (DEBUG=0, BEHIND_PROXY=1, HTTPS redirect, HSTS), on
one database and one Redis. Then, over HTTPS verified against the certificate:
a page, a pre-compressed static file that nginx serves itself, media that is
not reachable, and a chat whose two members are on different processes.

Needs nginx, openssl and Redis (REDIS_URL): skipped without them, failed in CI.
Runs on the configured database, so in both passes of .ci/run (the stack takes
~30 s to start).
"""

import asyncio
import contextlib
import gzip
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.realtime._daphne import (
    ClusterDatabase,
    LiveClient,
    close_all,
    cluster_env,
    free_port,
    make_workdir,
    seed,
    shared_redis_url,
)

from ._tools import (
    BASE_DIR,
    make_certificate,
    render_main_config,
    render_site,
    require_tool,
    unit_command,
)

pytestmark = [pytest.mark.redis, pytest.mark.nginx]

HOST = "localhost"


def wait_listening(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited ({process.returncode}):\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"not listening on {port} after {timeout} s:\n{log.read_text()[-4000:]}")


def logged(stack: "Stack", wanted, timeout: float = 10) -> str:
    """The first Daphne access-log line that ``wanted`` accepts (written after the response)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := [line for line in stack.daphne_requests() if wanted(line)]:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no such Daphne access-log line:\n{stack.daphne_requests()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Stack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: list[subprocess.Popen] = []
        self.daphne_logs: list[Path] = []
        self.access_logs: list[Path] = []

    @property
    def base(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    def daphne_requests(self) -> list[str]:
        """Every request line the Daphne processes logged, each with its process's index."""
        lines = []
        for index, log in enumerate(self.access_logs):
            if log.exists():
                lines += [f"{index} {line}" for line in log.read_text().splitlines()]
        return lines

    def logs(self) -> str:
        parts = []
        for path in [*self.daphne_logs, *self.access_logs, self.workdir / "nginx-error.log"]:
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


@pytest.fixture(scope="module")
def stack(collected_static):
    nginx = require_tool("nginx", "/usr/sbin/nginx")
    openssl = require_tool("openssl")
    redis_url = shared_redis_url()

    workdir = make_workdir()
    workdir.chmod(0o755)  # nginx's workers (nobody when run as root) read the static files
    running = Stack(workdir)
    running.cert, key = make_certificate(workdir, openssl)
    running.media = workdir / "media"
    (running.media / "webinaires").mkdir(parents=True)
    (running.media / "webinaires" / "secret.txt").write_text("contenu privé\n")
    running.static_root = collected_static
    running.https_port, running.http_port = free_port(), free_port()
    ports = [free_port(), free_port()]

    database = ClusterDatabase(os.environ.get("DATABASE_URL", ""), workdir)
    env = cluster_env(database.url, redis_url)
    env.update(
        # Production, as deploy/systemd/jekafo.env.example has it.
        ALLOWED_HOSTS=HOST,
        BEHIND_PROXY="1",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SMTP_HOST="127.0.0.1",
        STATIC_ROOT=str(collected_static),
        MEDIA_ROOT=str(running.media),
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}:{running.https_port}",
    )
    try:
        database.create(env)
        for index, port in enumerate(ports):
            log = workdir / f"daphne-{index}.log"
            access = workdir / f"daphne-{index}-access.log"
            command = [*unit_command("jekafo@.service", str(port)), "--access-log", str(access)]
            with log.open("wb") as output:
                running.processes.append(
                    subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=output, stderr=output)
                )
            running.daphne_logs.append(log)
            running.access_logs.append(access)
        running.seeded = seed(env, 2)

        site = workdir / "jekafo.conf"
        site.write_text(
            render_site(
                server_name=HOST,
                cert=running.cert,
                key=key,
                static_root=collected_static,
                acme_root=workdir / "acme",
                http_port=running.http_port,
                https_port=running.https_port,
                upstream_ports=ports,
            )
        )
        conf = render_main_config(workdir, site)
        # -e: not even the log of start-up errors goes to nginx's default /var/log/nginx.
        in_workdir = ["-p", str(workdir), "-e", str(workdir / "nginx-error.log"), "-c", str(conf)]
        checked = subprocess.run(
            [nginx, "-t", *in_workdir],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
        nginx_log = workdir / "nginx-stderr.log"
        with nginx_log.open("wb") as output:
            running.processes.append(
                subprocess.Popen(
                    [nginx, *in_workdir, "-g", "daemon off;"],
                    stdout=output,
                    stderr=output,
                )
            )
        for process, port, log in zip(
            running.processes,
            [*ports, running.https_port],
            [*running.daphne_logs, nginx_log],
            strict=True,
        ):
            wait_listening(port, process, log)
        running.tls = ssl.create_default_context(cafile=str(running.cert))
        yield running
    finally:
        for process in reversed(running.processes):
            stop(process)
        print(running.logs())  # shown when a test failed
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def fetch(stack: Stack, path: str, headers: dict | None = None, cookie: str = ""):
    """GET over HTTPS through nginx; return (status, headers, raw body)."""
    # SNI and Host name the site, as a browser would; the certificate is checked for it.
    connection = http.client.HTTPSConnection(HOST, stack.https_port, context=stack.tls, timeout=20)
    try:
        all_headers = {"Host": f"{HOST}:{stack.https_port}", **(headers or {})}
        if cookie:
            all_headers["Cookie"] = cookie
        connection.request("GET", path, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_page_is_served_over_https_with_django_security_headers(stack):
    status, headers, body = fetch(stack, "/")
    assert status == 200, body[:500]
    # HTTPS as Django sees it (X-Forwarded-Proto): no redirect loop, and HSTS is sent.
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Server"].startswith("nginx")
    logged(stack, lambda line: '"GET /" 200' in line)


def test_plain_http_is_redirected_to_https(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    try:
        connection.request("GET", "/communautes/?page=2", headers={"Host": HOST})
        response = connection.getresponse()
        assert response.status == 301
        assert response.headers["Location"] == f"https://{HOST}/communautes/?page=2"
    finally:
        connection.close()


def test_other_host_names_are_refused_before_django(stack):
    context = ssl.create_default_context(cafile=str(stack.cert))
    context.check_hostname = False
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw,
        pytest.raises(ssl.SSLError),
    ):
        context.wrap_socket(raw, server_hostname="autre.example.org").close()
    before = len(stack.daphne_requests())
    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    try:
        connection.request("GET", "/", headers={"Host": "autre.example.org"})
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            connection.getresponse()
    finally:
        connection.close()
    assert len(stack.daphne_requests()) == before


def test_static_file_is_served_precompressed_by_nginx_not_daphne(stack):
    manifest = json.loads((stack.static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]
    on_disk = stack.static_root / hashed
    assert on_disk.with_name(on_disk.name + ".gz").is_file()  # written by collectstatic
    status, headers, body = fetch(stack, f"/static/{hashed}", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"].startswith("text/css")
    assert headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
    # The very bytes of the .gz that collectstatic wrote: gzip_static, not compressed on the fly.
    assert body == on_disk.with_name(on_disk.name + ".gz").read_bytes()
    assert gzip.decompress(body) == on_disk.read_bytes()
    # A client without gzip gets the file itself.
    status, headers, body = fetch(stack, f"/static/{hashed}")
    assert status == 200 and "Content-Encoding" not in headers and body == on_disk.read_bytes()
    # Neither request reached a Daphne process.
    assert not [line for line in stack.daphne_requests() if "/static/" in line]


def test_uploaded_files_are_not_reachable_outside_the_app(stack):
    for path in (
        "/media/webinaires/secret.txt",
        "/webinaires/secret.txt",
        "/static/../media/webinaires/secret.txt",
        "/static/%2e%2e/media/webinaires/secret.txt",
    ):
        status, _headers, body = fetch(stack, path)
        assert status in (400, 404), (path, status)
        assert "contenu privé".encode() not in body


def test_request_bodies_over_the_limit_are_refused_by_nginx(stack):
    connection = http.client.HTTPSConnection(HOST, stack.https_port, context=stack.tls, timeout=20)
    try:
        connection.request(
            "POST",
            "/connexion/",
            body=b"x" * (2 * 1024 * 1024),
            headers={"Host": f"{HOST}:{stack.https_port}", "Content-Type": "text/plain"},
        )
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    # No Daphne process saw it. Requests that did reach Daphne are logged a moment later, so
    # wait until requests sent after it are in the logs of both processes (nginx sends them
    # in turn), then look for its line (counting lines raced with earlier tests' requests).
    markers = [f"/?apres-413={n}" for n in range(4)]
    for marker in markers:
        fetch(stack, marker)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        logged = stack.daphne_requests()
        if all(any(marker in line for line in logged) for marker in markers):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the requests sent after the refused one never reached the Daphne logs")
    assert not [line for line in logged if '"POST /connexion/"' in line]


async def open_client(stack: Stack, cookie: str) -> LiveClient:
    return await LiveClient.connect(
        f"wss://{HOST}:{stack.https_port}/ws/rooms/{stack.seeded['room']}/",
        f"https://{HOST}:{stack.https_port}",
        cookie,
        ssl=stack.tls,
    )


def websocket_processes(stack: Stack) -> list[int]:
    """Which process (0 or 1) accepted each socket so far, in order."""
    return [
        int(line.split(" ", 1)[0])
        for line in stack.daphne_requests()
        if "WSCONNECT " in line and "/ws/rooms/" in line
    ]


def logged_sockets(stack: Stack, count: int, timeout: float = 10) -> None:
    """Wait until ``count`` sockets are in the access logs (written after the handshake)."""
    deadline = time.monotonic() + timeout
    while len(websocket_processes(stack)) < count:
        assert time.monotonic() < deadline, stack.daphne_requests()
        time.sleep(0.05)


async def test_chat_through_nginx_crosses_the_two_daphne_processes(stack):
    first_cookie, second_cookie = (member["cookie"] for member in stack.seeded["members"])
    clients = []
    try:
        async with asyncio.timeout(40):
            clients.append(await open_client(stack, first_cookie))
            await asyncio.to_thread(logged_sockets, stack, 1)
            # nginx balances in turn: open sockets for the second member until one lands on
            # the other process (the next one does, unless another request came in between).
            while len(set(websocket_processes(stack))) < 2:
                assert len(clients) < 6, websocket_processes(stack)
                clients.append(await open_client(stack, second_cookie))
                await asyncio.to_thread(logged_sockets, stack, len(clients))
            on_first, on_second = clients[0], clients[-1]
            accepted = websocket_processes(stack)
            assert accepted[0] != accepted[-1]

            ack = await on_first.send_message("via-nginx-1", "Bonjour à travers nginx")
            await on_second.wait_for_ids({ack["id"]})
            reply = await on_second.send_message("via-nginx-2", "Bien reçu, autre processus")
            await on_first.wait_for_ids({reply["id"]})
            assert on_second.messages[-1]["message"]["body"] == "Bonjour à travers nginx"
            assert on_first.messages[-1]["message"]["body"] == "Bien reçu, autre processus"
    finally:
        await close_all(clients)


def test_a_forged_forwarded_address_does_not_reach_daphne(stack):
    """nginx sets X-Forwarded-For to the peer's address; Daphne (--proxy-headers) uses it."""
    status, _headers, _body = fetch(stack, "/?adresse", {"X-Forwarded-For": "203.0.113.9"})
    assert status == 200
    line = logged(stack, lambda line: "/?adresse" in line)
    assert "203.0.113.9" not in line and " 127.0.0.1:" in line


def test_http_url_opener_trusts_only_the_test_certificate(stack):
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=stack.tls)
    )
    with opener.open(f"{stack.base}/", timeout=20) as response:
        assert response.status == 200
    other = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(context=ssl.create_default_context()),
    )
    with pytest.raises(urllib.error.URLError):
        other.open(f"{stack.base}/", timeout=20)
