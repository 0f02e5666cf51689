"""Emergency mode's pages: the board proposes, a second board member confirms, the tally by school (live), the
corrections; and the families' page of an emergency notice (the storm path, :mod:`parent_notices.storm`).
Thin: :mod:`parent_notices.emergency` decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from school_portal.core.access import policy
from school_portal.core.services import PortalError

from . import emergency, receipts, selectors, storm
from .emergency_forms import CorrectionForm, ProposalForm
from .models import Notice


def _refused(request: HttpRequest) -> HttpResponse | None:
    """Anyone but the board's staff: a 403 page that says why."""
    if policy.can(request, emergency.CAPABILITY):
        return None
    return render(request, "parent_notices/emergency/refused.html", {"reason": emergency.refusal()}, status=403)


def _emergency(pk: int) -> Notice:
    return get_object_or_404(emergency.emergency_notices(), pk=pk)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if (refused := _refused(request)) is not None:
        return refused
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = emergency.emergency_propose(by=request.user, **form.cleaned_data)
        except PortalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Proposed. A second board member must now confirm it before it is sent."))
            return redirect("parent_notices:emergency_detail", pk=notice.pk)
    return render(
        request,
        "parent_notices/emergency/index.html",
        {"form": form, "notices": list(emergency.emergency_notices()[:50])},
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _refused(request)) is not None:
        return refused
    notice = _emergency(pk)
    send = notice.emergency
    return render(
        request,
        "parent_notices/emergency/detail.html",
        {
            "notice": notice,
            "send": send,
            "own_proposal": send.proposed_by_id == request.user.pk,
            "tally": emergency.emergency_tally(notice) if send.sent else None,
            "corrections": list(notice.corrections.all()),
            "correction_form": CorrectionForm(),
            "live_url": f"/ws/notices/{notice.pk}/",
        },
    )


@require_POST
@login_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _refused(request)) is not None:
        return refused
    notice = _emergency(pk)
    try:
        emergency.emergency_confirm(notice=notice, by=request.user)
    except PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Sent to every family in the city, past quiet hours."))
    return redirect("parent_notices:emergency_detail", pk=notice.pk)


@require_POST
@login_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _refused(request)) is not None:
        return refused
    notice = _emergency(pk)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the correction."))
    else:
        try:
            emergency.emergency_correct(notice=notice, by=request.user, text=form.cleaned_data["text"])
        except PortalError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The correction is shown on the notice and the families are notified."))
    return redirect("parent_notices:emergency_detail", pk=notice.pk)


def notice_page(request: HttpRequest, original: Notice) -> HttpResponse:
    """A family's (or staff's) page of an emergency notice: the cached article in a per-person frame."""
    actor = policy.actor(request)
    if actor.guardian_id is not None:
        receipts.read_record(notice_id=original.pk, guardian_id=actor.guardian_id)
    language = selectors.family_language(request.user)
    shown = selectors.notice_in_language(original, language) or original
    return render(
        request,
        "parent_notices/emergency/notice.html",
        {
            "notice": original,
            "shown": shown,
            "article": storm.article(
                notice=original, shown=shown, language=language, interface_language=get_language()
            ),
            "can_manage": policy.allows(request, "manage", original),
            "is_board": policy.can(request, emergency.CAPABILITY),
        },
    )
