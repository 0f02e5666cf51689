"""The public outputs (feeds, iCalendar, the open-data CSV, the API's notices) kept in the cache until a public
notice changes.

Each stored copy is keyed by what it depends on (the host, the language, the path) under a generation
token; any save or delete of a notice, a change of its classes, and a save of a school or a city (their names are
in the outputs) replaces the token, and every copy becomes unreachable (left to expire). Publishing, unpublishing
and scheduled publishing all save the notice, so they are covered by the same signal. The token is one of the core's
(``core/cache_tokens.py``, as the page cache's): random, never a counter, and replaced again once the change is
committed, so that a request that read the data before the commit cannot keep an old copy under the new token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from school_portal.core.cache_tokens import token, token_replace

GENERATION_KEY = "parent-notices:public:generation"
SECONDS = 24 * 3600  # a copy nobody asked for in a day is dropped; a change makes it unreachable at once anyway
STORED_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
    "Last-Modified",
    "Access-Control-Allow-Origin",
)


def generation() -> str:
    return token(GENERATION_KEY)


def generation_bump(**_: Any) -> None:
    token_replace(GENERATION_KEY)


def _key(request: HttpRequest) -> str:
    language = translation.get_language() or ""
    # The path without the query: the views read none, and a query string made up per request must not fill the cache.
    return f"parent-notices:public:{generation()}:{request.get_host()}:{language}:{request.path}"


def cached_response(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a public view's stored copy, or render and store it (a 200 only). The view must depend on nothing
    but the request's host, language and path: no query, no user, no session."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            headers = [(name, response[name]) for name in STORED_HEADERS if name in response]
            cache.set(key, (response.content, headers), timeout=SECONDS)
        return response

    return functools.wraps(view)(wrapped) if hasattr(view, "__name__") else wrapped


def connect() -> None:
    """From the AppConfig: the changes that alter a public output."""
    from school_portal.core.models import City, School

    from ..models import Notice

    for model in (Notice, School, City):
        post_save.connect(generation_bump, sender=model, dispatch_uid=f"parent_notices.public.{model.__name__}.save")
        post_delete.connect(
            generation_bump, sender=model, dispatch_uid=f"parent_notices.public.{model.__name__}.delete"
        )
    m2m_changed.connect(
        generation_bump, sender=Notice.class_groups.through, dispatch_uid="parent_notices.public.classes"
    )
