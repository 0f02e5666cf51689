"""The class bell's background task: one job, its progress reported class by class."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_tasks import task

from school_portal.core.access import policy
from school_portal.core.jobs import job_progress, job_running, job_succeed
from school_portal.core.models import ClassGroup


@task()
def school_bells_task(job_id: int) -> None:
    from .services import bell_ring

    with job_running(job_id) as job:
        if job is None:  # not waiting any more (a duplicate run): tasks must be safe to run twice
            return
        classes = list(ClassGroup.objects.filter(school=job.school).order_by("grade", "name"))
        rung = 0
        for done, class_group in enumerate(classes, start=1):
            if policy.allows(job.started_by, "class_bell.ring", class_group):
                bell_ring(class_group=class_group, by=job.started_by)
                rung += 1
            job_progress(job=job, done=done, total=len(classes), message=_("Ringing"))
        job_succeed(job=job, message=_("%(count)d bells rang.") % {"count": rung})
