"""The suite runs on the engines it was asked for: the embedded defaults, or PostgreSQL + Redis when configured.

CI runs the whole suite twice (``.ci/run``); these tests make sure the second run really talks to PostgreSQL and
Redis, not silently to SQLite and memory.
"""

from __future__ import annotations

import os
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_configured_one():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


def test_cache_is_the_configured_one_and_round_trips():
    backend = settings.CACHES["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert backend == "school_portal.core.cache.SharedPoolRedisCache"
    else:
        assert backend == "django.core.cache.backends.locmem.LocMemCache"
    key = f"engine-check-{uuid.uuid4()}"
    cache.set(key, {"名前": "さくら"}, 30)
    assert cache.get(key) == {"名前": "さくら"}
    cache.delete(key)


def test_channel_layer_is_the_configured_one_and_delivers():
    layer = get_channel_layer()
    # With Redis: channels-redis with the pool that waits for a free connection (core/channel_layer.py).
    expected = "PooledRedisChannelLayer" if os.environ.get("REDIS_URL") else "InMemoryChannelLayer"
    assert type(layer).__name__ == expected

    async def round_trip() -> dict:
        channel = await layer.new_channel()
        await layer.group_add("engine-check", channel)
        await layer.group_send("engine-check", {"type": "ping", "text": "こんにちは"})
        message = await layer.receive(channel)
        await layer.group_discard("engine-check", channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "ping", "text": "こんにちは"}
