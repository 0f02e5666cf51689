"""Who has an exchange board open: a count of open board sockets per user, in the shared cache.

In production the cache is Redis (every Daphne process sees the same counts); each count expires after a school
day, so a process that died with sockets open does not show someone online for ever.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache

TTL = 12 * 3600


def _key(user_id: int) -> str:
    return f"exchange.presence.{user_id}"


def presence_join(user_id: int) -> None:
    cache.add(_key(user_id), 0, TTL)
    try:
        cache.incr(_key(user_id))
    except ValueError:  # expired between add and incr
        cache.set(_key(user_id), 1, TTL)
    cache.touch(_key(user_id), TTL)


def presence_leave(user_id: int) -> None:
    try:
        if cache.decr(_key(user_id)) <= 0:
            cache.delete(_key(user_id))
    except ValueError:
        pass


def online(user_ids: Iterable[int]) -> set[int]:
    ids = list(user_ids)
    counts = cache.get_many([_key(pk) for pk in ids])
    return {pk for pk in ids if (counts.get(_key(pk)) or 0) > 0}
