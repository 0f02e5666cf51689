"""``manage.py notice_resends``: send every notice's resend now due (to the families who have not read it).

The database task backend already runs each resend at its time (queued when the notice was first sent); this is
for a backend that cannot run a task later, or a timer as a safety net (docs/operations.md). Safe to run often and
from several hosts: each round is sent once."""

from typing import Any

from django.core.management.base import BaseCommand

from parent_notices.delivery import notice_resends_due


class Command(BaseCommand):
    help = "Send notices again to the families who have not read them, on each school's schedule"

    def handle(self, **options: Any) -> None:
        sent = notice_resends_due()
        self.stdout.write(f"{sent} resends started\n")
