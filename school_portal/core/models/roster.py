"""A roster import: an uploaded CSV, Excel or OneRoster file, its progress and its report."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _


def private_storage() -> FileSystemStorage:
    """Personal files (rosters, printed sheets): outside MEDIA_ROOT, served only through the access policy."""
    return FileSystemStorage(location=settings.PRIVATE_ROOT)


class RosterImport(models.Model):
    class Kind(models.TextChoices):
        CSV = "csv", _("CSV")
        EXCEL = "xlsx", _("Excel")
        ONEROSTER = "oneroster", _("OneRoster 1.2 CSV bundle (zip)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Rejected: nothing was changed")
        FAILED = "failed", _("Failed: nothing was changed")

    school = models.ForeignKey(
        "core.School", null=True, blank=True, on_delete=models.CASCADE, related_name="roster_imports"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="roster-imports/", storage=private_storage, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    guardians_skipped = models.PositiveIntegerField(
        default=0, help_text=_("Guardians in a OneRoster bundle, not imported: they register with an invitation.")
    )
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
