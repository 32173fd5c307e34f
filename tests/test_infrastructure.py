"""
The suite runs on the services it is configured for, not on stand-ins.

DATABASE_URL and REDIS_URL select PostgreSQL and the Redis channel layer.
A test that needs a service is skipped on a developer's machine without it,
but fails in CI (CI=true), where .ci/run starts every service: a missing
service must never turn into a green run that tested nothing.
"""

import asyncio
import os
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

REDIS_LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


def require_service(name: str, env_var: str) -> str:
    """Return the service's URL from ``env_var``; fail in CI and skip elsewhere when unset."""
    value = os.environ.get(env_var, "")
    if not value:
        message = f"{name} is not configured: set {env_var} to run this test."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} CI must provide {name}.", pytrace=False)
        pytest.skip(message)
    return value


@pytest.mark.django_db
def test_database_backend_matches_database_url():
    database_url = os.environ.get("DATABASE_URL", "")
    with connection.cursor() as cursor:
        if database_url.startswith("postgres"):
            assert connection.vendor == "postgresql"
            cursor.execute("SELECT version()")
            assert cursor.fetchone()[0].startswith("PostgreSQL")
            # pytest-django runs on a throw-away copy, never on the configured database.
            assert connection.settings_dict["NAME"].startswith("test_")
        else:
            assert not database_url, f"unexpected DATABASE_URL scheme: {database_url!r}"
            assert connection.vendor == "sqlite"
            cursor.execute("SELECT sqlite_version()")
            assert cursor.fetchone()[0]
            # The test database lives in memory, so db.sqlite3 is never touched.
            assert connection.creation.is_in_memory_db(connection.settings_dict["NAME"])
        cursor.execute("SELECT 1 + 1")
        assert cursor.fetchone()[0] == 2


async def test_redis_channel_layer_round_trip():
    redis_url = require_service("Redis", "REDIS_URL")
    backend = REDIS_LAYERS[settings.CHANNEL_LAYER]
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == backend
    assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] == [redis_url]

    from channels.layers import channel_layers

    layer_class = import_string(backend)
    assert isinstance(channel_layers.make_backend("default"), layer_class)
    # A fresh layer, as configured, under a prefix of its own so that flush()
    # clears only this test's keys. Redis connection pools belong to the event
    # loop that opened them, and each async test has its own loop.
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    layer = layer_class(**{**config, "prefix": f"test-infra-{uuid.uuid4().hex[:8]}"})
    try:
        async with asyncio.timeout(10):
            channel = await layer.new_channel()
            await layer.send(channel, {"type": "test.direct", "text": "Bonjour, Ségou"})
            assert await layer.receive(channel) == {"type": "test.direct", "text": "Bonjour, Ségou"}

            group = f"test-infrastructure-{uuid.uuid4().hex[:8]}"
            other = await layer.new_channel()
            await layer.group_add(group, channel)
            await layer.group_add(group, other)
            await layer.group_send(group, {"type": "test.group", "n": 1})
            assert await layer.receive(channel) == {"type": "test.group", "n": 1}
            assert await layer.receive(other) == {"type": "test.group", "n": 1}

            await layer.group_discard(group, other)
            await layer.group_send(group, {"type": "test.group", "n": 2})
            assert await layer.receive(channel) == {"type": "test.group", "n": 2}
    finally:
        await layer.flush()
        if hasattr(layer, "close_pools"):
            await layer.close_pools()


async def test_redis_is_real():
    redis_url = require_service("Redis", "REDIS_URL")
    import redis.asyncio as redis

    client = redis.from_url(redis_url)
    try:
        assert await client.ping() is True
        info = await client.info("server")
        assert info["redis_version"]
    finally:
        await client.aclose()
