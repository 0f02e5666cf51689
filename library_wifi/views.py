"""The captive portal (no account: a gateway sends the visitor here) and the librarians' and board's pages.

The portal's pages are self-contained: one small same-origin stylesheet, no script, no font, no image from
anywhere else (the visitor has no Internet yet). After the accept, the browser is sent on by a page that refreshes
itself (``continue.html``) rather than a redirect: browsers hold a form's whole redirect chain to the page's CSP
``form-action 'self'``, and the gateway is another host.
"""

from __future__ import annotations

import base64
import datetime
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from school_portal.core.access import capability_required, policy
from school_portal.core.models import City, Library

from . import attempts, exports, portal_facts, selectors, services, stats, visitor_session
from .adapters import (
    Grant,
    Handshake,
    HandshakeError,
    adapter_for,
    authmon_line,
    opennds_gateway_hash,
    opennds_rhid,
)
from .languages import VISITOR_LANGUAGES
from .models import AuthmonGrant, Gateway, WifiSession
from .portal_facts import PortalFacts
from .visitor_session import session_cookie_set

HANDSHAKE_MAX_AGE = 30 * 60
AUTHMON_WAIT_SECONDS = 60


def _no_store(response: HttpResponse) -> HttpResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(request: HttpRequest, message: str, status: int, gateway: Gateway | None = None) -> HttpResponse:
    context = {"message": message, "gateway": gateway, **_languages(request)}
    return _no_store(render(request, "library_wifi/problem.html", context, status=status))


def _languages(request: HttpRequest) -> dict:
    names = dict(settings.LANGUAGES)
    current = get_language()
    return {
        "languages": [(code, names[code]) for code in VISITOR_LANGUAGES if code in names],
        "current_language": current,
        "here": request.get_full_path(),
    }


def _https(url: str) -> str:
    """Absolute addresses the portal hands out are https in production (RFC 8908 asks it of the API's URLs)."""
    if getattr(settings, "LIBRARY_WIFI_HTTPS_ONLY", not settings.DEBUG) and url.startswith("http://"):
        return "https://" + url.removeprefix("http://")
    return url


def _venue_url(request: HttpRequest, library: Library) -> str:
    return _https(request.build_absolute_uri(reverse("library_wifi:library", args=[library.slug])))


def _signing_salt(gateway: Gateway) -> str:
    return f"library_wifi.handshake.{gateway.pk}.{gateway.key}"


def _page_context(request: HttpRequest, gateway: Gateway) -> dict:
    language = get_language()
    original = selectors.source_library_page(gateway.library)
    return {
        "gateway": gateway,
        "library": gateway.library,
        "original_page": original,
        "page": selectors.library_page_shown(original, language),
        "terms": selectors.current_terms(gateway.library.city, language),
        "disaster": selectors.disaster_active(gateway.library.city),
        **_languages(request),
    }


def splash(
    request: HttpRequest,
    gateway: Gateway,
    handshake: Handshake,
    *,
    error: str = "",
    status: int = 200,
    resume: WifiSession | None = None,
) -> HttpResponse:
    """The library's page with the terms to accept; for a visitor whose own session here is still running (the
    gateway's timer, set at the grant, ran out first: see ``session_views.session_resume``), the way to continue
    it instead."""
    context = _page_context(request, gateway)
    context.update(
        error=error,
        handshake=signing.dumps(handshake.as_dict(), salt=_signing_salt(gateway), compress=True),
        resume=resume,
    )
    if resume is not None:
        context["minutes_left"] = services.minutes_left(resume)
    return _no_store(render(request, "library_wifi/splash.html", context, status=status))


@csrf_exempt  # a POST here is openNDS authmon (machine to machine, no browser); the accept has its own URL
@require_http_methods(["GET", "HEAD", "POST"])
def portal(request: HttpRequest, key: str) -> HttpResponse:
    gateway = selectors.gateway_by_key(key)
    if gateway is None:
        return _problem(request, _("This Wi-Fi portal address is not known."), 404)
    if request.method == "POST":
        if gateway.kind == Gateway.Kind.OPENNDS and gateway.opennds_level == 3 and "auth_get" in request.POST:
            return authmon(request, gateway)
        return _problem(request, _("This address only shows the library's Wi-Fi page."), 405, gateway)
    if not request.GET:
        # Opened directly (RFC 8908's user-portal-url, a bookmark): the library's page and how to connect, and the
        # visitor's own session on this browser, if any (with the way to extend it).
        context = _page_context(request, gateway)
        context["session"] = visitor_session.live_session(request, gateway)
        return _no_store(render(request, "library_wifi/start.html", context))
    try:
        handshake = adapter_for(gateway).parse(gateway, request)
    except HandshakeError as refusal:
        return _problem(request, refusal.message, refusal.status, gateway)
    return splash(request, gateway, handshake, resume=visitor_session.live_session(request, gateway))


