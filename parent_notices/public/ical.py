"""iCalendar (RFC 5545) for the public events, written by hand: a calendar is a few dozen lines of text, and no
iCalendar library is among the portal's dependencies.

What the RFC asks and this module does: CRLF after every line (3.1); lines folded at 75 octets, never inside a
UTF-8 character, each continuation starting with one space (3.1); TEXT values escaped (backslash, semicolon,
comma, newline: 3.3.11); ``VERSION``, ``PRODID`` (3.7), and per event ``UID`` and ``DTSTAMP`` (3.6.1). Times are
local times of Asia/Tokyo with ``TZID`` and the calendar carries that ``VTIMEZONE`` (3.6.5: Japan has kept +09:00
without daylight saving since 1951, so one STANDARD component describes it); an event without a time is a whole
day (``VALUE=DATE``, its ``DTEND`` the next day, 3.6.1). A UID is the notice's translation key and the block's id,
so it stays the same however often the notice is edited, on whichever school site the feed is read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from .selectors import PublicEvent, plain_title

TZID = "Asia/Tokyo"
PRODID = "-//School portal//Parent notices//JA"
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0900",
    "TZOFFSETTO:+0900",
    "TZNAME:JST",
    "END:STANDARD",
    "END:VTIMEZONE",
)
LIMIT = 75  # octets per line, without the CRLF


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line, folded into lines of at most 75 octets joined by CRLF + space (3.1)."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > LIMIT:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(day: datetime.date, time: datetime.time) -> str:
    return datetime.datetime.combine(day, time).strftime("%Y%m%dT%H%M%S")


def _event_lines(event: PublicEvent, *, url: str, description: str) -> list[str]:
    notice = event.notice
    stamp = notice.last_published_at or notice.latest_revision_created_at or notice.created_at or timezone.now()
    lines = ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{_utc(stamp)}"]
    if event.starts is not None:
        lines.append(f"DTSTART;TZID={TZID}:{_local(event.date, event.starts)}")
        if event.ends is not None and event.ends > event.starts:
            lines.append(f"DTEND;TZID={TZID}:{_local(event.date, event.ends)}")
    else:
        lines.append(f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{event.date + datetime.timedelta(days=1):%Y%m%d}")
    lines.append(f"SUMMARY:{escape_text(event.name)}")
    if event.place:
        lines.append(f"LOCATION:{escape_text(event.place)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines.append(f"URL:{url}")
    if notice.last_published_at is not None:
        lines.append(f"LAST-MODIFIED:{_utc(notice.last_published_at)}")
    lines.append("END:VEVENT")
    return lines


def calendar_text(*, name: str, events: Iterable[PublicEvent], url_for: object) -> str:
    """The calendar ``name`` with ``events``; ``url_for(event)`` gives each event's page (an absolute URL)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{TZID}",
        *VTIMEZONE,
    ]
    for event in events:
        description = "\n".join(part for part in (plain_title(event.notice), event.organiser, event.bring) if part)
        lines.extend(_event_lines(event, url=url_for(event), description=description))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
