"""Enqueue the sending of the exchange reminders now due (a week, two days and a day before each session)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from exchange.tasks import exchange_reminders_task


class Command(BaseCommand):
    help = "Enqueue the exchange reminders now due (safe to run every few minutes, and twice)."

    def handle(self, *args: Any, **options: Any) -> None:
        exchange_reminders_task.enqueue()
        self.stdout.write("exchange reminders enqueued\n")
