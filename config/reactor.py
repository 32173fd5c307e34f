"""
Twisted's asyncio reactor, with writes that go out at once when the socket takes them.

Twisted buffers every ``transport.write``: the connection asks the reactor to
watch its socket (``addWriter``), the event loop reports it writable on its
next turn, the reactor calls ``doWrite`` inside Twisted's logging context,
and the connection, drained, asks to stop watching (``removeWriter``). For a
room push to 500 sockets that is 500 registrations, 500 callbacks and 500
removals around 500 ``send`` calls; profiled under bench/fanout.py it was
about a third of the busy time of a Daphne process (see "What the fan-out
figures decided" in docs/benchmarks.md). Asyncio's own transports, which the
bare server of the benchmark uses, try ``send`` first and only watch the
socket for what did not fit.

``WriteThroughReactor`` does the same with Twisted's public reactor
interface: when a TCP connection asks to be watched and is not already, it
calls the connection's ``doWrite`` straight away (what the reactor would
call on the next turn); the connection says it is drained by asking to stop
watching (``removeWriter``), and only if it is not, or the write failed, is
the socket watched as before, so the reactor writes the rest and handles a
broken connection in its usual way. Order is kept: a connection that is
watched has data waiting, and its later writes queue behind it.

Only a connection that is reading is written through. ``loseConnection``
stops reading, asks to be watched and only then marks itself disconnecting,
counting on the reactor's next ``doWrite`` to close the socket once drained;
written through at that moment it would drain, look connected and never be
closed. A connection paused by its producer also takes the usual path.

It is installed by ``config.serve`` (``WRITE_THROUGH=0`` keeps Twisted's
reactor as it is) and passes Daphne's check for an asyncio reactor.
"""

from twisted.internet import tcp
from twisted.internet.asyncioreactor import AsyncioSelectorReactor


class WriteThroughReactor(AsyncioSelectorReactor):
    def __init__(self, eventloop=None) -> None:
        # Set before the base class starts watching its waker.
        # Connections this reactor watches for writing: they have data waiting.
        self.waiting_writers: set = set()
        self.reading: set = set()  # descriptors this reactor watches for reading
        self._writing = None  # the connection being written through, if any
        self._drained = False
        super().__init__(eventloop)

    def addWriter(self, writer) -> None:  # noqa: N802 - Twisted's interface
        if (
            self._writing is None  # not from inside a write-through (a producer resuming)
            and writer not in self.waiting_writers
            and writer in self.reading
            and isinstance(writer, tcp.Connection)
            and writer.connected
            and not writer.disconnecting
        ):
            self._writing, self._drained = writer, False
            try:
                why = writer.doWrite()
            except Exception:  # noqa: BLE001 - the reactor's own doWrite will meet it again
                why = "failed"
            finally:
                self._writing = None
            if why is None and self._drained:
                return
        self.waiting_writers.add(writer)
        super().addWriter(writer)

    def addReader(self, reader) -> None:  # noqa: N802 - Twisted's interface
        super().addReader(reader)
        self.reading.add(reader)

    def removeReader(self, reader) -> None:  # noqa: N802 - Twisted's interface
        self.reading.discard(reader)
        super().removeReader(reader)

    def removeWriter(self, writer) -> None:  # noqa: N802 - Twisted's interface
        if writer is self._writing:
            self._drained = True
        self.waiting_writers.discard(writer)
        super().removeWriter(writer)


def install(eventloop) -> WriteThroughReactor:
    """Make a ``WriteThroughReactor`` on ``eventloop`` the process's Twisted reactor."""
    from twisted.internet.main import installReactor

    reactor = WriteThroughReactor(eventloop)
    installReactor(reactor)
    return reactor
