"""WSGI entry point: HTTP under granian in production, or gunicorn (docs/operations.md, section 5); WebSockets stay
on Daphne.

The process is loaded and frozen before its first request (``core/warm_start.py``: the garbage collector's full
passes held every thread 165-280 ms several times a minute before). A body declared over ``REQUEST_BODY_MAX_BYTES``,
or sent without a length, is refused before Django reads it (``core/body_limit.py``).

Behind nginx, the server gives Django the socket's peer as ``REMOTE_ADDR`` (nginx itself, or nothing on a UNIX
socket): with ``WSGI_PROXY_HEADERS=true`` the client's address is taken from the ``X-Forwarded-For`` that nginx
sets (``proxy_set_header X-Forwarded-For $remote_addr``), as Daphne's ``--proxy-headers`` does. Sign-in throttling
counts per client address: without it every client would share one address's allowance.
"""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

from school_portal.core.body_limit import refuse_large_bodies
from school_portal.core.warm_start import warm_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school_portal.settings.dev")


def client_address_from_proxy(app: Callable) -> Callable:
    """``app`` with ``REMOTE_ADDR`` set from the first address of ``X-Forwarded-For`` when there is one."""

    def wrapped(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if forwarded:
            environ["REMOTE_ADDR"] = forwarded
        return app(environ, start_response)

    return wrapped


application = refuse_large_bodies(get_wsgi_application())  # 413 before an over-size body is read
warm_start()  # before the first request; the garbage collector's full passes skip what is loaded by now
if os.environ.get("WSGI_PROXY_HEADERS", "").strip().lower() in {"1", "true", "yes", "on"}:
    application = client_address_from_proxy(application)
