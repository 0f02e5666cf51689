"""The demo city, built once per test process and put back for each browser test in a fraction of a second.

``seed_demo`` takes 15 s or more (270 Wagtail pages, 24 libraries in five languages, lessons, notices,
exchanges), and every browser test starts from it: 34 seeds per leg of CI, a quarter of its time. The first
``portal`` of a process seeds; ``TableSnapshot`` then copies every table's rows, and each later ``portal`` puts
them back after the previous test's flush, so the browser sees the same city with the same ids as a fresh seed.

- SQLite (the embedded default's in-memory test database): the whole database is copied with SQLite's backup
  API into a private in-memory database, and back.
- PostgreSQL: each table's rows are copied into the schema ``demo_snapshot`` of the worker's own test database,
  and back with one ``TRUNCATE`` and one ``INSERT ... SELECT`` per table in one transaction (Django's foreign
  keys are deferred to its commit, so the order does not matter). Sequences only go up, so new rows still get
  ids no restored row has.

What lives outside the database is put back too: Django's content-type cache (the flush after each live-server
test makes content types anew), and this process's namespace of the Redis cache (on SQLite the local cache is
cleared before every test anyway), which could otherwise hand a test what an earlier test cached for the same id.
Files the seed wrote (pictures, attachments) stay in the process's media folder and are shared by the copies.
"""

from __future__ import annotations

import sqlite3

from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction

SCHEMA = "demo_snapshot"


class TableSnapshot:
    """Every table's rows of the default database at the moment ``take`` was called."""

    def __init__(self, tables: list[str], sqlite_copy: sqlite3.Connection | None) -> None:
        self.tables = tables
        self.sqlite_copy = sqlite_copy

    @classmethod
    def take(cls) -> TableSnapshot:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(copy)
            return cls([], copy)
        tables = [t for t in connection.introspection.table_names(include_views=False) if t != "django_migrations"]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SCHEMA}")
            for table in tables:
                cursor.execute(f"CREATE UNLOGGED TABLE {SCHEMA}.{quote(table)} AS TABLE {quote(table)}")
        return cls(tables, None)

    def restore(self) -> None:
        if self.sqlite_copy is not None:
            connection.ensure_connection()
            self.sqlite_copy.backup(connection.connection)
        else:
            quote = connection.ops.quote_name
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("TRUNCATE " + ", ".join(quote(t) for t in self.tables))
                for table in self.tables:
                    cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {SCHEMA}.{quote(table)}")  # noqa: S608 (our own tables)
        ContentType.objects.clear_cache()
        clear_process_cache()


def clear_process_cache(backend: BaseCache | None = None) -> None:
    """Empty this process's namespace of the Redis cache (the test settings give each process its own prefix),
    never the whole Redis database: the other test workers' caches and channel layers live there too (an earlier
    version called ``cache.clear()``, a FLUSHDB, and the other workers' live sockets lost their groups). The
    local-memory cache of the embedded default is simply cleared."""
    backend = backend if backend is not None else caches["default"]
    if isinstance(backend, LocMemCache):
        backend.clear()
        return
    if not isinstance(backend, RedisCache) or not backend.key_prefix:
        raise TypeError(f"not a cache this can empty without touching others: {backend!r}")
    client = backend._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
