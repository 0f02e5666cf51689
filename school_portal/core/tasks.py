"""The core's background tasks (django-tasks: run by ``manage.py db_worker``; the immediate backend in tests)."""

from __future__ import annotations

import contextlib
import os

from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .access import policy
from .jobs import job_fail, job_progress, job_running, job_start, job_succeed
from .models import Job, RosterImport, School, User
from .roster.services import roster_import_run


def roster_import_submit(*, upload: UploadedFile, school: School | None, kind: str, by: User) -> Job:
    """Keep an uploaded roster and import it in the background: for a school, whoever may manage it; city-wide
    (no school), whoever may import for the whole city. Returns the job the uploader watches."""
    if school is None:
        policy.require_capability(by, "core.import_rosters_city_wide")
    else:
        policy.require(by, "manage", school)
    roster_import = RosterImport.objects.create(
        school=school, uploaded_by=by, kind=kind, file=upload, file_name=os.path.basename(upload.name)[:200]
    )
    return roster_import_start(roster_import=roster_import, by=by, school=school)


def roster_import_start(*, roster_import: RosterImport, by: User, school: School | None) -> Job:
    """Run an uploaded (saved, waiting) roster import in the background; its job links the import's report."""
    return job_start(
        task=roster_import_task,
        kind="core.roster_import",
        title=_("Roster import: %(file)s") % {"file": roster_import.file_name},
        by=by,
        school=school,
        roster_import_id=roster_import.pk,
    )


def _end_interrupted(roster_import: RosterImport) -> None:
    """An import whose worker died mid-way: its transaction was rolled back and its file may be gone."""
    if roster_import.file:
        with contextlib.suppress(OSError):
            os.remove(roster_import.file.path)
    roster_import.file = ""
    roster_import.status = RosterImport.Status.REJECTED
    roster_import.errors = [
        {
            "file": "",
            "line": None,
            "message": _("The import was interrupted and nothing was changed. Upload the file again."),
        }
    ]
    roster_import.finished_at = timezone.now()
    roster_import.save()


@task()
def roster_import_task(roster_import_id: int, job_id: int | None = None) -> str:
    """Run one uploaded roster import; returns its final status."""
    roster_import = RosterImport.objects.select_related("school", "uploaded_by").filter(pk=roster_import_id).first()
    if job_id is None:  # enqueued without a job (a shell, an old queued task)
        if roster_import is None or roster_import.status != RosterImport.Status.PENDING:
            return "skipped"
        return roster_import_run(roster_import=roster_import).status
    with job_running(job_id) as job:
        if job is None or roster_import is None:
            return "skipped"
        language = getattr(roster_import.uploaded_by, "preferred_language", None) or translation.get_language()
        with translation.override(language):
            job.result_url = reverse("roster_imports:detail", args=[roster_import.pk])
            if roster_import.status == RosterImport.Status.RUNNING:  # this is a second run: the first one died
                _end_interrupted(roster_import)
                job_fail(job=job, message=roster_import.errors[0]["message"])
                return roster_import.status
            if roster_import.status != RosterImport.Status.PENDING:
                job_succeed(job=job, url=job.result_url, message=roster_import.get_status_display())
                return "skipped"

            def progress(done: int, total: int) -> None:
                job_progress(job=job, done=done, total=total, message=_("Importing the records"))

            result = roster_import_run(roster_import=roster_import, progress=progress)
            if result.status == RosterImport.Status.DONE:
                job_succeed(job=job, url=job.result_url, message=result.get_status_display())
            else:
                job_fail(job=job, message=result.get_status_display())
            return result.status


@task()
def retention_task() -> dict[str, int]:
    """Delete personal data past its retention limit (schedule daily: ``manage.py enforce_retention``)."""
    from .retention import enforce_retention

    return enforce_retention()
