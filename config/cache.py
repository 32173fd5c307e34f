"""
The cache, and what it does when Redis stops answering.

The cache holds only the abuse limits' counters (forum/limits.py), and a limit
is a brake, not a lock: a cache that is down must cost a request nothing. Two
things make sure of it.

- Short socket timeouts (``CACHE_CONNECT_TIMEOUT``, ``CACHE_TIMEOUT``, in
  seconds, 0.25 by default): redis-py waits forever by default, so a paused
  Redis (a frozen host: it accepts the connection and never answers) would
  hold every write that counts a limit, however long the pause.
- A circuit breaker, per process and per Redis address
  (:class:`GuardedRedisCache`): the first command that times out or cannot
  connect opens it, and for ``CACHE_RETRY_AFTER`` seconds (5 by default)
  every cache call fails at once without touching the network. Then one call
  tries again; if Redis answers the breaker closes, otherwise it stays open
  for another period. A paused Redis thus costs each process at most one
  timeout per period, not one per request.

While it is open, or when a command fails for want of Redis, a call raises
:class:`CacheUnavailable`, a built-in ``ConnectionError``: callers catch that
without importing Redis (the domain apps may not) and decide what an answer
they cannot have means for them (the limits let the action through). The
breaker says so in one WARNING line when it opens and one when Redis is back
("cache back after N s"): one pair per outage and process, not a traceback
per request.

``build_caches()`` is the one place that turns the environment into CACHES;
settings call it, and tests build the same cache against a Redis they pause.
"""

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping

import redis
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

BACKEND = "config.cache.GuardedRedisCache"
# Seconds; tunable by environment variables of the same names (see docs/deployment.md).
DEFAULT_CONNECT_TIMEOUT = 0.25
DEFAULT_TIMEOUT = 0.25
DEFAULT_RETRY_AFTER = 5.0

# The failures that mean "Redis is not there" (not a wrong command): no connection,
# no answer in time. BusyLoadingError (a Redis still loading its data) is a ConnectionError.
OUTAGE_ERRORS = (redis.ConnectionError, redis.TimeoutError)


class CacheUnavailable(ConnectionError):  # noqa: N818 (the built-in's family, on purpose)
    """The cache cannot answer now (Redis unreachable, or known down): do without it."""


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value <= 60:
        raise ValueError(f"{name} must be more than 0 and at most 60 seconds, not {raw!r}")
    return value


def build_caches(redis_url: str, env: Mapping[str, str] | None = None) -> dict:
    """CACHES for this environment: Redis behind the breaker, or per-process memory."""
    env = os.environ if env is None else env
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": redis_url,
            "KEY_PREFIX": "jekafo",
            "OPTIONS": {
                # Passed by Django to redis-py's connection pool.
                "socket_connect_timeout": _seconds(
                    env, "CACHE_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT
                ),
                # redis-py makes one try per command with a pool of this kind (no
                # retry on timeout): a second try would only double the wait.
                "socket_timeout": _seconds(env, "CACHE_TIMEOUT", DEFAULT_TIMEOUT),
                # Read by GuardedRedisCache, not passed on.
                "retry_after": _seconds(env, "CACHE_RETRY_AFTER", DEFAULT_RETRY_AFTER),
            },
        }
    }


class Breaker:
    """Open after a failure, for ``retry_after`` seconds; one trial call then."""

    def __init__(self, name: str, retry_after: float, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.retry_after = retry_after
        self.clock = clock
        self.down_since: float | None = None
        self.retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.down_since is not None

    def allow(self) -> bool:
        """Whether a call may go to Redis now (always, unless the breaker is open)."""
        if self.down_since is None:
            return True
        with self._lock:
            now = self.clock()
            if self.down_since is None or now >= self.retry_at:
                # This call is the trial; the others keep failing fast meanwhile.
                self.retry_at = now + self.retry_after
                return True
            return False

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = self.clock()
            self.retry_at = now + self.retry_after
            if self.down_since is None:
                self.down_since = now
                logger.warning(
                    "cache unreachable at %s (%s: %s); abuse limits let actions through, "
                    "next try in %g s",
                    self.name,
                    type(error).__name__,
                    error,
                    self.retry_after,
                )

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is not None:
                logger.warning(
                    "cache back after %.1f s at %s", self.clock() - self.down_since, self.name
                )
                self.down_since = None


# One breaker per Redis address and process. Django keeps one cache object per
# thread (and per ASGI task), so the state cannot live on the object.
_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, retry_after: float) -> Breaker:
    with _breakers_lock:
        breaker = _breakers.get(location)
        if breaker is None:
            breaker = _breakers[location] = Breaker(_display(location), retry_after)
        breaker.retry_after = retry_after
        return breaker


def forget_breakers() -> None:
    """Start again with every breaker closed (tests that pause a Redis of their own)."""
    with _breakers_lock:
        _breakers.clear()


def _display(location: str) -> str:
    # Never a password in a log line: keep only what follows the credentials.
    scheme, sep, rest = location.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else location


class GuardedRedisCache(RedisCache):
    """Django's RedisCache behind a per-process circuit breaker (see the module's text)."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("retry_after", DEFAULT_RETRY_AFTER))
        params["OPTIONS"] = options
        super().__init__(server, params)
        location = server if isinstance(server, str) else ",".join(server)
        self.breaker = breaker_for(location, retry_after)

    def _guarded(self, operation: str, call: Callable, *args, **kwargs):
        if not self.breaker.allow():
            raise CacheUnavailable(f"cache known down, {operation} skipped")
        try:
            result = call(*args, **kwargs)
        except OUTAGE_ERRORS as error:
            self.breaker.failed(error)
            raise CacheUnavailable(f"cache unreachable during {operation}") from error
        except Exception:
            # Redis answered (an incr of a missing key, a wrong type): it is there.
            self.breaker.succeeded()
            raise
        self.breaker.succeeded()
        return result

    def add(self, *args, **kwargs):
        return self._guarded("add", super().add, *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._guarded("get", super().get, *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._guarded("set", super().set, *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._guarded("touch", super().touch, *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._guarded("delete", super().delete, *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._guarded("get_many", super().get_many, *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._guarded("has_key", super().has_key, *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._guarded("incr", super().incr, *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._guarded("set_many", super().set_many, *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._guarded("delete_many", super().delete_many, *args, **kwargs)

    def clear(self):
        return self._guarded("clear", super().clear)
