"""The open data: a library's use per hour and language for one month, as CSV (no personal data: counts only)."""

from __future__ import annotations

import csv
import datetime
import io
import zoneinfo

from django.conf import settings

from school_portal.core.models import Library

from .models import HourlyUse

HEADER = ["library", "hour", "language", "sessions", "new_devices", "returning_devices"]


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def monthly_csv(*, library: Library, year: int, month: int) -> str:
    start, end = month_bounds(year, month)
    rows = (
        HourlyUse.objects.filter(library=library, hour__gte=start, hour__lt=end)
        .order_by("hour", "language")
        .values_list("hour", "language", "sessions", "new_devices", "returning_devices")
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for hour, language, sessions, new, returning in rows:
        writer.writerow([library.slug, hour.astimezone(tz).isoformat(), language, sessions, new, returning])
    return out.getvalue()
