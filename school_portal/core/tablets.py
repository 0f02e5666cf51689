"""A shared class tablet's own identity: a long-lived, random, signed cookie set on the student sign-in page.

The badge throttle counts wrong badges per (class code, tablet), so that one tablet's typos or one pupil's
guessing never slow down the rest of the class. The cookie holds only a random id (no child, no class), signed
so that it cannot be forged into another tablet's id. A client without it (a script, a cleared browser) is
counted by its address instead.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse

TABLET_COOKIE = "portal_tablet"
_SALT = "school_portal.tablet"
_MAX_AGE = 5 * 365 * 24 * 3600


def tablet_id(request: HttpRequest) -> str | None:
    """This tablet's id, from its signed cookie; None when it has none (or a forged one)."""
    value = request.get_signed_cookie(TABLET_COOKIE, default=None, salt=_SALT)
    return value or None


def tablet_cookie_ensure(request: HttpRequest, response: HttpResponse) -> None:
    """Give a tablet its id the first time it shows the student sign-in page; keep it afterwards."""
    if tablet_id(request) is None:
        response.set_signed_cookie(
            TABLET_COOKIE,
            secrets.token_urlsafe(24),
            salt=_SALT,
            max_age=_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
