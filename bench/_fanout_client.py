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

Senders run in the benchmark's own process (``Senders``), one message at a
time in turn from a pool of sockets, because the protocol limits each user
to 5 messages in 10 s and each socket to 30 frames in 10 s. Listeners send
the protocol's ``ping`` every ``heartbeat`` seconds, as the page does.

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
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.typing import Origin
from websockets.uri import parse_uri

USER_AGENT = "jekafo-fanout-bench"
HELLO_TIMEOUT = 60.0
# Seconds the listeners wait for the last message before parsing (see finish).
LAND_WAIT = 10.0


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
# Each listener is websockets' Sans-I/O protocol on a bare asyncio transport,
# not a full websockets connection: data_received stamps the time, lets the
# protocol cut frames (and answer the server's pings) and keeps each text
# frame with its stamp. JSON is parsed once the sending is over. With a
# thousand sockets in one process the stamp then tells when the bytes
# arrived, not how long this process took to get round to a task per frame
# (which added tens of milliseconds at a few hundred listeners).


class Refused(Exception):
    """The server turned the socket down: an HTTP status, or a close before ``hello``."""


class ListenerSocket(asyncio.Protocol):
    def __init__(self, url: str, session_key: str | None) -> None:
        parts = urlsplit(url)
        self.ws = ClientProtocol(parse_uri(url), origin=Origin(f"http://{parts.netloc}"))
        request = self.ws.connect()
        request.headers["User-Agent"] = USER_AGENT
        if session_key:
            request.headers["Cookie"] = f"sessionid={session_key}"
        self.ws.send_request(request)
        self.transport: asyncio.Transport | None = None
        self.hello: asyncio.Future = asyncio.get_running_loop().create_future()
        self.lost: asyncio.Future = asyncio.get_running_loop().create_future()
        self.frames: list[tuple[int, bytes]] = []  # (receive time in ns, text frame)
        self.parsed = 0  # frames already read by ListenerProcess.parse
        self.fragments: list[bytes] | None = None
        self.closed: str | None = None  # why the socket closed, if it did

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.flush()

    def data_received(self, data: bytes) -> None:
        received = time.time_ns()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if self.ws.handshake_exc is not None:
                    self.refuse(f"HTTP {event.status_code}")
            elif event.opcode is Opcode.TEXT:
                if event.fin:
                    self.frames.append((received, event.data))
                else:
                    self.fragments = [event.data]
            elif event.opcode is Opcode.CONT and self.fragments is not None:
                self.fragments.append(event.data)
                if event.fin:
                    self.frames.append((received, b"".join(self.fragments)))
                    self.fragments = None
            elif event.opcode is Opcode.CLOSE:
                code = self.ws.close_rcvd.code if self.ws.close_rcvd else 1005
                self.refuse(f"close {code}")
        self.flush()
        if not self.hello.done() and self.frames:
            _stamp, first = self.frames.pop(0)
            frame = json.loads(first)
            if frame.get("type") == "hello":
                self.hello.set_result(frame)
            else:
                self.refuse(f"{frame.get('type')} before hello")

    def refuse(self, reason: str) -> None:
        self.closed = self.closed or reason
        if not self.hello.done():
            self.hello.set_exception(Refused(reason))

    def flush(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def eof_received(self) -> None:
        self.ws.receive_eof()
        self.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self.refuse("dropped (1006)")
        if not self.lost.done():
            self.lost.set_result(None)

    def send_text(self, text: str) -> None:
        if self.closed is None:
            self.ws.send_text(text.encode())
            self.flush()

    def close(self) -> None:
        if self.closed is None and self.transport is not None and not self.transport.is_closing():
            self.closed = "closed by the client"
            self.ws.send_close(1000)
            self.flush()


@dataclass
class Tally:
    """What one listener received, read from its frames."""

    latencies: dict[int, int] = field(default_factory=dict)  # n → µs; first receipt only
    duplicates: int = 0
    out_of_order: int = 0  # a seq lower than one received before
    last_seq: int = -1
    seqs: set[int] = field(default_factory=set)  # every room frame's seq, once
    seq_repeats: int = 0  # a room frame (any kind) whose seq came before


class ListenerProcess:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.pattern = re.compile(rf"fanout {re.escape(spec['token'])} n=(\d+) t=(\d+)")
        self.sockets: list[ListenerSocket | None] = [None] * len(spec["urls"])
        self.tallies = [Tally() for _ in spec["urls"]]
        self.failures: dict[str, int] = {}
        self.measure_from: int | None = None  # time.time_ns() of the "measure" line
        self.frames: dict[str, dict[str, int]] = {}  # phase → frame type → count
        self.bytes: dict[str, int] = {}
        self.tasks: list[asyncio.Task] = []

    async def open(self, index: int, gate: asyncio.Semaphore) -> None:
        url, key = self.spec["urls"][index], self.spec["session_keys"][index]
        loop = asyncio.get_running_loop()
        async with gate:
            sock = None
            try:
                async with asyncio.timeout(self.spec.get("open_timeout", 60)):
                    parts = urlsplit(url)
                    _transport, sock = await loop.create_connection(
                        lambda: ListenerSocket(url, key), parts.hostname, parts.port
                    )
                    hello = await sock.hello
            except (Refused, OSError, TimeoutError) as exc:
                reason = str(exc) if isinstance(exc, Refused) else type(exc).__name__
                self.failures[reason] = self.failures.get(reason, 0) + 1
                if sock is not None and sock.transport is not None:
                    sock.transport.abort()
                return
        self.sockets[index] = sock
        heartbeat = float(hello.get("heartbeat") or 25)
        self.tasks.append(asyncio.create_task(self.keep_alive(sock, heartbeat)))

    async def keep_alive(self, sock: ListenerSocket, heartbeat: float) -> None:
        """Send the protocol's ``ping`` every heartbeat, each socket at its own phase."""
        await asyncio.sleep(random.uniform(0, heartbeat))
        while sock.closed is None:
            sock.send_text('{"type": "ping"}')
            await asyncio.sleep(heartbeat)

    async def connect_all(self) -> dict:
        gate = asyncio.Semaphore(self.spec.get("connect_concurrency", 50))
        started = time.perf_counter()
        await asyncio.gather(*(self.open(index, gate) for index in range(len(self.sockets))))
        return {
            "event": "ready",
            "connected": sum(1 for sock in self.sockets if sock is not None),
            "failures": self.failures,
            "connect_s": round(time.perf_counter() - started, 3),
        }

    def parse(self) -> None:
        """Read the frames that arrived since the last call."""
        pattern, measure_from = self.pattern, self.measure_from or 0
        for sock, tally in zip(self.sockets, self.tallies, strict=True):
            if sock is None:
                continue
            frames, start = sock.frames, sock.parsed
            sock.parsed = len(frames)
            for received, raw in frames[start : sock.parsed]:
                frame = json.loads(raw)
                kind = frame.get("type", "?")
                phase = "measure" if received >= measure_from else "connect"
                counts = self.frames.setdefault(phase, {})
                counts[kind] = counts.get(kind, 0) + 1
                self.bytes[phase] = self.bytes.get(phase, 0) + len(raw)
                seq = frame.get("seq")
                # Room frames while the senders ran (a newcomer's snapshot gives
                # every question the room's current seq).
                if isinstance(seq, int) and phase == "measure":
                    if seq in tally.seqs:
                        tally.seq_repeats += 1
                    tally.seqs.add(seq)
                if kind != "message":
                    continue
                found = pattern.search(frame["message"]["html"])
                if found is None:
                    continue
                n, sent = int(found[1]), int(found[2])
                if n in tally.latencies:
                    tally.duplicates += 1
                    continue
                tally.latencies[n] = (received - sent) // 1000
                # The room orders messages by seq (commit order), which may
                # differ from n when two sends are written at the same time.
                seq = frame.get("seq", -1)
                if seq < tally.last_seq:
                    tally.out_of_order += 1
                tally.last_seq = max(tally.last_seq, seq)
            del frames[:start]  # keep memory flat; parsed frames are no longer needed
            sock.parsed -= start

    async def let_last_message_land(self, last: int, until: float) -> None:
        """Wait until every open listener holds message ``last`` (unparsed), or ``until``.

        The first parse reads every frame of the run and holds this process
        for a second or more: frames arriving meanwhile would be stamped that
        much late. The last message is what is still on its way when "stop"
        comes, so wait for it with a byte search of each socket's newest
        frames, which costs next to nothing.
        """
        marker = f" n={last} t=".encode()
        while time.time() < until:
            missing = [
                sock
                for sock in self.sockets
                if sock is not None
                and sock.closed is None
                and not any(marker in raw for _stamp, raw in sock.frames[-8:])
            ]
            if not missing:
                return
            await asyncio.sleep(0.05)

    def waiting(self, expected: set[int]) -> int:
        """Listeners still open and missing an expected message."""
        return sum(
            1
            for sock, tally in zip(self.sockets, self.tallies, strict=True)
            if sock is not None and sock.closed is None and not expected <= tally.latencies.keys()
        )

    async def finish(self, expected_list: list[int], deadline: float) -> dict:
        expected = set(expected_list)
        if expected:
            await self.let_last_message_land(max(expected), min(deadline, time.time() + LAND_WAIT))
        # Other room frames (upvotes) sent with the last message: a moment to land.
        await asyncio.sleep(max(0.0, min(self.spec.get("linger", 0.0), deadline - time.time())))
        while True:
            self.parse()
            if not self.waiting(expected) or time.time() >= deadline:
                break
            await asyncio.sleep(min(0.25, max(0.0, deadline - time.time())))
        result = self.summary(expected)
        for task in self.tasks:
            task.cancel()
        sockets = [sock for sock in self.sockets if sock is not None]
        for sock in sockets:
            sock.close()
        try:
            async with asyncio.timeout(10):
                await asyncio.gather(*(sock.lost for sock in sockets))
        except TimeoutError:
            for sock in sockets:
                if not sock.lost.done() and sock.transport is not None:
                    sock.transport.abort()
        return result

    def summary(self, expected: set[int]) -> dict:
        by_message: dict[int, list[int]] = {n: [] for n in expected}
        delivered = duplicates = out_of_order = incomplete = unexpected = 0
        seq_repeats = seq_gaps = 0
        closed: dict[str, int] = {}
        for sock, tally in zip(self.sockets, self.tallies, strict=True):
            got = tally.latencies
            for n in expected & got.keys():
                by_message[n].append(got[n])
            delivered += len(expected & got.keys())
            unexpected += len(got.keys() - expected)
            duplicates += tally.duplicates
            out_of_order += tally.out_of_order
            seq_repeats += tally.seq_repeats
            if tally.seqs:  # seqs missing between the first and the last received
                seq_gaps += max(tally.seqs) - min(tally.seqs) + 1 - len(tally.seqs)
            incomplete += not expected <= got.keys()
            if sock is not None and sock.closed is not None:
                closed[sock.closed] = closed.get(sock.closed, 0) + 1
        return {
            "event": "result",
            "listeners": len(self.sockets),
            "latencies_us": by_message,  # message number → one latency per listener
            "delivered": delivered,
            "duplicates": duplicates,
            "out_of_order": out_of_order,
            "unexpected": unexpected,
            "incomplete_listeners": incomplete,
            "seq_repeats": seq_repeats,
            "seq_gaps": seq_gaps,
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
        process.measure_from = time.time_ns()
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
            frame = self.frame(n, sent)
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

    def frame(self, n: int, sent: int) -> str:
        body = f"fanout {self.token} n={n} t={sent}"
        return json.dumps({"type": "send", "key": f"{self.token}-{n}", "body": body})

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(child_main())


class Upvoters(Senders):
    """A pool of member sockets upvoting the room's questions in turn, ``rate`` a second.

    Upvote n goes from socket n % S to question (n // S) % Q: no one votes
    twice for a question while n < S × Q, and each socket sends one frame
    every S / rate seconds (the protocol allows 30 frames in 10 s).
    """

    def __init__(self, urls: list[str], session_keys: list[str], token: str, questions: list[int]):
        super().__init__(urls, session_keys, token)
        self.questions = questions

    async def run(self, rate: float, duration: float, ack_timeout: float) -> SendResult:
        total = max(1, round(rate * duration))
        if total > len(self.sockets) * len(self.questions):
            raise RuntimeError(
                f"{total} upvotes need sockets × questions ≥ {total}"
                f" ({len(self.sockets)} × {len(self.questions)})"
            )
        return await super().run(rate, duration, ack_timeout)

    def frame(self, n: int, sent: int) -> str:
        question = self.questions[(n // len(self.sockets)) % len(self.questions)]
        return json.dumps(
            {"type": "upvote", "id": question, "up": True, "key": f"{self.token}-{n}"}
        )
