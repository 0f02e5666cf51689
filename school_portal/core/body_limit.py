"""Refuse an over-size request body before anything reads it (in front of Django, under ASGI and under WSGI).

A 50 MB upload to a form that takes 10 MB used to be read, parsed and held by the worker before the form said
no (a Daphne worker went from 182 MB to 855 MB). Here the declared size (``Content-Length``) is checked before
Django sees the request; a body sent without one (chunked) is counted as it arrives and refused as soon as it
passes the limit. Either way the answer is 413 with a message saying the limit, and nothing was parsed.
Under WSGI (granian or gunicorn, ``school_portal/wsgi.py``) the declared size is checked the same way, and a body
without one is refused with 411 (Django would read it as empty there: it reads a WSGI body up to its
``Content-Length``).

``REQUEST_BODY_MAX_BYTES`` is the largest body any endpoint takes (a Wagtail image of 15 MiB with its form);
each endpoint then applies its own, smaller limit to what Django streamed to disk (roster imports, documents,
the classrooms' JSON): ``docs/operations.md``, "Upload limits". nginx's ``client_max_body_size`` should be the
same, so that the proxy refuses first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

Scope = dict[str, Any]


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value
    return None


def _in_language(accept_language: str, message: Callable[[], str]) -> str:
    """``message()`` in the browser's language (Accept-Language, as LocaleMiddleware would choose), else Japanese."""
    language = settings.LANGUAGE_CODE
    for code, _quality in translation.trans_real.parse_accept_lang_header(accept_language):
        try:
            language = translation.get_supported_language_variant(code)
            break
        except LookupError:
            continue
    with translation.override(language):
        return message()


def _too_large(limit: int) -> str:
    return _("The upload is too large: the limit is %(size)s MB.") % {"size": f"{limit / (1024 * 1024):g}"}


def _declared_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _refusal(message: str, wants_json: bool) -> tuple[bytes, str]:
    """The refusal's body and content type: the message alone, or as ``{"error": ...}`` to a script asking JSON."""
    if wants_json:
        return json.dumps({"error": message}, ensure_ascii=False).encode(), "application/json"
    return message.encode(), "text/plain; charset=utf-8"


async def _refuse(scope: Scope, send: Any, limit: int) -> None:
    body, content_type = _refusal(
        _in_language((_header(scope, b"accept-language") or b"").decode("latin-1"), lambda: _too_large(limit)),
        any(
            name in (b"accept", b"content-type") and b"json" in value.lower()
            for name, value in scope.get("headers", [])
        ),
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimitMiddleware:
    """ASGI middleware: HTTP requests with a body over ``REQUEST_BODY_MAX_BYTES`` get 413 before the app runs."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.REQUEST_BODY_MAX_BYTES
        declared = _declared_length(scope)
        if declared is not None:
            if declared > limit:
                await _refuse(scope, send, limit)
                return
            await self.app(scope, receive, send)
            return
        # No declared size (chunked): take the body in, counting, before the app sees any of it.
        messages: list[dict] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > limit:
                messages.clear()
                await _refuse(scope, send, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> dict:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def refuse_large_bodies(app: Callable) -> Callable:
    """WSGI middleware: a request declaring a body over ``REQUEST_BODY_MAX_BYTES`` gets 413 before the app runs,
    and one sending a body of unknown length (any ``Transfer-Encoding``, chunked) gets 411.

    Django reads a WSGI body only up to its ``Content-Length``, so a chunked one would reach the view as empty: a
    save that silently saved nothing (and with a ``Content-Length`` beside it, the length is not the body's).
    nginx always passes the length (it buffers the body first); only a client talking to the server directly
    sends one without. A malformed ``Content-Length`` never gets here: granian and gunicorn answer 400 first.
    Neither body is read: what the client goes on sending is the server's to discard (WSGI leaves the connection
    to it: an application may not send ``Connection``).
    """

    def guarded(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        limit = settings.REQUEST_BODY_MAX_BYTES
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if environ.get("HTTP_TRANSFER_ENCODING"):  # with or without a Content-Length beside it (RFC 9112 6.3)
            status, message = "411 Length Required", _no_length
        elif declared > limit:
            status, message = "413 Request Entity Too Large", lambda: _too_large(limit)
        else:
            return app(environ, start_response)
        body, content_type = _refusal(
            _in_language(environ.get("HTTP_ACCEPT_LANGUAGE", ""), message),
            any("json" in environ.get(name, "").lower() for name in ("HTTP_ACCEPT", "CONTENT_TYPE")),
        )
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return guarded


def _no_length() -> str:
    return _("The upload was sent without its size (Content-Length), which this server needs: please send it again.")
