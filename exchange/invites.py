"""iCalendar invitations (RFC 5545, iTIP RFC 5546) for a session, in each recipient's own zone.

One ``UID`` per booking, kept when the session is rescheduled; ``SEQUENCE`` grows with every change, so a
calendar replaces its copy instead of adding a second one; ``METHOD:CANCEL`` removes it. The ``VTIMEZONE`` carries
the zone's real transitions around the session (computed from the system's zone database, no RRULE guessed),
so a calendar without that zone still shows the right local time. Only the classes travel: no child's data.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import Session
from .zones import TOKYO, UTC

PRODID = "-//School portal//Video exchange//EN"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (RFC 5545 §3.1), never splitting a character."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def _offset(delta: datetime.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _transitions(zone: zoneinfo.ZoneInfo, year: int) -> list[datetime.datetime]:
    """The instants (UTC) in ``year`` when ``zone``'s offset changes, to the minute."""
    found = []
    start = datetime.datetime(year, 1, 1, tzinfo=UTC)
    day = datetime.timedelta(days=1)
    for n in range(366):
        a, b = start + n * day, start + (n + 1) * day
        if a.astimezone(zone).utcoffset() == b.astimezone(zone).utcoffset():
            continue
        low, high = a, b
        while high - low > datetime.timedelta(minutes=1):
            mid = low + (high - low) / 2
            if mid.astimezone(zone).utcoffset() == a.astimezone(zone).utcoffset():
                low = mid
            else:
                high = mid
        found.append(high)
    return found


def vtimezone(zone: zoneinfo.ZoneInfo, around: datetime.datetime) -> list[str]:
    """A VTIMEZONE with the observances in force from a year before ``around`` to a year after."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    changes = [t for year in (around.year - 1, around.year, around.year + 1) for t in _transitions(zone, year)]
    if not changes:
        offset = around.astimezone(zone).utcoffset()
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{_offset(offset)}",
            f"TZOFFSETTO:{_offset(offset)}",
            f"TZNAME:{around.astimezone(zone).tzname()}",
            "END:STANDARD",
        ]
    for change in changes:
        before = (change - datetime.timedelta(minutes=1)).astimezone(zone)
        after = change.astimezone(zone)
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{(change.astimezone(UTC) + before.utcoffset()).replace(tzinfo=None):%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_offset(before.utcoffset())}",
            f"TZOFFSETTO:{_offset(after.utcoffset())}",
            f"TZNAME:{after.tzname()}",
            f"END:{kind}",
        ]
    return [*lines, "END:VTIMEZONE"]


def session_calendar(session: Session, *, zone: zoneinfo.ZoneInfo, method: str | None = None) -> str:
    """The session as an iCalendar object in ``zone``: REQUEST while proposed or booked, CANCEL once cancelled."""
    exchange = session.exchange
    cancelled = session.state in (Session.State.CANCELLED, Session.State.RESCHEDULED, Session.State.DECLINED)
    method = method or ("CANCEL" if cancelled else "REQUEST")
    start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    summary = _("Video exchange: %(class)s and %(partner)s") % {
        "class": exchange.class_group.label,
        "partner": exchange.partner_class,
    }
    organizer = exchange.teacher.email or "exchange@invalid"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *vtimezone(zone, session.starts_at),
        "BEGIN:VEVENT",
        f"UID:{session.uid}@school-portal",
        f"SEQUENCE:{session.sequence}",
        f"DTSTAMP:{session.updated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={zone.key}:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={zone.key}:{end:%Y%m%dT%H%M%S}",
        f"SUMMARY:{_escape(summary)}",
        f"ORGANIZER:mailto:{organizer}",
        f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
    ]
    if session.reason:
        lines.append(f"DESCRIPTION:{_escape(session.reason)}")
    for person in (exchange.teacher, exchange.partner_teacher):
        if person.email:
            lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:{person.email}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def invites_send(*, session: Session) -> int:
    """Mail the invitation (or cancellation) to both teachers, each in their own zone and language."""
    exchange = session.exchange
    sent = 0
    for person, zone, default in (
        (exchange.teacher, TOKYO, None),
        (exchange.partner_teacher, exchange.partner_class.partner_school.zone, "en"),
    ):
        if not person.email:
            continue
        with override(person.preferred_language or default):
            body = session_calendar(session, zone=zone)
            method = "CANCEL" if "METHOD:CANCEL" in body else "REQUEST"
            subject = (_("Cancelled: %(what)s") if method == "CANCEL" else _("Invitation: %(what)s")) % {
                "what": _("video exchange")
            }
            message = EmailMessage(
                subject, _("The calendar invitation is attached."), settings.DEFAULT_FROM_EMAIL, [person.email]
            )
            message.attach("session.ics", body, f"text/calendar; method={method}; charset=UTF-8")
            message.send()
        sent += 1
    return sent
