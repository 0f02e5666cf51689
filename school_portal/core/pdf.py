"""PDF rendering with xhtml2pdf: A4, Japanese text in an embedded (subset) TrueType font, QR codes inline.

xhtml2pdf knows only the fonts a document declares with ``@font-face`` (a font registered with ReportLab
alone is ignored and every kana comes out as a black box in Helvetica), so ``core/pdf/base.html`` declares
the Japanese font from :data:`settings.PDF_JAPANESE_FONT`. The render may read that font file and ``data:``
URIs (the QR codes) and nothing else: no other local file, no network.
"""

from __future__ import annotations

import base64
import io
import logging
import time
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.pil
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

FONT_NAME = "PortalJapanese"

logger = logging.getLogger(__name__)


class PdfError(RuntimeError):
    pass


def japanese_font_path() -> Path:
    path = Path(settings.PDF_JAPANESE_FONT)
    if not path.is_file():
        raise PdfError(f"Japanese font not found at {path} (see the core.W001 check)")
    return path


def _resource_policy(font: Path) -> ResourceAccessPolicy:
    """Local reads confined to the font's directory, no fetch over the network, every size limit on."""
    return ResourceAccessPolicy.server(base_dir=font.parent, allow_remote=False)


def qr_data_uri(text: str, box_size: int = 6) -> str:
    image = qrcode.make(text, box_size=box_size, border=2, image_factory=qrcode.image.pil.PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render ``template_name`` (HTML for xhtml2pdf) to PDF bytes with the Japanese font embedded."""
    started = time.monotonic()
    font = japanese_font_path()
    html = render_to_string(template_name, {**context, "pdf_font": FONT_NAME, "pdf_font_path": font.as_posix()})
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=_resource_policy(font))
    if result.err:
        raise PdfError(f"xhtml2pdf failed on {template_name}: {result.err} errors")
    logger.info("rendered %s in %.2f s", template_name, time.monotonic() - started)
    return out.getvalue()


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
