"""Real WSGI HTTP servers for tests, as docs/operations.md runs them: granian (the layout) or gunicorn.

Started on a free port with the portal's ``school_portal.wsgi:application``, on the environment the caller gives
(``tests.daphne_process.worker_env`` or its own: the test's database, a Redis prefix), serving once this returns.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.daphne_process import ROOT, STARTUP_SECONDS

SERVERS = ["granian", "gunicorn"]
# The unit's: granian stops a replaced worker this long after starting its successor, ready or not.
GRANIAN_RESPAWN_SECONDS = 15


def server_command(kind: str, port: int, workers: int = 1, extra: tuple[str, ...] = ()) -> list[str]:
    """The unit's command line (docs/operations.md, section 5) on a TCP port, with ``workers`` worker processes
    of 8 threads."""
    if kind == "granian":
        command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--http", "1", "--no-ws", "--workers", str(workers), "--blocking-threads", "8"]
        command += ["--workers-kill-timeout", "15", "--respawn-interval", str(GRANIAN_RESPAWN_SECONDS)]
    elif kind == "gunicorn":
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread"]
        command += ["--workers", str(workers), "--threads", "8", "--graceful-timeout", "15"]
    else:
        raise ValueError(f"unknown server {kind!r}")
    return [*command, *extra, "school_portal.wsgi:application"]


def start_http_server(
    kind: str, port: int, env: dict[str, str], log: Path, workers: int = 1, extra: tuple[str, ...] = ()
) -> subprocess.Popen:
    """``kind`` on ``port``, answering the portal's home page once this returns (its output in ``log``)."""
    with log.open("a") as out:
        process = subprocess.Popen(
            server_command(kind, port, workers, extra),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill_http_server reaches the workers too
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{kind} exited:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/", headers={"Host": "localhost"})
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    kill_http_server(process)
    pytest.fail(f"{kind} did not start within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def workers_of(process: subprocess.Popen) -> set[int]:
    """The worker processes the server's main process runs now (its children)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    try:
        return {int(pid) for pid in children.read_text().split()}
    except OSError:
        return set()


def kill_http_server(process: subprocess.Popen) -> None:
    """SIGKILL to the server and its workers (a test's end; a graceful stop is SIGTERM to ``process``)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
