"""
A total request-body limit that holds before a body is buffered.

Twisted writes a request body to a temporary file as it arrives; once it is
complete, Daphne reads the whole file into its queue to the application in
8 KB messages, at once, and Django copies them again. A 100 MB POST to any
URL, anonymous included, took a Daphne process from ~270 MB to ~1.45 GB.

``LimitedRequest`` is Daphne's request with a limit: a ``Content-Length``
above ``settings.REQUEST_BODY_MAX_BYTES`` is answered 413 as soon as the
headers are read (no "100 Continue", nothing of the body kept), and a chunked
body is cut off with a 413 as soon as it passes the limit. The answer is
written straight to the connection, whose writing half is then closed; what
the client still sends is read and dropped (so that it reads the 413 rather
than a reset) for LINGER_SECONDS at most, then the connection is closed.
The application never sees the request.

One route takes more: a session's recording (``LARGE_BODIES``), up to
``settings.RECORDING_MAX_BYTES`` plus the form around it. The path is read
from the request line, which Twisted has parsed when the headers are done
(``HTTPChannel._path``, before ``gotLength``); a path it cannot match (an
absolute-form URL, a query string aside) keeps the general limit.

``install()`` puts it in Daphne's place; config/serve.py calls it before
Daphne starts. Daphne's HTTPFactory looks up ``WebRequest`` in its module
for each connection; tests/test_body_limit.py fails if that changes.
"""

import re

LINGER_SECONDS = 5.0
# Room for the multipart envelope and the other fields around an uploaded file.
FORM_MARGIN = 1024 * 1024
# (path pattern, setting naming the file's limit): the only routes above the general limit.
LARGE_BODIES = ((re.compile(rb"/webinaires/[0-9]+/enregistrement/"), "RECORDING_MAX_BYTES"),)

_installed = False


def limit(path: bytes = b"") -> int:
    """The largest request body accepted for ``path``, in bytes (settings read per request)."""
    from django.conf import settings

    path = path.split(b"?", 1)[0]
    for pattern, setting in LARGE_BODIES:
        if pattern.fullmatch(path):
            return max(settings.REQUEST_BODY_MAX_BYTES, getattr(settings, setting) + FORM_MARGIN)
    return settings.REQUEST_BODY_MAX_BYTES


def refusal(max_bytes: int) -> bytes:
    megabytes = max(1, round(max_bytes / (1024 * 1024)))
    text = (
        f"413 : envoi trop volumineux ({megabytes} Mo au plus).\n"
        f"413: request body too large ({megabytes} MB at most).\n"
    ).encode()
    head = (
        "HTTP/1.1 413 Content Too Large\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(text)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    return head + text


def make_request_class(base):
    """Daphne's request class ``base`` with the body limit."""

    class LimitedRequest(base):
        refused = False
        received = 0

        def gotLength(self, length):  # noqa: N802 - Twisted's name
            self.max_bytes = limit(getattr(self.channel, "_path", b"") or b"")
            if length is not None and length > self.max_bytes:
                # Before Twisted answers "Expect: 100-continue": no 100 for a refused body.
                self.requestHeaders.removeHeader(b"Expect")
                self.refuse()
            super().gotLength(0 if self.refused else length)

        def handleContentChunk(self, data):  # noqa: N802 - Twisted's name
            if self.refused:
                return
            self.received += len(data)
            if self.received > self.max_bytes:
                self.refuse()
                return
            super().handleContentChunk(data)

        def process(self):
            if self.refused:
                self.close_now()
                return None
            return super().process()

        def refuse(self) -> None:
            self.refused = True
            transport = self.channel.transport
            transport.write(refusal(self.max_bytes))
            close_writing = getattr(transport, "loseWriteConnection", None)
            if close_writing is None:
                self.channel.loseConnection()
                return
            close_writing()
            from twisted.internet import reactor  # the one config.serve installed

            reactor.callLater(LINGER_SECONDS, self.close_now)

        def close_now(self) -> None:
            channel = self.channel
            if channel is not None and channel.transport is not None:
                channel.transport.abortConnection()

    LimitedRequest.__name__ = LimitedRequest.__qualname__ = f"Limited{base.__name__}"
    return LimitedRequest


def install() -> None:
    """Make Daphne build every HTTP request as a LimitedRequest (once)."""
    global _installed
    if _installed:
        return
    from daphne import http_protocol

    http_protocol.WebRequest = make_request_class(http_protocol.WebRequest)
    _installed = True
