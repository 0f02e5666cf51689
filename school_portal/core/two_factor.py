"""A second factor for staff: TOTP codes from an authenticator app (django-otp), static backup codes for recovery.

Offered to every member of staff on their account page; required of school admins, centre staff and superusers
when ``STAFF_TWO_FACTOR_REQUIRED`` is on (production.py turns it on; dev and test leave it off unless told).
After the password, a person with a confirmed device is asked for a code before anything else, the Wagtail admin
included (django-otp's ``OTPMiddleware`` marks the verified session; ``TwoFactorMiddleware`` below sends an
unverified one to the code page). A person who must have a device and has none is sent to enrol one first.
django-otp throttles wrong codes per device (growing delays).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import policy
from .http import safe_next_url
from .session_policy import POLICY_KEY, STAFF

BACKUP_CODES = 10
# Paths an unverified staff session may still reach: the code and enrolment pages, signing out, files.
_OPEN = ("/static/", "/jsi18n/", "/i18n/", "/accounts/logout/", "/admin/logout/")


def must_have_second_factor(request: HttpRequest) -> bool:
    """Whoever the policy's ``core.second_factor_required`` names (school admins, centre staff, superusers), when
    the setting says so."""
    return settings.STAFF_TWO_FACTOR_REQUIRED and policy.can(request, "core.second_factor_required")


def has_second_factor(user: object) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The 6 digits from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _backup_codes_issue(user: object) -> list[str]:
    """A fresh set of single-use backup codes; the previous set stops working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a first code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            codes = _backup_codes_issue(request.user)
            return render(request, "core/two_factor_backup_codes.html", {"codes": codes})
        form.add_error("code", _("That code is not right. Check the time on your phone and try the newest code."))
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": must_have_second_factor(request),
    }
    return render(request, "core/two_factor_enrol.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The step after the password: a code from the app, or a backup code (each works once)."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(safe_next_url(request))
        form.add_error("code", _("That code is not right. Try the newest code from your app, or a backup code."))
    next_url = request.POST.get("next") or request.GET.get("next", "")
    context = {
        "form": form,
        "next": next_url,
        "heading": _("Second factor"),
        "intro": _("Type the code from your authenticator app. Lost your phone? Use one of your backup codes."),
    }
    return render(request, "core/signin_step.html", context, status=400 if form.errors else 200)


STEP_KEY = "_portal_second_factor"  # "verify", "enrol" or "": decided at sign-in, so requests add no query


def _step_for(request: HttpRequest, user: object) -> str:
    if has_second_factor(user):
        return "verify"
    if must_have_second_factor(request):
        return "enrol"
    return ""


def _on_signed_in(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[STEP_KEY] = _step_for(request, user)


user_logged_in.connect(_on_signed_in, dispatch_uid="school_portal.core.two_factor")


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware and the session policy: a staff session not verified by a second factor
    reaches only the code page (or the enrolment page when a device is required and missing)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and request.session.get(POLICY_KEY) == STAFF
            and not user.is_verified()
            and not request.path.startswith(_OPEN)
        ):
            target = self._where(request)
            if target is not None and request.path != target:
                return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _where(request: HttpRequest) -> str | None:
        if STEP_KEY not in request.session:  # a session from before these rules
            request.session[STEP_KEY] = _step_for(request, request.user)
        step = request.session[STEP_KEY]
        if step == "verify":
            return reverse("core:two_factor_verify")
        if step == "enrol":
            return reverse("core:two_factor_enrol")
        return None


def handed_over_device(request: HttpRequest) -> str:
    """The verified device of this session, to carry over a sign-in hand-off (``handoff``)."""
    return request.session.get(DEVICE_ID_SESSION_KEY, "") if request.user.is_verified() else ""


def hand_over_device(request: HttpRequest, persistent_id: str) -> None:
    """The session a hand-off opened is as verified as the portal's was."""
    if persistent_id:
        request.session[DEVICE_ID_SESSION_KEY] = persistent_id
        request.session[STEP_KEY] = ""
