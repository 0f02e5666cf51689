"""The core's background tasks (django-tasks: the immediate backend in tests, a worker in production)."""

from __future__ import annotations

from django_tasks import task

from .models import RosterImport
from .roster.services import roster_import_run


@task()
def roster_import_task(roster_import_id: int) -> str:
    """Run one uploaded roster import; returns its final status."""
    roster_import = RosterImport.objects.select_related("school", "uploaded_by").filter(pk=roster_import_id).first()
    if roster_import is None or roster_import.status not in (RosterImport.Status.PENDING,):
        return "skipped"
    return roster_import_run(roster_import=roster_import).status


@task()
def retention_task() -> dict[str, int]:
    """Delete personal data past its retention limit (schedule daily: ``manage.py enforce_retention``)."""
    from .retention import enforce_retention

    return enforce_retention()
