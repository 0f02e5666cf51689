"""An over-size upload is refused before it is read: a real Daphne worker, 50 MB sent to it, its memory measured.

A 50 MB upload to a form that takes 10 MB used to take a worker from 182 MB to 855 MB before the form said no.
Here the worker answers 413 with a message, whether the size is declared (Content-Length) or not (chunked),
grows by no more than what Daphne itself holds of a request (it queues the body for the application), and goes
on serving.
"""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.daphne_process import database_url_for_workers, free_port, start_daphne

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
UPLOAD_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024
# Daphne keeps the whole body of a request in its queue to the application (it has no limit of its own: in
# production nginx refuses first), ~51 MB here; what the portal adds on top must stay small.
GROWTH_LIMIT_BYTES = 60 * 1024 * 1024
UPLOAD_PATH = "/admin/roster-imports/upload/"


def _memory(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


@pytest.fixture
def worker(tmp_path) -> Iterator[tuple[int, int]]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school_portal.settings.test",
        "DATABASE_URL": database_url_for_workers(tmp_path),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    process = start_daphne(port, env, tmp_path / "daphne.log")
    try:
        yield port, process.pid
    finally:
        process.kill()
        process.wait(timeout=10)


def _request(port: int, method: str, path: str, body=None, headers: dict | None = None, chunked: bool = False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
    finally:
        conn.close()


def _fifty_megabytes() -> Iterator[bytes]:
    boundary_part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="roster.csv"\r\n\r\n'
    yield boundary_part
    block = b"3,1,1," + b"a" * (CHUNK - 6)
    for _ in range(UPLOAD_BYTES // CHUNK):
        yield block
    yield b"\r\n--x--\r\n"


def _serves(port: int) -> bool:
    status, body, _ = _request(port, "GET", "/accounts/login/")
    return status == 200 and "password" in body


@pytest.mark.parametrize("chunked", [False, True], ids=["declared-size", "chunked"])
def test_a_50_mb_upload_is_refused_with_413_before_the_worker_reads_it(worker, chunked):
    port, pid = worker
    assert _serves(port)  # warm: the application is loaded
    before = _memory(pid, "VmRSS")

    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    body = _fifty_megabytes()
    if not chunked:
        headers["Content-Length"] = str(sum(len(part) for part in _fifty_megabytes()))
    status, message, _ = _request(port, "POST", UPLOAD_PATH, body=body, headers=headers, chunked=chunked)

    assert status == 413
    limit_mb = f"{settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)} MB"
    assert "大きすぎます" in message and limit_mb in message  # Japanese, the portal's default language
    grown = _memory(pid, "VmHWM") - before
    assert grown < GROWTH_LIMIT_BYTES, f"the worker grew by {grown // (1024 * 1024)} MB"
    time.sleep(0.2)
    assert _serves(port)


def test_a_json_client_is_told_in_json(worker):
    port, _pid = worker
    body = b"{" + b" " * (settings.REQUEST_BODY_MAX_BYTES + 1) + b"}"
    status, message, headers = _request(
        port,
        "POST",
        "/classrooms/assignments/1/autosave/",
        body=body,
        headers={"Content-Type": "application/json", "Accept-Language": "en-US,en;q=0.9"},
    )
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(message) == {"error": "The upload is too large: the limit is 16 MB."}
