"""The limits every roster file must stay within (each may be overridden in settings, e.g. for tests)."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "ROSTER_MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "ROSTER_MAX_ROWS": 50_000,  # rows of one CSV or sheet
    "ROSTER_MAX_COLUMNS": 60,  # cells read per row
    "ROSTER_ZIP_MAX_MEMBERS": 32,
    "ROSTER_ZIP_MAX_MEMBER_BYTES": 64 * 1024 * 1024,  # uncompressed
    "ROSTER_ZIP_MAX_TOTAL_BYTES": 128 * 1024 * 1024,  # uncompressed, all members
    "ROSTER_ZIP_MAX_RATIO": 200,  # uncompressed / compressed, for members over 1 MiB
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))