def _flooding(scope: str, subject: str) -> bool:
    """More than ``LIBRARY_WIFI_ACCEPTS_PER_MINUTE`` attempts of one kind from one device or session a minute."""
    count = attempts.attempt_count(f"library_wifi:{scope}:{subject}", window=60)
    return count > getattr(settings, "LIBRARY_WIFI_ACCEPTS_PER_MINUTE", 5)


def _too_many(request: HttpRequest, gateway: Gateway) -> HttpResponse:
    response = _problem(request, _("Too many attempts from this device. Please wait a minute."), 429, gateway)
    response.headers["Retry-After"] = "60"
    return response


def _continue_page(request: HttpRequest, facts: PortalFacts, target: str, session: WifiSession) -> HttpResponse:
    """The page that sends the browser on (``<meta refresh>``): rendered once per gateway, language and change of
    the facts (``portal_facts``), then only the target is put in, escaped as the template would."""
    language = get_language()
    memo_key = (facts.generation, facts.gateway.key, language)
    html = _continue_html.get(memo_key)
    if html is None:
        gateway = facts.gateway
        context = {
            "gateway": gateway,
            "library": gateway.library,
            "session_minutes": facts.session_minutes,
            "renewable": facts.renewable,
            "target": _TARGET_MARK,
            **_languages(request),
            "here": reverse("library_wifi:portal", args=[gateway.key]),
        }
        html = render_to_string("library_wifi/continue.html", context)
        if len(_continue_html) > 1000:
            _continue_html.clear()
        _continue_html[memo_key] = html
    response = HttpResponse(html.replace(_TARGET_MARK, str(conditional_escape(target))))
    session_cookie_set(response, request, gateway=facts.gateway, token=session.token)
    return _no_store(response)


_TARGET_MARK = "library-wifi-continue-target"
_continue_html: dict[tuple[str, str, str], str] = {}


@require_POST
def accept(request: HttpRequest, key: str) -> HttpResponse:
    """The visitor accepts the terms (CSRF-checked by the middleware): record the session, then grant.

    The hot path of a library's opening queue: the gateway's facts come from the process's memory
    (``portal_facts``), the write is the session row (and the gateway's one-time value, where it sends one)."""
    language = get_language()
    facts = portal_facts.portal_facts(key, language)
    if facts is None:
        return _problem(request, _("This Wi-Fi portal address is not known."), 404)
    gateway = facts.gateway
    checked = posted_handshake(request, gateway)
    if isinstance(checked, HttpResponse):
        return checked
    handshake, digest = checked
    if not facts.disaster:
        if request.POST.get("agree") != "yes":
            return splash(
                request, gateway, handshake, error=_("Please tick the box to accept the terms of use."), status=400
            )
        if facts.terms_revision_id is not None and request.POST.get("terms") != str(facts.terms_revision_id):
            return splash(
                request,
                gateway,
                handshake,
                error=_("The terms of use have changed since this page was shown. Please read them again."),
                status=409,
            )
    minutes = facts.session_minutes
    try:
        with transaction.atomic():
            session = services.session_start(
                gateway=gateway,
                handshake=handshake,
                client_digest=digest,
                minutes=minutes,
                language=language,
                terms_revision_id=None if facts.disaster else facts.terms_revision_id,
                disaster=facts.disaster,
            )
            grant = gateway_grant(request, gateway, handshake, session, minutes=minutes)
    except HandshakeError as refusal:
        return _problem(request, refusal.message, refusal.status, gateway)
    return granted_response(request, facts, handshake, session, grant)


def posted_handshake(request: HttpRequest, gateway: Gateway) -> tuple[Handshake, str] | HttpResponse:
    """The handshake the splash signed into its form (``splash``) and the device's digest, or the page that
    refuses: the handshake missing, altered or old (400), or too many attempts from the device (429)."""
    try:
        handshake = Handshake.from_dict(
            signing.loads(request.POST.get("handshake", ""), salt=_signing_salt(gateway), max_age=HANDSHAKE_MAX_AGE)
        )
    except (signing.BadSignature, KeyError, TypeError):
        return _problem(
            request, _("This page has expired or was altered. Reconnect to the library's Wi-Fi."), 400, gateway
        )
    digest = stats.client_digest(handshake.client)
    if _flooding(f"accepts:{gateway.pk}", digest):
        return _too_many(request, gateway)
    return handshake, digest


