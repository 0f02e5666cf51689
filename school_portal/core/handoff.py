"""One sign-in for the city portal and every school's site, although each is its own host.

A session cookie belongs to one host: ``localhost`` (the portal) and ``sakura.localhost`` (a school) never share
one, and browsers refuse ``Domain=localhost``. Two ways, chosen by the deployment (docs/operations.md):

- **A common parent domain** (``portal.city.example`` and ``<slug>.city.example``): ``SESSION_COOKIE_DOMAIN``
  (env ``SESSION_COOKIE_DOMAIN``, e.g. ``.city.example``) shares the one session cookie; nothing here runs.
- **Otherwise (development, or schools on unrelated domains)**: the portal hands the sign-in over, the way an
  OpenID Connect provider hands a code to a client. A signed-in person's browser arriving on a school's site
  from elsewhere (a link such as Wagtail's 「閲覧」, ``Sec-Fetch-Site`` not ``same-origin``/``none``) and not yet
  checked is sent to the portal's ``/accounts/handoff/``; the portal answers with a one-time pass — random,
  kept only as a digest, good once, for that host only, for ``SIGNIN_HANDOFF_SECONDS`` — in a redirect to the
  school's ``/accounts/handoff/accept/``, which signs the same user in there and returns to the page. A visitor
  not signed in on the portal comes straight back, and the school's site does not ask again for a while
  (``HANDOFF_CHECKED_COOKIE``). A typed address or a bookmark (``Sec-Fetch-Site: none``) is never redirected.
  The sign-in link of a school's site goes to the portal's sign-in page and back through the hand-off.

Every session of one sign-in shares a ``signin_id`` (``LinkedSession``): signing out on any host ends them all.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Callable
from importlib import import_module
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from wagtail.models import Site

from . import session_policy, two_factor
from .models import LinkedSession, SignInHandoff, User

SIGNIN_ID = "_portal_signin_id"
HANDOFF_CHECKED_COOKIE = "portal_signin_checked"
PASSWORD_BACKEND = "school_portal.core.backends.ThrottledModelBackend"  # noqa: S105 - a dotted path
# Where a browser never needs a session handed over: files, the admin (on the portal), the hand-off itself.
_PASSIVE_SKIP = ("/static/", "/media/", "/documents/", "/admin/", "/accounts/", "/i18n/", "/jsi18n/", "/ws/")


def _digest(token: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:handoff:{token}".encode()).hexdigest()


def _hostname(host: str) -> str:
    return urlsplit(f"//{host}").hostname or ""


def portal_site() -> Site | None:
    return Site.objects.filter(is_default_site=True).first()


def portal_url(path: str) -> str:
    site = portal_site()
    return f"{site.root_url}{path}" if site else path


def is_school_host(request: HttpRequest) -> bool:
    """The request came to one of the schools' own Sites (not the portal, the default Site)."""
    hostname = _hostname(request.get_host())
    return Site.objects.filter(hostname=hostname, is_default_site=False).exists()


def shares_one_cookie() -> bool:
    """A common parent domain carries one session cookie to every host: no hand-off is needed."""
    return bool(settings.SESSION_COOKIE_DOMAIN)


def _school_target(url: str) -> tuple[str, str] | None:
    """(host with port, path) of an absolute address on one of the city's sites, or None (never an open redirect).

    The host is rebuilt from the parsed name and port, never taken from the address as written: in
    ``https://evil.example\\@sakura.city.example/`` Python reads the host as the school's, while a browser, which
    reads a backslash as a slash, would go to evil.example with the pass. An address with a user part or a
    backslash is refused outright, and the port must be the Site's own when one is given.
    """
    if "\\" in url or "%5c" in url.lower():
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username or parts.password:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    site = Site.objects.filter(hostname=parts.hostname).first()
    if site is None or (port is not None and port != site.port):
        return None
    host = f"{parts.hostname}:{port}" if port is not None else parts.hostname
    path = parts.path or "/"
    return host, f"{path}?{parts.query}" if parts.query else path


# --- linked sessions --------------------------------------------------------------------------------------


