"""
Whether the channel layer answers, per process: degrade, don't stall.

Redis may stop answering (killed, paused, a network blip). Every call this
process makes to the layer for its live parts goes through ``LayerHealth``
with a short timeout; the first that fails or times out marks the layer
down, logs one warning, and from then on:

- the rooms this process holds (realtime/local_groups.py) read their changes
  from the room's log in the database, one query per room and process;
- what is published waits in the process's queue (realtime/publisher.py);
- groups that sockets join on their own channel (user, thread) are noted
  and joined when the layer returns, so the handshake still succeeds.

A probe (a message the process sends itself through the layer) runs while
the process holds rooms or the layer is down: a process that publishes
nothing still learns that it receives nothing. When a probe comes back, the
noted groups are joined, the listeners switch back (rooms rejoin their group,
then read once more so nothing falls between) and one line says so.
"""

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

# Seconds a layer call may take before the layer counts as unreachable.
TIMEOUT = 1.0
# Seconds between two probes.
PROBE_INTERVAL = 1.0


def background(coroutine) -> asyncio.Task:
    """Run ``coroutine`` as a task of its own, outside the context of whoever started it.

    A task started from a database call (a publish after a commit) would
    otherwise inherit asgiref's note that the database thread is in use, and
    its own database calls would be refused.
    """
    return asyncio.get_running_loop().create_task(coroutine, context=contextvars.Context())