def gateway_grant(
    request: HttpRequest, gateway: Gateway, handshake: Handshake, session: WifiSession, *, minutes: int
) -> Grant:
    """Tell the gateway (through its adapter) to let the client through for ``minutes``; for openNDS level 3 the
    rhid waits for authmon. Inside the caller's transaction: a refused grant leaves no session or nonce behind."""
    landing = _venue_url(request, gateway.library)
    grant = adapter_for(gateway).grant(gateway, handshake, minutes=minutes, landing=landing)
    if grant.waiting:
        services.authmon_grant_add(
            session=session, rhid=opennds_rhid(handshake.data["hid"], gateway.secret), minutes=minutes
        )
    return grant


def granted_response(
    request: HttpRequest, facts: PortalFacts, handshake: Handshake, session: WifiSession, grant: Grant
) -> HttpResponse:
    """Where the browser goes after a grant: on to the gateway (``continue.html``), or the page that waits for
    openNDS authmon; either way the browser keeps the session's token (``visitor_session``)."""
    if grant.waiting:
        gateway = facts.gateway
        follow = signing.dumps(handshake.continue_url, salt="library_wifi.wait")
        response = redirect(f"{reverse('library_wifi:wait', args=[gateway.key, session.token])}?next={follow}")
        session_cookie_set(response, request, gateway=gateway, token=session.token)
        return response
    return _continue_page(request, facts, grant.redirect, session)


@require_GET
def wait(request: HttpRequest, key: str, token: str) -> HttpResponse:
    """openNDS level 3: this page refreshes itself until the gateway's authmon has fetched the grant."""
    session = get_object_or_404(WifiSession.objects.select_related("gateway", "library"), gateway__key=key, token=token)
    grant = AuthmonGrant.objects.filter(session=session).first()
    try:
        target = signing.loads(request.GET.get("next", ""), salt="library_wifi.wait")
    except signing.BadSignature:
        target = ""
    context = _page_context(request, session.gateway)
    original = context["original_page"]
    context.update(
        session=session,
        target=target or _venue_url(request, session.library),
        session_minutes=original.session_minutes if original else portal_facts.DEFAULT_SESSION_MINUTES,
        renewable=bool(original.renewable) if original else False,
    )
    if grant is not None and grant.sent_at is not None:
        return _no_store(render(request, "library_wifi/continue.html", context))
    if grant is None or timezone.now() - grant.created_at > datetime.timedelta(seconds=AUTHMON_WAIT_SECONDS):
        return _problem(
            request,
            _("The Wi-Fi gateway did not confirm the connection. Turn Wi-Fi off and on again, then retry."),
            504,
            session.gateway,
        )
    return _no_store(render(request, "library_wifi/waiting.html", context))


