"""
Process-level tuning of the long-running ASGI server (Daphne).

Python's cyclic garbage collector stops the event loop while it runs. In a
Daphne process holding hundreds of sockets, a full (generation 2) collection
walks every object the process owns — Django, the URL resolver, templates,
each consumer — and the fan-out benchmark caught it taking about 110 ms every
4 seconds at 500 listeners: every twentieth chat message reached its readers
that much later. Young-generation collections ran several times per message.

``tune_garbage_collector`` does two things once the application is loaded:

- ``gc.freeze()`` moves everything alive at start-up (modules, settings,
  compiled URL patterns) to the permanent generation, which collections no
  longer walk. Those objects live as long as the process anyway.
- a larger first threshold (10 000 allocations instead of 700) lets the many
  short-lived objects of a push (tasks, futures, frames) die before a
  collection sees them, so fewer survive into the older generations and full
  collections become rare.

Cycles are still collected; memory stays bounded. ``GC_THRESHOLDS`` (three
integers, or ``off`` for Python's defaults) sets the thresholds.

The process runs two threads that want the interpreter at once: the event
loop, writing a push to hundreds of sockets, and the database thread, where
``database_sync_to_async`` runs the services. The thread whose query has just
returned waits for the interpreter lock up to the switch interval (5 ms by
default) before it may go on, and a chat message is about a dozen queries:
under a 500-socket fan-out the sender's write and acknowledgement took 46 ms
(median) instead of 7. ``set_switch_interval`` shortens the wait (0.5 ms by
default, ``SWITCH_INTERVAL_MS``; ``off`` keeps Python's).
"""

import gc
import sys

from django.core.exceptions import ImproperlyConfigured

DEFAULT_THRESHOLDS = (10_000, 10, 10)
DEFAULT_SWITCH_INTERVAL_MS = 0.5
MAX_SWITCH_INTERVAL_MS = 100.0


def parse_thresholds(value: str | None) -> tuple[int, int, int] | None:
    """Read ``GC_THRESHOLDS``: None for "leave Python's defaults alone"."""
    if value is None or not value.strip():
        return DEFAULT_THRESHOLDS
    if value.strip().lower() == "off":
        return None
    parts = [part.strip() for part in value.split(",")]
    try:
        numbers = tuple(int(part) for part in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 3 or any(number < 1 for number in numbers):
        raise ImproperlyConfigured(
            f"GC_THRESHOLDS must be three positive integers such as 10000,10,10, or off; "
            f"got {value!r}."
        )
    return numbers  # type: ignore[return-value]


def tune_garbage_collector(thresholds: tuple[int, int, int] | None) -> bool:
    """Freeze start-up objects and set the thresholds; return whether anything changed."""
    if thresholds is None:
        return False
    gc.collect()  # collect start-up garbage first: frozen objects are never freed
    gc.freeze()
    gc.set_threshold(*thresholds)
    return True


def parse_switch_interval(value: str | None) -> float | None:
    """Read ``SWITCH_INTERVAL_MS`` (milliseconds) as seconds; None for Python's default."""
    if value is None or not value.strip():
        return DEFAULT_SWITCH_INTERVAL_MS / 1000
    if value.strip().lower() == "off":
        return None
    try:
        milliseconds = float(value)
    except ValueError:
        milliseconds = -1.0
    if not 0 < milliseconds <= MAX_SWITCH_INTERVAL_MS:  # also refuses nan
        raise ImproperlyConfigured(
            f"SWITCH_INTERVAL_MS must be a number of milliseconds above 0 and at most "
            f"{MAX_SWITCH_INTERVAL_MS:g} (such as 0.5), or off; got {value!r}."
        )
    return milliseconds / 1000


def set_switch_interval(seconds: float | None) -> bool:
    """Set how long a thread may keep the interpreter lock; return whether it changed."""
    if seconds is None:
        return False
    sys.setswitchinterval(seconds)
    return True
