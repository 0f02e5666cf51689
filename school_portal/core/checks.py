"""System checks: what the portal needs from its machine, said plainly at start-up."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning, register


@register()
def japanese_pdf_font(app_configs, **kwargs):
    font = Path(settings.PDF_JAPANESE_FONT)
    if font.is_file():
        return []
    return [
        Warning(
            f"The Japanese PDF font {font} is missing: badges, letters and worksheets cannot be printed.",
            hint="Install Debian's fonts-ipaexfont-gothic, or set PDF_JAPANESE_FONT to a TrueType font path.",
            id="core.W001",
        )
    ]
