"""``manage.py push_send_due``: send the pushes now due (quiet hours over, retries due).

The database task backend already runs a task when the quiet hours end; this is for a backend that cannot run a
task later, or a cron as a safety net (docs/operations.md)."""

from typing import Any

from django.core.management.base import BaseCommand

from school_portal.core.push import push_send_due


class Command(BaseCommand):
    help = "Send the push notifications that are due now (deferred by quiet hours or waiting for a retry)"

    def handle(self, **options: Any) -> None:
        sent = push_send_due()
        self.stdout.write(f"{sent} sent\n")
