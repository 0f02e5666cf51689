"""Pages a whole city of guardians opens at once, served before the rest of the middleware (the storm morning).

On a typhoon morning every family opens the board's emergency notice within minutes. The portal's middleware
stack (sessions, locale, CSRF, authentication, messages, session policy, two-factor, security headers) and a
page's frame cost several milliseconds of CPU a request; a page that is the same for every family (the notice in
a language) can be given for a fraction of that. :class:`GuardianFastPathMiddleware` stands right after the
anonymous page cache and answers the paths plug-ins registered (``registry.guardian_fast_paths``) for a
signed-in guardian, with Django's own pieces and the same decisions as the full stack:

- **Who.** The session is Django's (``SESSION_ENGINE``'s ``SessionStore``, expiry and all) and the user comes
  from :func:`django.contrib.auth.get_user` (the backend, ``is_active``, the session's password hash): nothing
  about signing in is decided here. Only a session the session policy marked ``guardian`` at sign-in
  (``session_policy``) is served: staff (idle and absolute limits, two factors, re-authentication) and children
  always take the full stack. A guardian's session lives ``GUARDIAN_SESSION_SECONDS`` from the last visit the full
  stack saw: a visit served here does not extend it (it writes nothing to the session).
- **What they may see.** The plug-in's ``serve`` asks the access policy, as its view does, and answers ``None``
  whenever it is not sure (not the page it serves this way, not allowed, anything unusual): the request then goes
  through the whole stack, which decides (a 404, a redirect, the ordinary page). Serving here never allows what
  the full stack would refuse.
- **In which language.** :func:`language.person_language`: the account's language, else the cookie's or the
  browser's, as the locale and account-language middleware settle it.
- **What is left out.** A pending message (Django's ``messages``, in the session or its cookie) sends the request
  the full way, so it is shown. The page holds no form, so it carries no CSRF token and sets no CSRF cookie.
  Its headers are the full stack's (Django's security middleware runs before this one; the Content-Security-Policy
  and Permissions-Policy, ``X-Frame-Options``, ``Vary: Cookie, Accept-Language``, ``Content-Language``,
  ``Content-Length`` are added here), and stricter in one: ``Cache-Control: private, no-store`` (never stored by
  a cache in front, nor by the phone's back button).

Only a GET without a query string is considered, on a host in ``ALLOWED_HOSTS``. With no path registered (the
plug-ins removed) the middleware does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from .language import person_language
from .middleware import security_headers_add
from .models import User
from .registry import GuardianFastPath, guardian_fast_paths
from .session_policy import GUARDIAN, POLICY_KEY


def _session_store() -> type:
    return import_module(settings.SESSION_ENGINE).SessionStore


def signed_in_guardian(request: HttpRequest) -> User | None:
    """The guardian signed in by ``request``'s session cookie, decided by Django's session engine and
    ``get_user``; ``None`` for anybody else, for no session, or for a session holding a message to show.
    Sets ``request.session`` (the full stack sets its own if it takes the request after all)."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key or CookieStorage.cookie_name in request.COOKIES:
        return None
    request.session = _session_store()(key)
    if request.session.get(POLICY_KEY) != GUARDIAN or SessionStorage.session_key in request.session:
        return None
    user = get_user(request)
    if request.session.session_key != key:  # get_user moved it to a new key (SECRET_KEY_FALLBACKS): a new cookie
        return None
    return user if user.is_authenticated else None


def _finish(request: HttpRequest, response: HttpResponse, language: str) -> HttpResponse:
    """The headers the full stack would have given this page."""
    if not response.streaming:
        response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware sets it
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    response.headers.setdefault("Content-Language", language)
    add_never_cache_headers(response)
    security_headers_add(request, response)
    return XFrameOptionsMiddleware(lambda _request: response).process_response(request, response)


class GuardianFastPathMiddleware:
    """Right after the anonymous page cache: a signed-in guardian's GET of a registered path is answered here when
    the plug-in can (see the module's docstring); everything else goes on down the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or request.META.get("QUERY_STRING"):
            return self.get_response(request)
        for path in guardian_fast_paths:
            found = path.match(request.path_info)
            if found is not None:
                response = self._serve(request, path, found)
                if response is not None:
                    return response
                break
        return self.get_response(request)

    @staticmethod
    def _serve(request: HttpRequest, path: GuardianFastPath, found: re.Match[str]) -> HttpResponse | None:
        request.get_host()  # ALLOWED_HOSTS, as the full stack checks it (DisallowedHost: a 400)
        user = signed_in_guardian(request)
        if user is None:
            return None
        language = person_language(request, user)
        with translation.override(language):
            response = path.resolve()(request, user, **found.groupdict())
            return _finish(request, response, language) if response is not None else None