def _remember_session(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    if request is None or not hasattr(request, "session"):
        return
    signin_id = getattr(request, "_portal_handed_signin_id", None) or secrets.token_urlsafe(24)
    request.session[SIGNIN_ID] = signin_id
    if request.session.session_key is None:
        request.session.save()
    LinkedSession.objects.create(signin_id=signin_id, session_key=request.session.session_key)


def _end_linked_sessions(sender: object, request: HttpRequest | None, user: User | None, **kwargs: object) -> None:
    """Signing out on one host ends the sessions this sign-in opened on the others."""
    if request is None or not hasattr(request, "session"):
        return
    signin_id = request.session.get(SIGNIN_ID)
    if not signin_id:
        return
    store = import_module(settings.SESSION_ENGINE).SessionStore
    links = LinkedSession.objects.filter(signin_id=signin_id)
    for key in links.exclude(session_key=request.session.session_key).values_list("session_key", flat=True):
        store(session_key=key).delete()
    links.delete()


user_logged_in.connect(_remember_session, dispatch_uid="school_portal.core.handoff.remember")
user_logged_out.connect(_end_linked_sessions, dispatch_uid="school_portal.core.handoff.end")


# --- the views --------------------------------------------------------------------------------------------


@require_GET
def handoff_start(request: HttpRequest) -> HttpResponse:
    """On the portal: hand the sign-in over to the school site in ``next`` (or send a visitor straight back)."""
    target = _school_target(request.GET.get("next", ""))
    if target is None:
        return HttpResponseBadRequest()
    host, path = target
    scheme = "https" if request.is_secure() else urlsplit(request.GET["next"]).scheme
    query = {"next": path}
    if request.user.is_authenticated:
        token = secrets.token_urlsafe(32)
        SignInHandoff.objects.create(
            digest=_digest(token),
            user=request.user,
            host=_hostname(host),
            signin_id=request.session.get(SIGNIN_ID, ""),
            otp_device=two_factor.handed_over_device(request),
        )
        query["token"] = token
    accept_url = f"{scheme}://{host}{reverse('core:handoff_accept')}?{urlencode(query)}"
    if request.GET.get("via") == "form":
        # Right after the sign-in form: browsers hold the whole redirect chain of a form's submission to its page's
        # CSP ``form-action 'self'``, so a redirect to another host would be refused. A page that moves on by
        # itself (meta refresh, no script) starts a new navigation instead.
        response = render(request, "core/handoff_continue.html", {"accept_url": accept_url})
    else:
        response = HttpResponseRedirect(accept_url)
    response.headers["Cache-Control"] = "no-store"
    return response


def _redeem(token: str, host: str) -> SignInHandoff | None:
    """The pass, once: a second use, another host or an old pass finds nothing."""
    fresh_since = timezone.now() - datetime.timedelta(seconds=settings.SIGNIN_HANDOFF_SECONDS)
    with transaction.atomic():
        handoff = (
            SignInHandoff.objects.select_for_update()
            .select_related("user")
            .filter(digest=_digest(token), created_at__gte=fresh_since)
            .first()
        )
        if handoff is None:
            return None
        handoff.delete()
    SignInHandoff.objects.filter(created_at__lt=fresh_since).delete()
    return handoff if handoff.host == host and handoff.user.is_active else None


def _inherit_lifetime(request: HttpRequest, signin_id: str) -> None:
    """The school host's session ends when the portal's session it came from does: a child's after the school day
    (not Django's two weeks), a teacher's at the same absolute limit (not counted again from the hand-off)."""
    if not signin_id:
        return
    key = (
        LinkedSession.objects.filter(signin_id=signin_id)
        .exclude(session_key=request.session.session_key)
        .values_list("session_key", flat=True)
        .first()
    )
    if key is None:
        return
    portal = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    if session_policy.SIGNED_IN_AT in portal:
        request.session[session_policy.SIGNED_IN_AT] = portal[session_policy.SIGNED_IN_AT]
    request.session.set_expiry(portal.get_expiry_date())


@require_GET
def handoff_accept(request: HttpRequest) -> HttpResponse:
    """On a school's site: sign in whoever the portal vouched for, then go on to the page."""
    next_path = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = "/"
    token = request.GET.get("token")
    if token and not request.user.is_authenticated:
        handoff = _redeem(token, _hostname(request.get_host()))
        if handoff is not None:
            request._portal_handed_signin_id = handoff.signin_id or None
            login(request, handoff.user, backend=PASSWORD_BACKEND)
            _inherit_lifetime(request, handoff.signin_id)
            two_factor.hand_over_device(request, handoff.otp_device)
    response = redirect(next_path)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        HANDOFF_CHECKED_COOKIE,
        "1",
        max_age=settings.SIGNIN_HANDOFF_RECHECK_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def school_signin_redirect(request: HttpRequest) -> HttpResponse | None:
    """A school site's sign-in page sends the person to the portal's, and back here through the hand-off."""
    if shares_one_cookie() or not is_school_host(request):
        return None
    back = request.build_absolute_uri(request.GET.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = request.build_absolute_uri("/")
    handoff = f"{reverse('core:handoff_start')}?{urlencode({'next': back, 'via': 'form'})}"
    return HttpResponseRedirect(portal_url(f"{reverse('core:login')}?{urlencode({'next': handoff})}"))


class SignInHandoffMiddleware:
    """On a school's site, asks the portal once whether an arriving visitor is signed in there (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._should_ask_the_portal(request):
            query = urlencode({"next": request.build_absolute_uri()})
            return HttpResponseRedirect(portal_url(f"{reverse('core:handoff_start')}?{query}"))
        return self.get_response(request)

    @staticmethod
    def _should_ask_the_portal(request: HttpRequest) -> bool:
        return may_ask_the_portal(request) and not request.user.is_authenticated and is_school_host(request)


def may_ask_the_portal(request: HttpRequest) -> bool:
    """What the request alone says of the hand-off (no database, no user): False means it never redirects this
    request. The page cache's early path (``page_cache``) serves no copy when True: the visitor may be signed in
    on the portal."""
    headers = request.headers
    return (
        request.method == "GET"
        and headers.get("Sec-Fetch-Mode") == "navigate"
        and headers.get("Sec-Fetch-Site") in {"same-site", "cross-site"}
        and HANDOFF_CHECKED_COOKIE not in request.COOKIES
        and not request.path.startswith(_PASSIVE_SKIP)
        and not shares_one_cookie()
    )


def prune(older_than_days: int) -> int:
    """Forget links of sessions older than any session lives, and passes never used."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    longest = datetime.timedelta(seconds=max(settings.GUARDIAN_SESSION_SECONDS, settings.SESSION_COOKIE_AGE))
    deleted, _ = LinkedSession.objects.filter(created_at__lt=min(cutoff, timezone.now() - longest)).delete()
    SignInHandoff.objects.filter(created_at__lt=cutoff).delete()
    return deleted
