"""A worker recycled while pages are being read loses no request (docs/operations.md, section 5).

The layout restarts its HTTP workers now and then: granian when a worker has lived its time or grown past its
memory limit (``--workers-lifetime``, ``--workers-max-rss``), gunicorn after a number of requests
(``--max-requests``). Here a worker is recycled while four clients keep reading the sign-in page: every request
is answered, and at least one worker is replaced (started, then stopped) while they read.

Granian starts the new worker and stops the old one ``--respawn-interval`` seconds later, whether the new one has
loaded the portal or not; with its default of 3.5 s, shorter than the portal's start on a busy machine, this
test saw thousands of connections refused between the two. The unit sets 15 s (docs/operations.md), and so
does ``tests/http_server_process.py``. Even so granian closed, unanswered, 1 connection of 2,554 as it stopped
the old worker (CI, 8 Dec 2026): behind nginx a GET so closed is asked of the next socket
(``proxy_next_upstream``), which the client here does too; a POST is not, and gets nginx's 502 (docs/operations.md).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter

import pytest

from tests.daphne_process import free_port, worker_env_without_redis
from tests.http_server_process import (
    GRANIAN_RESPAWN_SECONDS,
    SERVERS,
    kill_http_server,
    start_http_server,
    workers_of,
)

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 4
# Recycling made frequent: granian samples its worker's memory every second against a limit any worker is past,
# so a successor starts after a second and the first worker is stopped the unit's respawn interval later;
# gunicorn replaces a worker after 40 requests.
RECYCLING = {
    "granian": ("--workers-max-rss", "1", "--rss-sample-interval", "1"),
    "gunicorn": ("--max-requests", "40"),
}
SECONDS = GRANIAN_RESPAWN_SECONDS + 8


@pytest.mark.parametrize("kind", SERVERS)
def test_every_request_is_answered_while_workers_are_recycled(tmp_path, kind):
    env = worker_env_without_redis(tmp_path)
    port = free_port()
    log = tmp_path / "server.log"
    server = start_http_server(kind, port, env, log, extra=RECYCLING[kind])
    outcomes: Counter[str] = Counter()
    workers_seen: set[int] = set()
    workers_stopped: set[int] = set()
    deadline = time.monotonic() + SECONDS

    def read_page() -> str:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", "/accounts/login/")
            response = connection.getresponse()
            page = response.read().decode()
            return "answered" if response.status == 200 and "password" in page else str(response.status)
        except OSError as error:
            return type(error).__name__
        finally:
            connection.close()

    def read_pages() -> None:
        while time.monotonic() < deadline:
            outcome = read_page()
            if outcome == "RemoteDisconnected":  # closed unanswered: nginx asks the next socket (proxy_next_upstream)
                outcomes["closed unanswered, asked again"] += 1
                outcome = read_page()
            outcomes[outcome] += 1

    clients = [threading.Thread(target=read_pages) for _ in range(CLIENTS)]
    try:
        for client in clients:
            client.start()
        while time.monotonic() < deadline:
            running = workers_of(server)
            workers_stopped |= workers_seen - running
            workers_seen |= running
            time.sleep(0.05)
        for client in clients:
            client.join(60)
    finally:
        kill_http_server(server)
    assert set(outcomes) <= {"answered", "closed unanswered, asked again"}, (outcomes, log.read_text()[-3000:])
    assert outcomes["closed unanswered, asked again"] <= outcomes["answered"] // 1000, outcomes
    assert outcomes["answered"] > 100
    assert workers_stopped, f"no worker was replaced while the clients read (workers seen: {workers_seen})"
    assert len(workers_seen) >= 2  # a successor took over (gunicorn may have stopped the last seen too)
