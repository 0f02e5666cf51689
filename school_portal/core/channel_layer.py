"""The Redis channel layer, with a connection pool that waits for a free connection instead of failing.

channels-redis 4.3 builds each event loop's pool with redis-py's ``ConnectionPool.from_url(address, **host)``.
In redis-py 8 that pool holds at most ``max_connections`` (100 by default) and raises ``MaxConnectionsError``
("Too many connections") at once when they are all busy. A Daphne worker taking a burst of WebSocket handshakes
runs a ``group_add`` (two commands) per group of every socket at the same moment, and its sockets' closes run
``group_discard``: with 1,000 sockets, dozens of handshakes failed and over a thousand ``group_discard`` calls
raised, leaving stale members in the groups until they expired (docs/benchmarks.md).

This layer builds a ``BlockingConnectionPool`` instead: at most ``max_connections`` connections per worker, and
a command that finds them all busy waits up to ``timeout`` seconds for one (then raises ``ConnectionError``,
which the consumer answers with close code 4503 and the browser retries). Both come from the host dict in
``CHANNEL_LAYERS`` (settings: ``CHANNELS_REDIS_POOL_SIZE``, ``CHANNELS_REDIS_POOL_TIMEOUT``); every other key
is passed on to the connections as before (``socket_timeout``...).
"""

from __future__ import annotations

from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.asyncio import BlockingConnectionPool

DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_TIMEOUT = 20.0


def blocking_pool(host: dict[str, Any]) -> BlockingConnectionPool:
    """A waiting pool for one host entry of ``CHANNEL_LAYERS`` (``{"address": url, "max_connections": n,
    "timeout": seconds, ...connection options}``)."""
    options = dict(host)
    address = options.pop("address")
    options.setdefault("max_connections", DEFAULT_MAX_CONNECTIONS)
    options.setdefault("timeout", DEFAULT_TIMEOUT)
    return BlockingConnectionPool.from_url(address, **options)


class PooledRedisChannelLayer(RedisChannelLayer):
    """channels-redis's layer with :func:`blocking_pool` per host and event loop (hosts given by URL; a
    sentinel or host/port entry keeps channels-redis's own pool)."""

    def create_pool(self, index: int) -> Any:
        if "address" not in self.hosts[index]:
            return super().create_pool(index)
        return blocking_pool(self.hosts[index])
