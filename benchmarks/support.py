"""What every benchmark needs: the machine it runs on, a fresh database, a production-like environment.

The benchmarks run the project as it runs in production (``school_portal.settings.production``, the real
password hasher, Redis for cache and channel layer) against a dedicated database that they create and drop:
``<BENCH_DATABASE_PREFIX>*`` (default ``bench_portal*``) on the PostgreSQL of ``BENCH_POSTGRES``, or an SQLite
file in a temporary folder, and the Redis database of ``BENCH_REDIS_URL`` (default database 14).

On a shared machine those names may be someone else's. A benchmark therefore marks what it creates (a table
in its PostgreSQL database, a key in its Redis database) and refuses a target that is neither empty nor
marked: it never drops a database or empties a Redis database it did not create.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DAPHNE = str(ROOT / ".venv" / "bin" / "daphne")
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# What a benchmark writes into the targets it creates, and looks for before it drops or empties one.
MARKER_TABLE = "bench_created_by_portal_benchmarks"
REDIS_MARKER_KEY = "bench:created-by-portal-benchmarks"
BENCH_VAR_DIR = ROOT / "var" / "bench"
RUN_ID = os.environ.get("BENCH_RUN_ID", "")
if not RUN_ID:
    # The first benchmark process of a run: its children share the run's namespace; its static folder (which the
    # settings create on start-up) goes when it ends.
    RUN_ID = f"bench-{os.getpid()}-{secrets.token_hex(3)}"
    os.environ["BENCH_RUN_ID"] = RUN_ID
    atexit.register(shutil.rmtree, BENCH_VAR_DIR / f"static-{RUN_ID}", ignore_errors=True)
SEED_PORT = 8000  # the port written into the demo sites; Wagtail still finds a site by host name alone


def machine_description() -> str:
    """``nproc``, CPU model and RAM, for the head of every report."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown RAM"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} CPU ({cpu}), {ram}, {system}"


class NotABenchmarkTarget(RuntimeError):
    """A database or Redis database that holds data no benchmark wrote: never dropped, never emptied."""


def bench_database_name(suffix: str = "") -> str:
    """The benchmark database ``<BENCH_DATABASE_PREFIX>[_suffix]`` (``bench_portal`` by default)."""
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", "bench_portal")
    name = f"{prefix}_{suffix}" if suffix else prefix
    if not re.fullmatch(r"bench_[a-z0-9_]{1,50}", name):
        raise ValueError(f"benchmark databases are named bench_<lower-case letters, digits, _>, not {name!r}")
    return name


