"""
The total request-body limit (config/body_limit.py), on a real Daphne.

``python -m config.serve`` runs on a loopback port with a 2 MB limit. A
body declared larger is answered 413 as soon as its headers are read; a
chunked body is cut off with a 413 once it passes the limit; in both cases
the process's memory does not grow with what the client sends (it grew by
~1.2 GB for a 100 MB POST before). A body under the limit still reaches the
application.
"""

import os
import select
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from daphne import http_protocol

from config import body_limit
from tests.realtime._daphne import free_port, serve_command

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 2 * 1024 * 1024
MB = 1024 * 1024
# A session's recording: the one route with a larger limit (plus body_limit.FORM_MARGIN).
RECORDING_LIMIT = 4 * MB
RECORDING_PATH = "/webinaires/1/enregistrement/"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("body-limit") / "serve.log"
    env = {k: v for k, v in os.environ.items() if k not in ("EVENT_LOOP", "WRITE_THROUGH")}
    env["REQUEST_BODY_MAX_BYTES"] = str(LIMIT)
    env["RECORDING_MAX_BYTES"] = str(RECORDING_LIMIT)
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(port),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    url = f"http://127.0.0.1:{port}/static/css/site.css"
                    urllib.request.urlopen(url, timeout=5).close()
                    break
                except OSError:
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            yield process, port, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def head(port: int, headers: dict[str, str], path: str = "/compte/langue/") -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=20)
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return connection


def read_answer(connection: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := connection.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and len(answer) > 200:
                break
    except (ConnectionResetError, TimeoutError):
        pass
    return answer


def send_until_answered(connection: socket.socket, chunks, total: int) -> int:
    """Send ``chunks`` until ``total`` bytes went or the server answered; return bytes sent."""
    sent = 0
    connection.setblocking(False)
    for chunk in chunks:
        if sent >= total:
            break
        readable, _w, _x = select.select([connection], [], [], 0)
        if readable:
            break
        try:
            _r, writable, _x = select.select([], [connection], [], 5)
            if not writable:
                break
            sent += connection.send(chunk)
        except (BrokenPipeError, ConnectionResetError, BlockingIOError):
            break
    connection.setblocking(True)
    connection.settimeout(20)
    return sent


def test_a_body_declared_above_the_limit_is_413_before_it_is_read(server):
    process, port, _log = server
    before = rss_kib(process.pid)
    connection = head(
        port,
        {
            "Content-Length": str(100 * MB),
            "Content-Type": "application/x-www-form-urlencoded",
            "Expect": "100-continue",
        },
    )
    with connection:
        answer = read_answer(connection)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in answer
    assert b"trop volumineux (2 Mo au plus)" in answer
    assert rss_kib(process.pid) - before < 20 * 1024


def test_a_large_declared_body_sent_anyway_is_dropped_not_buffered(server):
    process, port, _log = server
    before = rss_kib(process.pid)
    connection = head(port, {"Content-Length": str(100 * MB), "Content-Type": "text/plain"})
    with connection:
        block = b"x" * 65536
        send_until_answered(connection, iter(lambda: block, None), 100 * MB)
        answer = read_answer(connection)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert rss_kib(process.pid) - before < 20 * 1024


def test_a_chunked_body_is_cut_off_at_the_limit(server):
    process, port, _log = server
    before = rss_kib(process.pid)
    connection = head(port, {"Transfer-Encoding": "chunked", "Content-Type": "text/plain"})
    block = b"x" * 65536
    chunk = b"%x\r\n" % len(block) + block + b"\r\n"
    with connection:
        sent = send_until_answered(connection, iter(lambda: chunk, None), 100 * MB)
        answer = read_answer(connection)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert sent < 40 * MB  # stopped early, not after all of it
    assert rss_kib(process.pid) - before < 20 * 1024


def test_a_body_under_the_limit_reaches_the_application(server):
    _process, port, _log = server
    body = b"language=en&next=%2F&filler=" + b"x" * (LIMIT - 1024)
    connection = head(
        port,
        {
            "Content-Length": str(len(body)),
            "Content-Type": "application/x-www-form-urlencoded",
            "Connection": "close",
        },
    )
    with connection:
        connection.sendall(body)
        answer = read_answer(connection)
    # Django read the form (the CSRF check does, first) and refused it for that, not for size.
    assert answer.startswith(b"HTTP/1.1 403 ")


def post_declared(port: int, path: str, size: int) -> bytes:
    """POST ``size`` bytes to ``path`` (declared, then sent unless refused); the answer."""
    connection = head(
        port,
        {
            "Content-Length": str(size),
            "Content-Type": "application/x-www-form-urlencoded",
            "Connection": "close",
        },
        path,
    )
    with connection:
        block = b"x" * 65536
        send_until_answered(connection, iter(lambda: block, None), size)
        return read_answer(connection)


def test_the_recording_route_alone_takes_a_recording_sized_body(server):
    _process, port, _log = server
    size = 3 * MB  # above the general limit, under the recording's
    # Django read it all (the CSRF check refused it, not the size).
    assert post_declared(port, RECORDING_PATH, size).startswith(b"HTTP/1.1 403 ")
    for other in (
        "/webinaires/1/documents/",
        "/webinaires/1/enregistrement/retirer/",
        "/compte/langue/",
        "/webinaires/1/enregistrement/x",
    ):
        assert post_declared(port, other, size).startswith(b"HTTP/1.1 413 "), other
    # Above the recording's own limit, refused there too.
    too_big = RECORDING_LIMIT + body_limit.FORM_MARGIN + 1
    answer = post_declared(port, RECORDING_PATH, too_big)
    assert answer.startswith(b"HTTP/1.1 413 ") and b"(5 Mo au plus)" in answer


def test_body_limit_per_path(settings):
    settings.REQUEST_BODY_MAX_BYTES = 11 * MB
    settings.RECORDING_MAX_BYTES = 200 * MB
    assert body_limit.limit(b"/webinaires/7/enregistrement/") == 201 * MB
    assert body_limit.limit(b"/webinaires/7/enregistrement/?x=1") == 201 * MB
    for other in (
        b"",
        b"/",
        b"/webinaires/7/documents/",
        b"/webinaires/x/enregistrement/",
        b"http://evil/webinaires/7/enregistrement/",
        b"/webinaires/7/enregistrement/a",
    ):
        assert body_limit.limit(other) == 11 * MB, other


def test_the_server_logged_no_traceback(server):
    _process, _port, log = server
    assert "Traceback" not in log.read_text()


def test_daphne_builds_requests_from_its_module_name():
    """config.body_limit replaces http_protocol.WebRequest; HTTPFactory must look it up there."""
    original = http_protocol.WebRequest
    try:
        body_limit._installed = False
        body_limit.install()
        factory = http_protocol.HTTPFactory(server=None)
        protocol = factory.buildProtocol(("127.0.0.1", 0))
        assert protocol.requestFactory.__name__ == "LimitedWebRequest"
        assert issubclass(protocol.requestFactory, original)
    finally:
        http_protocol.WebRequest = original
        body_limit._installed = False
