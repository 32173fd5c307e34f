"""
Abuse limits: one table, read by every door.

Each row names an action, how many times it may happen in a window, whom the
count belongs to (the member, the client's address, or both) and the French
message shown when the count is spent. Services call ``hit()`` just before
they write, so the HTML form, the JSON endpoint and the socket all obey the
same row; the sign-up view, which alone knows the address, passes it.

The counters live in Django's cache. A sliding-window counter is kept: the
current fixed window's count plus the previous window's count weighted by
how much of it still overlaps the last ``window`` seconds. It needs two keys
and one atomic ``incr`` per hit (no list of timestamps), and unlike a plain
fixed window it does not allow twice the limit across a window boundary.

With several Daphne processes the cache must be shared (settings use Redis
when REDIS_URL is set); the per-process memory cache only counts the hits a
process saw. A cache that is down lets the action through: a limit is a
brake, not a lock, and must not take the forum down with it.

Time is read only through ``now()``: tests freeze or move it (see
``tests/forum/test_limits.py``) instead of sleeping.
"""

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, ngettext

logger = logging.getLogger(__name__)

USER = "user"
ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    count: int
    window: int  # seconds
    scopes: tuple[str, ...]
    message: Promise


def _limit(name: str, count: int, window: int, scopes: tuple[str, ...], message) -> Limit:
    return Limit(name=name, count=count, window=window, scopes=scopes, message=message)


# The table. A moderator or staff member is counted like anyone else: a stolen
# moderator account is the one that can do the most harm quickly.
LIMITS: dict[str, Limit] = {
    row.name: row
    for row in (
        _limit(
            "signup",
            5,
            3600,
            (ADDRESS,),
            gettext_lazy("Trop de comptes créés depuis cette connexion."),
        ),
        _limit(
            "thread",
            10,
            3600,
            (USER,),
            gettext_lazy("Vous avez ouvert beaucoup de discussions en peu de temps."),
        ),
        _limit(
            "reply",
            30,
            600,
            (USER,),
            gettext_lazy("Vous avez publié beaucoup de réponses en peu de temps."),
        ),
        _limit(
            "report",
            20,
            3600,
            (USER,),
            gettext_lazy("Vous avez envoyé beaucoup de signalements en peu de temps."),
        ),
        _limit(
            "invitation",
            20,
            3600,
            (USER,),
            gettext_lazy("Vous avez créé beaucoup de liens d'invitation en peu de temps."),
        ),
        _limit(
            "upload",
            20,
            3600,
            (USER,),
            gettext_lazy("Vous avez envoyé beaucoup de documents en peu de temps."),
        ),
    )
}

# The same text by the same author in the same place within this many seconds
# is the same post sent twice (a double tap, a resent form on a slow network).
DUPLICATE_WINDOW = 5 * 60


# Set by ``suspended()``: the operator's own scripts (demo seeding, imports,
# benchmarks, test factories) write in bulk on purpose.
_suspended: ContextVar[bool] = ContextVar("limits_suspended", default=False)


@contextmanager
def suspended() -> Iterator[None]:
    """Run the block without abuse limits or the duplicate guard (operator's scripts)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def active() -> bool:
    """Whether limits and the duplicate guard apply to the current write."""
    return not _suspended.get()


def now() -> datetime:
    """Return the current time; the only clock the limits (and slow mode) read."""
    return timezone.now()


class RateLimited(PermissionDenied):
    """
    An action refused because its limit is spent (HTTP 429).

    A PermissionDenied with a ``code``, so the rooms' one error mapping
    (``rooms.actions.refusal``) turns it into its ``rate_limited`` or
    ``slow_mode`` error frame, and ``forum.middleware`` into a 429 page or a
    JSON error.
    """

    status = 429

    def __init__(self, message: str, *, retry_after: int, code: str = "rate_limited") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = max(1, int(retry_after))


def wait_message(seconds: int) -> str:
    seconds = max(1, int(seconds))
    if seconds < 120:
        return ngettext(
            "Réessayez dans %(count)d seconde.", "Réessayez dans %(count)d secondes.", seconds
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Réessayez dans %(count)d minute.", "Réessayez dans %(count)d minutes.", minutes
    ) % {"count": minutes}


def _key(limit: Limit, scope: str, ident: str, index: int) -> str:
    return f"limit:{limit.name}:{scope}:{ident}:{index}"


def _counts(limit: Limit, scope: str, ident: str, index: int) -> tuple[int, int]:
    """Return the previous and the current window's counts."""
    previous_key = _key(limit, scope, ident, index - 1)
    current_key = _key(limit, scope, ident, index)
    counts = cache.get_many([previous_key, current_key])
    return counts.get(previous_key, 0), counts.get(current_key, 0)


