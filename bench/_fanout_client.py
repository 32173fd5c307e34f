"""
WebSocket client side of bench/fanout.py: listeners and senders of one chat room.

Listeners run in a child process of the benchmark (``python bench/_fanout_client.py``),
so that their CPU time is their own and one client process can be split in two.
The child and the benchmark talk in JSON lines:

1. the benchmark writes the spec (URLs, session cookies, run token);
2. the child opens every socket (``connect_concurrency`` handshakes at a time),
   waits for each ``hello`` and writes ``{"event": "ready", …}``;
3. the benchmark writes ``{"event": "measure"}`` when the senders start, then
   ``{"event": "stop", "expected": [n…], "deadline": <epoch s>}`` once they are
   done: the child waits until every listener holds every expected message or
   the deadline passes, writes ``{"event": "result", …}``, closes its sockets
   and exits.

Senders run in the benchmark's own process (``run_senders``), one message at
a time in turn from a pool of sockets, because the protocol limits each user
to 5 messages in 10 s and each socket to 30 frames in 10 s.

A sent body reads ``fanout <token> n=<number> t=<time.time_ns()>``: plain
words and digits, which come back unchanged through HTML escaping and
linkifying, so a listener reads the send time straight out of
``message.html`` and the latency is its receive time minus that time (one
machine, one clock).
"""

import asyncio
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

USER_AGENT = "jekafo-fanout-bench"
HELLO_TIMEOUT = 60.0


def open_socket(url: str, session_key: str | None, open_timeout: float):
    """Connect like a browser on the page: Origin, session cookie, no compression."""
    origin = "http://" + urlsplit(url).netloc
    headers = {"Cookie": f"sessionid={session_key}"} if session_key else None
    # Neither Daphne nor the bare server negotiates permessage-deflate; the
    # client does not offer it, so no server compresses per socket. No client
    # pings: browsers only answer the server's, which websockets does too.
    return connect(
        url,
        origin=origin,
        additional_headers=headers,
        compression=None,
        proxy=None,
        open_timeout=open_timeout,
        ping_interval=None,
        close_timeout=5,
        max_size=2**20,
        user_agent_header=USER_AGENT,
    )


async def wait_hello(ws: ClientConnection) -> dict:
    """Return the ``hello`` frame; raise ConnectionClosed when the server refuses."""
    async with asyncio.timeout(HELLO_TIMEOUT):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == "hello":
                return frame


def close_reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        return f"close {exc.rcvd.code}" if exc.rcvd else "dropped (1006)"
    if isinstance(exc, InvalidStatus):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return type(exc).__name__


# Listeners ----------------------------------------------------------------------------------


@dataclass
class Listener:
    url: str
    session_key: str | None
    ws: ClientConnection | None = None
    heartbeat: float = 25.0
    # message number → receive time minus send time, in microseconds; first receipt only
    latencies: dict[int, int] = field(default_factory=dict)
    duplicates: int = 0
    out_of_order: int = 0
    last_n: int = -1
    closed: str | None = None


