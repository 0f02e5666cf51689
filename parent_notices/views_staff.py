"""The staff's side: who read and replied (by class, live), a reminder, the tally as CSV/Excel, the absence
reports of a class's morning and a school's day."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from school_portal.core.access import policy
from school_portal.core.exports import table_response
from school_portal.core.models import ClassGroup, School
from school_portal.core.pdf import pdf_response
from school_portal.core.services import PortalError

from . import paper, selectors, services, tally_rows
from .forms import CutoffForm
from .models import Notice


def _managed(request: HttpRequest, pk: int) -> Notice:
    return policy.get_or_404(request, "manage", Notice.objects.select_related("school", "locale"), pk=pk)


def _reply_forms(notice: Notice) -> list[dict]:
    return [
        {
            "id": b.id,
            "question": b.value["question"],
            "kind": b.value["kind"],
            "labels": dict(services.reply_choice_labels(b.value)),
        }
        for b in notice.reply_blocks()
    ]


@login_required
def tally(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _managed(request, pk)
    result = selectors.tally(notice)
    forms = _reply_forms(notice)
    for group in result.classes:
        group.rows_html = tally_rows.class_rows_html(group, forms)
    for f in forms:
        f["counts"] = [(f["labels"].get(v, v), n) for v, n in sorted(result.choices.get(f["id"], {}).items())]
    return render(
        request,
        "parent_notices/tally.html",
        {
            "notice": notice,
            "tally": result,
            "reply_forms": forms,
            "sendings": selectors.notice_sendings(notice),
            "live_url": f"/ws/notices/{notice.pk}/",
        },
    )


@login_required
def tally_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    notice = _managed(request, pk)
    result = selectors.tally(notice)
    forms = _reply_forms(notice)
    header = [_("Class"), _("No."), _("Child"), _("Read"), _("Read at")]
    for f in forms:
        header += [f["question"], _("Comment")]
    rows = []
    for group in result.classes:
        for row in group.rows:
            line: list[object] = [
                group.class_group.label,
                row.number or "",
                row.name,
                _("Yes") if row.read else _("No"),
                timezone.localtime(row.read_at).strftime("%Y-%m-%d %H:%M") if row.read_at else "",
            ]
            for f in forms:
                choice, comment = row.answers.get(f["id"], ("", ""))
                line += [f["labels"].get(choice, choice), comment]
            rows.append(line)
    return table_response(header, rows, filename=f"notice-{notice.pk}-replies", fmt=fmt)


@require_POST
@login_required
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _managed(request, pk)
    try:
        job = services.notice_remind(notice=notice, by=request.user)
    except PortalError as exc:
        messages.error(request, str(exc))
        return redirect("parent_notices:tally", pk=notice.pk)
    return redirect("core:job_detail", job.pk)


@login_required
def class_absences(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policy.get_or_404(
        request, "parent_notices.absences", ClassGroup.objects.select_related("school"), pk=pk
    )
    day = timezone.localdate()
    return render(
        request,
        "parent_notices/class_absences.html",
        {
            "class_group": class_group,
            "day": day,
            "reports": selectors.class_absences(class_group, day),
            "cutoff": services.school_cutoff(class_group.school_id),
            "live_url": f"/ws/notices/absences/{class_group.pk}/",
        },
    )


@login_required
def school_absences(request: HttpRequest, pk: int) -> HttpResponse:
    school = policy.get_or_404(request, "parent_notices.absences", School.objects.all(), pk=pk)
    day = timezone.localdate()
    cutoff = services.school_cutoff(school.pk)
    initial = {"absence_cutoff": cutoff, "resend_hours": services.school_resend_hours(school.pk)}
    form = CutoffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_cutoff_set(
                school=school,
                by=request.user,
                cutoff=form.cleaned_data["absence_cutoff"],
                resend_hours=form.cleaned_data["resend_hours"],
            )
        except PortalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The school's settings for notices have been saved."))
            return redirect("parent_notices:school_absences", pk=school.pk)
    return render(
        request,
        "parent_notices/school_absences.html",
        {
            "school": school,
            "day": day,
            "totals": selectors.school_absence_totals(school.pk, day),
            "cutoff": cutoff,
            "form": form,
            "may_set_cutoff": policy.allows(request, "parent_notices.set_cutoff", school),
        },
    )


@login_required
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One notice on A4, for whoever may read it (a family prints it too)."""
    notice = policy.get_or_404(request, "view", Notice.objects.select_related("school"), pk=pk)
    return pdf_response(paper.notices_pdf_bytes([notice]), f"notice-{notice.pk}.pdf")


@require_POST
@login_required
def paper_copies(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _managed(request, pk)
    try:
        job = services.notice_paper_copies(notice=notice, by=request.user)
    except PortalError as exc:
        messages.error(request, str(exc))
        return redirect("parent_notices:tally", pk=notice.pk)
    return redirect("core:job_detail", job.pk)


@login_required
def class_week_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's notices of a week (from ``?start=YYYY-MM-DD``, default this Monday) on A4."""
    class_group = policy.get_or_404(request, "parent_notices.print", ClassGroup.objects.all(), pk=pk)
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today - datetime.timedelta(days=today.weekday())
    notices = paper.week_notices(class_group, start)
    if not notices:
        messages.info(request, _("No notices for this class that week."))
        return redirect("parent_notices:index")
    return pdf_response(paper.notices_pdf_bytes(notices), f"class-{class_group.pk}-{start.isoformat()}.pdf")
