"""
A room push framed once per process, written to each Daphne socket directly.

A push to a room goes to every socket of the room in this process with the
same text (receivers serialise it once). Through Channels and Daphne each
socket then takes the whole road on its own: ``AsyncWebsocketConsumer.send``
builds a message dict, ``Server.handle_reply`` checks it, the protocol's
``handle_reply`` and ``serverSend`` encode the text to UTF-8, autobahn's
``sendMessage`` checks its arguments, counts, and builds the frame header,
``sendData`` formats a debug line — for every socket, the same bytes.

Server-to-client frames are not masked (RFC 6455, 5.1), so without
per-message compression the frame is the same bytes for every socket: here
they are built once per text (with autobahn's own ``PreparedMessage``, which
autobahn offers for this very use) and sent on each socket at once
(``send_through``; what does not fit goes through Twisted's buffer).

The direct write is taken only when it does exactly what the long road
would do, and the caller takes the long road otherwise:

- the server is Daphne and the ASGI ``send`` is its own (or behind Channels'
  session wrapper, which passes WebSocket frames through untouched: see
  ``unwrap``); any other wrapper, the tests' ApplicationCommunicator or another
  server never takes it;
- the socket is open (not connecting, not closing), Daphne has not seen it
  disconnect, and autobahn has nothing queued for it (its send queue keeps
  chopped or synchronous writes in order);
- no per-message compression was negotiated (Daphne does not offer it; if
  it ever does, each socket's frame differs), no masking of server frames
  (an autobahn option, off by default), no octet or frame logging, no timing;
- the frame is within autobahn's limits and would not be fragmented.

Order is kept: both roads end in the event loop's thread, in one
synchronous ``send`` when Twisted's buffer is empty or one ``transport.write``
queued behind what it holds, so a frame written directly and one sent the
long way leave in the order they were written. What the consumer decides before
writing (closing sockets get nothing, held pushes wait, frames follow the
room's sequence) is unchanged: this module only replaces the last step.

``WIRE_FAST_PATH=0`` (settings.WIRE_FAST_PATH) turns it off, for comparison
(bench/fanout.py ``--fast-path``).
"""

import functools
import logging
import sys

from django.conf import settings

logger = logging.getLogger(__name__)

# Texts framed recently, by identity: every socket of a push gets the same
# ``str`` object; a few pushes may interleave (held sockets, a gap filled).
CACHE_SIZE = 32
_framed: dict[int, tuple[str, bytes, int]] = {}


class Socket:
    """A Daphne WebSocket connection, as seen from its consumer's ``send``."""

    __slots__ = ("server", "protocol")

    def __init__(self, server, protocol) -> None:
        self.server = server
        self.protocol = protocol


def unwrap(send):
    """``send`` without the session middleware's wrappers, which pass a WebSocket frame through.

    Channels' ``SessionMiddleware`` (inside ``AuthMiddlewareStack``) hands the
    application its wrapper's ``send``, which saves the session on the message
    types of ``save_message_types`` (``http.response.start``) and otherwise
    only calls the ``send`` it wraps; for ``websocket.send`` that is all it does.
    """
    sessions = sys.modules.get("channels.sessions")
    while sessions is not None and (
        getattr(send, "__func__", None) is sessions.InstanceSessionWrapper.send
    ):
        wrapper = send.__self__
        if "websocket.send" in wrapper.save_message_types:
            break  # it would do something with our frames: keep it
        send = wrapper.real_send
    return send


def daphne_socket(send) -> Socket | None:
    """The Daphne connection behind an ASGI ``send``, or None when it is not Daphne's own.

    Daphne hands each application ``partial(server.handle_reply, protocol)``
    (here behind the session middleware's pass-through wrapper, see unwrap).
    Nothing is imported from Daphne here: a process where ``daphne.server``
    is not loaded runs no Daphne server.
    """
    if not getattr(settings, "WIRE_FAST_PATH", True):
        return None
    send = unwrap(send)
    server_module = sys.modules.get("daphne.server")
    ws_module = sys.modules.get("daphne.ws_protocol")
    if server_module is None or ws_module is None:
        return None
    if (
        not isinstance(send, functools.partial)
        or send.keywords
        or len(send.args) != 1
        or getattr(send.func, "__func__", None) is not server_module.Server.handle_reply
        or not isinstance(send.args[0], ws_module.WebSocketProtocol)
    ):
        # Under Daphne, but a middleware wrapped ``send``: say so once, since
        # every room push then takes the long road.
        _note_once("wrapped", logging.WARNING, "Room pushes take the usual send: %r", send)
        return None
    _note_once("on", logging.INFO, "Room pushes are framed once per process (realtime/wire.py)")
    return Socket(send.func.__self__, send.args[0])


