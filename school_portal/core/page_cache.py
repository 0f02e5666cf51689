"""Wagtail pages for anonymous visitors, served from Django's cache before the rest of the stack runs.

Serving. :class:`AnonymousPageCacheMiddleware` stands right after WhiteNoise, before the session, locale,
authentication middleware and Wagtail's site routing. For a request that may share a page with others
(:func:`shared_key`, the one rule) it returns the stored copy at the cost of two cache reads (the generation and
the copy): no session, no user, no site, no page, no template. On a miss the request goes through the whole stack;
Wagtail's ``on_serve_page`` hook (``wagtail_hooks.py``, after Wagtail's view restriction checks) marks the request
when the page may be shared, and the middleware stores the response on its way out, with every header the inner
middleware added (``Vary``, ``Content-Language``, the Content-Security-Policy...), so that a copy is what a render
would have answered.

Who may share. Only a GET or HEAD without a query string whose cookies are all in ``SHAREABLE_COOKIES`` (the
language, the CSRF and the hand-off's "checked, not signed in" cookie): no session cookie, so no signed-in user
and no anonymous session (a message after signing out, a hand-off in progress). Not a request the sign-in
hand-off may redirect (``handoff.may_ask_the_portal``: a visitor arriving from a link on a school's site, who may
be signed in on the portal). When storing, ``request.user`` must be anonymous as well. A preview never goes
through the serve view (nor the hook), so it is never stored.

What is never stored: a status other than 200, a response that sets a cookie, one marked ``Cache-Control: private``
or ``no-store``, a page with a view restriction (on itself or an ancestor), a render that created or changed a
session or asked for a CSRF token (``get_token``: the token would be handed to every visitor), a render whose
language is not the one the key was made with (``language.visitor_language`` and the middleware disagreeing).

The language switch. A CSRF token in a shared page would be the same for every visitor, and Django's
``set_language`` accepts only a POST with one. For someone not signed in, ``base.html`` therefore renders the switch
as a GET form to :func:`school_portal.core.language.language_choose`, which only sets the language cookie and
redirects to a same-origin ``next``: the worst a forged link can do is change a visitor's language. A signed-in
person keeps the POST form (their choice is saved to their account); their pages are never cached.

Key and invalidation. A copy is keyed by the site (scheme, host and port), the language and the path, under a
generation kept in the cache. Any change that can alter a shared page replaces the generation, and every copy is
then unreachable (left to expire): a page published, unpublished, moved or deleted; a view restriction, a site or
a school (its name is in the header) saved or deleted; a snippet or a setting saved or deleted. Simple and correct
over clever: one publish recomputes every page on the next visit. The generation is a token of
``core/cache_tokens.py``: random, never a counter, replaced again once the change is committed.
``PAGE_CACHE_SECONDS`` (default 300; 0 turns the cache off) is how long a copy lives.
A caching proxy in front (``FRONTEND_CACHE_URL``) is purged by ``frontend_cache``.

Headers. A copy keeps the headers the response had when it left the inner middleware, ``Cookie`` added to its
``Vary`` (the render read the absent session); the outer middleware (security, WhiteNoise) runs over it as over a
render. No cookie is ever stored or set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.contrib.settings.registry import registry as settings_registry
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.snippets.models import get_snippet_models

from .cache_tokens import token, token_replace
from .handoff import HANDOFF_CHECKED_COOKIE, may_ask_the_portal
from .language import visitor_language
from .models import School

GENERATION_KEY = "page-cache:generation"
SHAREABLE_COOKIES = frozenset({settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME, HANDOFF_CHECKED_COOKIE})
HEADERS_NEVER_STORED = frozenset({"set-cookie"})
PROXY_SECONDS_HEADER = "X-Accel-Expires"
SHAREABLE_PAGE = "_page_cache_shareable_page"  # request attribute: False asked by the middleware, True by the hook

ServePage = Callable[[Page, HttpRequest, Any, Any], HttpResponse]


def cache_seconds() -> int:
    return settings.PAGE_CACHE_SECONDS


def _generation() -> str:
    return token(GENERATION_KEY)


def generation_bump() -> None:
    """Makes every stored page unreachable: the next visit of each renders it afresh (``cache_tokens``)."""
    token_replace(GENERATION_KEY)


def may_share(request: HttpRequest) -> bool:
    """The one rule: may ``request`` be given a copy, and leave one behind? From the request alone: it runs before
    the session, locale and authentication middleware."""
    return (
        cache_seconds() > 0
        and request.method in {"GET", "HEAD"}
        and not request.META.get("QUERY_STRING")
        and set(request.COOKIES) <= SHAREABLE_COOKIES
        and not may_ask_the_portal(request)
    )


def shared_key(request: HttpRequest, language: str) -> str:
    return f"page-cache:{_generation()}:{request.scheme}://{request.get_host()}:{language}:{request.path}"


def _copy(request: HttpRequest, stored: tuple[bytes, list[tuple[str, str]]]) -> HttpResponse:
    content, headers = stored
    response = HttpResponse(b"" if request.method == "HEAD" else content, status=200)
    for name, value in headers:
        response[name] = value
    return response


def _storable(request: HttpRequest, response: HttpResponse, language: str) -> bool:
    cache_control = response.get("Cache-Control", "").lower()
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    return (
        getattr(request, SHAREABLE_PAGE, False)
        and user is not None
        and not user.is_authenticated
        and getattr(request, "LANGUAGE_CODE", None) == language
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and (session.modified or session.session_key))
    )


class AnonymousPageCacheMiddleware:
    """Right after WhiteNoise: a visitor who may share a page gets the stored copy before anything else runs;
    a render of a page that may be shared is stored on its way out (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not may_share(request):
            return self.get_response(request)
        language = visitor_language(request)
        translation.activate(language)  # as the locale middleware would: the thread's language is the request's
        key = shared_key(request, language)
        stored = cache.get(key)
        if stored is not None:
            return _for_the_proxy(_copy(request, stored))
        setattr(request, SHAREABLE_PAGE, False)  # asks the serve hook whether the page may be shared
        response = self.get_response(request)
        if _storable(request, response, language):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            # The render read the session (absent) and the language cookie: a shared cache in front must tell
            # copies apart by cookie, as the session middleware's Vary says when a view reads the session.
            patch_vary_headers(response, ("Cookie",))
            headers = [(name, value) for name, value in response.items() if name.lower() not in HEADERS_NEVER_STORED]
            cache.set(key, (response.content, headers), timeout=cache_seconds())
            _for_the_proxy(response)
        return response


def _for_the_proxy(response: HttpResponse) -> HttpResponse:
    """With a caching proxy in front (``FRONTEND_CACHE_URL``), a shared page tells it how long it may keep it
    (``X-Accel-Expires``: nginx reads it and never passes it on; the Varnish VCL of docs/operations.md too). No
    other response carries it, so the proxy keeps nothing else."""
    if getattr(settings, "WAGTAILFRONTENDCACHE", None):
        response[PROXY_SECONDS_HEADER] = str(settings.FRONTEND_CACHE_SECONDS)
    return response


def marking_shareable_pages(serve_page: ServePage) -> ServePage:
    """Wraps Wagtail's serving of a page: marks the request when its page may be stored for other visitors (no
    view restriction on it or an ancestor; the middleware checks the rest of the response)."""

    def serve(page: Page, request: HttpRequest, args: Any, kwargs: Any) -> HttpResponse:
        response = serve_page(page, request, args, kwargs)
        asked = getattr(request, SHAREABLE_PAGE, None) is False
        if asked and not request.user.is_authenticated and not page.get_view_restrictions().exists():
            setattr(request, SHAREABLE_PAGE, True)
        return response

    return serve


def _changes_shared_pages(sender: type) -> bool:
    shown_on_pages = {PageViewRestriction, Site, School}
    return sender in shown_on_pages or sender in get_snippet_models() or sender in settings_registry


def _on_page_change(sender: type, **kwargs: Any) -> None:
    generation_bump()
    _proxy_purge(kwargs)


def _proxy_purge(kwargs: dict[str, Any]) -> None:
    """A caching proxy in front (``FRONTEND_CACHE_URL``): Wagtail's ``frontend_cache`` purges a published or
    unpublished page's own address; the pages above it list it (the school's home, its section), and a moved page
    leaves its old parents: their addresses are purged too. Sent by a task, after the change commits."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    page = kwargs["instance"]
    parents = [kwargs.get("parent_page_before"), kwargs.get("parent_page_after"), page.get_parent()]
    batch = PurgeBatch()
    if "parent_page_after" in kwargs:
        batch.add_page(page)  # a move: Wagtail's own handler purges only on publish and unpublish
    for parent in {p.pk: p for p in parents if p is not None}.values():
        batch.add_pages(parent.get_ancestors(inclusive=True).filter(depth__gt=1))
    batch.purge()


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
