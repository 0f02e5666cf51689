"""The Redis cache keeps its connections across requests (Django's own opens one per request under ASGI).

The Redis is the one named by ``REDIS_URL``, else the local one on 127.0.0.1:6379 (database 15), as in
test_realtime_redis.py: no Redis is a failure, not a skip.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from school_portal.core.cache import SharedPoolRedisCache

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
REQUESTS = 30


def _connections_opened_by(backend_class: type[RedisCache]) -> int:
    """Redis's count of connections it accepted while ``REQUESTS`` requests each read the cache, each with the
    backend instance of its own that Django's cache handler gives every ASGI request context."""
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    prefix = f"test-cache-{uuid.uuid4().hex}"
    backend_class(REDIS_URL, {"KEY_PREFIX": prefix}).set("lesson-body", "cached", 60)  # warm, as a first request
    before = server.info("stats")["total_connections_received"]
    for _ in range(REQUESTS):
        assert backend_class(REDIS_URL, {"KEY_PREFIX": prefix}).get("lesson-body") == "cached"
    return server.info("stats")["total_connections_received"] - before


def test_the_portals_redis_cache_reuses_its_connections_from_request_to_request():
    opened = _connections_opened_by(SharedPoolRedisCache)
    assert opened <= 2, f"{opened} new Redis connections for {REQUESTS} requests"  # others may connect meanwhile


def test_djangos_own_redis_cache_would_connect_on_every_request():
    """Why the portal has its own backend: if Django shared its pools, the class above could go."""
    assert _connections_opened_by(RedisCache) >= REQUESTS
