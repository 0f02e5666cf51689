"""A background job's page: its progress bar (refreshing itself until the job ends), its file, its JSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header

from .access import policy
from .jobs import job_recover
from .models import Job
from .pdf import pdf_response

REFRESH_SECONDS = 2


def _job(request: HttpRequest, pk: int) -> Job:
    job = policy.get_or_404(request, "view", Job.objects.all(), pk=pk)
    job_recover(job)  # a job whose worker died is run again or ends failed, never shown "working" for ever
    return job


def job_payload(job: Job) -> dict[str, object]:
    """What a page polling a job reads (``/jobs/<id>.json``)."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.is_finished,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "file_url": reverse("core:job_file", args=[job.pk]) if job.result_file else None,
        "result_url": job.result_url or None,
    }


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = render(
        request, "core/job.html", {"job": job, "payload": job_payload(job), "refresh_seconds": REFRESH_SECONDS}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    response = JsonResponse(job_payload(_job(request, pk)))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def job_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's file, to the person who may see the job only: it lives in the private storage, not MEDIA_ROOT."""
    job = _job(request, pk)
    if job.status != Job.Status.SUCCEEDED or not job.result_file:
        raise Http404
    try:
        with job.result_file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as missing:  # pruned by retention
        raise Http404 from missing
    name = job.result_name or "download"
    if name.endswith(".pdf"):
        return pdf_response(data, name)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
