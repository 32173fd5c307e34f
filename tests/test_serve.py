"""``python -m config.serve``: Daphne, started on the event loop EVENT_LOOP chooses.

The reactor's writes themselves are tested in tests/test_reactor.py.
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config import serve
from tests.realtime._daphne import free_port, serve_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "uvloop"), ("", "uvloop"), ("uvloop", "uvloop"), (" Asyncio ", "asyncio")],
)
def test_the_loop_is_read_from_event_loop(value, expected):
    assert serve.choose_loop(value) == expected


def test_a_bad_event_loop_is_refused_with_the_value():
    with pytest.raises(
        serve.StartupError, match="EVENT_LOOP must be 'uvloop' or 'asyncio', not 'trio'"
    ):
        serve.choose_loop("trio")


def test_without_uvloop_the_default_is_asyncio_and_asking_for_it_fails(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError

    assert serve.choose_loop(None) == "asyncio"
    with pytest.raises(serve.StartupError, match="uvloop is not installed"):
        serve.choose_loop("uvloop")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), ("", True), ("1", True), (" On ", True), ("0", False), ("off", False)],
)
def test_write_through_is_read_from_write_through(value, expected):
    assert serve.choose_write_through(value) is expected


def test_a_bad_write_through_is_refused_with_the_value():
    with pytest.raises(serve.StartupError, match="WRITE_THROUGH must be 1 or 0 .*, not 'maybe'"):
        serve.choose_write_through("maybe")


def _environ(**env) -> dict:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("EVENT_LOOP", "WRITE_THROUGH")
    }
    environ.update(env)
    return environ


@pytest.mark.parametrize(
    ("value", "loop_class"), [("uvloop", "uvloop.Loop"), ("asyncio", "_UnixSelectorEventLoop")]
)
@pytest.mark.parametrize(
    ("write_through", "reactor_class"),
    [("1", "WriteThroughReactor"), ("0", "AsyncioSelectorReactor")],
)
def test_daphne_and_the_application_run_on_the_chosen_loop(
    value, loop_class, write_through, reactor_class
):
    """What Daphne sets as the current loop (and Channels runs on) is the reactor's."""
    code = (
        "import asyncio, sys; from config import serve; "
        "serve.install_reactor(serve.choose_loop(sys.argv[1]), "
        "write_through=serve.choose_write_through(sys.argv[2])); "
        "import daphne.server; from twisted.internet import reactor; "
        "loop = reactor._asyncioEventloop; "
        "print(type(reactor).__name__, type(loop).__module__ + '.' + type(loop).__qualname__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, value, write_through],
        cwd=ROOT,
        env=_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    reactor_name, loop_name = result.stdout.split()[-2:]
    assert reactor_name == reactor_class
    assert loop_name.endswith(loop_class)
    assert "non-asyncio Twisted reactor" not in result.stderr


def test_a_bad_event_loop_stops_start_up_with_a_message():
    result = subprocess.run(
        [sys.executable, "-m", "config.serve", "config.asgi:application"],
        cwd=ROOT,
        env=_environ(EVENT_LOOP="trio"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "EVENT_LOOP must be 'uvloop' or 'asyncio', not 'trio'" in result.stderr


def test_a_bad_write_through_stops_start_up_with_a_message():
    result = subprocess.run(
        [sys.executable, "-m", "config.serve", "config.asgi:application"],
        cwd=ROOT,
        env=_environ(WRITE_THROUGH="sometimes"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "WRITE_THROUGH must be 1 or 0 (on or off), not 'sometimes'" in result.stderr


def test_the_server_answers_and_stops_cleanly_on_sigterm(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(port),
            cwd=ROOT,
            env=_environ(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/static/css/site.css", timeout=5
                    ) as answer:
                        status = answer.status
                    break
                except OSError:
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            process.terminate()
            assert process.wait(timeout=30) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert status == 200
    assert "config.serve: event loop uvloop, writes at once" in log.read_text()
