"""HTTP requests' sync code on long-lived threads (config/warm_threads.py)."""

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync, ThreadSensitiveContext, async_to_sync, sync_to_async
from django.core.exceptions import ImproperlyConfigured

from config.warm_threads import DEFAULT_THREADS, WarmThreads, parse_warm_threads


@pytest.mark.parametrize(
    ("value", "expected"), [(None, DEFAULT_THREADS), ("", 4), (" 0 ", 0), ("8", 8)]
)
def test_the_number_of_threads_is_read_from_the_setting(value, expected):
    assert parse_warm_threads(value) == expected


@pytest.mark.parametrize("value", ["-1", "two", "1.5", "65", "²"])
def test_a_bad_number_of_threads_is_refused_with_the_value(value):
    with pytest.raises(ImproperlyConfigured, match="HTTP_WARM_THREADS must be a whole number"):
        parse_warm_threads(value)


def django_like(work):
    """An ASGI app that does what Django's handler does: its own context, sync code in it."""

    async def app(scope, receive, send):
        async with ThreadSensitiveContext():
            result = await sync_to_async(work)()
        await send({"type": "result", "value": result})

    return app


async def call(app, scope_type="http"):
    sent = []

    async def send(message):
        sent.append(message)

    await app({"type": scope_type}, None, send)
    return sent[0]["value"]


def test_requests_one_after_another_reuse_one_thread():
    async def scenario():
        plain = django_like(threading.current_thread)  # objects: an ident can be reused
        warm = WarmThreads(plain, 2)
        without = {await call(plain) for _ in range(3)}
        with_pool = []
        for _ in range(5):
            with_pool.append(await call(warm))
            # A thread goes back to the pool once it is free, a moment after the
            # request (on a loaded machine the next request may come first, and it
            # then gets a thread of its own: never a wait). Requests one after another
            # are that moment apart here, as over a network.
            for _ in range(500):
                if len(warm.idle) == 2:
                    break
                await asyncio.sleep(0.01)
        return without, with_pool, warm

    without, with_pool, warm = asyncio.run(scenario())
    assert len(without) == 3  # Django alone: a new thread per request
    assert len(set(with_pool)) == 1 and threading.current_thread() not in with_pool
    assert len(warm.idle) == 2


def test_a_request_never_waits_for_a_busy_pool():
    release = threading.Event()

    def work():
        if not release.is_set():
            release.wait(timeout=10)
            return "slow"
        return "quick"

    async def scenario():
        warm = WarmThreads(django_like(work), 1)
        slow = asyncio.ensure_future(call(warm))
        await asyncio.sleep(0.05)
        release.set()  # the first request holds the only pool thread until now...
        quick = await asyncio.wait_for(call(warm), timeout=5)  # ...the second had its own
        return quick, await slow

    # Without its own thread the second request would wait 10 s for the first.
    assert asyncio.run(asyncio.wait_for(scenario(), timeout=8)) == ("quick", "slow")


def test_sync_code_that_goes_back_to_async_and_to_sync_again_stays_on_its_thread():
    def work():
        here = threading.get_ident()

        async def inner():
            return await sync_to_async(threading.get_ident)()

        return here, async_to_sync(inner)()

    async def scenario():
        warm = WarmThreads(django_like(work), 1)
        return [await asyncio.wait_for(call(warm), timeout=5) for _ in range(3)]

    for outer, inner in asyncio.run(scenario()):
        assert outer == inner


def test_sockets_and_a_pool_of_none_pass_through():
    def entered() -> bool:
        try:
            SyncToAsync.thread_sensitive_context.get()
        except LookupError:
            return False
        return True

    async def app(scope, receive, send):
        await send({"type": "result", "value": (scope["type"], entered())})

    async def scenario():
        return await call(WarmThreads(app, 2), "websocket"), await call(WarmThreads(app, 0))

    assert asyncio.run(scenario()) == (("websocket", False), ("http", False))
    assert asyncio.run(call(WarmThreads(app, 1))) == ("http", True)
