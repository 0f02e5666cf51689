"""Sign-in for each kind of user: password (staff, guardians), class badge (students), invitation (guardians)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import handoff, services, throttle
from .access import policy
from .forms import (
    GuardianRegistrationForm,
    InvitationCodeForm,
    StudentSignInForm,
    ThrottledAuthenticationForm,
    locked_message,
)
from .http import safe_next_url
from .tablets import tablet_cookie_ensure

TABLET_CLASS_COOKIE = "tablet_class_code"
# A child's session on a shared tablet lasts a school day at most: the next morning nobody finds it open.
STUDENT_SESSION_SECONDS = 8 * 3600
INVITATION_PATH = "invitation"


class PortalLoginView(LoginView):
    """Signing in happens on the portal: a school site's sign-in page sends the person there and back
    (``handoff.school_signin_redirect``), so that one sign-in serves every site."""

    template_name = "core/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            to_the_portal = handoff.school_signin_redirect(request)
            if to_the_portal is not None:
                return to_the_portal
        return super().get(request, *args, **kwargs)


class PortalLogoutView(LogoutView):
    """Signing out: a child lands on the student sign-in page, everyone else on the password sign-in page.

    On a shared class tablet the next child signs in with their badge, and the tablet's class-code cookie outlives
    the session, so that page already knows the class. Whether the user was a student is read before Django flushes
    the session. A ``next`` on this site still wins, checked by Django's own ``get_redirect_url``.
    """

    was_student = False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.was_student = request.user.is_authenticated and policy.actor(request).student_id is not None
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        if self.was_student:
            return resolve_url("core:student_signin")
        return super().get_default_redirect_url()


@require_http_methods(["GET", "POST"])
def student_signin(request: HttpRequest) -> HttpResponse:
    """A child signs in on a shared tablet: the tablet remembers its class code; the badge QR fills in the rest.

    The QR code opens ``/student/signin/#badge=CODE`` (``sheets.badge_signin_url``). A badge code is a
    child's credential and a fragment never reaches the server: ``core/signin.js`` fills the code in, takes the
    fragment out of the tablet's history and puts the focus on Start. No code is read from the query string,
    where it would end up in logs, in ``Referer`` and in the history; the former ``?badge=`` is not honoured
    even for old badges, as the portal is not deployed yet. Without JavaScript the child types the printed code.
    """
    initial = {"class_code": request.COOKIES.get(TABLET_CLASS_COOKIE, "")}
    form = StudentSignInForm(request.POST or None, request=request, initial=initial)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="school_portal.core.backends.StudentBadgeBackend")
        request.session.set_expiry(STUDENT_SESSION_SECONDS)
        response = redirect(safe_next_url(request))
        tablet_cookie_ensure(request, response)
        response.set_cookie(
            TABLET_CLASS_COOKIE,
            form.cleaned_data["class_code"].strip().upper(),
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return response
    # ``next`` goes through the form unchecked; safe_next_url checks it when it is used.
    next_url = request.POST.get("next") or request.GET.get("next", "")
    response = render(
        request, "core/student_signin.html", {"form": form, "next": next_url}, status=400 if form.errors else 200
    )
    tablet_cookie_ensure(request, response)
    return response


def _invitation_attempt_by(request: HttpRequest) -> str:
    """Wrong codes count against the account when signed in, else against the address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"address:{throttle.client_address(request)}"


def _invitation_scopes(request: HttpRequest) -> list[throttle.Scope]:
    address = throttle.client_address(request)
    return [
        throttle.Scope(
            "who-address", (_invitation_attempt_by(request), address), settings.LOGIN_THROTTLE_FREE_ATTEMPTS, pair=True
        ),
        throttle.Scope("address", (address,), settings.LOGIN_THROTTLE_ADDRESS_FREE_ATTEMPTS),
    ]


@require_http_methods(["GET", "POST"])
def guardian_join(request: HttpRequest) -> HttpResponse:
    """From an invitation letter: a new guardian makes an account; a signed-in guardian adds another child.

    The letter's QR code opens ``/guardian/join/#code=CODE`` (``sheets.guardian_join_url``). Until it is used,
    the one-time code links the child to whoever types it, and a fragment never reaches the server:
    ``core/signin.js`` fills the code in, takes the fragment out of the phone's history and puts the focus on the
    first empty field (on the button when a signed-in guardian is asked only the code). No code is read from the
    query string, where it would end up in logs, in ``Referer`` and in the history; the former ``?code=`` is not
    honoured even for old letters, as the portal is not deployed yet. Without JavaScript the printed code is typed.
    """
    signed_in = request.user.is_authenticated
    form_class = InvitationCodeForm if signed_in else GuardianRegistrationForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            attempt = throttle.attempt_begin(door=INVITATION_PATH, scopes=_invitation_scopes(request))
        except throttle.Throttled as throttled:
            form.add_error(None, locked_message(throttled.retry_after))
        else:
            data = form.cleaned_data
            try:
                if signed_in:
                    student = services.guardian_invitation_redeem(code=data["code"], user=request.user)
                else:
                    user = services.guardian_register(
                        code=data["code"],
                        username=data["username"],
                        password=data["password1"],
                        display_name=data["display_name"],
                        language=request.LANGUAGE_CODE,
                    )
                    login(request, user, backend="school_portal.core.backends.ThrottledModelBackend")
                    student = user.guardian.children.get()
            except services.UsernameTaken as error:
                throttle.attempt_void(attempt)
                form.add_error("username", str(error))
            except services.PortalError as error:
                throttle.record_failure(INVITATION_PATH, request, _invitation_attempt_by(request))
                form.add_error("code", str(error))
            else:
                throttle.attempt_succeeded(attempt)
                messages.success(
                    request,
                    _("%(name)s of %(school)s is now linked to your account.")
                    % {"name": student.given_name, "school": student.school.name},
                )
                return redirect("core:dashboard")
    return render(
        request,
        "core/guardian_join.html",
        {"form": form, "signed_in": signed_in},
        status=400 if form.errors else 200,
    )
