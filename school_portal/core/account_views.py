"""A signed-in person's own account: the page, signing out of every device, the password again for the admin."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from . import push, push_views, services, session_policy, two_factor
from .forms import locked_message
from .http import safe_next_url


def _push_key() -> str:
    """The portal's VAPID public key; empty (no notification section) where none is configured."""
    try:
        return push.vapid_public_key()
    except services.PortalError:
        return ""


@login_required
def account(request: HttpRequest) -> HttpResponse:
    context = {
        "account_user": request.user,
        "offer_two_factor": request.session.get(session_policy.POLICY_KEY) == session_policy.STAFF,
        "has_two_factor": two_factor.has_second_factor(request.user),
        "push_key": _push_key(),
        "push_devices": request.user.push_subscriptions.count(),
        "quiet_form": push_views.quiet_hours_form(request.user),
    }
    return render(request, "core/account.html", context)


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """Every session of this account ends: a lost phone, a shared computer, a browser left signed in."""
    services.user_sessions_end(user=request.user)
    logout(request)
    messages.success(request, _("You have been signed out on every device."))
    return redirect("core:login")


class PasswordAgainForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Staff type their password again before the Wagtail admin after a pause (``session_policy``). The attempt
    goes through the throttled backend like any sign-in."""
    form = PasswordAgainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=request.user.get_username(), password=form.cleaned_data["password"])
        retry_after = getattr(request, "signin_retry_after", None)
        if user is not None and user.pk == request.user.pk:
            session_policy.admin_reauthenticated(request)
            return redirect(safe_next_url(request, default="wagtailadmin_home"))
        form.add_error(
            "password", locked_message(retry_after) if retry_after is not None else _("The password is not right.")
        )
    next_url = request.POST.get("next") or request.GET.get("next", "")
    context = {
        "form": form,
        "next": next_url,
        "heading": _("Confirm your password"),
        "intro": _(
            "You have not used the administration screens for a while. To keep the school's data safe, type your "
            "password again."
        ),
    }
    return render(request, "core/signin_step.html", context, status=400 if form.errors else 200)
