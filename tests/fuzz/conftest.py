"""
What every fuzz target shares: the private world, and a log that fails the test.

``tracebacks`` collects every log record at ERROR or above that carries an
exception (Django's "Internal Server Error", a consumer's crash, a held push
that failed): a fuzz target asserts it stays empty, as well as no 500 and no
close 1011.
"""

import logging

import pytest

from ..private_world import build_world


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.CRITICAL:
            self.records.append(record)

    def take(self) -> list[str]:
        found = [
            f"{r.name}: {r.getMessage()[:200]} ({r.exc_info[0].__name__ if r.exc_info else ''})"
            for r in self.records
        ]
        self.records.clear()
        return found


@pytest.fixture
def tracebacks():
    collector = Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    # django.request and channels do not propagate everywhere: listen on them too.
    others = [logging.getLogger(name) for name in ("django", "django.request", "daphne")]
    for logger in others:
        if not logger.propagate:
            logger.addHandler(collector)
    yield collector
    root.removeHandler(collector)
    for logger in others:
        logger.removeHandler(collector)


@pytest.fixture
def world(db):
    return build_world()