def _retry_after(limit: Limit, previous: int, current: int, elapsed: float) -> int:
    """Seconds until one more action fits in the sliding window."""
    room = limit.count - 1  # the sliding count must fall to this
    if current <= room:
        # The previous window's weight decays over this one.
        fraction = 1 - (room - current) / previous if previous else elapsed
        wait = (fraction - elapsed) * limit.window
    else:
        # Only the next window helps: this one's count then decays in turn.
        fraction = max(0.0, 1 - room / current)
        wait = (1 - elapsed + fraction) * limit.window
    return max(1, math.ceil(wait))


def _idents(limit: Limit, user, address: str | None) -> list[tuple[str, str]]:
    idents = []
    if USER in limit.scopes and user is not None and getattr(user, "pk", None):
        idents.append((USER, str(user.pk)))
    if ADDRESS in limit.scopes and address:
        idents.append((ADDRESS, address))
    return idents


# Seconds the limits leave the cache alone after it failed. Each call to a cache
# that does not answer (a paused Redis) waits for its timeout in the one thread
# that runs the process's queries: without this pause every write would wait.
CACHE_RETRY = 5.0
# Shared by the threads of a process; a race costs at most one extra try.
cache_state = {"down": False, "until": 0.0}


def _cache_failed(name: str, error: Exception) -> None:
    """Let actions through without the cache for a while; one line per outage."""
    if not cache_state["down"]:
        logger.warning(
            "Rate-limit cache unavailable (%s: %s); %s and other actions let through "
            "until it answers",
            type(error).__name__,
            str(error)[:200],
            name,
        )
    cache_state.update(down=True, until=time.monotonic() + CACHE_RETRY)


def _cache_answered() -> None:
    if cache_state["down"]:
        cache_state["down"] = False
        logger.warning("Rate-limit cache back")


def hit(name: str, *, user=None, address: str | None = None) -> None:
    """
    Count one ``name`` action for ``user`` and/or ``address``, or refuse it.

    Raise RateLimited (counting nothing) when the row's count is already
    spent in the sliding window; the message says when to try again.
    """
    limit = LIMITS[name]
    idents = _idents(limit, user, address)
    if not idents or not active():
        return
    if cache_state["down"] and time.monotonic() < cache_state["until"]:
        return  # the cache failed a moment ago: let through without waiting on it
    moment = now().timestamp()
    index = int(moment // limit.window)
    elapsed = (moment % limit.window) / limit.window
    try:
        counted = [(scope, ident, *_counts(limit, scope, ident, index)) for scope, ident in idents]
    except Exception as error:
        _cache_failed(name, error)
        return
    _cache_answered()
    for _scope, _ident, previous, current in counted:
        if previous * (1 - elapsed) + current + 1 > limit.count:
            wait = _retry_after(limit, previous, current, elapsed)
            raise RateLimited(f"{limit.message} {wait_message(wait)}", retry_after=wait)
    try:
        for scope, ident, _previous, _current in counted:
            key = _key(limit, scope, ident, index)
            # Two windows and a little: the next window still reads this one.
            cache.add(key, 0, timeout=2 * limit.window + 60)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=2 * limit.window + 60)
    except Exception as error:
        _cache_failed(name, error)


def client_address(request: HttpRequest) -> str:
    """
    The client's address, as the limits count it.

    Behind the proxy (BEHIND_PROXY, which sets SECURE_PROXY_SSL_HEADER), the
    last X-Forwarded-For entry is the one nginx itself saw
    (``$proxy_add_x_forwarded_for`` appends it); earlier entries are the
    client's own claim and are ignored.
    """
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def check_report(*, user, address: str | None = None) -> None:
    """Count one report (for the reports service); raise RateLimited when spent."""
    hit("report", user=user, address=address)
