from django.core.management.base import BaseCommand

from school_portal.core.tasks import retention_task


class Command(BaseCommand):
    help = "Delete personal data older than settings.RETENTION_DAYS (run daily, e.g. from a systemd timer)."

    def handle(self, *args, **options):
        result = retention_task.enqueue()
        removed = result.return_value if result.is_finished else None
        if removed is None:
            self.stdout.write("Retention task queued.")
            return
        for name, count in removed.items():
            self.stdout.write(f"{name}: {count} removed")
