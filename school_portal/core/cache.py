"""Django's Redis cache, with one connection pool per process.

Django keeps a cache backend per thread, and under ASGI per request context: every request of a Daphne worker
built a new ``RedisCache``, with a new connection pool, and so opened a new TCP connection to Redis with its
handshake. That was about a tenth of a worker's CPU on a child's lesson page (py-spy, docs/benchmarks.md).
Here the client that holds the pools is shared by every backend instance of the process with the same servers
and options; redis-py's pools are thread-safe and start afresh in a forked child.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple[tuple[str, ...], str], RedisCacheClient] = {}
_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