_noted: set[str] = set()


def _note_once(key: str, level: int, message: str, *args) -> None:
    if key not in _noted:
        _noted.add(key)
        logger.log(level, message, *args)


def framed(text: str) -> tuple[bytes, int]:
    """The unmasked, uncompressed text frame of ``text`` and its payload length."""
    entry = _framed.get(id(text))
    if entry is not None and entry[0] is text:
        return entry[1], entry[2]
    from autobahn.websocket.protocol import PreparedMessage

    payload = text.encode("utf-8")
    data = PreparedMessage(payload, False, False, True).payloadHybi
    if len(_framed) >= CACHE_SIZE:
        del _framed[next(iter(_framed))]  # the oldest
    # The text is kept with its frame, so its id is not reused while cached.
    _framed[id(text)] = (text, data, len(payload))
    return data, len(payload)


def write(socket: Socket | None, text: str) -> bool:
    """Write ``text`` as one frame straight to ``socket``; False: send it the usual way."""
    if socket is None:
        return False
    protocol = socket.protocol
    if (
        protocol.state != protocol.STATE_OPEN
        or protocol._perMessageCompress is not None
        or protocol.send_queue
        or protocol.logOctets
        or protocol.logFrames
        or protocol.trackedTimings
        or not protocol.factory.isServer
        or protocol.factory.maskServerFrames
        or protocol.transport is None
    ):
        return False
    connection = socket.server.connections.get(protocol)
    if connection is None or connection.get("disconnected"):
        return False
    data, size = framed(text)
    if 0 < protocol.maxMessagePayloadSize < size or 0 < protocol.autoFragmentSize < size:
        return False  # the usual road refuses or fragments it
    send_through(protocol.transport, data)
    # What sendMessage and sendData count, so the connection's statistics stay true.
    stats = protocol.trafficStats
    stats.outgoingWebSocketMessages += 1
    stats.outgoingWebSocketFrames += 1
    stats.outgoingOctetsAppLevel += size
    stats.outgoingOctetsWebSocketLevel += size
    stats.outgoingOctetsWireLevel += len(data)
    return True


def send_through(transport, data: bytes) -> None:
    """Hand ``data`` to ``transport``: straight to its socket when nothing waits before it.

    Twisted's ``write`` appends to the connection's buffer and asks the
    reactor to watch the socket; the write-through reactor (config/reactor.py)
    then calls the connection's ``doWrite`` at once, which joins the buffer,
    sends it and asks to stop watching: a dozen Python calls per socket and
    push around one ``send``. For a plain TCP connection of Twisted's with
    nothing buffered, open and not closing, the same ``send`` is made here
    directly (the socket is non-blocking, as Twisted made it). What does not
    fit, or any error, goes through Twisted's ``write``, which queues the rest
    behind it and meets a broken connection in its usual way; a connection
    with something buffered takes Twisted's ``write`` too, so order is kept.
    TLS (not a plain connection) and other servers take the usual ``write``.
    """
    tcp = sys.modules.get("twisted.internet.tcp")
    if (
        tcp is None
        or not isinstance(transport, tcp.Connection)
        or not transport.connected
        or transport.disconnecting
        or transport._writeDisconnected
        or transport._tempDataLen
        or transport.offset != len(transport.dataBuffer)
    ):
        transport.write(data)
        return
    try:
        sent = transport.socket.send(data)
    except BlockingIOError:
        sent = 0
    except OSError:
        transport.write(data)  # Twisted meets the error on its next write and closes
        return
    if sent < len(data):
        transport.write(data[sent:])
