"""
config/reactor.py: Twisted's asyncio reactor, writing to a socket at once when it can.

Each case runs tests/_reactor_probe.py in a process of its own (a Twisted
reactor is installed once per process) over real loopback connections.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "tests" / "_reactor_probe.py"


def probe(loop: str, write_through: bool) -> dict:
    result = subprocess.run(
        [sys.executable, str(PROBE), loop, "1" if write_through else "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_small_writes_go_out_at_once_and_every_byte_arrives_in_order(loop):
    found = probe(loop, write_through=True)

    assert found["reactor"] == "WriteThroughReactor"
    order = found["order"]
    # 100 small writes into an empty buffer: none left for the reactor to watch.
    assert order["small_writes_watched"] == 0
    # What the socket could not take is the reactor's to finish, as before;
    # the small writes after it queued behind it: every byte, in order.
    assert order["big_write_watched"] is True
    assert order["intact"] is True, order
    # A peer that resets the connection: the server sees it lost, nothing hangs.
    assert found["peer_gone"] == {"lost": True, "reason": "ConnectionLost"}
    assert found["echo"] == {"rounds": 500, "intact": True}
    # Closing right after writes that went out at once still closes the socket
    # (loseConnection asks to be watched before it marks itself disconnecting).
    assert found["close"] == {
        "watched_before_close": False,
        "server_closed": True,
        "client_closed": True,
        "intact": True,
    }
    assert "timed_out" not in found


def test_without_write_through_twisted_watches_every_write():
    """The control: Twisted's own reactor leaves every write to the next turn of the loop."""
    found = probe("uvloop", write_through=False)

    assert found["reactor"] == "AsyncioSelectorReactor"
    assert found["order"]["small_writes_watched"] == 100
    assert found["order"]["intact"] is True
    assert found["peer_gone"]["lost"] is True
    assert found["echo"]["intact"] is True
    assert found["close"] == {
        "watched_before_close": True,
        "server_closed": True,
        "client_closed": True,
        "intact": True,
    }
    assert "timed_out" not in found
