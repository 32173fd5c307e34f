"""
Client side of bench/reconnect.py: room sockets that reconnect as static/js/live.js does.

Runs in a child process (``python bench/_reconnect_client.py``) and talks to
the benchmark in JSON lines on stdin/stdout:

- mode "room": the benchmark writes the spec (socket URLs, session keys);
  the child opens every socket (``connect_concurrency`` handshakes at a time,
  with ``after=0``), writes ``{"event": "ready"}``, and keeps them open.
  A socket that drops (its Daphne process was killed) comes back like the
  page does: full-jitter back-off (a random wait below a ceiling doubling from
  1 s to 30 s), after a 4503 the server's ``busy`` hint (a slot it booked)
  plus up to a quarter more, and ``?after=<last seq seen>``. If its process does not answer at all
  (connection refused) it tries the other one at once, as nginx's
  ``proxy_next_upstream`` would. Each socket checks its seqs: every one once,
  in order. On ``{"event": "stop", "final_seq": S, "deadline": t}`` the child
  waits until every socket has seen S (or the deadline), writes its result
  and exits.
- mode "handshakes": open ``count`` sockets, ``in_flight`` at a time, each
  timed from the TCP connect to its ``hello``; write the times and exit.
"""

import asyncio
import contextlib
import json
import random
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])

from _fanout_client import open_socket  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidStatus  # noqa: E402

TRY_AGAIN = 4503
CAP = 30.0


class RoomSocket:
    """One page's socket: its cursor, what it saw, how often it came back."""

    def __init__(self, urls: list[str], session_key: str) -> None:
        self.urls = urls  # [its own process, the other one]
        self.session_key = session_key
        self.cursor = 0
        self.seen: set[int] = set()
        self.duplicates = 0
        self.out_of_order = 0
        self.delay = 1.0
        self.busy_hint = 0.0
        self.connected = False
        self.dropped_at: float | None = None
        self.back_at: list[float] = []  # epoch of each hello after a drop
        self.back_after: list[float] = []  # seconds from the drop to that hello
        self.attempts = 0
        self.busy = 0
        self.refused = 0  # connection refused, HTTP error or timeout
        self.reasons: dict[str, int] = {}
        self.hello_at: list[float] = []
        # After the first drop: (epoch, outcome, which url answered: 0 own, 1 other).
        self.trace: list[tuple[float, str, int]] = []
        self.answered_by = 0
        self.done = asyncio.Event()
        self.final_seq: int | None = None

    def backoff(self, busy: bool) -> float:
        """live.js's wait: after busy, the hint plus up to a quarter more; else full jitter."""
        if busy:
            hint = self.busy_hint or 2.0
            self.busy_hint = 0.0
            return hint * (1 + random.random() / 4)
        wait = random.random() * self.delay
        self.delay = min(self.delay * 2, CAP)
        return wait

    def note(self, reason: str) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    async def open(self):
        """Connect to its process, or the other one if its own does not answer."""
        query = f"?after={self.cursor}"
        try:
            self.answered_by = 0
            return await open_socket(self.urls[0] + query, self.session_key, 10)
        except OSError:
            self.answered_by = 1
            return await open_socket(self.urls[1] + query, self.session_key, 10)

    def take(self, frame: dict) -> None:
        seq = frame.get("seq")
        if frame.get("type") != "message" or not isinstance(seq, int):
            return
        if seq in self.seen:
            self.duplicates += 1
            return
        if seq != self.cursor + 1:
            self.out_of_order += 1
        self.seen.add(seq)
        self.cursor = max(self.cursor, seq)
        if self.final_seq is not None and self.cursor >= self.final_seq:
            self.done.set()

    async def run(self, first: asyncio.Semaphore | None) -> None:
        while True:
            self.attempts += 1
            busy = False
            try:
                if first is not None:
                    async with first:
                        ws = await self.open()
                else:
                    ws = await self.open()
            except (OSError, InvalidStatus, TimeoutError) as exc:
                if self.back_at or self.dropped_at is not None:
                    self.trace.append((time.time(), "refused", self.answered_by))
                self.refused += 1
                self.note(type(exc).__name__)
                first = None
                await asyncio.sleep(self.backoff(False))
                continue
            first = None
            try:
                async for raw in ws:
                    frame = json.loads(raw)
                    kind = frame.get("type")
                    if kind == "busy":
                        self.busy_hint = min(float(frame.get("retry") or 0), 60.0)
                        continue
                    if kind == "hello":
                        now = time.time()
                        self.connected = True
                        self.hello_at.append(now)
                        self.delay = 1.0
                        if self.dropped_at is not None:
                            self.trace.append((now, "hello", self.answered_by))
                            self.back_at.append(now)
                            self.back_after.append(now - self.dropped_at)
                            self.dropped_at = None
                        continue
                    self.take(frame)
            except ConnectionClosed:
                pass
            code = ws.close_code
            if code == TRY_AGAIN:
                self.trace.append((time.time(), f"busy {self.busy_hint}", self.answered_by))
                self.busy += 1
                busy = True
            elif self.connected:
                self.note(f"dropped {code}")
            else:
                self.note(f"closed {code}")
            if self.connected and self.dropped_at is None:
                self.dropped_at = time.time()
            self.connected = False
            if code in (4400, 4401, 4403, 4404):
                return  # the page stops too
            await asyncio.sleep(self.backoff(busy))