def authmon(request: HttpRequest, gateway: Gateway) -> HttpResponse:
    """openNDS authmon's POST (``auth_get`` = list, view, clear, deauthed, custom; ``gatewayhash``; ``payload``)."""
    text = "text/plain; charset=utf-8"
    if request.POST.get("gatewayhash", "") != opennds_gateway_hash(gateway.opennds_gateway_name):
        return HttpResponse("", status=403, content_type=text)
    action = request.POST.get("auth_get", "")
    pending = AuthmonGrant.objects.filter(gateway=gateway, acked_at__isnull=True)
    now = timezone.now()
    if action in {"deauthed", "custom"}:
        return HttpResponse("ack", content_type=text)
    if action == "clear":
        pending.delete()
        return HttpResponse("", content_type=text)
    if action not in {"list", "view"}:
        return HttpResponse("", status=400, content_type=text)
    try:
        acks = base64.b64decode(request.POST.get("payload", ""), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        acks = "none"
    if action == "view" and acks.strip() not in {"", "none"}:
        rhids = [line.strip().lstrip("* ").strip() for line in acks.splitlines()]
        pending.filter(rhid__in=[r for r in rhids if r]).update(acked_at=now)
        return HttpResponse("ack", content_type=text)
    grants = list(pending.order_by("pk"))
    body = " ".join(["*", *(quote(authmon_line(g.rhid, g.session_minutes), safe="") for g in grants)])
    AuthmonGrant.objects.filter(pk__in=[g.pk for g in grants]).update(sent_at=now)
    if action == "list":
        AuthmonGrant.objects.filter(pk__in=[g.pk for g in grants]).update(acked_at=now)
    return HttpResponse(body, content_type=text)


@require_GET
def captive_api(request: HttpRequest, key: str) -> HttpResponse:
    """RFC 8908: the Captive Portal API of one gateway (``application/captive+json``, never cached by others)."""
    gateway = selectors.gateway_by_key(key)
    if gateway is None:
        response = JsonResponse({"error": "unknown portal"}, status=404)
        response.headers["Cache-Control"] = "no-store"
        return response
    facts = portal_facts.portal_facts(key, get_language())
    body: dict[str, object] = {
        "captive": True,
        "user-portal-url": _https(request.build_absolute_uri(reverse("library_wifi:portal", args=[gateway.key]))),
        "venue-info-url": _venue_url(request, gateway.library),
        "can-extend-session": bool(facts and facts.renewable),
    }
    token = request.GET.get("session", "")
    session = WifiSession.objects.filter(gateway=gateway, token=token).first() if token else None
    if session is not None:
        remaining = int((session.expires_at - timezone.now()).total_seconds())
        if remaining > 0:
            body["captive"] = False
            body["seconds-remaining"] = remaining
            # Where the visitor extends it (RFC 8908: the user-portal-url of a session that can be extended).
            body["user-portal-url"] = _https(
                request.build_absolute_uri(reverse("library_wifi:session", args=[gateway.key]))
            )
    response = JsonResponse(body, content_type="application/captive+json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@require_GET
def library(request: HttpRequest, slug: str) -> HttpResponse:
    """The library's page (RFC 8908 venue-info-url) in the visitor's language."""
    library = get_object_or_404(Library, slug=slug)
    original = selectors.source_library_page(library)
    if original is None:
        return _problem(request, _("This library has no Wi-Fi page yet."), 404)
    context = {
        "library": library,
        "page": selectors.library_page_shown(original, get_language()),
        "original_page": original,
        **_languages(request),
    }
    return render(request, "library_wifi/library.html", context)


@capability_required("library_wifi.manage")
def index(request: HttpRequest) -> HttpResponse:
    """Librarians see their library's gateways and use; the board sees every library and the disaster switch."""
    libraries = _managed_libraries(request)
    city = City.objects.order_by("pk").first()
    stats.usage_rollup()
    context = {
        "gateways": selectors.gateways_for(libraries),
        "usage": selectors.usage_by_library(libraries),
        "may_switch": policy.can(request, "library_wifi.disaster"),
        "disaster": selectors.disaster_active(city) if city else False,
    }
    return render(request, "library_wifi/index.html", context)


@require_POST
@capability_required("library_wifi.disaster")
def disaster(request: HttpRequest) -> HttpResponse:
    """One action of the board: every library's Wi-Fi opens without terms (or closes again)."""
    active = request.POST.get("active") == "on"
    for city in City.objects.all():
        services.disaster_mode_set(city=city, active=active, by=request.user)
    return redirect("library_wifi:index")


def _managed_libraries(request: HttpRequest) -> QuerySet:
    return policy.scope(request, "library_wifi.see_use", Library.objects.all())


@capability_required("library_wifi.manage")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The Wagtail admin's dashboard: use by hour and language (charts in CSS, no script), open-data downloads."""
    libraries = _managed_libraries(request).order_by("name")
    since = timezone.now() - datetime.timedelta(days=30)
    today = timezone.localdate()
    stats.usage_rollup()
    context = {
        "charts": selectors.usage_charts(libraries, since=since),
        "usage": selectors.usage_by_library(libraries),
        "libraries": libraries,
        "month": f"{today:%Y-%m}",
        "header_title": _("Library Wi-Fi use"),
    }
    return render(request, "library_wifi/admin/dashboard.html", context)


@require_GET
def open_data(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    """Monthly open data of one library (counts per hour and language, nothing personal), public by design."""
    library = get_object_or_404(Library, slug=slug)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        return _problem(request, _("There is no such month."), 404)
    stats.usage_rollup()
    response = HttpResponse(exports.monthly_csv(library=library, year=year, month=month), content_type="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-{year:04d}-{month:02d}.csv"'
    return response
