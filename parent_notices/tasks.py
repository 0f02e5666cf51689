"""Background work of the plug-in: reminders to the families who have not read a notice."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from school_portal.core.jobs import job_progress, job_running, job_succeed
from school_portal.core.realtime import notify_user

from . import delivery, selectors
from .models import Notice


@task()
def notice_remind_task(job_id: int, notice_id: int) -> None:
    """Each family that has not read the notice gets a reminder on its open pages and a push to its phones (by
    email without one: ``delivery.notice_send_reminder``, a job of its own the tally page shows). Safe to run
    twice: it reminds whoever has still not read it."""
    with job_running(job_id) as job:
        if job is None:
            return
        notice = Notice.objects.select_related("school").get(pk=notice_id)
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
        delivery.notice_send_reminder(notice=notice, by=job.started_by)
        job_succeed(
            job=job,
            message=_("%(count)s families reminded.") % {"count": len(user_ids)},
            url=reverse("parent_notices:tally", args=[notice.pk]),
        )


@task()
def notice_resend_task(notice_id: int, round_: int) -> str:
    """A resend at its time (queued when the notice was first sent): to the families who have still not read it,
    if the notice is still live and before its deadline and expiry (``delivery.notice_resend`` decides)."""
    notice = Notice.objects.select_related("school").filter(pk=notice_id).first()
    if notice is None:
        return "skipped"
    sending = delivery.notice_resend(notice=notice, round_=round_)
    return "skipped" if sending is None else f"{sending.recipients} families"


@task()
def notice_paper_task(job_id: int, notice_id: int) -> None:
    """The paper copies of a notice for the families who asked for paper or have not read it, one page each."""
    from . import paper

    with job_running(job_id) as job:
        if job is None:
            return
        notice = Notice.objects.select_related("school").get(pk=notice_id)
        families = paper.paper_families(notice)
        job_progress(job=job, done=0, total=len(families) or 1, message=_("Printing the copies"))
        if not families:
            job_succeed(job=job, message=_("Every family has read it and none asked for paper."))
            return
        data = paper.paper_copies_pdf(notice, [label for _enrollment, label in families])
        job_progress(job=job, done=len(families), total=len(families), message=_("Printing the copies"))
        job_succeed(
            job=job,
            message=_("%(count)s copies to print.") % {"count": len(families)},
            file=data,
            file_name=f"notice-{notice.pk}-paper.pdf",
        )
