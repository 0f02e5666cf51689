"""Wagtail pages for anonymous visitors, served from Django's cache (wagtail-cache does not support Wagtail 8).

Serving. Wagtail's ``on_serve_page`` hook (``wagtail_hooks.py``) wraps the serving of a page, after the
``before_serve_page`` checks (Wagtail's view restrictions): for a request that may share a page with others,
:func:`serving_from_cache` returns the stored copy without rendering, or renders the page and stores it if the
response may be shared.

Who may share. Only a GET or HEAD without a query string whose cookies are all in ``SHAREABLE_COOKIES`` (the
language, the CSRF and the hand-off's "checked, not signed in" cookie): no session cookie, so no signed-in user
and no anonymous session (a message after signing out, a hand-off in progress); and ``request.user`` must be
anonymous. A preview never goes through the
serve view (nor this hook).

What is never stored: a status other than 200, a response that sets a cookie, one marked ``Cache-Control: private``
or ``no-store``, a page with a view restriction (on itself or an ancestor), a render that created or changed a
session or asked for a CSRF token (``get_token``: the token would be handed to every visitor).

The language switch. A CSRF token in a shared page would be the same for every visitor, and Django's
``set_language`` accepts only a POST with one. For someone not signed in, ``base.html`` therefore renders the switch
as a GET form to :func:`school_portal.core.language.language_choose`, which only sets the language cookie and
redirects to a same-origin ``next``: the worst a forged link can do is change a visitor's language. A signed-in
person keeps the POST form (their choice is saved to their account); their pages are never cached.

Key and invalidation. A copy is keyed by the site (scheme, host and port), the language and the path, under a
generation kept in the cache. Any change that can alter a shared page replaces the generation, and every copy is
then unreachable (left to expire): a page published, unpublished, moved or deleted; a view restriction, a site or
a school (its name is in the header) saved or deleted; a snippet or a setting saved or deleted. Simple and correct
over clever: one publish recomputes every page on the next visit. The generation is a random token, never a
counter: one the cache lost (evicted, or deleted by ``core/cache.py`` after a write Redis missed) is never taken
up again by old copies. ``PAGE_CACHE_SECONDS`` (default 300; 0 turns the cache off) is how long a copy lives.

Headers. A stored copy keeps the view's headers; the middleware then runs over the copy as over a fresh render
(``Vary: Accept-Language`` from the locale middleware; ``Cookie`` is added to a copy as the session middleware
adds it to a render), and adds no cookie.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from wagtail.contrib.settings.registry import registry as settings_registry
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.snippets.models import get_snippet_models

from .handoff import HANDOFF_CHECKED_COOKIE
from .models import School

GENERATION_KEY = "page-cache:generation"
SHAREABLE_COOKIES = frozenset({settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME, HANDOFF_CHECKED_COOKIE})
HEADERS_NEVER_STORED = frozenset({"set-cookie"})

ServePage = Callable[[Page, HttpRequest, Any, Any], HttpResponse]


def cache_seconds() -> int:
    return settings.PAGE_CACHE_SECONDS


def _generation() -> str:
    return cache.get_or_set(GENERATION_KEY, _new_generation, timeout=None) or _new_generation()


def _new_generation() -> str:
    return uuid.uuid4().hex


def generation_bump() -> None:
    """Makes every stored page unreachable: the next visit of each renders it afresh. Again once the change is
    committed: a request that took the new generation and read the data before the commit stored the old page."""
    cache.set(GENERATION_KEY, _new_generation(), timeout=None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, _new_generation(), timeout=None))


def _may_share(request: HttpRequest) -> bool:
    return (
        cache_seconds() > 0
        and request.method in {"GET", "HEAD"}
        and not request.META.get("QUERY_STRING")
        and set(request.COOKIES) <= SHAREABLE_COOKIES
        and not request.user.is_authenticated
    )


def _key(request: HttpRequest) -> str:
    host = request.get_host()
    language = translation.get_language() or settings.LANGUAGE_CODE
    return f"page-cache:{_generation()}:{request.scheme}://{host}:{language}:{request.path}"


def _cached_copy(request: HttpRequest, key: str) -> HttpResponse | None:
    stored = cache.get(key)
    if stored is None:
        return None
    content, headers = stored
    response = HttpResponse(b"" if request.method == "HEAD" else content, status=200)
    for name, value in headers:
        response[name] = value
    # The render read the session (empty) and the language cookie: a shared cache must tell copies apart by cookie,
    # as the session middleware's Vary says on a render. The locale middleware adds Accept-Language itself.
    patch_vary_headers(response, ("Cookie",))
    return response


def _shareable(request: HttpRequest, page: Page, response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "").lower()
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and (session.modified or session.session_key))
        and not page.get_view_restrictions().exists()
    )


def serving_from_cache(serve_page: ServePage) -> ServePage:
    """Wraps Wagtail's serving of a page: an anonymous request gets the stored copy, or renders and stores it."""

    def serve(page: Page, request: HttpRequest, args: Any, kwargs: Any) -> HttpResponse:
        if not _may_share(request):
            return serve_page(page, request, args, kwargs)
        key = _key(request)
        cached = _cached_copy(request, key)
        if cached is not None:
            return cached
        response = serve_page(page, request, args, kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if _shareable(request, page, response):
            headers = [(name, value) for name, value in response.items() if name.lower() not in HEADERS_NEVER_STORED]
            cache.set(key, (response.content, headers), timeout=cache_seconds())
        return response

    return serve


def _changes_shared_pages(sender: type) -> bool:
    shown_on_pages = {PageViewRestriction, Site, School}
    return sender in shown_on_pages or sender in get_snippet_models() or sender in settings_registry


def _on_page_change(sender: type, **kwargs: Any) -> None:
    generation_bump()


def _on_model_change(sender: type, **kwargs: Any) -> None:
    if isinstance(sender, type) and (issubclass(sender, Page) or _changes_shared_pages(sender)):
        if issubclass(sender, Page) and kwargs.get("signal") is post_save:
            return  # a draft saved changes no live page; publishing sends page_published
        generation_bump()


page_published.connect(_on_page_change, dispatch_uid="page_cache.published")
page_unpublished.connect(_on_page_change, dispatch_uid="page_cache.unpublished")
post_page_move.connect(_on_page_change, dispatch_uid="page_cache.moved")
post_save.connect(_on_model_change, dispatch_uid="page_cache.saved")
post_delete.connect(_on_model_change, dispatch_uid="page_cache.deleted")
