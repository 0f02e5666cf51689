"""Counting a visitor's attempts (accepts, renewals) per minute in the shared cache: one round trip to Redis.

Django's cache API needs three for a counter that starts itself (``add``, then ``incr``, which itself asks
whether the key exists first); a flood check on every accept of a library's opening queue is worth one. On
Django's Redis backend the count is ``SET key 0 EX window NX`` and ``INCR key`` in one pipeline, atomic per key on
the server; on any other backend (the tests' local memory) ``add`` and ``incr``. Redis unreachable: the count
is 0 (the portal stays up without its flood limit rather than refusing everyone).
"""

from __future__ import annotations

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache

from school_portal.core.cache import OUTAGE_ERRORS


def attempt_count(key: str, *, window: int) -> int:
    """Count one attempt under ``key``; the number of attempts within the ``window`` seconds since the first."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        try:
            pipeline = backend._cache.get_client(full_key, write=True).pipeline(transaction=False)
            pipeline.set(full_key, 0, ex=window, nx=True)
            pipeline.incr(full_key)
            return int(pipeline.execute()[1])
        except OUTAGE_ERRORS:
            return 0
    backend.add(key, 0, timeout=window)
    try:
        return backend.incr(key)
    except ValueError:  # expired between the two calls
        backend.set(key, 1, timeout=window)
        return 1
