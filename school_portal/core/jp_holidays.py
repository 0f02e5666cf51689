"""Japan's national holidays (国民の祝日), computed by the rules of the 祝日法, for any plug-in that plans school days.

Public schools are closed on every holiday the law names: the fixed dates, the Happy Monday days, the two
equinoxes, a 振替休日 (substitute holiday: the first following day that is not itself a holiday, when a holiday
falls on a Sunday) and a 国民の休日 (a weekday between two holidays). The rules are those in force from 2020 (the
Emperor's birthday on 23 February; the special dates of the 2020 and 2021 Olympic years are included), so only
dates from 2020 are answered. The equinox days use the standard formula of the National Astronomical
Observatory, which agrees with the announced days up to 2099; later years are the formula's best guess (the
Cabinet announces each equinox in February of the year before).

Nothing is stored and nothing is downloaded: ``japanese_holidays(2027)`` is a pure function of the year, cached.
A school's own closed days (開校記念日, a typhoon closure) are not national: the plug-in that keeps them adds them.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FIRST_YEAR = 2020

NEW_YEAR = _("New Year's Day")
COMING_OF_AGE = _("Coming of Age Day")
FOUNDATION = _("National Foundation Day")
EMPEROR = _("The Emperor's Birthday")
VERNAL_EQUINOX = _("Vernal Equinox Day")
SHOWA = _("Showa Day")
CONSTITUTION = _("Constitution Memorial Day")
GREENERY = _("Greenery Day")
CHILDREN = _("Children's Day")
MARINE = _("Marine Day")
MOUNTAIN = _("Mountain Day")
AGED = _("Respect for the Aged Day")
AUTUMNAL_EQUINOX = _("Autumnal Equinox Day")
SPORTS = _("Sports Day")
CULTURE = _("Culture Day")
LABOUR = _("Labour Thanksgiving Day")
SUBSTITUTE = _("Substitute holiday")
CITIZENS = _("Citizens' holiday")

# The Olympic years moved three holidays by special law (東京オリンピック特措法).
_OLYMPIC_DAYS = {
    2020: {MARINE: (7, 23), SPORTS: (7, 24), MOUNTAIN: (8, 10)},
    2021: {MARINE: (7, 22), SPORTS: (7, 23), MOUNTAIN: (8, 8)},
}


def _nth_monday(year: int, month: int, nth: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(7 - first.weekday()) % 7 + 7 * (nth - 1))


def _equinox(year: int, base: float) -> int:
    """The day of the month of an equinox (base 20.8431 in March, 23.2488 in September; valid 1980–2099)."""
    return int(base + 0.242194 * (year - 1980) - (year - 1980) // 4)


def _named_days(year: int) -> dict[datetime.date, Promise]:
    """The 国民の祝日 themselves, before the substitute and citizens' holidays."""
    date = datetime.date
    days = {
        date(year, 1, 1): NEW_YEAR,
        _nth_monday(year, 1, 2): COMING_OF_AGE,
        date(year, 2, 11): FOUNDATION,
        date(year, 2, 23): EMPEROR,
        date(year, 3, _equinox(year, 20.8431)): VERNAL_EQUINOX,
        date(year, 4, 29): SHOWA,
        date(year, 5, 3): CONSTITUTION,
        date(year, 5, 4): GREENERY,
        date(year, 5, 5): CHILDREN,
        _nth_monday(year, 7, 3): MARINE,
        date(year, 8, 11): MOUNTAIN,
        _nth_monday(year, 9, 3): AGED,
        date(year, 9, _equinox(year, 23.2488)): AUTUMNAL_EQUINOX,
        _nth_monday(year, 10, 2): SPORTS,
        date(year, 11, 3): CULTURE,
        date(year, 11, 23): LABOUR,
    }
    for name, (month, day) in _OLYMPIC_DAYS.get(year, {}).items():
        days = {d: n for d, n in days.items() if n is not name}
        days[date(year, month, day)] = name
    return days


@lru_cache(maxsize=64)
def japanese_holidays(year: int) -> dict[datetime.date, Promise]:
    """Every national holiday of ``year`` (from 2020): date to its name (translatable), in date order."""
    if year < FIRST_YEAR:
        raise ValueError(f"Japanese holidays are computed from {FIRST_YEAR} (the rules then in force), not {year}")
    named = _named_days(year)
    days = dict(named)
    one = datetime.timedelta(days=1)
    # 国民の休日: a day between two 国民の祝日 that is not one itself (in practice a Tuesday in September).
    for day in named:
        between = day + one
        if between not in named and between + one in named and between.weekday() != 6:
            days[between] = CITIZENS
    # 振替休日: a holiday on a Sunday makes the nearest following day that is not a 国民の祝日 a holiday.
    for day in sorted(named):
        if day.weekday() == 6:
            substitute = day + one
            while substitute in named:
                substitute += one
            days[substitute] = SUBSTITUTE
    return dict(sorted(days.items()))


def japanese_holiday(day: datetime.date) -> Promise | None:
    """The name of the national holiday on ``day`` (translatable), or ``None`` on an ordinary day.

    Dates before 2020 are not answered (``ValueError``): the rules differed, and nobody schedules in the past.
    """
    return japanese_holidays(day.year).get(day)
