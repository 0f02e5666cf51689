"""The exchange's pages: the board, one exchange's schedule with its actions, the partner search, invitations.

Thin: the policy decides who sees what (``selectors``), the services decide what may change. A refused action
shows the exchange's page again with the reason and what was typed (400); nothing booked changes.
"""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from school_portal.core.access import capability_required, policy
from school_portal.core.models import ClassGroup, SchoolYear
from school_portal.core.services import PortalError

from . import selectors, services, slots
from .call import call_refusal
from .forms import ConsentForm, PartnerSearchForm, ProposeForm, ReasonForm, RescheduleForm
from .ice import ice_servers
from .invites import session_calendar
from .models import Session
from .zones import describe

SUGGESTED_DAYS = 28
MAX_SUGGESTIONS = 12


@capability_required("exchange.use")
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "exchange/index.html",
        {
            "rows": selectors.board(user=request.user),
            "finds_partners": policy.can(request, "exchange.find_partners"),
        },
    )


def _detail(request: HttpRequest, exchange, *, error: str = "", form=None, status: int = 200) -> HttpResponse:
    view = selectors.exchange_view(user=request.user, exchange=exchange)
    suggestions = []
    if view.side:
        found = slots.exchange_slots(exchange=exchange, start_day=timezone.localdate(), days=SUGGESTED_DAYS)
        suggestions = [
            {
                "day": f"{s.starts_at.astimezone(view.own_zone):%Y-%m-%d}",
                "time": f"{s.starts_at.astimezone(view.own_zone):%H:%M}",
                "own": describe(s.starts_at, view.own_zone),
                "other": describe(s.starts_at, view.other_zone),
            }
            for s in found[:MAX_SUGGESTIONS]
        ]
    context = {
        "view": view,
        "exchange": exchange,
        "suggestions": suggestions,
        "error": error,
        "propose_form": form or ProposeForm(),
        "reason_form": ReasonForm(),
        "reschedule_form": RescheduleForm(),
    }
    return render(request, "exchange/exchange_detail.html", context, status=status)


@capability_required("exchange.use")
@require_GET
def exchange_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.exchange_for(request.user, pk))


@capability_required("exchange.use")
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    exchange = selectors.exchange_for(request.user, pk, "schedule")
    form = ProposeForm(request.POST)
    if not form.is_valid():
        return _detail(request, exchange, error=_("Enter a date and a start time."), form=form, status=400)
    try:
        services.session_propose(
            exchange=exchange, day=form.cleaned_data["day"], time=form.cleaned_data["time"], by=request.user
        )
    except PortalError as error:
        return _detail(request, exchange, error=str(error), form=form, status=400)
    messages.success(request, _("Your proposal was sent to the other school."))
    return redirect("exchange:exchange_detail", exchange.pk)


ACTIONS = {"accept", "decline", "counter", "reschedule", "cancel", "consent"}


@capability_required("exchange.use")
@require_POST
def session_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    queryset = Session.objects.select_related("exchange__partner_class__partner_school", "exchange__class_group")
    session = policy.get_or_404(request.user, "schedule", queryset, pk=pk)
    exchange = selectors.exchange_for(request.user, session.exchange_id, "schedule")
    form_class = {"decline": ReasonForm, "cancel": ReasonForm, "counter": ProposeForm}.get(action)
    form_class = RescheduleForm if action == "reschedule" else ConsentForm if action == "consent" else form_class
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        message = _("Give a reason: the other school reads it.") if "reason" in form.errors else ""
        return _detail(request, exchange, error=message or _("Enter a date and a start time."), status=400)
    data = form.cleaned_data if form is not None else {}
    try:
        if action == "accept":
            services.session_accept(session=session, by=request.user)
            done = _("The session is booked.")
        elif action == "decline":
            services.session_decline(session=session, by=request.user, reason=data["reason"])
            done = _("The proposal was declined.")
        elif action == "counter":
            services.session_counter(session=session, day=data["day"], time=data["time"], by=request.user)
            done = _("Your counter-proposal was sent.")
        elif action == "reschedule":
            services.session_reschedule(
                session=session, day=data["day"], time=data["time"], reason=data["reason"], by=request.user
            )
            done = _("The new time was proposed; the session stays booked until it is accepted.")
        elif action == "cancel":
            services.session_cancel(session=session, by=request.user, reason=data["reason"])
            done = _("The session was cancelled.")
        else:
            services.session_recording_consent_set(session=session, allowed=data["allowed"], by=request.user)
            done = _("Recording consent saved.")
    except PortalError as error:
        return _detail(request, exchange, error=str(error), status=400)
    messages.success(request, done)
    return redirect("exchange:exchange_detail", exchange.pk)


@capability_required("exchange.use")
@require_GET
def session_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """The session's invitation as an .ics file, in the viewer's own zone."""
    queryset = Session.objects.select_related(
        "exchange__partner_class__partner_school",
        "exchange__class_group",
        "exchange__teacher",
        "exchange__partner_teacher",
    )
    session = policy.get_or_404(request.user, "view", queryset, pk=pk)
    side = Session.Side.PARTNER if session.exchange.partner_teacher_id == request.user.pk else Session.Side.SCHOOL
    zone = selectors.zones_for(session.exchange, side)[0]
    response = HttpResponse(session_calendar(session, zone=zone), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="exchange-{session.pk}.ics"'
    return response


@capability_required("exchange.use")
@require_GET
def session_call(request: HttpRequest, pk: int) -> HttpResponse:
    """The call page: the device test, then the call with the other class (the two teachers, in the booked time)."""
    queryset = Session.objects.select_related("exchange__partner_class__partner_school", "exchange__class_group")
    session = policy.get_or_404(request.user, "schedule", queryset, pk=pk)
    exchange = session.exchange
    if request.user.pk not in (exchange.teacher_id, exchange.partner_teacher_id):
        raise PermissionDenied(_("Only the two teachers of this exchange join its calls."))
    side = Session.Side.PARTNER if request.user.pk == exchange.partner_teacher_id else Session.Side.SCHOOL
    own, other = selectors.zones_for(exchange, side)
    config = {
        "socket": f"/ws/exchange/call/{session.pk}/",
        "side": side,
        "iceServers": ice_servers(user_id=request.user.pk),
    }
    context = {
        "session": session,
        "refusal": call_refusal(session, request.user),
        "own_time": describe(session.starts_at, own),
        "other_time": describe(session.starts_at, other),
        "call_config": config,
    }
    return render(request, "exchange/call.html", context)


@capability_required("exchange.find_partners")
@require_GET
def partners(request: HttpRequest) -> HttpResponse:
    classes = policy.scope(
        request.user, "view_roster", ClassGroup.objects.select_related("school").order_by("grade", "name")
    )
    classes = list(classes.filter(school_year__in=SchoolYear.objects.active().values("id")))
    form = PartnerSearchForm(request.GET or None)
    form.fields["class_group"].choices = [(c.pk, str(c)) for c in classes]
    matches = None
    if form.is_bound and form.is_valid():
        chosen = next(c for c in classes if c.pk == form.cleaned_data["class_group"])
        matches = slots.partner_matches(
            class_group=chosen,
            start_day=timezone.localdate(),
            days=30,
            language=form.cleaned_data["language"],
            subject=form.cleaned_data["subject"],
        )
    return render(
        request,
        "exchange/partners.html",
        {"form": form, "matches": matches, "tokyo": zoneinfo.ZoneInfo("Asia/Tokyo")},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
