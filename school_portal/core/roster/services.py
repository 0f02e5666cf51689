"""The roster import service: read, check the whole file, then write everything or nothing."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import RosterImport, SchoolYear
from .apply import apply_roster
from .checks import check_roster
from .limits import limit
from .oneroster import read_oneroster
from .readers import csv_rows, decode_csv, is_zip, safe_zip, xlsx_rows
from .records import MAX_REPORTED_ERRORS, Roster, RosterFileError, RowError
from .simple import read_simple

logger = logging.getLogger(__name__)


def progress_key(roster_import_id: int) -> str:
    return f"roster-import:{roster_import_id}:processed"


def roster_import_processed(roster_import: RosterImport) -> int:
    """Records written so far: live from the cache while the import runs (its transaction is not committed yet)."""
    if roster_import.status == RosterImport.Status.RUNNING:
        return int(cache.get(progress_key(roster_import.pk), 0))
    return roster_import.processed_rows


def _read(roster_import: RosterImport, data: bytes) -> Roster:
    name = roster_import.file_name
    default_year = SchoolYear.start_year_for(timezone.localdate())
    kind = roster_import.kind
    if kind == RosterImport.Kind.ONEROSTER:
        return read_oneroster(safe_zip(data, file=name), school=roster_import.school, default_year=default_year)
    if roster_import.school is None:
        raise RosterFileError(_("Choose the school this file is for."), file=name)
    if kind == RosterImport.Kind.EXCEL or is_zip(data):  # an Excel workbook saved or renamed as .csv
        columns, rows = xlsx_rows(data, file=name)
    else:
        columns, rows = csv_rows(decode_csv(data, file=name), file=name)
    return read_simple(columns, rows, file=name, school=roster_import.school, default_year=default_year)


def _finish(roster_import: RosterImport, *, status: str, errors: list[RowError]) -> RosterImport:
    reported = [e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]]
    if len(errors) > MAX_REPORTED_ERRORS:
        reported.append(
            {
                "file": "",
                "line": None,
                "message": _("… and %(count)s more.") % {"count": len(errors) - MAX_REPORTED_ERRORS},
            }
        )
    roster_import.status = status
    roster_import.errors = reported
    roster_import.finished_at = timezone.now()
    roster_import.save()
    return roster_import


def _read_upload(roster_import: RosterImport) -> bytes:
    with roster_import.file.open("rb") as handle:
        data = handle.read(limit("ROSTER_MAX_UPLOAD_BYTES") + 1)
    if len(data) > limit("ROSTER_MAX_UPLOAD_BYTES"):
        raise RosterFileError(
            _("The file is larger than %(size)s MB.") % {"size": limit("ROSTER_MAX_UPLOAD_BYTES") // (1024 * 1024)},
            file=roster_import.file_name,
        )
    return data


def _discard_upload(roster_import: RosterImport) -> None:
    """Rosters are personal data: the uploaded file is deleted once read, whatever the outcome."""
    if roster_import.file:
        with contextlib.suppress(OSError):
            os.remove(roster_import.file.path)
        roster_import.file = ""


class _Rejected(Exception):  # noqa: N818 - internal control flow: roll the transaction back
    pass


def roster_import_run(
    *, roster_import: RosterImport, progress: Callable[[int, int], None] | None = None
) -> RosterImport:
    """Import a roster file: the whole file is checked first; any error and nothing at all is changed.

    Errors are saved on the import with file, line and reason (in the uploader's language). Otherwise
    students, their accounts and enrollments, class groups and teachers are created or updated by their IDs;
    a second import of the same file changes nothing. Progress is visible while it runs, and reported to
    ``progress(done, total)`` if given (the ``import_roster`` command draws its progress bar with it).
    Whatever happens, even an unexpected error, the import ends (done, rejected or failed) and the uploaded file,
    which is personal data, is deleted.
    """
    language = getattr(roster_import.uploaded_by, "preferred_language", None) or translation.get_language()
    with translation.override(language):
        roster_import.status = RosterImport.Status.RUNNING
        roster_import.errors = []
        roster_import.save(update_fields=["status", "errors"])
        try:
            return _run(roster_import, progress)
        except Exception:
            logger.exception("Roster import %s failed", roster_import.pk)
            failed = _("The import failed unexpectedly and nothing was changed. Please tell the education centre.")
            return _finish(roster_import, status=RosterImport.Status.FAILED, errors=[RowError("", None, failed)])
        finally:
            cache.delete(progress_key(roster_import.pk))
            if roster_import.file:
                _discard_upload(roster_import)
                RosterImport.objects.filter(pk=roster_import.pk).update(file="")


def _run(roster_import: RosterImport, progress: Callable[[int, int], None] | None) -> RosterImport:
    try:
        roster = _read(roster_import, _read_upload(roster_import))
    except RosterFileError as exc:
        _discard_upload(roster_import)
        return _finish(
            roster_import, status=RosterImport.Status.REJECTED, errors=[RowError(exc.file, exc.line, exc.message)]
        )
    _discard_upload(roster_import)
    if roster.size == 0 and not roster.errors:
        nothing = _("The file has no rows to import below its header row: nothing was changed.")
        return _finish(
            roster_import, status=RosterImport.Status.REJECTED, errors=[RowError(roster_import.file_name, 2, nothing)]
        )
    roster_import.total_rows = roster.size
    roster_import.processed_rows = 0
    roster_import.guardians_skipped = roster.guardians_skipped
    roster_import.save(update_fields=["total_rows", "processed_rows", "guardians_skipped", "file"])

    def report(done: int) -> None:
        cache.set(progress_key(roster_import.pk), done, timeout=3600)
        if progress is not None:
            progress(done, roster.size)

    report(0)
    try:
        with transaction.atomic():
            check_roster(roster, school=roster_import.school)
            if roster.errors:
                raise _Rejected
            counts = apply_roster(roster, progress=report)
    except _Rejected:
        errors = sorted(roster.errors, key=lambda e: (e.file, e.line or 0))
        return _finish(roster_import, status=RosterImport.Status.REJECTED, errors=errors)
    roster_import.processed_rows = roster.size
    roster_import.created_count = counts.created
    roster_import.updated_count = counts.updated
    roster_import.unchanged_count = counts.unchanged
    return _finish(roster_import, status=RosterImport.Status.DONE, errors=[])