class LayerErrors(logging.Filter):
    """Turn the layer's own error records into the outage's one line.

    channels_redis's pub/sub reader logs a traceback every second while Redis
    is away, and one per socket that closes meanwhile. Such a record is the
    first sign of an outage as often as a failed call: it marks the layers of
    its event loop down (which logs the one line, with the error) and is
    dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return True
        states = health.of_loop(loop)
        if not states:
            return True
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, asyncio.CancelledError):
            # A socket's clean-up (its unsubscribe) cut short as it closed, as when
            # hundreds close at once: not the layer failing, and nothing to log.
            return False
        for state in states:
            state.failed(error or ConnectionError(record.getMessage()))
        return False


for _name in ("channels_redis.pubsub", "channels_redis.core"):
    logging.getLogger(_name).addFilter(LayerErrors())


class LayerDown(Exception):
    """The channel layer failed or did not answer in time."""


class LayerHealth:
    """The state of one channel layer as seen from one event loop."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.up = True
        self.down_since: float | None = None
        self.outages = 0
        # Called with no argument when the layer goes down / comes back.
        self.on_down: list[Callable[[], None]] = []
        self.on_up: list[Callable[[], Awaitable[None]]] = []
        # (group, channel) pairs to join once the layer is back.
        self.pending: dict[tuple[str, str], None] = {}
        # Why the probe runs while the layer is up (e.g. rooms held locally).
        self.watchers: set[Callable[[], bool]] = set()
        self.monitor: asyncio.Task | None = None
        self.back = asyncio.Event()
        self.back.set()
        self.probe_channel: str | None = None
        self.probe_reader: asyncio.Task | None = None
        self.probe_seen = asyncio.Event()

    # Calls ---------------------------------------------------------------------

    async def call(self, method: str, *args, timeout: float | None = None):
        """Call ``layer.<method>(*args)``; raise LayerDown (and mark it down) if it fails."""
        try:
            async with asyncio.timeout(TIMEOUT if timeout is None else timeout):
                return await getattr(self.layer, method)(*args)
        except (Exception, TimeoutError) as error:
            self.failed(error)
            raise LayerDown(str(error) or type(error).__name__) from error

    async def new_channel(self) -> str:
        """A channel for one socket, even while the layer is down.

        Only the pub/sub layer reaches Redis to make one (it subscribes); the
        name it would give is made here instead, and the subscription is made
        by the socket's first receive, once the layer answers.
        """
        if self.up:
            try:
                return await self.call("new_channel")
            except LayerDown:
                pass
        return f"{getattr(self.layer, 'prefix', '')}specific.{uuid.uuid4().hex}"

    async def receive(self, channel: str) -> dict:
        """The next message of a socket's own channel; waits out an outage instead of failing."""
        while True:
            try:
                return await self.layer.receive(channel)
            except Exception as error:
                self.failed(error)
                await asyncio.sleep(PROBE_INTERVAL)

    async def group_add(self, group: str, channel: str) -> None:
        """Join ``group`` now, or once the layer is back: never fails for an outage."""
        if not self.up:
            self.pending[(group, channel)] = None
            return
        try:
            await self.call("group_add", group, channel)
        except LayerDown:
            self.pending[(group, channel)] = None

    async def group_discard(self, group: str, channel: str) -> None:
        """Leave ``group``; a layer that is down forgets it on its own (or on return)."""
        if self.pending.pop((group, channel), "absent") is None:
            return  # never joined
        if not self.up:
            return
        with contextlib.suppress(LayerDown):
            await self.call("group_discard", group, channel)

    # State ---------------------------------------------------------------------

    def failed(self, error: BaseException | None = None) -> None:
        """Note that a call failed: the first failure of an outage is logged, once."""
        if not self.up:
            return
        self.up = False
        self.back.clear()
        self.outages += 1
        self.down_since = time.monotonic()
        logger.warning(
            "channel layer unreachable (%s), rooms fall back to database polling",
            _describe(error),
        )
        for listener in list(self.on_down):
            try:
                listener()
            except Exception:
                logger.exception("Listener of a channel-layer outage failed")
        self.watch()

    async def recovered(self) -> None:
        """The probe came back: join what waited, switch listeners back, say so once."""
        for group, channel in list(self.pending):
            try:
                async with asyncio.timeout(TIMEOUT):
                    await self.layer.group_add(group, channel)
            except TimeoutError as error:
                raise LayerDown("still no answer") from error  # the next probe tries again
            except Exception:
                # The probe just came back: this entry is at fault (its socket
                # is gone, say), not the layer.
                logger.info("Dropped the delayed join of %s", group, exc_info=True)
            self.pending.pop((group, channel), None)
        self.up = True
        seconds = time.monotonic() - (self.down_since or time.monotonic())
        self.down_since = None
        self.back.set()
        for listener in list(self.on_up):
            try:
                await listener()
            except Exception:
                logger.exception("Listener of a channel-layer return failed")
        logger.warning("channel layer back after %.0f s", seconds)

    # Probe ---------------------------------------------------------------------

    def watch(self, reason: Callable[[], bool] | None = None) -> None:
        """Probe the layer while ``reason()`` holds, or while it is down."""
        if reason is not None:
            self.watchers.add(reason)
        if self.monitor is None or self.monitor.done():
            self.monitor = background(self._monitor())

    def _wanted(self) -> bool:
        if not self.up:
            return True
        self.watchers = {reason for reason in self.watchers if reason()}
        return bool(self.watchers)

    async def _monitor(self) -> None:
        try:
            while self._wanted():
                await asyncio.sleep(PROBE_INTERVAL)
                try:
                    await self.probe()
                except LayerDown:
                    continue
                if not self.up:
                    try:
                        await self.recovered()
                    except LayerDown:
                        continue
        finally:
            if self.probe_reader is not None:
                self.probe_reader.cancel()
                self.probe_reader = None
                self.probe_channel = None

    async def probe(self) -> None:
        """Send a message to this process through the layer and wait for it to come back."""
        if self.probe_channel is None:
            self.probe_channel = await self.call("new_channel", "health.")
        if self.probe_reader is None or self.probe_reader.done():
            # One receive that is never cancelled by a timeout: the pub/sub
            # layer unsubscribes a channel whose receive is cancelled.
            self.probe_reader = background(self._read_probes())
        self.probe_seen.clear()
        await self.call("send", self.probe_channel, {"type": "health.probe"})
        try:
            async with asyncio.timeout(TIMEOUT):
                await self.probe_seen.wait()
        except TimeoutError as error:
            self.failed(error)
            raise LayerDown("the probe did not come back") from error

    async def _read_probes(self) -> None:
        while True:
            try:
                await self.layer.receive(self.probe_channel)
            except Exception as error:
                self.failed(error)
                await asyncio.sleep(PROBE_INTERVAL)
                continue
            self.probe_seen.set()


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "no answer"
    if isinstance(error, TimeoutError):
        return f"no answer within {TIMEOUT:g} s"
    return f"{type(error).__name__}: {error}"[:200]


class PerLoopAndLayer:
    """One ``factory(layer)`` per event loop and layer (layers are per loop, and so
    is what serves them), kept while both live. Health, the publisher, the local
    groups, the thread poller and the sweeper are each held by one of these."""

    def __init__(self, factory: Callable, doc: str) -> None:
        self.factory = factory
        self.__doc__ = doc
        self.registry: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self, layer):
        by_layer = self.registry.setdefault(asyncio.get_running_loop(), weakref.WeakKeyDictionary())
        found = by_layer.get(layer)
        if found is None:
            found = by_layer[layer] = self.factory(layer)
        return found

    def of_loop(self, loop) -> list:
        """What this loop holds, for every layer."""
        return list(self.registry.get(loop, {}).values())


health = PerLoopAndLayer(
    LayerHealth, "The health of ``layer`` as this event loop sees it (one per loop, as layers are)."
)
