"""
Start Daphne on uvloop: ``python -m config.serve [daphne options] config.asgi:application``.

Takes exactly Daphne's command-line options. Daphne runs Twisted on an
asyncio event loop that it makes when ``daphne.server`` is first imported,
unless a Twisted asyncio reactor is already installed; installing one on a
uvloop loop first puts Twisted, Channels and the application on uvloop, whose
loop, timers and socket registration are written in C. A room push is one
write per socket, each registered with the loop and written on its next turn
(Twisted buffers writes), so that is where it counts: see "What the fan-out
figures decided" in docs/benchmarks.md.

Every HTTP request body is limited to ``REQUEST_BODY_MAX_BYTES`` before it
is buffered (config/body_limit.py).

``EVENT_LOOP`` chooses: ``uvloop`` (the default where it is installed; it
does not exist on Windows) or ``asyncio`` (the standard library's loop, what
plain ``daphne`` uses). The reactor is config/reactor.py's, which writes to
a socket at once when it can; ``WRITE_THROUGH=0`` installs Twisted's own.
"""

import asyncio
import os
import sys

CHOICES = ("uvloop", "asyncio")


class StartupError(Exception):
    """The server cannot start as configured; the message says why."""


def choose_loop(value: str | None) -> str:
    """The event loop to run on, from EVENT_LOOP (unset or empty: uvloop where installed)."""
    value = (value or "").strip().lower()
    if not value:
        try:
            import uvloop  # noqa: F401
        except ImportError:
            return "asyncio"
        return "uvloop"
    if value not in CHOICES:
        raise StartupError(f"EVENT_LOOP must be 'uvloop' or 'asyncio', not {value!r}.")
    if value == "uvloop":
        try:
            import uvloop  # noqa: F401
        except ImportError:
            raise StartupError(
                "EVENT_LOOP=uvloop but uvloop is not installed (it does not exist on Windows);"
                " install it or set EVENT_LOOP=asyncio."
            ) from None
    return value


def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    if "ASGI_THREADS" in os.environ:  # as Daphne does for the loop it makes
        from concurrent.futures import ThreadPoolExecutor

        loop.set_default_executor(ThreadPoolExecutor(max_workers=int(os.environ["ASGI_THREADS"])))
    return loop


def choose_write_through(value: str | None) -> bool:
    """Whether writes go out at once (config/reactor.py), from WRITE_THROUGH (default on)."""
    value = (value or "").strip().lower()
    if value in ("", "1", "on", "true", "yes"):
        return True
    if value in ("0", "off", "false", "no"):
        return False
    raise StartupError(f"WRITE_THROUGH must be 1 or 0 (on or off), not {value!r}.")


def install_reactor(kind: str, *, write_through: bool = True) -> None:
    """Install Twisted's asyncio reactor on a new ``kind`` loop, before Daphne makes its own."""
    if "twisted.internet.reactor" in sys.modules:
        raise StartupError("A Twisted reactor is already installed; start through config.serve.")
    if write_through:
        from config import reactor

        reactor.install(new_loop(kind))
    else:
        from twisted.internet import asyncioreactor

        asyncioreactor.install(new_loop(kind))


def main(argv: list[str] | None = None) -> None:
    try:
        kind = choose_loop(os.environ.get("EVENT_LOOP"))
        write_through = choose_write_through(os.environ.get("WRITE_THROUGH"))
        install_reactor(kind, write_through=write_through)
    except StartupError as error:
        print(f"config.serve: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    writes = "at once" if write_through else "buffered (Twisted's reactor)"
    print(f"config.serve: event loop {kind}, writes {writes}", file=sys.stderr, flush=True)

    from daphne.cli import CommandLineInterface

    from config import body_limit

    body_limit.install()

    CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
