"""PDF rendering with xhtml2pdf: A4, Japanese text in embedded (subset) TrueType fonts, QR codes inline.

xhtml2pdf knows only the fonts a document declares with ``@font-face`` (a font registered with ReportLab
alone is ignored and every kana comes out as a black box in Helvetica), so ``core/pdf/base.html`` declares
the Japanese font from :data:`settings.PDF_JAPANESE_FONT` and, after it, the fallback fonts of
:data:`settings.PDF_FALLBACK_FONTS`. xhtml2pdf picks a font per character from that list, so a child's name
with a character IPAex lacks (𠮷, U+20BB7) is drawn in IPAmj明朝, which holds the ~58,000 characters of the
MJ set made for the names of people, instead of coming out as a box.

Two things ReportLab does on its own are corrected here, once per process (:func:`_prepare_reportlab`):

- every page, and every table cell, starts in ReportLab's base font, Helvetica, which a PDF then lists
  unembedded although no text is drawn in it; the base font becomes the embedded Japanese one;
- its ToUnicode map writes a character beyond U+FFFF as five hex digits (``<29E3D>``), which readers cut to
  four, so 𩸽 (U+29E3D) copies out as ⧣ (U+29E3); it is written as the UTF-16 pair PDF asks for.

The render may read those font files and ``data:`` URIs (the QR codes) and nothing else: no other local
file, no network.
"""

from __future__ import annotations

import base64
import io
import logging
import time
from functools import cache
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.pil
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.platypus import tables
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

logger = logging.getLogger(__name__)

FONT_NAME = "PortalJapanese"
FALLBACK_FONT_NAME = "PortalNames{}"
_BASE_FONT_NAME = "PortalJapaneseBase"


class PdfError(RuntimeError):
    pass


def japanese_font_path() -> Path:
    path = Path(settings.PDF_JAPANESE_FONT)
    if not path.is_file():
        raise PdfError(f"Japanese font not found at {path} (see the core.W001 check)")
    return path


def fallback_font_paths() -> list[Path]:
    """The fonts for characters the Japanese font lacks, those of them present on this machine."""
    return [Path(p) for p in settings.PDF_FALLBACK_FONTS if Path(p).is_file()]


def _resource_policy(fonts: list[Path]) -> ResourceAccessPolicy:
    """Local reads confined to the fonts' common directory, no fetch over the network, every size limit on."""
    base = Path(*_common_parts([font.parent.parts for font in fonts]))
    largest = max(font.stat().st_size for font in fonts)
    # A font is read once per declared weight (regular and bold): room for the largest, twice, and the rest.
    return ResourceAccessPolicy.server(
        base_dir=base,
        allow_remote=False,
        max_local_bytes=max(largest, 20 * 1024 * 1024),
        max_total_bytes=2 * sum(font.stat().st_size for font in fonts) + 20 * 1024 * 1024,
    )


def _common_parts(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    common = paths[0]
    for parts in paths[1:]:
        length = 0
        while length < min(len(common), len(parts)) and common[length] == parts[length]:
            length += 1
        common = common[:length]
    return common


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap of a font subset, with code points past U+FFFF as UTF-16BE surrogate pairs."""

    def utf16(code_point: int) -> str:
        return chr(code_point).encode("utf-16-be", "surrogatepass").hex().upper()

    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *(f"<{index:02X}> <{utf16(code_point)}>" for index, code_point in enumerate(subset)),
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


@cache
def _prepare_reportlab(base_font: str) -> None:
    """Once per process: the Japanese font as every page's base font, and astral characters copied out right."""
    pdfmetrics.registerFont(ttfonts.TTFont(_BASE_FONT_NAME, base_font))
    rl_config.canvas_basefontname = _BASE_FONT_NAME  # read by each new canvas
    tables.CellStyle.fontname = _BASE_FONT_NAME  # bound from rl_config when ReportLab was imported
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def qr_data_uri(text: str, box_size: int = 6) -> str:
    image = qrcode.make(text, box_size=box_size, border=2, image_factory=qrcode.image.pil.PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@cache
def _covered(font: str) -> frozenset[int]:
    """The code points a TrueType font has glyphs for (read once per process: ~30 ms for IPAex)."""
    return frozenset(ttfonts.TTFontFile(font).charToGlyph)


def _needs_fallback(text: str, font: Path) -> bool:
    """Whether ``text`` has a character the Japanese font cannot draw (a rare kanji of a name, mostly)."""
    covered = _covered(font.as_posix())
    return any(ord(char) not in covered for char in set(text) if ord(char) > 0x7F)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render ``template_name`` (HTML for xhtml2pdf) to PDF bytes with the Japanese fonts embedded.

    The fallback fonts are declared only for a document that has a character the Japanese font lacks: IPAmj明朝
    is a 46 MB file, read and digested by xhtml2pdf on every render that declares it.
    """
    started = time.monotonic()
    font = japanese_font_path()
    _prepare_reportlab(font.as_posix())
    fonts = {**context, "pdf_font": FONT_NAME, "pdf_font_path": font.as_posix(), "pdf_font_families": FONT_NAME}
    html = render_to_string(template_name, fonts)
    fallbacks = fallback_font_paths() if _needs_fallback(html, font) else []
    if fallbacks:
        faces = [{"name": FALLBACK_FONT_NAME.format(i), "path": path.as_posix()} for i, path in enumerate(fallbacks)]
        families = ", ".join([FONT_NAME, *(face["name"] for face in faces)])
        html = render_to_string(template_name, {**fonts, "pdf_fallback_faces": faces, "pdf_font_families": families})
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=_resource_policy([font, *fallbacks]))
    if result.err:
        raise PdfError(f"xhtml2pdf failed on {template_name}: {result.err} errors")
    logger.info("rendered %s in %.2f s", template_name, time.monotonic() - started)
    return out.getvalue()


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
