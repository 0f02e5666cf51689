"""Tables as CSV (Excel-friendly, with a BOM) or as an Excel workbook, formula-safe: the review grid, a class's
progress, a notice's replies. Any cell a family or a child typed that starts like a formula is written as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# What a spreadsheet may read as the start of a formula, full-width forms included (Excel folds them for a
# Japanese keyboard).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> object:
    """Keep spreadsheet formulas out: a cell that starts like a formula is written as text (also for the open-data
    CSVs that plug-ins write with their own columns and encoding)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def table_response(header: Sequence[str], rows: Iterable[Sequence[object]], *, filename: str, fmt: str) -> HttpResponse:
    rows = [[safe_cell(v) for v in row] for row in rows]
    header = [safe_cell(str(h)) for h in header]
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
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
