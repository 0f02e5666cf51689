"""The blank roster an office downloads from the upload page: the exact header row the school reader accepts.

CSV with a UTF-8 BOM (so that Excel opens the Japanese headers correctly on a double click), and .xlsx.
Only the header row: a forgotten example row cannot end up imported as a child.
"""

from __future__ import annotations

import codecs
import csv
import io

from .simple import TEMPLATE_COLUMNS

CSV_NAME = "meibo.csv"
XLSX_NAME = "meibo.xlsx"


def blank_roster_csv() -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow(TEMPLATE_COLUMNS)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def blank_roster_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名簿"
    sheet.append(TEMPLATE_COLUMNS)
    for cell in sheet[1]:
        cell.number_format = "@"  # text: 学籍番号 0012 keeps its zeros
    for column in "ABCDEFGHI":
        sheet.column_dimensions[column].number_format = "@"
        sheet.column_dimensions[column].width = 12
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