def claim_redis(url: str = REDIS_URL) -> None:
    """Make sure the Redis database of ``url`` is the benchmarks': empty (then marked) or marked by an earlier
    run. Anything else is someone's data: refused."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        if client.exists(REDIS_MARKER_KEY):
            return
        if client.dbsize():
            raise NotABenchmarkTarget(
                f"Redis {url} holds {client.dbsize()} keys and no benchmark marker ({REDIS_MARKER_KEY}): it is not "
                "the benchmarks' database. Point BENCH_REDIS_URL at an empty Redis database."
            )
        client.set(REDIS_MARKER_KEY, RUN_ID)
    finally:
        client.close()


def bench_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production process pointed at the benchmark database and Redis database."""
    claim_redis()
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "school_portal.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "localhost,.localhost,127.0.0.1,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "60",
            "REDIS_URL": REDIS_URL,
            # A namespace of its own in the Redis database and a static folder of its own: benchmarks may run side
            # by side.
            "CACHE_PREFIX": RUN_ID,
            "CHANNELS_PREFIX": RUN_ID,
            "PORTAL_VAR_DIR": str(BENCH_VAR_DIR),
            "STATIC_ROOT": str(BENCH_VAR_DIR / f"static-{RUN_ID}"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    """Run ``manage.py args`` in ``env``; raise with its output if it fails."""
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=capture, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def flush_bench_redis(url: str = REDIS_URL) -> None:
    """Empty the benchmarks' Redis database (refused unless it is theirs, see ``claim_redis``). Each run has its
    own key prefix (RUN_ID), so a fresh run starts with an empty cache anyway; this empties what earlier runs
    left, and marks the database again."""
    import redis

    claim_redis(url)
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
        client.set(REDIS_MARKER_KEY, RUN_ID)
    finally:
        client.close()


def _postgres_admin(sql: str, server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def postgres_database_exists(name: str, server: str = POSTGRES_SERVER) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _claim_postgres_database(name: str, server: str) -> None:
    """Refuse an existing database ``name`` that holds tables and no benchmark marker; mark an empty one."""
    import psycopg

    with psycopg.connect(f"{server}/{name}", autocommit=True) as connection:
        if connection.execute("SELECT to_regclass(%s)", [f"public.{MARKER_TABLE}"]).fetchone()[0] is not None:
            return
        tables = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]
        if tables:
            raise NotABenchmarkTarget(
                f"the database {name} holds {tables} tables and was not created by a benchmark (no {MARKER_TABLE} "
                "table): it is left alone. Choose other names with BENCH_DATABASE_PREFIX."
            )
        connection.execute("CREATE TABLE bench_created_by_portal_benchmarks (run_id text NOT NULL)")
        connection.execute("INSERT INTO bench_created_by_portal_benchmarks VALUES (%s)", [RUN_ID])


@contextlib.contextmanager
def postgres_database(
    name: str, *, keep: bool = False, reuse: bool = False, server: str = POSTGRES_SERVER
) -> Iterator[str]:
    """A fresh, empty PostgreSQL database ``name`` (dropped first if a benchmark left it); its URL. Dropped
    afterwards. A database of that name that a benchmark did not create is refused (``NotABenchmarkTarget``).

    ``reuse``: keep what a previous ``keep`` run left (for iterating on a benchmark, never for its figures).
    """
    if not re.fullmatch(r"bench_[a-z0-9_]{1,50}", name):
        raise ValueError("benchmark databases are named bench_<lower-case letters, digits, _>")
    if postgres_database_exists(name, server):
        _claim_postgres_database(name, server)
        if not reuse:
            _postgres_admin(f'DROP DATABASE "{name}" WITH (FORCE)', server)
    if not postgres_database_exists(name, server):
        _postgres_admin(f'CREATE DATABASE "{name}"', server)
        _claim_postgres_database(name, server)
    try:
        yield f"{server}/{name}"
    finally:
        if not keep:
            _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', server)


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    """A fresh SQLite file in a temporary folder; its URL."""
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        yield f"sqlite:///{folder}/portal.sqlite3"


@contextlib.contextmanager
def database(engine: str, name: str) -> Iterator[str]:
    if engine == "postgres":
        with postgres_database(name) as url:
            yield url
    elif engine == "sqlite":
        with sqlite_database() as url:
            yield url
    else:
        raise ValueError(f"unknown engine {engine!r}")


def prepare_static(env: dict[str, str]) -> None:
    """Collect the static files into this run's folder (production serves them with a manifest, so templates
    need it); the folder goes when the run ends."""
    manage(env, "collectstatic", "--noinput", "-v0")


def print_header(title: str) -> None:
    print(f"\n== {title}")
    print(f"machine: {machine_description()}")
    sys.stdout.flush()


def demo_database_ready(env: dict[str, str]) -> float:
    """Migrate, ``seed_demo``, collect the static files and empty the benchmarks' Redis; the seconds it took."""
    import time

    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--quiet")
    prepare_static(env)
    flush_bench_redis()
    return time.perf_counter() - started


def measured_in_subprocess(script: str, env: dict[str, str], *args: str) -> dict:
    """Run ``script --measure args`` in ``env`` (a fresh process with the run's settings) and return the JSON
    object on the last line of its output; raise with its output if it fails."""
    import json

    made = subprocess.run(
        [PYTHON, os.path.abspath(script), "--measure", *args], env=env, capture_output=True, text=True, check=False
    )
    if made.returncode:
        raise RuntimeError(made.stdout + made.stderr)
    return json.loads(made.stdout.strip().splitlines()[-1])


def cpu_profiled(run: Callable[[], None], name: str, stream: TextIO = sys.stdout, tottime: int = 0) -> None:
    """``run()`` under cProfile counting CPU time (not the database's or Redis's round trips); the whole profile
    saved as var/bench/<name>.prof for pstats, its top 30 by cumulative time (and ``tottime`` by own time) printed
    to ``stream``."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    run()
    profiler.disable()
    saved = ROOT / "var" / "bench" / f"{name}.prof"
    saved.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(saved)
    print(f"(the whole profile: {saved.relative_to(ROOT)}, for pstats)", file=stream)
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(30)
    if tottime:
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(tottime)
