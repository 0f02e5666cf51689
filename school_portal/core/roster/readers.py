"""Turn uploaded bytes into rows of text, refusing what is not safe or not readable.

CSV: UTF-8 (with or without BOM) or CP932, the Shift_JIS of Japanese Excel; anything else is refused.
Excel and OneRoster files are zips: checked for zip bombs (member count, sizes, ratio) and odd paths first.
Every header and cell comes out through :func:`~.fields.normalise` (NFKC), whatever the format.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from .fields import normalise
from .limits import limit
from .records import RosterFileError

Row = tuple[int, dict[str, str]]  # (line number in the file, column -> value)

_OTHER_UNICODE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ZIP_MAGIC = b"PK\x03\x04"


def is_zip(data: bytes) -> bool:
    """Whether the bytes are a zip (an .xlsx is one), whatever the file's name says."""
    return data.startswith(ZIP_MAGIC)


def decode_csv(data: bytes, *, file: str) -> str:
    """The text of a CSV file saved as UTF-8, UTF-8 with BOM or CP932 (Shift_JIS); other encodings refused."""
    refused = _(
        "The file is not saved as UTF-8 or Shift_JIS (CP932). "
        "In Excel choose “CSV UTF-8” or “CSV (comma delimited)” and upload it again."
    )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RosterFileError(refused, file=file) from exc
    if data.startswith(_OTHER_UNICODE_BOMS) or b"\x00" in data:
        raise RosterFileError(refused, file=file)  # UTF-16 / UTF-32: Excel's "Unicode text"
    for encoding in ("utf-8", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(refused, file=file)


def header_key(name: str) -> str:
    return normalise(name.replace("\ufeff", "")).lower()


def csv_rows(text: str, *, file: str) -> tuple[list[str], Iterator[Row]]:
    """The header (normalised names) and the data rows of a CSV text, each with its line number."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RosterFileError(_("The file is not a valid CSV file: %(reason)s") % {"reason": exc}, file=file) from exc
    if not header or not any(cell.strip() for cell in header):
        raise RosterFileError(_("The file is empty: the first line must name the columns."), file=file, line=1)
    columns = [header_key(cell) for cell in header]
    max_rows, max_columns = limit("ROSTER_MAX_ROWS"), limit("ROSTER_MAX_COLUMNS")
    if len(columns) > max_columns:
        raise RosterFileError(
            _("The file has more than %(count)s columns.") % {"count": max_columns}, file=file, line=1
        )

    def rows() -> Iterator[Row]:
        count = 0
        try:
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                count += 1
                if count > max_rows:
                    raise RosterFileError(
                        _("The file has more than %(count)s rows. Split it and import each part.")
                        % {"count": max_rows},
                        file=file,
                        line=reader.line_num,
                    )
                yield reader.line_num, {col: normalise(cell) for col, cell in zip(columns, cells, strict=False) if col}
        except csv.Error as exc:
            raise RosterFileError(
                _("The file is not a valid CSV file: %(reason)s") % {"reason": exc}, file=file, line=reader.line_num
            ) from exc

    return columns, rows()


def safe_zip(data: bytes, *, file: str) -> zipfile.ZipFile:
    """Open a zip after checking it cannot exhaust memory or name a path outside itself."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RosterFileError(_("The file is not a valid zip file."), file=file) from exc
    if len(members) > limit("ROSTER_ZIP_MAX_MEMBERS"):
        raise RosterFileError(
            _("The zip file holds more than %(count)s files.") % {"count": limit("ROSTER_ZIP_MAX_MEMBERS")}, file=file
        )
    total = 0
    for member in members:
        name = member.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise RosterFileError(
                _("The zip file holds a file with a path outside the zip (%(name)s): refused.") % {"name": name},
                file=file,
            )
        if member.flag_bits & 0x1:
            raise RosterFileError(_("The zip file is encrypted: upload it without a password."), file=file)
        total += member.file_size
        too_big = member.file_size > limit("ROSTER_ZIP_MAX_MEMBER_BYTES") or total > limit("ROSTER_ZIP_MAX_TOTAL_BYTES")
        ratio = member.file_size / max(member.compress_size, 1)
        if too_big or (member.file_size > 1024 * 1024 and ratio > limit("ROSTER_ZIP_MAX_RATIO")):
            raise RosterFileError(
                _("The zip file unpacks to far more data than a roster holds (%(name)s): refused.") % {"name": name},
                file=file,
            )
    return archive


def zip_member_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Lower-case base name -> member name, for the files at the top of the zip or in one folder."""
    return {posixpath.basename(m.filename).lower(): m.filename for m in archive.infolist() if not m.is_dir()}


def read_member(archive: zipfile.ZipFile, name: str, *, file: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
        raise RosterFileError(_("A file inside the zip is damaged: %(name)s") % {"name": name}, file=file) from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalise(str(value))


def xlsx_rows(data: bytes, *, file: str) -> tuple[list[str], Iterator[Row]]:
    """The header and rows of the first sheet of an .xlsx, read lazily within the row and column limits.

    The sheet's own ``<dimension>`` is ignored: it may claim a million rows (or fewer than there are). Rows are
    streamed (openpyxl ``read_only``); every line counts against the row limit, blank ones included, so a row
    placed at line 1,048,576 is refused after ``ROSTER_MAX_ROWS`` cheap blank lines instead of a million.
    """
    from openpyxl import load_workbook

    safe_zip(data, file=file)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
    except Exception as exc:  # openpyxl raises many kinds for a damaged file  # noqa: BLE001
        raise RosterFileError(_("The file is not a valid Excel (.xlsx) workbook."), file=file) from exc
    max_rows, max_columns = limit("ROSTER_MAX_ROWS"), limit("ROSTER_MAX_COLUMNS")
    values = sheet.iter_rows(values_only=True, max_col=max_columns)
    try:
        header = next(values, None)
    except Exception as exc:  # noqa: BLE001
        raise RosterFileError(_("The file is not a valid Excel (.xlsx) workbook."), file=file) from exc
    if not header or not any(_cell_text(v) for v in header):
        raise RosterFileError(_("The file is empty: the first line must name the columns."), file=file, line=1)
    columns = [header_key(_cell_text(v)) for v in header]

    def rows() -> Iterator[Row]:
        try:
            for line, cells in enumerate(values, start=2):
                if line > max_rows + 1:
                    raise RosterFileError(
                        _("The file has more than %(count)s rows. Split it and import each part.")
                        % {"count": max_rows},
                        file=file,
                        line=line,
                    )
                if cells.count(None) == len(cells):  # a blank line (C speed: there may be many)
                    continue
                texts = [_cell_text(v) for v in cells]
                if not any(texts):
                    continue
                yield line, {col: text for col, text in zip(columns, texts, strict=False) if col}
        except RosterFileError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise RosterFileError(_("The file is not a valid Excel (.xlsx) workbook."), file=file) from exc
        finally:
            workbook.close()

    return columns, rows()
