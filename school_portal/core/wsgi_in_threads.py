"""Django's WSGI handler behind an ASGI server, in a pool of threads: one sync/async crossing per request.

Why it exists: under Django's ASGI handler every request crosses between the event loop and a thread at each
boundary of the middleware chain (ours mixes sync-only and async-capable middleware: about ten crossings), and
every sync view runs in the one thread the process keeps for sync code, so two requests' database waits never
overlap. Here the whole request (middleware, view, templates) runs in one call of the WSGI handler, in one of
``ASGI_HTTP_THREADS`` threads (default 8): the crossing happens once, and database waits overlap as under
gunicorn's gthread workers. Chosen with ``ASGI_HTTP=wsgi-threads`` (``school_portal/asgi.py``); the figures that
compare it with the others are in docs/benchmarks.md ("Serving").

The request body is read before the handler runs (``RequestBodyLimitMiddleware`` in front has already refused
an over-size one); the response is sent chunk by chunk as the handler yields it, each chunk handed to the event
loop and waited for, so a large file is never held in memory whole.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.handlers.wsgi import WSGIHandler


class WsgiInThreads:
    """An ASGI HTTP application running ``wsgi_application`` in a thread pool of its own."""

    def __init__(self, wsgi_application: WSGIHandler | None = None, *, threads: int | None = None) -> None:
        self.wsgi_application = wsgi_application or WSGIHandler()
        size = threads or int(os.environ.get("ASGI_HTTP_THREADS", "8"))
        self.executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="wsgi")

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            raise ValueError(f"WsgiInThreads serves HTTP only, not {scope['type']!r}")
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self._run, scope, bytes(body), send, loop)

    def _run(self, scope: dict, body: bytes, send: Callable, loop: asyncio.AbstractEventLoop) -> None:
        def call(message: dict) -> None:
            asyncio.run_coroutine_threadsafe(send(message), loop).result()

        status_and_headers: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            status_and_headers["status"] = int(status.split(" ", 1)[0])
            status_and_headers["headers"] = [
                # Django writes a Set-Cookie value with a leading space (``cookie.output(header="")``): WSGI
                # servers strip it, and h11 (uvicorn) refuses it unstripped.
                (name.lower().encode("latin-1"), value.strip().encode("latin-1"))
                for name, value in headers
            ]
            return lambda data: None  # the legacy write() callable: Django never uses it

        response = self.wsgi_application(environ_for(scope, body), start_response)
        started = False
        try:
            for chunk in response:
                if not started:
                    call({"type": "http.response.start", **status_and_headers})
                    started = True
                if chunk:
                    call({"type": "http.response.body", "body": chunk, "more_body": True})
            if not started:
                call({"type": "http.response.start", **status_and_headers})
            call({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()  # Django's request_finished: the database connection goes back to the pool


def environ_for(scope: dict, body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI HTTP scope (as asgiref's WsgiToAsgi builds it)."""
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root.encode("utf8").decode("latin1"),
        "PATH_INFO": path.encode("utf8").decode("latin1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("ascii"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    server = scope.get("server") or ("localhost", 80)
    environ["SERVER_NAME"], environ["SERVER_PORT"] = server[0], str(server[1] or 0)
    if scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = scope["client"][0], str(scope["client"][1])
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin1")
        value = raw_value.decode("latin1")
        if name == "content-length":
            key = "CONTENT_LENGTH"
        elif name == "content-type":
            key = "CONTENT_TYPE"
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    # The body has been read whole: its length is known even when the client sent it chunked (no Content-Length),
    # and Django reads no more than CONTENT_LENGTH says.
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ
