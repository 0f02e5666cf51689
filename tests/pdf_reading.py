"""Reading a PDF back the way a person or a screen reader would: poppler's ``pdffonts`` for the fonts the file
carries, ``pdftotext`` for the text and where each word stands on the page."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET  # noqa: S405 - parses pdftotext's own output, never a user's
from pathlib import Path

PDFFONTS = "/usr/bin/pdffonts"
PDFTOTEXT = "/usr/bin/pdftotext"


def _write(data: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return path


def embedded_fonts(data: bytes, tmp_path: Path) -> list[dict[str, str]]:
    """``pdffonts`` rows: name, and whether the font is embedded (emb), subset (sub) and mapped to Unicode (uni)."""
    lines = subprocess.run(
        [PDFFONTS, str(_write(data, tmp_path))], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    rows = []
    for line in lines[2:]:
        cells = line.split()
        # name, type (one or two words), encoding, emb, sub, uni, object, id
        rows.append({"name": cells[0], "emb": cells[-5], "sub": cells[-4], "uni": cells[-3]})
    return rows


def assert_japanese_font_embedded_as_subset(data: bytes, tmp_path: Path) -> None:
    """The Japanese font travels inside the file as a subset, and so does every other font the PDF lists: a font
    left to the reader's machine (ReportLab's Helvetica) prints differently, or not at all, elsewhere."""
    fonts = embedded_fonts(data, tmp_path)
    assert [row["name"] for row in fonts if row["emb"] != "yes"] == []
    japanese = [row for row in fonts if "IPAex" in row["name"]]
    assert japanese, "the Japanese font is not in the PDF"
    for row in japanese:
        assert row["emb"] == "yes"
        assert row["sub"] == "yes"
        assert re.match(r"^[A-Z]{6}\+", row["name"]), row["name"]


def text_of(data: bytes, tmp_path: Path) -> str:
    """The text, laid out as on the page."""
    return subprocess.run(
        [PDFTOTEXT, "-layout", str(_write(data, tmp_path)), "-"], capture_output=True, text=True, check=True
    ).stdout


def words_right_edges(data: bytes, tmp_path: Path) -> list[tuple[str, float]]:
    """Each word pdftotext finds, with the x of its right edge in points."""
    html = subprocess.run(
        [PDFTOTEXT, "-bbox", str(_write(data, tmp_path)), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = ET.fromstring(html.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))  # noqa: S314
    return [(word.text or "", float(word.get("xMax"))) for word in root.iter("word")]
