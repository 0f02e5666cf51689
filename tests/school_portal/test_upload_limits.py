"""An over-size upload is refused before it is read: a real server (Daphne for ASGI, granian and gunicorn for
WSGI), 50 MB sent to it, its worker's memory measured.

A 50 MB upload to a form that takes 10 MB used to take a worker from 182 MB to 855 MB before the form said no.
Here the worker answers 413 with a message, grows by no more than what the server itself holds of a request
(Daphne queues the whole body for the application; the WSGI servers hand it over as it arrives), and goes on
serving. A body of unknown length (chunked) is counted and refused with 413 under ASGI; under WSGI, where Django
would read it as empty, it is refused with 411 before it is read.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.daphne_process import free_port, start_daphne, stop, worker_env_without_redis
from tests.http_server_process import SERVERS, kill_http_server, start_http_server, workers_of

pytestmark = pytest.mark.django_db(transaction=True)

UPLOAD_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024
# Daphne keeps the whole body of a request in its queue to the application (it has no limit of its own: in
# production nginx refuses first), ~51 MB here; what the portal adds on top must stay small. The WSGI servers
# hold a buffer, not the body.
GROWTH_LIMIT_BYTES = {"daphne": 60 * 1024 * 1024, "granian": 8 * 1024 * 1024, "gunicorn": 8 * 1024 * 1024}
UPLOAD_PATH = "/admin/roster-imports/upload/"


def _memory(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


@pytest.fixture(params=["daphne", *SERVERS])
def worker(request, tmp_path) -> Iterator[tuple[str, int, int]]:
    """The server (its name, port and the pid of the process that runs the portal), on a copy of the test's
    database, without Redis."""
    kind = request.param
    port = free_port()
    env = worker_env_without_redis(tmp_path)
    if kind == "daphne":
        process = start_daphne(port, env, tmp_path / "server.log")
        pid, end = process.pid, stop
    else:
        process = start_http_server(kind, port, env, tmp_path / "server.log")
        (pid,) = workers_of(process)
        end = kill_http_server
    try:
        yield kind, port, pid
    finally:
        end(process)


def _request(port: int, method: str, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _post(port: int, path: str, blocks: Callable[[], Iterable[bytes]], headers: dict, chunked: bool = False):
    """POST ``blocks()`` as a browser or curl does: reading the answer while it sends, and stopping when the
    server has answered (a WSGI server answers 413 as soon as it has the headers and then closes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {sum(len(b) for b in blocks())}"
    lines = [f"POST {path} HTTP/1.1", "Host: localhost", *(f"{k}: {v}" for k, v in headers.items()), length]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def send() -> None:
        with contextlib.suppress(OSError):  # the server closed after answering: the rest is not wanted
            for block in blocks():
                sock.sendall(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
            if chunked:
                sock.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read().decode("utf-8", "replace"), response.getheader("Content-Type")
    finally:
        sock.close()
        sender.join(30)


def _fifty_megabytes() -> Iterator[bytes]:
    boundary_part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="roster.csv"\r\n\r\n'
    yield boundary_part
    block = b"3,1,1," + b"a" * (CHUNK - 6)
    for _ in range(UPLOAD_BYTES // CHUNK):
        yield block
    yield b"\r\n--x--\r\n"


def _within_the_limit(csrf: str) -> Callable[[], Iterator[bytes]]:
    """A form with its CSRF token and a 15 MB file: under every limit in front of the view, so Django reads all
    of it (the CSRF check parses the form to find the token)."""

    def blocks() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n' + csrf.encode() + b"\r\n"
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="roster.csv"\r\n\r\n'
        block = b"3,1,1," + b"a" * (CHUNK - 6)
        for _ in range(15):
            yield block
        yield b"\r\n--x--\r\n"

    return blocks


def _serves(port: int) -> bool:
    status, body = _request(port, "GET", "/accounts/login/")
    return status == 200 and "password" in body


@pytest.mark.parametrize("chunked", [False, True], ids=["declared-size", "chunked"])
def test_a_50_mb_upload_is_refused_before_the_worker_reads_it(worker, chunked):
    kind, port, pid = worker
    assert _serves(port)  # warm: the application is loaded
    before = _memory(pid, "VmRSS")

    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    status, message, _ = _post(port, UPLOAD_PATH, _fifty_megabytes, headers, chunked=chunked)

    if chunked and kind != "daphne":
        assert status == 411
        assert "Content-Length" in message and "もう一度送信してください" in message
    else:
        assert status == 413
        limit_mb = f"{settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)} MB"
        assert "大きすぎます" in message and limit_mb in message  # Japanese, the portal's default language
    grown = _memory(pid, "VmHWM") - before
    assert grown < GROWTH_LIMIT_BYTES[kind], f"the worker grew by {grown // (1024 * 1024)} MB"
    time.sleep(0.2)
    assert _serves(port)


def test_an_upload_within_the_limit_is_read_as_it_arrives(worker):
    """The server hands the body to Django as it comes and Django spools the file to disk: the worker does not
    hold the upload (Daphne excepted: it queues the body, as above)."""
    kind, port, pid = worker
    assert _serves(port)
    before = _memory(pid, "VmRSS")
    csrf = "a" * 32
    headers = {"Content-Type": "multipart/form-data; boundary=x", "Cookie": f"{settings.CSRF_COOKIE_NAME}={csrf}"}

    status, page, _ = _post(port, UPLOAD_PATH, _within_the_limit(csrf), headers)

    assert status == 302, page[:500]  # read whole, the token found in it (not 403), then sent to sign in
    grown = _memory(pid, "VmHWM") - before
    assert grown < GROWTH_LIMIT_BYTES[kind], f"the worker grew by {grown // (1024 * 1024)} MB"


def test_a_json_client_is_told_in_json(worker):
    _kind, port, _pid = worker
    body = b"{" + b" " * (settings.REQUEST_BODY_MAX_BYTES + 1) + b"}"
    status, message, content_type = _post(
        port,
        "/classrooms/assignments/1/autosave/",
        lambda: [body],
        {"Content-Type": "application/json", "Accept-Language": "en-US,en;q=0.9"},
    )
    assert status == 413
    assert content_type == "application/json"
    assert json.loads(message) == {"error": "The upload is too large: the limit is 16 MB."}
