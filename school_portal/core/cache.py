"""Django's Redis cache, with one connection pool per process, that a Redis outage degrades instead of breaking.

One pool per process (and one redis-py client per pool: :meth:`OutageTolerantRedisCacheClient.get_client`).
Django keeps a cache backend per thread, and under ASGI per request context: every request
of a Daphne worker built a new ``RedisCache``, with a new connection pool, and so opened a new TCP connection to
Redis with its handshake. That was about a tenth of a worker's CPU on a child's lesson page (py-spy,
docs/benchmarks.md). Here the client that holds the pools is shared by every backend instance of the process with
the same servers and options; redis-py's pools are thread-safe and start afresh in a forked child.

Redis down. The cache holds nothing that is not also elsewhere (sessions are written through to PostgreSQL,
lesson bodies and PDFs are recomputed, sign-in failures are counted in the database), so an unreachable Redis
must cost speed, not pages. A read is then a miss, a write or a delete a logged no-op. The connection and socket
timeouts are short, and after a failure the process stops asking Redis for ``RETRY_SECONDS`` (a circuit
breaker): while Redis is down a request does not wait for a timeout on every cache call, and when it is back the
next call after that pause finds it again.

A write or delete that could not reach Redis leaves the key's old value there if Redis only dropped off the
network (a session signed out meanwhile would come back from the cache). Each process remembers the keys it could
not write or delete and deletes them before it uses Redis again; until then it does not use it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What redis-py (sync and asyncio) raises when Redis cannot be reached; the live sockets use it too.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
# Redis answers a healthy request in well under a millisecond on the same host or network.
DEFAULT_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
DEFAULT_RETRY_SECONDS = 5.0
MAX_MISSED_KEYS = 100_000

_clients: dict[tuple[tuple[str, ...], str], RedisCacheClient] = {}
_lock = threading.Lock()


class OutageTolerantRedisCacheClient(RedisCacheClient):
    """Django's client, whose every call answers as if the key were absent while Redis cannot be reached."""

    def __init__(self, servers: list[str], *, retry_seconds: float = DEFAULT_RETRY_SECONDS, **options: Any) -> None:
        super().__init__(servers, **{**DEFAULT_TIMEOUTS, **options})
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._missed: set[Any] = set()
        self._missed_lock = threading.Lock()
        self._redis_clients: dict[int, tuple[Any, Any]] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """The redis-py client of the pool, made once per pool: Django's makes a new one for every call, and
        redis-py's ``Redis()`` fills its table of ~170 response callbacks each time (~0.07 ms of CPU per cache call:
        the cached school home's two reads went from 0.48 to 0.34 ms, docs/benchmarks.md). A client holds no
        connection of its own (it takes one from the thread-safe pool for each command), so one per pool serves
        every thread."""
        pool = self._get_connection_pool(write)  # Django's choice of pool (for a read, at random among replicas)
        known = self._redis_clients.get(id(pool))
        if known is None or known[0] is not pool:
            known = self._redis_clients[id(pool)] = (pool, self._client(connection_pool=pool))
        return known[1]

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _guarded(self, operation: str, call: Any, fallback: Any, *args: Any, writes: Any = (), **kwargs: Any) -> Any:
        if self.is_down:
            self._remember(writes)
            return fallback
        try:
            self._forget_missed()
            result = call(*args, **kwargs)
        except OUTAGE_ERRORS:
            self._remember(writes)
            if not self.is_down:
                logger.warning(
                    "Redis cache unreachable (%s); working without it for %s s", operation, self.retry_seconds
                )
            self._down_until = time.monotonic() + self.retry_seconds
            # Connections of the dead server would fail one by one: start afresh when it answers again.
            self._pools.clear()
            self._redis_clients.clear()
            return fallback
        return result

    def _remember(self, keys: Any) -> None:
        with self._missed_lock:
            if len(self._missed) < MAX_MISSED_KEYS:
                self._missed.update(keys)
            else:
                logger.error("Redis cache: more than %s writes missed during an outage", MAX_MISSED_KEYS)

    def _forget_missed(self) -> None:
        """Delete the keys whose write or delete was missed (raises while Redis is still unreachable)."""
        if not self._missed:
            return
        with self._missed_lock:
            keys, self._missed = list(self._missed), set()
        try:
            super().delete_many(keys)
        except OUTAGE_ERRORS:
            self._remember(keys)
            raise

    def get(self, key: Any, default: Any) -> Any:
        return self._guarded("get", super().get, default, key, default)

    def get_many(self, keys: Any) -> dict:
        return self._guarded("get_many", super().get_many, {}, keys)

    def has_key(self, key: Any) -> bool:
        return self._guarded("has_key", super().has_key, False, key)

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        return self._guarded("add", super().add, False, key, value, timeout, writes=(key,))

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        self._guarded("set", super().set, None, key, value, timeout, writes=(key,))

    def set_many(self, data: dict, timeout: Any) -> None:
        self._guarded("set_many", super().set_many, None, data, timeout, writes=data)

    def touch(self, key: Any, timeout: Any) -> bool:
        return self._guarded("touch", super().touch, False, key, timeout, writes=(key,))

    def delete(self, key: Any) -> bool:
        return self._guarded("delete", super().delete, False, key, writes=(key,))

    def delete_many(self, keys: Any) -> None:
        self._guarded("delete_many", super().delete_many, None, keys, writes=keys)

    def clear(self) -> bool:
        return self._guarded("clear", super().clear, False)

    def incr(self, key: Any, delta: int) -> int:
        missing = object()
        value = self._guarded("incr", super().incr, missing, key, delta, writes=(key,))
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return value


class SharedPoolRedisCache(RedisCache):
    """``CACHES`` backend: one client (and so one pool) per process and server, tolerant of a Redis outage.

    ``OPTIONS`` may set ``retry_seconds`` (the circuit breaker's pause) and redis-py's ``socket_connect_timeout``
    and ``socket_timeout`` (defaults: :data:`DEFAULT_TIMEOUTS`).
    """

    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = OutageTolerantRedisCacheClient

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
