"""The visitor's own Wi-Fi session: how long it has left, and extending it where the library allows.

Reached from the portal's start page (RFC 8908's ``user-portal-url``) and from the page shown after the accept.
No script: a page and a form (CSRF-checked by the middleware, rate-limited per session). Only the session whose
token the browser holds (``visitor_session``) can be seen or extended; anything else is refused with a page that
says why.

A renewal extends the portal's session; the gateway's own timer was set at the grant (Meraki's ``duration``,
openNDS's session length, UniFi's ``minutes``, CoovaChilli's RADIUS reply), and none of the four lets a portal
lengthen a running grant through the handshake it speaks. So when that timer runs out the gateway sends the
visitor back to the splash with a fresh handshake, and the splash, finding the visitor's own session still
running, offers to continue it (``session_resume``): the same device (its digest), no new session and no terms
again, granted through the fresh handshake for the minutes the session has left.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import portal_facts, services
from .adapters import HandshakeError
from .models import WifiSession
from .views import (
    _flooding,
    _languages,
    _no_store,
    _problem,
    _too_many,
    gateway_grant,
    granted_response,
    posted_handshake,
    splash,
)
from .visitor_session import own_session, session_cookie_set


def _no_session(request: HttpRequest, facts: portal_facts.PortalFacts) -> HttpResponse:
    return _problem(
        request,
        _(
            "No Wi-Fi session of yours was found in this browser. A session can only be extended in the browser "
            "where its terms were accepted; if that window has closed, reconnect to the library's Wi-Fi."
        ),
        404,
        facts.gateway,
    )


def _visitors_own(request: HttpRequest, key: str) -> tuple[portal_facts.PortalFacts, WifiSession] | HttpResponse:
    """The gateway's facts and the visitor's own session there (ended or not), or the page that refuses."""
    facts = portal_facts.portal_facts(key, get_language())
    if facts is None:
        return _problem(request, _("This Wi-Fi portal address is not known."), 404)
    own = own_session(request, facts.gateway)
    if own is None:
        return _no_session(request, facts)
    return facts, own


@require_GET
def session(request: HttpRequest, key: str) -> HttpResponse:
    """The visitor's session: until when it lasts, and the form to extend it."""
    found = _visitors_own(request, key)
    if isinstance(found, HttpResponse):
        return found
    facts, own = found
    now = timezone.now()
    context = {
        "gateway": facts.gateway,
        "library": facts.gateway.library,
        "session": own,
        "ended": own.expires_at <= now,
        "minutes_left": max(0, int((own.expires_at - now).total_seconds() // 60)),
        "renewable": facts.renewable,
        "session_minutes": facts.session_minutes,
        "renewed": request.GET.get("renewed") == "1",
        **_languages(request),
    }
    return _no_store(render(request, "library_wifi/session.html", context, status=410 if context["ended"] else 200))


@require_POST
def session_renew(request: HttpRequest, key: str) -> HttpResponse:
    """Extend the visitor's own session by the library's session length, from now."""
    found = _visitors_own(request, key)
    if isinstance(found, HttpResponse):
        return found
    facts, own = found
    if _flooding(f"renewals:{facts.gateway.pk}", own.token):
        return _too_many(request, facts.gateway)
    try:
        services.session_renew(session=own, renewable=facts.renewable, minutes=facts.session_minutes)
    except HandshakeError as refusal:
        return _problem(request, refusal.message, refusal.status, facts.gateway)
    response = redirect(f"{reverse('library_wifi:session', args=[key])}?renewed=1", permanent=False)
    response.status_code = 303
    session_cookie_set(response, request, gateway=facts.gateway, token=own.token)
    return response


@require_POST
def session_resume(request: HttpRequest, key: str) -> HttpResponse:
    """Continue the visitor's own running session through the gateway's fresh handshake (see the module's
    docstring): the gateway's one-time value is used up as at an accept, the grant is for what is left."""
    found = _visitors_own(request, key)
    if isinstance(found, HttpResponse):
        return found
    facts, own = found
    gateway = facts.gateway
    checked = posted_handshake(request, gateway)
    if isinstance(checked, HttpResponse):
        return checked
    handshake, digest = checked
    try:
        with transaction.atomic():
            minutes = services.session_resume(gateway=gateway, session=own, handshake=handshake, client_digest=digest)
            grant = gateway_grant(request, gateway, handshake, own, minutes=minutes)
    except services.ResumeRefused as refusal:
        return splash(request, gateway, handshake, error=refusal.message, status=refusal.status)
    except HandshakeError as refusal:
        return _problem(request, refusal.message, refusal.status, gateway)
    return granted_response(request, facts, handshake, own, grant)
