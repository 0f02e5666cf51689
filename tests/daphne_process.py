"""Real Daphne processes for tests: on a free port, on the test's database and a Redis channel layer.

The workers share the test's database: on PostgreSQL the test database itself (the test is transactional, so
what it writes is committed); on the embedded SQLite, a file copy of the in-memory test database, made when
the worker environment is built (write what the workers must read before that).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
STARTUP_SECONDS = 30


def require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {REDIS_URL} is unreachable ({error}); start it (the CI script does) or set REDIS_URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_for_workers(tmp_path: Path) -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = tmp_path / "workers.sqlite3"
        target = sqlite3.connect(copy)
        connection.connection.backup(target)
        # In WAL mode before any app process opens it, as the portal's own file is after its first connection:
        # two processes switching a fresh copy to WAL at once (settings' init_command) can be refused outright
        # ("database is locked" without waiting, seen in CI on a gunicorn's first request).
        target.execute("PRAGMA journal_mode=WAL")
        target.close()
        return f"sqlite:///{copy}"
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def use_redis_channel_layer(settings) -> str:
    """This process's channel layer on the shared Redis, under a prefix of its own (parallel runs don't mix)."""
    require_redis()
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    config = {"hosts": [REDIS_URL], "prefix": prefix}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": config}}
    return prefix


def worker_env(*, prefix: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a Daphne worker on this test's database (see above) and channel-layer prefix."""
    return {**worker_env_without_redis(tmp_path), "REDIS_URL": REDIS_URL, "CHANNELS_PREFIX": prefix}


def worker_env_without_redis(tmp_path: Path) -> dict[str, str]:
    """The environment of a server process on this test's database (see above), on the embedded defaults otherwise
    (no Redis: the in-memory channel layer and cache)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school_portal.settings.test",
        "DATABASE_URL": database_url_for_workers(tmp_path),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    return env


def start_daphne(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A Daphne on ``port``, serving once this returns (its output in ``log``)."""
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "school_portal.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"daphne on {port} exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"daphne on {port} did not start within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait(timeout=10)
