"""The web side of push (``push.py``): the app manifest and service worker at the site root, and a signed-in
user's own subscriptions and quiet hours. A user manages only their own: every write is for ``request.user``."""

from __future__ import annotations

import datetime
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from . import push
from .services import PortalError

MAX_BODY = 4096  # a subscription is a few hundred bytes


@require_GET
@cache_control(public=True, max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the portal on a phone's home screen (Android installs it; iOS 16.4+ then allows
    push to it)."""
    icons = [
        {"src": static(f"core/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append({**icons[-1], "purpose": "maskable"})
    data = {
        "name": _("School portal"),
        "short_name": _("School portal"),
        "start_url": "/dashboard/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d5c96",
        "lang": request.LANGUAGE_CODE,
        "icons": icons,
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that its scope is the whole site (browsers check for a new one on every
    navigation: never cached long)."""
    path = finders.find("core/service-worker.js")
    with open(path, "rb") as source:
        response = HttpResponse(source.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


def _json_body(request: HttpRequest) -> dict:
    """The request's JSON (the page's script), or its form fields with the subscription as JSON text."""
    if len(request.body) > MAX_BODY:
        raise PortalError(_("The request is too large."))
    try:
        if request.content_type == "application/json":
            data = json.loads(request.body)
        else:
            data = request.POST.dict()
            if "subscription" in data:
                data["subscription"] = json.loads(data["subscription"])
    except (ValueError, UnicodeDecodeError) as error:
        raise PortalError(_("The request is not valid.")) from error
    if not isinstance(data, dict):
        raise PortalError(_("The request is not valid."))
    return data


@login_required
@require_POST
def subscribe(request: HttpRequest) -> JsonResponse:
    """Store this browser's subscription for the signed-in user (JSON: ``{subscription, device}``)."""
    try:
        data = _json_body(request)
        push.push_subscription_save(
            user=request.user, info=data.get("subscription"), device=str(data.get("device", ""))[:200]
        )
    except PortalError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"ok": True, "message": _("Notifications are on for this device.")}, status=201)


@login_required
@require_POST
def unsubscribe(request: HttpRequest) -> JsonResponse:
    """Remove one of the signed-in user's own subscriptions (JSON: ``{endpoint}``); another's is not found."""
    try:
        endpoint = _json_body(request).get("endpoint")
    except PortalError as error:
        return JsonResponse({"error": str(error)}, status=400)
    if not isinstance(endpoint, str) or not push.push_subscription_delete(user=request.user, endpoint=endpoint):
        return JsonResponse({"error": _("This device is not subscribed.")}, status=404)
    return JsonResponse({"ok": True, "message": _("Notifications are off for this device.")})


class QuietHoursForm(forms.Form):
    quiet_hours = forms.BooleanField(label=gettext_lazy("Quiet hours"), required=False)
    quiet_start = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_end = forms.TimeField(label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"}))


def quiet_hours_form(user) -> QuietHoursForm:
    preference = push.push_preference_get(user=user)
    return QuietHoursForm(
        initial={
            "quiet_hours": preference.quiet_hours,
            "quiet_start": preference.quiet_start.strftime("%H:%M"),
            "quiet_end": preference.quiet_end.strftime("%H:%M"),
        },
        prefix="quiet",
    )


@login_required
@require_POST
def quiet_hours(request: HttpRequest) -> HttpResponse:
    form = QuietHoursForm(request.POST, prefix="quiet")
    if form.is_valid():
        push.push_preference_set(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your quiet hours are saved."))
    else:
        messages.error(request, _("Give the quiet hours as two times, such as 21:00 and 07:00."))
    return redirect("core:account")


@login_required
@require_POST
def send_test(request: HttpRequest) -> HttpResponse:
    """A test notification to the signed-in user's own devices (now, whatever the quiet hours)."""
    subscriptions = request.user.push_subscriptions.count()
    if not subscriptions:
        messages.error(request, _("No device of yours has notifications on."))
        return redirect("core:account")
    job = push.push_start(
        users=[request.user],
        title=_("Test notification"),
        body=_("Notifications from the school portal arrive on this device."),
        url="/account/",
        urgency="normal",
        ttl=int(datetime.timedelta(hours=1).total_seconds()),
        emergency=True,
        by=request.user,
    )
    return redirect("core:job_detail", pk=job.pk)
