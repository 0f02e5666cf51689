"""Where both sides are in school: the slots an exchange could use, and partner classes ranked for an Osaka class.

An Osaka class is free in some periods of its timetable (``ClassAvailability``: a weekday and a period, in
Asia/Tokyo, which keeps no DST), on the days its school is open: not on Japan's national holidays
(``school_portal.core.jp_holidays``) nor on the school's own closed days (``SchoolClosedDay``). Each Osaka
slot is turned into an instant and then into the partner school's local time on that date, which ``zoneinfo``
does exactly whatever the DST rules: the slot fits the partner when that local date is a school day there (not
its weekend, not a holiday) and the local times lie inside one of the partner class's availability windows.
Converting this way round (instant to local) never meets a DST gap or overlap; only times a person types do
(``zones.local_to_utc``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from school_portal.core.jp_holidays import FIRST_YEAR, japanese_holidays
from school_portal.core.models import ClassGroup, School

from .models import (
    ClassAvailability,
    Exchange,
    PartnerAvailability,
    PartnerClass,
    PartnerHoliday,
    SchoolClosedDay,
    Session,
)
from .zones import TOKYO, UTC


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime  # UTC
    ends_at: datetime.datetime
    period: int


Windows = dict[int, list[tuple[datetime.time, datetime.time]]]


def _class_slot_times(class_group_id: int) -> list[tuple[int, datetime.time, datetime.time, int]]:
    return list(
        ClassAvailability.objects.filter(class_group_id=class_group_id)
        .order_by("weekday", "period__starts_at")
        .values_list("weekday", "period__starts_at", "period__ends_at", "period__number")
    )


def osaka_closed_days(*, school_id: int, first: datetime.date, last: datetime.date) -> dict[datetime.date, str]:
    """The days in [first, last] (Tokyo dates) the Osaka school is closed, with why: Japan's national holidays
    (振替休日 and 国民の休日 included) and the school's own closed days (``SchoolClosedDay``)."""
    closed: dict[datetime.date, str] = {}
    for year in range(max(first.year, FIRST_YEAR), last.year + 1):
        closed.update({day: str(name) for day, name in japanese_holidays(year).items() if first <= day <= last})
    rows = SchoolClosedDay.objects.filter(school_id=school_id, starts_on__lte=last, ends_on__gte=first)
    for name, starts_on, ends_on in rows.values_list("name", "starts_on", "ends_on"):
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            closed.setdefault(day, name)
            day += datetime.timedelta(days=1)
    return closed


def osaka_slots(
    class_group_id: int,
    *,
    school_id: int,
    start_day: datetime.date,
    days: int,
    now: datetime.datetime | None = None,
) -> list[Slot]:
    """The class's free periods from ``start_day`` (a Tokyo date) for ``days`` days, future ones only, on the days
    its school (``school_id``) is open (:func:`osaka_closed_days`)."""
    now = now or timezone.now()
    by_weekday: dict[int, list[tuple[datetime.time, datetime.time, int]]] = defaultdict(list)
    for weekday, starts, ends, number in _class_slot_times(class_group_id):
        by_weekday[weekday].append((starts, ends, number))
    if not by_weekday:
        return []
    closed = osaka_closed_days(
        school_id=school_id, first=start_day, last=start_day + datetime.timedelta(days=max(0, days - 1))
    )
    slots = []
    for offset in range(days):
        day = start_day + datetime.timedelta(days=offset)
        if day in closed:
            continue
        for starts, ends, number in by_weekday.get(day.weekday(), ()):
            start = datetime.datetime.combine(day, starts, TOKYO).astimezone(UTC)
            if start > now:
                slots.append(Slot(start, datetime.datetime.combine(day, ends, TOKYO).astimezone(UTC), number))
    return slots


def fits_partner(
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    *,
    zone: datetime.tzinfo,
    weekend: set[int],
    holidays: Iterable[tuple[datetime.date, datetime.date]],
    windows: Windows,
) -> bool:
    """Whether the partner class is in school and available for the whole of [starts_at, ends_at)."""
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    day = local_start.date()
    if local_end.date() != day or day.weekday() in weekend:
        return False
    if any(first <= day <= last for first, last in holidays):
        return False
    start, end = local_start.time(), local_end.time()
    return any(opens <= start and end <= closes for opens, closes in windows.get(day.weekday(), ()))


