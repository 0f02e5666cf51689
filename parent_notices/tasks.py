"""Background work of the plug-in: reminders to the families who have not read a notice."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from school_portal.core.jobs import job_progress, job_running, job_succeed
from school_portal.core.realtime import notify_user

from . import selectors
from .models import Notice


@task()
def notice_remind_task(job_id: int, notice_id: int) -> None:
    """Each family that has not read the notice gets a reminder on its open pages (push delivery comes with the
    next issue). Safe to run twice: it reminds whoever has still not read it."""
    with job_running(job_id) as job:
        if job is None:
            return
        notice = Notice.objects.get(pk=notice_id)
        user_ids = selectors.unread_guardian_user_ids(notice)
        url = reverse("parent_notices:notice", args=[notice.pk])
        for done, user_id in enumerate(user_ids, start=1):
            notify_user(
                user_id=user_id,
                event={
                    "kind": "parent_notices.reminder",
                    "message": _("Reminder: please read “%(title)s”") % {"title": notice.title},
                    "url": url,
                },
            )
            job_progress(job=job, done=done, total=len(user_ids), message=_("Reminding families"))
        job_succeed(
            job=job,
            message=_("%(count)s families reminded.") % {"count": len(user_ids)},
            url=reverse("parent_notices:tally", args=[notice.pk]),
        )
