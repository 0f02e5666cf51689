"""The language a person chose follows them: saved to their account, honoured on every host once signed in.

Django's LocaleMiddleware reads the language cookie, which belongs to one host; the account does not. A choice
on the language switch (``set_language``) by a signed-in person is saved to ``User.preferred_language``; signing
in brings a choice made before along (the cookie) or else applies the saved one. Blank: never chosen, the
browser's language applies.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import services
from .models import User
from .registry import interface_languages


def interface_languages_for(path: str) -> set[str]:
    """The languages whose interface is translated at ``path``: the portal's own (``PORTAL_UI_LANGUAGES``) and
    those a plug-in registered for its pages (``registry.interface_languages``)."""
    codes = set(dict(settings.PORTAL_UI_LANGUAGES))
    for entry in interface_languages:
        if path.startswith(entry.prefix):
            codes.update(entry.languages)
    return codes


def _interface_language(language: str | None, path: str) -> str:
    """A content language whose interface is not translated at ``path`` (a browser asking for Vietnamese; Korean
    outside the library Wi-Fi pages) gives the portal's own language, not a mixture of Django's and ours."""
    return language if language in interface_languages_for(path) else settings.LANGUAGE_CODE


def visitor_language(request: HttpRequest) -> str:
    """The interface language a visitor not signed in gets, worked out from the request alone, before any
    middleware ran: what the locale middleware (cookie, then ``Accept-Language``) and this module's middleware
    settle on. The page cache (``page_cache``) keys its copies by it."""
    return _interface_language(translation.get_language_from_request(request), request.path_info)


def person_language(request: HttpRequest, user: User) -> str:
    """The interface language of a signed-in person's request: their account's choice, else what the request
    says (``visitor_language``), as the locale middleware and :class:`AccountLanguageMiddleware` settle it."""
    return _account_language(user) or visitor_language(request)


def _account_language(user: User) -> str | None:
    """The interface language saved to the account, if one is (blank: never chosen)."""
    chosen = user.preferred_language
    return chosen if chosen in dict(settings.PORTAL_UI_LANGUAGES) else None


def _chosen_on_this_host(request: HttpRequest) -> str | None:
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return language if language in dict(settings.PORTAL_UI_LANGUAGES) else None


def _on_signed_in(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    if request is None:
        return
    chosen = _chosen_on_this_host(request)
    if chosen:
        services.user_language_set(user=user, language=chosen)


user_logged_in.connect(_on_signed_in, dispatch_uid="school_portal.core.language")


class AccountLanguageMiddleware:
    """After the authentication middleware: a signed-in person's saved language wins over the host's cookie and
    the browser's; a switch made while signed in is saved to the account. Only the interface languages
    (``PORTAL_UI_LANGUAGES``) apply; the other content languages (``LANGUAGES``) are for pages and notices."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # What person_language settles, with the locale middleware's reading of the request already made.
        requested = translation.get_language()
        language = (_account_language(user) if user.is_authenticated else None) or _interface_language(
            requested, request.path_info
        )
        if language != requested:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if (
            request.method == "POST"
            and user.is_authenticated
            and request.path == reverse("set_language")
            and response.status_code in {200, 302}
        ):
            services.user_language_set(user=user, language=request.POST.get("language", ""))
        return response


@require_GET
@never_cache
def language_choose(request: HttpRequest) -> HttpResponse:
    """The language switch of a visitor not signed in (``page_cache``: a shared page carries no CSRF token): sets
    the language cookie, as ``set_language`` does, and goes back to ``next`` if it is on this host, else home."""
    next_url = request.GET.get("next", "")
    same_origin = {request.get_host()}
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=same_origin, require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.GET.get("language", "")
    if language in interface_languages_for(urlsplit(next_url).path):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