def partner_windows(partner_class_ids: Iterable[int]) -> dict[int, Windows]:
    windows: dict[int, Windows] = defaultdict(lambda: defaultdict(list))
    rows = (
        PartnerAvailability.objects.filter(partner_class_id__in=list(partner_class_ids))
        .order_by("partner_class_id", "weekday", "starts_at", "ends_at")  # a class's windows in one order
        .values_list("partner_class_id", "weekday", "starts_at", "ends_at")
    )
    for class_id, weekday, starts, ends in rows:
        windows[class_id][weekday].append((starts, ends))
    return windows


def partner_holidays(
    school_ids: Iterable[int] | None, first: datetime.date, last: datetime.date
) -> dict[int, list[tuple[datetime.date, datetime.date]]]:
    """Holidays touching [first, last] (one day's margin each side: local dates differ from Tokyo's)."""
    rows = PartnerHoliday.objects.filter(
        starts_on__lte=last + datetime.timedelta(days=1), ends_on__gte=first - datetime.timedelta(days=1)
    )
    if school_ids is not None:
        rows = rows.filter(partner_school_id__in=list(school_ids))
    holidays: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for school_id, starts_on, ends_on in rows.values_list("partner_school_id", "starts_on", "ends_on"):
        holidays[school_id].append((starts_on, ends_on))
    return holidays


def booked_overlaps(*, class_group_id: int, partner_class_id: int, room_id: int | None) -> Q:
    """Accepted sessions holding the class, the partner class or the room."""
    holders = Q(class_group_id=class_group_id) | Q(partner_class_id=partner_class_id)
    if room_id is not None:
        holders |= Q(room_id=room_id)
    return Q(state=Session.State.ACCEPTED) & holders


def exchange_slots(
    *, exchange: Exchange, start_day: datetime.date, days: int = 28, now: datetime.datetime | None = None
) -> list[Slot]:
    """Slots of the exchange's length where both classes are in school and free, nothing booked in the way.

    Five queries whatever the number of days: the class's periods, its school's closed days, the partner
    class's windows, its school's holidays, the accepted sessions in the way (``exchange`` with its partner class
    and school selected).
    """
    partner_class = exchange.partner_class
    school = partner_class.partner_school
    length = datetime.timedelta(minutes=exchange.minutes)
    candidates = [
        Slot(slot.starts_at, slot.starts_at + length, slot.period)
        for slot in osaka_slots(
            exchange.class_group_id, school_id=exchange.school_id, start_day=start_day, days=days, now=now
        )
    ]
    if not candidates:
        return []
    windows = partner_windows([partner_class.pk])[partner_class.pk]
    holidays = partner_holidays([school.pk], start_day, start_day + datetime.timedelta(days=days))[school.pk]
    zone, weekend = school.zone, school.weekend
    fitting = [
        slot
        for slot in candidates
        if fits_partner(slot.starts_at, slot.ends_at, zone=zone, weekend=weekend, holidays=holidays, windows=windows)
    ]
    if not fitting:
        return []
    booked = list(
        Session.objects.filter(
            booked_overlaps(
                class_group_id=exchange.class_group_id, partner_class_id=partner_class.pk, room_id=exchange.room_id
            ),
            starts_at__lt=fitting[-1].ends_at,
            ends_at__gt=fitting[0].starts_at,
        ).values_list("starts_at", "ends_at")
    )
    return [s for s in fitting if not any(b0 < s.ends_at and s.starts_at < b1 for b0, b1 in booked)]


# --- partner matching ------------------------------------------------------------------------------------


def _in_zone(
    slots: list[tuple[datetime.datetime, datetime.datetime]], zone: datetime.tzinfo
) -> list[tuple[datetime.date, int, int, int, datetime.datetime]]:
    converted = []
    for start, end in slots:
        s, e = start.astimezone(zone), end.astimezone(zone)
        if s.date() == e.date():
            converted.append((s.date(), s.weekday(), s.hour * 60 + s.minute, e.hour * 60 + e.minute, start))
    return converted


def _closed_days(holidays: Iterable[tuple[datetime.date, datetime.date]]) -> set[datetime.date]:
    days = set()
    for first, last in holidays:
        day = first
        while day <= last:
            days.add(day)
            day += datetime.timedelta(days=1)
    return days


