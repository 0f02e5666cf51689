"""``manage.py import_roster <file> [--school CODE] [--oneroster]``: the city's IT imports a roster from a shell.

The same import as the admin screen (checked as a whole, then written at once, or nothing at all), run in this
process with a progress bar on the terminal: at the start of a school year, a city-wide OneRoster bundle of
every school, or one school's CSV / Excel file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from school_portal.core.models import RosterImport, School
from school_portal.core.roster.limits import limit
from school_portal.core.roster.readers import is_zip
from school_portal.core.roster.services import roster_import_run


class ProgressBar:
    """``[#######.............]  350/1000`` redrawn in place on a terminal; a line per tenth elsewhere."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_tenth = -1
        self.last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        total = max(total, 1)
        if self.tty:
            now = time.monotonic()
            if done < total and now - self.last_draw < 0.1:
                return
            self.last_draw = now
            filled = self.WIDTH * done // total
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}", ending="")
            if done >= total:
                self.stream.write("")
        else:
            tenth = 10 * done // total
            if tenth != self.last_tenth:
                self.last_tenth = tenth
                self.stream.write(f"{done}/{total}")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import a roster: a school's CSV or Excel file (--school CODE), or a OneRoster 1.2 bundle (--oneroster; "
        "city-wide unless --school is given). Nothing is changed if any row has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the roster file (.csv, .xlsx or OneRoster .zip)")
        parser.add_argument("--school", metavar="CODE", help="the school code (学校コード) the file is for")
        parser.add_argument("--oneroster", action="store_true", help="the file is a OneRoster 1.2 CSV bundle (zip)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        if path.stat().st_size > limit("ROSTER_MAX_UPLOAD_BYTES"):
            size = limit("ROSTER_MAX_UPLOAD_BYTES") // (1024 * 1024)
            raise CommandError(_("The file is larger than %(size)s MB.") % {"size": size})
        school = None
        if options["school"]:
            school = School.objects.filter(code=options["school"]).first()
            if school is None:
                raise CommandError(_("No school has the code “%(code)s”.") % {"code": options["school"]})
        elif not options["oneroster"]:
            raise CommandError(_("Give --school CODE for a school's CSV or Excel file (or --oneroster for a bundle)."))
        data = path.read_bytes()
        if options["oneroster"]:
            kind = RosterImport.Kind.ONEROSTER
        elif is_zip(data):
            kind = RosterImport.Kind.EXCEL
        else:
            kind = RosterImport.Kind.CSV
        roster_import = RosterImport(school=school, kind=kind, file_name=os.path.basename(path)[:200])
        roster_import.file.save(roster_import.file_name, ContentFile(data), save=False)
        roster_import.save()
        del data

        result = roster_import_run(roster_import=roster_import, progress=ProgressBar(self.stderr))
        self.report(result)

    def report(self, result: RosterImport) -> None:
        self.stdout.write(f"{result.file_name}: {result.get_status_display()}")
        for error in result.errors:
            where = ":".join(str(part) for part in (error["file"], error["line"]) if part not in ("", None))
            self.stdout.write(f"  {where}: {error['message']}" if where else f"  {error['message']}")
        if result.status != RosterImport.Status.DONE:
            raise CommandError(_("Nothing was changed (import %(id)s).") % {"id": result.pk})
        self.stdout.write(
            _("Created: %(created)s. Updated: %(updated)s. Unchanged: %(unchanged)s.")
            % {"created": result.created_count, "updated": result.updated_count, "unchanged": result.unchanged_count}
        )
        if result.guardians_skipped:
            self.stdout.write(
                ngettext(
                    "The bundle also held %(count)s guardian, who was not imported: guardians register themselves "
                    "with the invitation letters printed from each class's roster page.",
                    "The bundle also held %(count)s guardians, who were not imported: guardians register themselves "
                    "with the invitation letters printed from each class's roster page.",
                    result.guardians_skipped,
                )
                % {"count": result.guardians_skipped}
            )
