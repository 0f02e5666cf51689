"""Printable sheets: a class's QR sign-in badges and the guardian invitation letters.

A class's sheets are background jobs (``core/sheets.py``): the request answers at once, with the file when it is
ready already (a sheet kept for this roster version, or made by the immediate backend), else with the job's page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import sheets
from .access import policy
from .models import ClassGroup, Job, Student
from .pdf import pdf_response
from .views_jobs import job_file


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _file_or_job_page(request: HttpRequest, job: Job) -> HttpResponse:
    if job.status == Job.Status.SUCCEEDED and job.result_file:
        return job_file(request, job.pk)
    response = HttpResponseRedirect(reverse("core:job_detail", args=[job.pk]))
    response.status_code = 303  # after a POST: GET the job's page
    return response


def _class_sheet(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    class_group = policy.get_or_404(request, "manage", ClassGroup.objects.select_related("school"), pk=pk)
    base_url = _base_url(request)
    kept = sheets.kept_sheet(kind=kind, class_group=class_group, base_url=base_url, by=request.user)
    if kept is not None:
        return pdf_response(kept, sheets.sheet_download_name(kind, class_group))
    job = sheets.class_sheet_start(kind=kind, class_group=class_group, by=request.user, base_url=base_url)
    return _file_or_job_page(request, job)


@login_required
def class_badges_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _class_sheet(request, pk, sheets.BADGES)


@require_POST
@login_required
def class_invitations_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One letter a page for every child of the class, each with a one-time code (see ``sheets``)."""
    return _class_sheet(request, pk, sheets.LETTERS)


@require_POST
@login_required
def student_invitation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    student = policy.get_or_404(request, "manage", Student.objects.select_related("school"), pk=pk)
    data = sheets.student_letter_pdf(student=student, base_url=_base_url(request))
    return pdf_response(data, f"invitation-{student.pk}.pdf")