def _fitting(
    converted: list[tuple[datetime.date, int, int, int, datetime.datetime]], weekend: set[int], windows: Windows
) -> list[tuple[datetime.date, datetime.datetime]]:
    """The slots (local date, instant) on the partner's school days inside one of its windows."""
    minutes = {
        weekday: [(o.hour * 60 + o.minute, c.hour * 60 + c.minute) for o, c in spans]
        for weekday, spans in windows.items()
    }
    fitting = []
    for day, weekday, start, end, instant in converted:
        if weekday in weekend:
            continue
        for opens, closes in minutes.get(weekday, ()):
            if opens <= start and end <= closes:
                fitting.append((day, instant))
                break
    return fitting


def class_age(class_group: ClassGroup) -> int:
    """The usual age of a Japanese class's children during the year (grade 1 of elementary school: 6–7)."""
    return class_group.grade + (6 if class_group.school.kind == School.Kind.ELEMENTARY else 12)


@dataclass(frozen=True)
class Match:
    partner_class: PartnerClass
    score: int
    shared_slots: int  # Osaka free periods in the window where the partner class is in school and available
    language: bool
    subject: bool
    age_gap: int
    first_slot: datetime.datetime | None


def partner_matches(
    *,
    class_group: ClassGroup,
    start_day: datetime.date,
    days: int = 30,
    language: str = "",
    subject: str = "",
    minutes: int = 45,
    limit: int = 20,
    now: datetime.datetime | None = None,
) -> list[Match]:
    """Partner classes that can meet ``class_group`` in the coming ``days``, best first.

    Ranked by the shared language (the strongest), the subject, the age gap and the number of shared slots; a
    class with no shared slot is left out (they could never meet). Five queries whatever the number of partner
    schools: the Osaka periods, the school's closed days, the partner classes with their schools, their windows,
    the holidays.
    """
    length = datetime.timedelta(minutes=minutes)
    slots = [
        (s.starts_at, s.starts_at + length)
        for s in osaka_slots(class_group.pk, school_id=class_group.school_id, start_day=start_day, days=days, now=now)
    ]
    if not slots:
        return []
    age = class_age(class_group)
    classes = list(PartnerClass.objects.select_related("partner_school").filter(partner_school__verified=True))
    windows = partner_windows(c.pk for c in classes)
    holidays = partner_holidays(None, start_day, start_day + datetime.timedelta(days=days))
    # Each slot in each zone once, as (local date, weekday, start and end in minutes since midnight, instant):
    # 1,000 schools share a few dozen zones. The slots that fit a weekly pattern (zone, local weekend, the
    # class's windows) are found once per pattern, not once per class: most partner classes share one with
    # others. Only a school's own holidays are then taken out of its pattern's slots.
    local: dict[str, list[tuple[datetime.date, int, int, int, datetime.datetime]]] = {}
    fitting_by_pattern: dict[tuple, list[tuple[datetime.date, datetime.datetime]]] = {}
    language, subject = language.strip().lower(), subject.strip().lower()
    found = []
    for partner_class in classes:
        school = partner_class.partner_school
        class_windows = windows.get(partner_class.pk)
        if not class_windows:
            continue
        weekend = school.weekend
        # the windows come ordered from partner_windows: equal windows give equal keys
        pattern = (school.time_zone, tuple(sorted(weekend)), tuple((d, tuple(s)) for d, s in class_windows.items()))
        fitting = fitting_by_pattern.get(pattern)
        if fitting is None:
            converted = local.get(school.time_zone)
            if converted is None:
                converted = local[school.time_zone] = _in_zone(slots, school.zone)
            fitting = fitting_by_pattern[pattern] = _fitting(converted, weekend, class_windows)
        school_holidays = holidays.get(school.pk)
        if school_holidays:
            closed = _closed_days(school_holidays)
            fitting = [(day, instant) for day, instant in fitting if day not in closed]
        if not fitting:
            continue
        shared, first = len(fitting), fitting[0][1]
        speaks = not language or language in school.language_list
        teaches = not subject or subject in school.subject_list
        gap = abs(partner_class.age - age)
        score = 40 * speaks + 20 * teaches + max(0, 20 - 10 * gap) + min(shared, 20)
        found.append(Match(partner_class, score, shared, speaks, teaches, gap, first))
    found.sort(key=lambda m: (-m.score, m.partner_class.partner_school.name, m.partner_class.name))
    return found[:limit]
