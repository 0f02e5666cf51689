"""Cache tokens: what makes a family of cached copies unreachable at once.

A copy's key includes the current value of one or more tokens (``token``); a change that alters the copies
replaces the token (``token_replace``), and every copy stored under the old value is never read again (left to
expire). The page cache, the public feeds and the guardians' inboxes use them.

A token is random, never a counter: a token the cache lost (evicted, or deleted by ``core/cache.py`` after a write
Redis missed) is never taken up again by old copies. It is replaced at once and again once the change is
committed: a request that took the new token and read the data before the commit would otherwise store an old copy
under it. With Redis away every read is a miss, a fresh token each time, and the copies are simply drawn again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.core.cache import cache
from django.db import transaction


def _new() -> str:
    return uuid.uuid4().hex


def token(key: str) -> str:
    """The token under ``key``, made if there is none."""
    return cache.get_or_set(key, _new, timeout=None) or _new()


def tokens(keys: Sequence[str]) -> list[str]:
    """The tokens under ``keys`` in one cache read (two processes making a missing one agree on it)."""
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            made = _new()
            found[key] = made if cache.add(key, made, timeout=None) else (cache.get(key) or made)
    return [found[key] for key in keys]


def token_replace(key: str) -> None:
    """Makes every copy stored under the token ``key`` unreachable, now and once the change is committed."""
    tokens_replace([key])


def tokens_replace(keys: Sequence[str]) -> None:
    """:func:`token_replace` for several tokens in one trip to the cache (a batch of changes)."""

    def replace() -> None:
        cache.set_many({key: _new() for key in keys}, timeout=None)

    replace()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(replace)
