"""A class's progress in a course as a table, for the core's formula-safe CSV / Excel writer (``core.exports``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Result
from .selectors import ClassGrid


def grid_table(grid: ClassGrid) -> tuple[list[str], list[list[object]]]:
    labels = dict(Result.choices)
    header = [_("Student"), *[c.title for c in grid.challenges], _("Solved")]
    rows: list[list[object]] = []
    for row in grid.rows:
        cells = [str(labels.get(c.project.result, "")) if c.project else "" for c in row.cells]
        rows.append([row.student.full_name, *cells, row.solved])
    return header, rows
