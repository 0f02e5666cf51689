"""Refuse an over-size request body before anything reads it (an ASGI middleware in front of Django).

A 50 MB upload to a form that takes 10 MB used to be read, parsed and held by the worker before the form said
no (a Daphne worker went from 182 MB to 855 MB). Here the declared size (``Content-Length``) is checked before
Django sees the request; a body sent without one (chunked) is counted as it arrives and refused as soon as it
passes the limit. Either way the answer is 413 with a message saying the limit, and nothing was parsed.

``REQUEST_BODY_MAX_BYTES`` is the largest body any endpoint takes (a Wagtail image of 15 MiB with its form);
each endpoint then applies its own, smaller limit to what Django streamed to disk (roster imports, documents,
the classrooms' JSON): ``docs/operations.md``, "Upload limits". nginx's ``client_max_body_size`` should be the
same, so that the proxy refuses first.
"""

from __future__ import annotations

import json
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


def _message(scope: Scope, limit: int) -> str:
    """In the browser's language (Accept-Language, as LocaleMiddleware would choose), else Japanese."""
    language = settings.LANGUAGE_CODE
    for code, _quality in translation.trans_real.parse_accept_lang_header(
        (_header(scope, b"accept-language") or b"").decode("latin-1")
    ):
        try:
            language = translation.get_supported_language_variant(code)
            break
        except LookupError:
            continue
    with translation.override(language):
        return _("The upload is too large: the limit is %(size)s MB.") % {"size": f"{limit / (1024 * 1024):g}"}


def _declared_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _wants_json(scope: Scope) -> bool:
    return any(
        name in (b"accept", b"content-type") and b"json" in value.lower() for name, value in scope.get("headers", [])
    )


async def _refuse(scope: Scope, send: Any, limit: int) -> None:
    message = _message(scope, limit)
    if _wants_json(scope):
        body, content_type = json.dumps({"error": message}, ensure_ascii=False).encode(), b"application/json"
    else:
        body, content_type = message.encode(), b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
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