async def read_line(reader: asyncio.StreamReader) -> dict:
    line = await reader.readline()
    if not line:
        raise SystemExit(0)
    return json.loads(line)


def write_line(data: dict) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


async def room_mode(spec: dict, reader: asyncio.StreamReader) -> None:
    sockets = [
        RoomSocket(urls, key) for urls, key in zip(spec["urls"], spec["session_keys"], strict=True)
    ]
    first = asyncio.Semaphore(spec["connect_concurrency"])
    started = time.monotonic()
    tasks = [asyncio.create_task(s.run(first)) for s in sockets]
    # Ready once every socket said hello once.
    while not all(s.hello_at for s in sockets):
        await asyncio.sleep(0.1)
        if time.monotonic() - started > 300:
            break
    write_line(
        {
            "event": "ready",
            "connected": sum(1 for s in sockets if s.connected),
            "connect_s": time.monotonic() - started,
        }
    )
    stop = await read_line(reader)
    final = stop["final_seq"]
    for s in sockets:
        s.final_seq = final
        if s.cursor >= final:
            s.done.set()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(max(0.1, stop["deadline"] - time.time())):
            await asyncio.gather(*(s.done.wait() for s in sockets))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    expected = set(range(1, final + 1))
    reasons: dict[str, int] = {}
    for s in sockets:
        for reason, count in s.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + count
    write_line(
        {
            "event": "result",
            "sockets": len(sockets),
            "dropped": sum(1 for s in sockets if s.back_at or s.dropped_at is not None),
            "never_back": sum(1 for s in sockets if s.dropped_at is not None),
            "back_at": [t for s in sockets for t in s.back_at],
            "back_after": [t for s in sockets for t in s.back_after],
            "trace": [event for s in sockets for event in s.trace],
            "attempts": sum(s.attempts for s in sockets),
            "busy": sum(s.busy for s in sockets),
            "refused": sum(s.refused for s in sockets),
            "reasons": reasons,
            "missing": sum(len(expected - s.seen) for s in sockets),
            "sockets_missing": sum(1 for s in sockets if expected - s.seen),
            "duplicates": sum(s.duplicates for s in sockets),
            "out_of_order": sum(s.out_of_order for s in sockets),
            "beyond": sum(len(s.seen - expected) for s in sockets),
        }
    )


async def handshake_mode(spec: dict) -> None:
    """Time ``count`` handshakes, ``in_flight`` at a time (each socket stays open)."""
    gate = asyncio.Semaphore(spec["in_flight"])
    times: list[float] = []
    outcomes: dict[str, int] = {}
    opened = []

    async def one(url: str, key: str) -> None:
        async with gate:
            started = time.perf_counter()
            try:
                ws = await open_socket(url, key, 30)
                async with asyncio.timeout(30):
                    while True:
                        frame = json.loads(await ws.recv())
                        if frame.get("type") in ("hello", "busy"):
                            break
            except Exception as exc:  # noqa: BLE001
                outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
                return
            opened.append(ws)
            outcomes[frame["type"]] = outcomes.get(frame["type"], 0) + 1
            if frame["type"] == "hello":
                times.append(time.perf_counter() - started)

    await asyncio.gather(
        *(one(url, key) for url, key in zip(spec["urls"], spec["session_keys"], strict=True))
    )
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    write_line({"event": "result", "times": times, "outcomes": outcomes})


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    spec = await read_line(reader)
    if spec["mode"] == "handshakes":
        await handshake_mode(spec)
    else:
        await room_mode(spec, reader)


if __name__ == "__main__":
    asyncio.run(main())
