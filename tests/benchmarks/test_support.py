"""The benchmarks never drop a database or empty a Redis database they did not create.

Against real servers: a Redis of the test's own (``redis-server`` on a Unix socket in a temporary folder) and
databases the test creates on the local PostgreSQL under names of its own. The throughput benchmarks
themselves are not run here.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]


def _load_support():
    spec = importlib.util.spec_from_file_location("bench_support", ROOT / "benchmarks" / "support.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_support"] = module
    spec.loader.exec_module(module)
    return module


support = _load_support()


@pytest.fixture
def redis_socket(tmp_path_factory) -> Iterator[str]:
    """A Redis server of this test's own, on a Unix socket (no port to collide), stopped afterwards."""
    folder = tmp_path_factory.mktemp("redis")
    socket = folder / "redis.sock"
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", "0", "--unixsocket", str(socket)]
        + ["--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            assert server.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield str(socket)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_redis_database_holding_someone_elses_keys_is_refused_and_left_untouched(redis_socket):
    url = f"unix://{redis_socket}?db=3"
    someone = redis.Redis.from_url(url)
    someone.set("someone:session:42", "their data")

    with pytest.raises(support.NotABenchmarkTarget, match="not the benchmarks' database"):
        support.flush_bench_redis(url)

    assert someone.get("someone:session:42") == b"their data"
    assert not someone.exists(support.REDIS_MARKER_KEY)


def test_an_empty_redis_database_is_claimed_and_later_runs_may_empty_it(redis_socket):
    url = f"unix://{redis_socket}?db=4"
    client = redis.Redis.from_url(url)

    support.claim_redis(url)
    assert client.exists(support.REDIS_MARKER_KEY)
    client.set("bench-run:cache:page", "left by an earlier run")
    support.flush_bench_redis(url)

    assert not client.exists("bench-run:cache:page")
    assert client.exists(support.REDIS_MARKER_KEY)
    # Another database of the same server was never touched.
    assert redis.Redis.from_url(f"unix://{redis_socket}?db=5").dbsize() == 0


@pytest.fixture
def database_name() -> Iterator[str]:
    name = f"bench_guardtest_{secrets.token_hex(4)}"
    yield name
    with psycopg.connect(f"{support.POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(name: str) -> set[str]:
    with psycopg.connect(f"{support.POSTGRES_SERVER}/{name}") as connection:
        return {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_a_postgres_database_a_benchmark_did_not_create_is_refused_and_kept(database_name):
    with psycopg.connect(f"{support.POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database_name}"')
    with psycopg.connect(f"{support.POSTGRES_SERVER}/{database_name}") as connection:
        connection.execute("CREATE TABLE people (name text)")
        connection.execute("INSERT INTO people VALUES ('someone')")

    with pytest.raises(support.NotABenchmarkTarget, match="was not created by a benchmark"):
        with support.postgres_database(database_name):
            pytest.fail("the benchmark ran on someone else's database")

    assert support.postgres_database_exists(database_name)
    assert _tables(database_name) == {"people"}


def test_a_benchmark_marks_its_database_replaces_its_own_leftover_and_drops_it(database_name):
    with support.postgres_database(database_name, keep=True):
        pass
    assert _tables(database_name) == {support.MARKER_TABLE}
    with psycopg.connect(f"{support.POSTGRES_SERVER}/{database_name}") as connection:
        connection.execute("CREATE TABLE core_student (id int)")  # what a kept run leaves behind

    with support.postgres_database(database_name):
        assert _tables(database_name) == {support.MARKER_TABLE}  # fresh: the leftover went

    assert not support.postgres_database_exists(database_name)


def test_database_names_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_PREFIX", raising=False)
    assert support.bench_database_name("seed") == "bench_portal_seed"
    monkeypatch.setenv("BENCH_DATABASE_PREFIX", "bench_alice")
    assert support.bench_database_name() == "bench_alice"
    assert support.bench_database_name("queries") == "bench_alice_queries"
    monkeypatch.setenv("BENCH_DATABASE_PREFIX", "portal")  # a name that is not a benchmark's
    with pytest.raises(ValueError, match="bench_"):
        support.bench_database_name()
