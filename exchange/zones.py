"""Local wall-clock times and instants, correct on every date including the DST transitions.

A person enters a local date and time in their own zone; :func:`local_to_utc` turns it into an instant or refuses
it with a message they can act on: a time that does not exist that day (inside a DST gap: the clocks jump from
01:00 to 02:00 in London on the last Sunday of March) or one that happens twice (in the overlap when the clocks go
back). Python's ``zoneinfo`` would silently pick one (PEP 495's ``fold``); a booking must not guess.

The rest converts the other way, which is always exact: an instant has one local time in every zone.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from school_portal.core.services import PortalError

UTC = datetime.UTC
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


class LocalTimeError(PortalError):
    """A local time that cannot be booked (unknown zone, inside a DST gap, ambiguous in an overlap)."""


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise LocalTimeError(
            _("“%(zone)s” is not a known IANA time zone (for example Europe/London).") % {"zone": name}
        ) from None


def local_to_utc(day: datetime.date, time: datetime.time, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The instant of ``time`` on ``day`` in ``zone``; refuses a time in a DST gap or overlap."""
    naive = datetime.datetime.combine(day, time.replace(tzinfo=None))
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    values = {"time": f"{naive:%Y-%m-%d %H:%M}", "zone": zone.key}
    if first.utcoffset() != second.utcoffset():
        # Either the time is skipped (gap) or repeated (overlap): the round trip tells which.
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise LocalTimeError(
                _(
                    "%(time)s does not exist in %(zone)s: the clocks skip that hour for daylight saving time. "
                    "Choose a time outside the change."
                )
                % values
            )
        raise LocalTimeError(
            _("%(time)s happens twice in %(zone)s: the clocks go back that night. Choose a time outside the change.")
            % values
        )
    return first.astimezone(UTC)


def in_zone(instant: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return instant.astimezone(zone)


def describe(instant: datetime.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``2027-03-29 (Mon) 16:00 JST``: the local date, weekday, time and the zone's abbreviation that day."""
    local = instant.astimezone(zone)
    return f"{local:%Y-%m-%d} ({WEEKDAYS_ABBR[local.weekday()]}) {local:%H:%M} {local.tzname()}"
