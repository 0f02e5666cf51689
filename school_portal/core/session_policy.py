"""How long a session lives, per role: the portal's answer to OWASP ASVS L2 (V3.3) for staff.

- **Staff** (teachers, school admins, centre staff, librarians, partner teachers, Django staff): signed out after
  ``STAFF_SESSION_IDLE_SECONDS`` without a request (30 min) and ``STAFF_SESSION_ABSOLUTE_SECONDS`` after signing
  in (12 h) whatever they do. The Wagtail admin (where pages, rosters and children's records are edited) asks for
  the password again after ``ADMIN_REAUTH_IDLE_SECONDS`` (15 min) without an admin request: one mechanism,
  inactivity in the admin, rather than a list of "sensitive actions" that would go stale.
- **Guardians** stay signed in on their own phone, as parents expect of a school app: ``GUARDIAN_SESSION_SECONDS``
  (30 days) from their last visit. Their account page signs them out of every device (``services.user_sessions_end``).
- **Students** on shared tablets: the school-day session set at badge sign-in (``auth_views.STUDENT_SESSION_SECONDS``)
  is left as it is; nothing here extends it.

Which policy applies is decided once, at sign-in, from the access policy's role facts (``policy.actor``), and kept
in the session with the times, so that this middleware adds no query to a request. The times live in the session
itself, so the rules hold whatever the session engine (database, cached_db on Redis, or the database alone while
Redis is down) and whatever the worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .access import policy

POLICY_KEY = "_portal_session_policy"
SIGNED_IN_AT = "_portal_signed_in_at"
SEEN_AT = "_portal_seen_at"
ADMIN_SEEN_AT = "_portal_admin_seen_at"
STAFF, GUARDIAN, STUDENT = "staff", "guardian", "student"
# The last-seen time is written at most this often: one session write a minute, not one per request.
SEEN_RESOLUTION_SECONDS = 60
STUDENT_BACKEND = "school_portal.core.backends.StudentBadgeBackend"


def policy_for(request: HttpRequest, user: Any = None) -> str:
    """Which rules this signed-in user's session follows (the strictest of their roles)."""
    if request.session.get(BACKEND_SESSION_KEY) == STUDENT_BACKEND:
        return STUDENT
    actor = policy.actor(user if user is not None else request)
    if policy.can(actor, "core.staff_session"):
        return STAFF
    if actor.student_id is not None:
        return STUDENT
    return GUARDIAN


def _start(request: HttpRequest, user: Any = None) -> None:
    now = int(time.time())
    kind = policy_for(request, user)
    request.session.update({POLICY_KEY: kind, SIGNED_IN_AT: now, SEEN_AT: now, ADMIN_SEEN_AT: now})
    _set_cookie_expiry(request, kind)


def _set_cookie_expiry(request: HttpRequest, kind: str) -> None:
    if kind == STAFF:
        request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
    elif kind == GUARDIAN:
        request.session.set_expiry(settings.GUARDIAN_SESSION_SECONDS)


def on_signed_in(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        _start(request, user)


user_logged_in.connect(on_signed_in, dispatch_uid="school_portal.core.session_policy")


def admin_reauthenticated(request: HttpRequest) -> None:
    request.session[ADMIN_SEEN_AT] = int(time.time())


def _is_admin(request: HttpRequest) -> bool:
    admin = reverse("wagtailadmin_home")
    return request.path.startswith(admin) and request.path not in {
        reverse("wagtailadmin_login"),
        reverse("wagtailadmin_logout"),
    }


class SessionPolicyMiddleware:
    """Ends a staff session idle or too old; asks staff for their password again before the admin after a pause;
    keeps a guardian's session alive from their last visit. Goes after the authentication and messages ones."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            refused = self._apply(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _apply(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        if POLICY_KEY not in session:  # a session from before these rules
            _start(request)
        kind, now = session[POLICY_KEY], int(time.time())
        if kind == STUDENT:
            return None
        seen = session.get(SEEN_AT, now)
        if kind == STAFF:
            idle, age = now - seen, now - session.get(SIGNED_IN_AT, now)
            if idle > settings.STAFF_SESSION_IDLE_SECONDS or age > settings.STAFF_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("You were signed out to keep the school's data safe. Please sign in again."))
                return None  # the request goes on as a visitor's: a page that needs a sign-in asks for one
            if _is_admin(request):
                if now - session.get(ADMIN_SEEN_AT, now) > settings.ADMIN_REAUTH_IDLE_SECONDS:
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{reverse('core:reauthenticate')}?{query}")
                if now - session.get(ADMIN_SEEN_AT, now) >= SEEN_RESOLUTION_SECONDS:
                    session[ADMIN_SEEN_AT] = now
        if now - seen >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
            _set_cookie_expiry(request, kind)
        return None
