"""
Run Twisted connections on the reactor config.serve installs; print what happened as JSON.

``python tests/_reactor_probe.py LOOP WRITE_THROUGH`` (e.g. ``uvloop 1``), run
by tests/test_reactor.py in a process of its own, since a Twisted reactor is
installed once per process. Three scenarios, over loopback:

- ``order``: the server writes small frames, one big write the socket cannot
  take at once, then small frames again, then closes; the client checks it
  received every byte in order. For each write it notes whether the reactor
  then watched the socket (``getWriters``): a small write into an empty
  buffer goes out at once with write-through, a big one is left to the reactor.
- ``peer_gone``: the client resets the connection; the server keeps writing
  and must see the connection lost, not hang or raise.
- ``echo``: many round trips, each a write answered by a write.
- ``close``: the server writes a few small frames (they go out at once) and
  closes; the client must get them and see the connection closed.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import serve  # noqa: E402

serve.install_reactor(serve.choose_loop(sys.argv[1]), write_through=sys.argv[2] == "1")

from twisted.internet import protocol, reactor  # noqa: E402

SMALL = 200
BIG = 48 * 1024 * 1024  # more than loopback's socket buffers take at once
ROUNDS = 500
results: dict = {"reactor": type(reactor).__name__}
HELD: list = []


def frame(number: int, size: int = SMALL) -> bytes:
    head = f"{number:08d}:".encode()
    return head + b"x" * (size - len(head))


def expected_order() -> bytes:
    return b"".join(
        [frame(n) for n in range(100)] + [frame(100, BIG)] + [frame(n) for n in range(101, 200)]
    )


class OrderServer(protocol.Protocol):
    def connectionMade(self) -> None:  # noqa: N802
        watched = []
        for number in range(100):
            self.transport.write(frame(number))
            watched.append(self.transport in reactor.getWriters())
        self.transport.write(frame(100, BIG))
        big_watched = self.transport in reactor.getWriters()
        for number in range(101, 200):
            self.transport.write(frame(number))
        results["order"] = {
            "small_writes_watched": sum(watched),
            "big_write_watched": big_watched,
        }
        self.transport.loseConnection()


class OrderClient(protocol.Protocol):
    def connectionMade(self) -> None:  # noqa: N802
        self.chunks = []

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        self.chunks.append(data)

    def connectionLost(self, reason) -> None:  # noqa: N802
        received = b"".join(self.chunks)
        results["order"]["bytes"] = len(received)
        results["order"]["intact"] = received == expected_order()
        start_peer_gone()


class GoneServer(protocol.Protocol):
    def connectionMade(self) -> None:  # noqa: N802
        self.writes = 0
        self.lost = False
        self.keep_writing()

    def keep_writing(self) -> None:
        if self.lost:
            return
        self.transport.write(frame(self.writes, 4096))
        self.writes += 1
        if self.writes < 5000:
            reactor.callLater(0.001, self.keep_writing)
        else:
            results["peer_gone"] = {"lost": False}
            start_echo()

    def connectionLost(self, reason) -> None:  # noqa: N802
        self.lost = True
        results["peer_gone"] = {"lost": True, "reason": reason.type.__name__}
        reactor.callLater(0, start_echo)


class GoneClient(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        self.transport.abortConnection()


class EchoServer(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        self.transport.write(data)


class EchoClient(protocol.Protocol):
    def connectionMade(self) -> None:  # noqa: N802
        self.round = 0
        self.buffer = b""
        self.transport.write(frame(0))

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        self.buffer += data
        while len(self.buffer) >= SMALL:
            answer, self.buffer = self.buffer[:SMALL], self.buffer[SMALL:]
            if answer != frame(self.round):
                results["echo"] = {"rounds": self.round, "intact": False}
                self.transport.loseConnection()
                return
            self.round += 1
            if self.round == ROUNDS:
                results["echo"] = {"rounds": self.round, "intact": True}
                self.transport.loseConnection()
                serve_and_connect(CloseServer, CloseClient)
                return
            self.transport.write(frame(self.round))


def serve_and_connect(server, client) -> None:
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(server), interface="127.0.0.1")
    protocol.ClientCreator(reactor, client).connectTCP("127.0.0.1", port.getHost().port)


def start_peer_gone() -> None:
    serve_and_connect(GoneServer, GoneClient)


def start_echo() -> None:
    if "echo" not in results and not getattr(start_echo, "started", False):
        start_echo.started = True
        serve_and_connect(EchoServer, EchoClient)


class CloseServer(protocol.Protocol):
    def connectionMade(self) -> None:  # noqa: N802
        # Held, as Daphne holds its connections: a transport nobody refers to
        # is collected and its socket closed, which would hide a missed close.
        HELD.append(self)
        for number in range(10):
            self.transport.write(frame(number))
        results["close"] = {"watched_before_close": self.transport in reactor.getWriters()}
        self.transport.loseConnection()

    def connectionLost(self, reason) -> None:  # noqa: N802
        results["close"]["server_closed"] = True


class CloseClient(protocol.Protocol):
    def connectionMade(self) -> None:  # noqa: N802
        self.chunks = []

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        self.chunks.append(data)

    def connectionLost(self, reason) -> None:  # noqa: N802
        received = b"".join(self.chunks)
        results["close"]["client_closed"] = True
        results["close"]["intact"] = received == b"".join(frame(n) for n in range(10))
        reactor.callLater(0.1, reactor.stop)


def give_up() -> None:
    """A hang shows up as ``timed_out`` (stopping the reactor closes what is left open)."""
    results["timed_out"] = True
    reactor.stop()


reactor.callWhenRunning(serve_and_connect, OrderServer, OrderClient)
reactor.callLater(30, give_up)
reactor.run()
print(json.dumps(results))
