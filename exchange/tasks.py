"""The exchange's background work: sending the reminders now due (enqueued by ``manage.py exchange_reminders``,
every few minutes from the same timer as the other periodic commands, docs/operations.md), and mailing a
session's invitation when it is booked, moved or cancelled (a mail server that does not answer never fails the
teacher's request)."""

from __future__ import annotations

from django_tasks import task


@task()
def exchange_reminders_task() -> int:
    from .reminders import reminders_send_due

    return reminders_send_due()


@task()
def exchange_invites_task(session_id: int) -> int:
    """Mail a session's invitation (or cancellation) to both teachers, out of the request."""
    from .invites import invites_send
    from .models import Session

    session = (
        Session.objects.select_related(
            "exchange__teacher",
            "exchange__partner_teacher",
            "exchange__class_group",
            "exchange__partner_class__partner_school",
        )
        .filter(pk=session_id)
        .first()
    )
    return invites_send(session=session) if session is not None else 0
