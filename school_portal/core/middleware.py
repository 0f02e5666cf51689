"""Security headers for the public pages. The Wagtail admin keeps its own (it needs inline scripts)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "style-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        # Videos teachers embed (Wagtail's oEmbed block) play in the providers' own frames.
        "frame-src 'self' https://www.youtube-nocookie.com https://www.youtube.com https://player.vimeo.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)


def security_headers_add(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The portal's security headers on ``response`` (the ones it already has are kept)."""
    if not request.path.startswith("/admin/"):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(self), camera=(self)")
    return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return security_headers_add(request, self.get_response(request))
