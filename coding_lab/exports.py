"""A class's progress in a course as CSV (with a BOM, for Excel) or as an Excel workbook, formula-safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .models import Result
from .selectors import ClassGrid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula is written with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def grid_table(grid: ClassGrid) -> tuple[list[str], list[list[object]]]:
    labels = dict(Result.choices)
    header = [_("Student"), *[c.title for c in grid.challenges], _("Solved")]
    rows: list[list[object]] = []
    for row in grid.rows:
        cells = [str(labels.get(c.project.result, "")) if c.project else "" for c in row.cells]
        rows.append([row.student.full_name, *cells, row.solved])
    return header, rows


def table_response(header: Sequence[object], rows: list[list[object]], *, filename: str, fmt: str) -> HttpResponse:
    header = [safe_cell(str(h)) for h in header]
    rows = [[safe_cell(v) for v in row] for row in rows]
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    else:
        text = io.StringIO()
        text.write("\ufeff")
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