class ListenerProcess:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.pattern = re.compile(rf"fanout {re.escape(spec['token'])} n=(\d+) t=(\d+)")
        self.listeners = [
            Listener(url, key) for url, key in zip(spec["urls"], spec["session_keys"], strict=True)
        ]
        self.phase = "connect"
        self.frames: dict[str, dict[str, int]] = {}  # phase → frame type → count
        self.bytes: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        self.complete = asyncio.Event()
        self.expected: set[int] = set()
        self.waiting: set[int] | None = None  # ids of listeners still missing a message
        self.tasks: list[asyncio.Task] = []

    def count(self, kind: str, size: int) -> None:
        counts = self.frames.setdefault(self.phase, {})
        counts[kind] = counts.get(kind, 0) + 1
        self.bytes[self.phase] = self.bytes.get(self.phase, 0) + size

    async def open(self, listener: Listener, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                listener.ws = await open_socket(
                    listener.url, listener.session_key, self.spec.get("open_timeout", 30)
                )
                hello = await wait_hello(listener.ws)
            except Exception as exc:  # noqa: BLE001 — every failure is a figure
                reason = close_reason(exc)
                self.failures[reason] = self.failures.get(reason, 0) + 1
                listener.closed = reason
                if listener.ws is not None:
                    await listener.ws.close()
                return
            listener.heartbeat = float(hello.get("heartbeat") or 25)
        self.tasks.append(asyncio.create_task(self.read(listener)))
        self.tasks.append(asyncio.create_task(self.keep_alive(listener)))

    async def read(self, listener: Listener) -> None:
        pattern = self.pattern
        try:
            async for raw in listener.ws:
                received = time.time_ns()
                frame = json.loads(raw)
                kind = frame.get("type", "?")
                self.count(kind, len(raw))
                if kind != "message":
                    continue
                found = pattern.search(frame["message"]["html"])
                if found is None:
                    continue
                n, sent = int(found[1]), int(found[2])
                if n in listener.latencies:
                    listener.duplicates += 1
                    continue
                listener.latencies[n] = (received - sent) // 1000
                if n < listener.last_n:
                    listener.out_of_order += 1
                listener.last_n = max(listener.last_n, n)
                if self.waiting is not None and self.expected <= listener.latencies.keys():
                    self.done(listener)
        except ConnectionClosed as exc:
            listener.closed = close_reason(exc)
            if self.waiting is not None:
                self.done(listener)

    async def keep_alive(self, listener: Listener) -> None:
        """Send the protocol's ``ping`` every heartbeat, each socket at its own phase."""
        await asyncio.sleep(random.uniform(0, listener.heartbeat))
        while True:
            try:
                await listener.ws.send('{"type": "ping"}')
            except ConnectionClosed:
                return
            await asyncio.sleep(listener.heartbeat)

    def done(self, listener: Listener) -> None:
        """Count a listener out of the wait: it holds every expected message, or it closed."""
        self.waiting.discard(id(listener))
        if not self.waiting:
            self.complete.set()

    async def connect_all(self) -> dict:
        gate = asyncio.Semaphore(self.spec.get("connect_concurrency", 50))
        started = time.perf_counter()
        await asyncio.gather(*(self.open(listener, gate) for listener in self.listeners))
        return {
            "event": "ready",
            "connected": sum(1 for lis in self.listeners if lis.closed is None),
            "failures": self.failures,
            "connect_s": round(time.perf_counter() - started, 3),
        }

    async def finish(self, expected: list[int], deadline: float) -> dict:
        self.expected = set(expected)
        self.waiting = {
            id(lis)
            for lis in self.listeners
            if lis.closed is None and not self.expected <= lis.latencies.keys()
        }
        if not self.waiting:
            self.complete.set()
        try:
            async with asyncio.timeout(max(0.0, deadline - time.time())):
                await self.complete.wait()
        except TimeoutError:
            pass
        result = self.summary()
        for task in self.tasks:
            task.cancel()
        sockets = [lis.ws for lis in self.listeners if lis.ws is not None]
        try:
            async with asyncio.timeout(20):
                await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        except TimeoutError:
            result["close_timeouts"] = True
        return result

    def summary(self) -> dict:
        expected = self.expected
        latencies: list[int] = []
        delivered = duplicates = out_of_order = incomplete = unexpected = 0
        closed: dict[str, int] = {}
        for listener in self.listeners:
            got = listener.latencies
            latencies += [got[n] for n in expected if n in got]
            delivered += len(expected & got.keys())
            unexpected += len(got.keys() - expected)
            duplicates += listener.duplicates
            out_of_order += listener.out_of_order
            incomplete += not expected <= got.keys()
            if listener.closed is not None:
                closed[listener.closed] = closed.get(listener.closed, 0) + 1
        return {
            "event": "result",
            "listeners": len(self.listeners),
            "latencies_us": latencies,
            "delivered": delivered,
            "duplicates": duplicates,
            "out_of_order": out_of_order,
            "unexpected": unexpected,
            "incomplete_listeners": incomplete,
            "closed": closed,
            "frames": self.frames,
            "bytes": self.bytes,
        }


async def read_line(reader: asyncio.StreamReader) -> dict:
    line = await reader.readline()
    if not line:
        raise SystemExit("fanout client: the benchmark went away")
    return json.loads(line)


def write_line(data: dict) -> None:
    sys.stdout.write(json.dumps(data, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def child_main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    process = ListenerProcess(await read_line(reader))
    write_line(await process.connect_all())
    command = await read_line(reader)
    if command["event"] == "measure":
        process.phase = "measure"
        command = await read_line(reader)
    write_line(await process.finish(command["expected"], command["deadline"]))


# Senders ------------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: dict[int, int] = field(default_factory=dict)  # n → send time (ns)
    acked: dict[int, int] = field(default_factory=dict)  # n → ack latency (µs)
    errors: dict[str, int] = field(default_factory=dict)  # error code → count
    lag_us: list[int] = field(default_factory=list)  # how late each send left its schedule
    refused: dict[str, int] = field(default_factory=dict)


class Senders:
    """A pool of member sockets taking turns to send ``rate`` messages a second."""

    def __init__(self, urls: list[str], session_keys: list[str], token: str):
        self.targets = list(zip(urls, session_keys, strict=True))
        self.token = token
        self.sockets: list[ClientConnection] = []
        self.result = SendResult()
        self.acks_done = asyncio.Event()
        self.readers: list[asyncio.Task] = []

    async def open(self) -> None:
        for url, key in self.targets:
            try:
                ws = await open_socket(url, key, 30)
                await wait_hello(ws)
            except Exception as exc:  # noqa: BLE001
                reason = close_reason(exc)
                self.result.refused[reason] = self.result.refused.get(reason, 0) + 1
                continue
            self.sockets.append(ws)
            self.readers.append(asyncio.create_task(self.read(ws)))
        if not self.sockets:
            raise RuntimeError(f"no sender could connect: {self.result.refused}")

    async def read(self, ws: ClientConnection) -> None:
        prefix = f"{self.token}-"
        try:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind not in ("ack", "error") or not str(frame.get("key", "")).startswith(prefix):
                    continue
                n = int(frame["key"][len(prefix) :])
                if kind == "ack" and n not in self.result.acked:
                    self.result.acked[n] = (time.time_ns() - self.result.sent[n]) // 1000
                elif kind == "error":
                    code = frame.get("code", "?")
                    self.result.errors[code] = self.result.errors.get(code, 0) + 1
                    self.result.acked.setdefault(n, -1)  # answered, not stored
                if len(self.result.acked) == self.total:
                    self.acks_done.set()
        except ConnectionClosed:
            pass

    async def run(self, rate: float, duration: float, ack_timeout: float) -> SendResult:
        """Send for ``duration`` seconds on a fixed schedule, then wait for the acks."""
        self.total = max(1, round(rate * duration))
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        for n in range(self.total):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            self.result.lag_us.append(int((loop.time() - due) * 1e6))
            ws = self.sockets[n % len(self.sockets)]
            sent = time.time_ns()
            self.result.sent[n] = sent
            body = f"fanout {self.token} n={n} t={sent}"
            frame = json.dumps({"type": "send", "key": f"{self.token}-{n}", "body": body})
            try:
                await ws.send(frame)
            except ConnectionClosed:
                self.result.errors["sender closed"] = self.result.errors.get("sender closed", 0) + 1
        try:
            async with asyncio.timeout(ack_timeout):
                await self.acks_done.wait()
        except TimeoutError:
            pass
        self.result.acked = {n: us for n, us in self.result.acked.items() if us >= 0}
        return self.result

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(child_main())
