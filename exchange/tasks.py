"""The exchange's background work: sending the reminders now due (enqueued by ``manage.py exchange_reminders``,
every few minutes from the same timer as the other periodic commands, docs/operations.md)."""

from __future__ import annotations

from django_tasks import task


@task()
def exchange_reminders_task() -> int:
    from .reminders import reminders_send_due

    return reminders_send_due()
