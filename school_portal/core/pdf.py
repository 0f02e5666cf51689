"""PDF rendering with xhtml2pdf: A4, Japanese text in an embedded (subset) TrueType font, QR codes inline."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import qrcode
import qrcode.image.pil
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import pisa

FONT_NAME = "PortalJapanese"


class PdfError(RuntimeError):
    pass


def _register_font() -> None:
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return
    path = Path(settings.PDF_JAPANESE_FONT)
    if not path.is_file():
        raise PdfError(f"Japanese font not found at {path} (see the core.W001 check)")
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
    # Bold and italic map to the same face: xhtml2pdf would otherwise fall back to Helvetica, which has no kana.
    from reportlab.lib.fonts import addMapping

    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_NAME, bold, italic, FONT_NAME)


def qr_data_uri(text: str, box_size: int = 6) -> str:
    image = qrcode.make(text, box_size=box_size, border=2, image_factory=qrcode.image.pil.PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render ``template_name`` (HTML for xhtml2pdf) to PDF bytes with the Japanese font embedded."""
    _register_font()
    html = render_to_string(template_name, {**context, "pdf_font": FONT_NAME})
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise PdfError(f"xhtml2pdf failed on {template_name}: {result.err} errors")
    return out.getvalue()


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
