"""
A Redis server of a test's (or a benchmark's) own, to pause, resume or kill.

The Redis that REDIS_URL names is shared with other runs: a fault is never
played on it. This one runs ``redis-server`` on a free port, in the
foreground of a child process, so SIGSTOP pauses it as a frozen host would
(connections stay open, nothing answers) and SIGKILL drops it.

Only the standard library is imported: bench/faults.py uses it too.
"""

import shutil
import signal
import socket
import subprocess
import tempfile
import time


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


class PrivateRedis:
    def __init__(self) -> None:
        self.binary = redis_server_binary()
        if self.binary is None:
            raise RuntimeError("redis-server is not installed")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="jekafo-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def pause(self) -> None:
        """Stop answering (SIGSTOP): sockets stay open, every command waits."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """Die at once (SIGKILL), as in a crash: every connection drops, nothing is kept."""
        self.process.kill()
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """A new server on the same port, empty (``--save ""``), as after a crash."""
        self.start()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
