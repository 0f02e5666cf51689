"""Which Wi-Fi session is the visitor's own: the one whose token their browser holds.

A visitor has no account. When the portal grants a session it gives the browser the session's token in a cookie
of its own (``HttpOnly``, ``SameSite=Lax``, ``Secure`` over https, and only for the gateway's portal path), and
that cookie is the only way to see or extend the session: a token found anywhere else (a shared link, another
library's gateway) is nobody's. The token is random (32 bytes) and names no device.

Operating systems often open the portal in a mini-browser that forgets its cookies when it closes; the status
page says so when it finds no session.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from .models import Gateway, WifiSession

COOKIE_NAME = "library_wifi_session"
COOKIE_SECONDS = 24 * 3600


def _cookie_path(gateway: Gateway) -> str:
    return reverse("library_wifi:portal", args=[gateway.key])


def session_cookie_set(response: HttpResponse, request: HttpRequest, *, gateway: Gateway, token: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=COOKIE_SECONDS,
        path=_cookie_path(gateway),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def own_session(request: HttpRequest, gateway: Gateway) -> WifiSession | None:
    """The session of this gateway whose token the browser holds (ended or not), or None."""
    token = request.COOKIES.get(COOKIE_NAME, "")
    if not token or len(token) > 64:
        return None
    return WifiSession.objects.filter(gateway=gateway, token=token).first()


def live_session(request: HttpRequest, gateway: Gateway) -> WifiSession | None:
    """The visitor's own session of this gateway if it has not ended."""
    session = own_session(request, gateway)
    return session if session is not None and session.expires_at > timezone.now() else None
