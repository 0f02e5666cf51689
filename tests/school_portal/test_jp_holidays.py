"""Japan's national holidays as the 祝日法 makes them, against the Cabinet Office's published lists."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from school_portal.core.jp_holidays import japanese_holiday, japanese_holidays

D = datetime.date


def test_the_2026_list_is_the_cabinet_offices_day_for_day():
    assert [f"{day:%m-%d}" for day in japanese_holidays(2026)] == [
        "01-01", "01-12", "02-11", "02-23", "03-20", "04-29", "05-03", "05-04", "05-05", "05-06",
        "07-20", "08-11", "09-21", "09-22", "09-23", "10-12", "11-03", "11-23",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2026, 9, 21), "Respect for the Aged Day"),  # third Monday of September (Happy Monday)
        (D(2026, 9, 22), "Citizens' holiday"),  # 国民の休日: between two holidays
        (D(2026, 9, 23), "Autumnal Equinox Day"),  # the equinox formula
        (D(2027, 1, 11), "Coming of Age Day"),  # second Monday of January
        (D(2026, 5, 6), "Substitute holiday"),  # 3 May on a Sunday; 4 and 5 May are holidays themselves
        (D(2027, 3, 21), "Vernal Equinox Day"),
        (D(2027, 3, 22), "Substitute holiday"),  # the equinox on a Sunday
        (D(2024, 11, 4), "Substitute holiday"),  # Culture Day on a Sunday
        (D(2025, 2, 24), "Substitute holiday"),  # the Emperor's Birthday on a Sunday
        (D(2020, 7, 24), "Sports Day"),  # moved for the Olympics by special law
        (D(2021, 8, 9), "Substitute holiday"),  # the Olympic Mountain Day (8 August) on a Sunday
    ],
)
def test_known_holidays_are_named(day, name):
    with translation.override("en"):
        assert str(japanese_holiday(day)) == name


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 9, 24),  # the day after the equinox
        D(2026, 5, 7),  # the day after the substitute holiday
        D(2020, 10, 12),  # Sports Day's usual Monday, moved in 2020
        D(2027, 9, 21),  # a Tuesday between 敬老の日 (20th) and a working Wednesday: not a citizens' holiday
        D(2026, 12, 23),  # the Emperor's birthday before 2019, no longer a holiday
    ],
)
def test_ordinary_days_are_not_holidays(day):
    assert japanese_holiday(day) is None


def test_names_are_in_japanese_for_japanese_readers():
    with translation.override("ja"):
        assert str(japanese_holiday(D(2026, 9, 22))) == "国民の休日"
        assert str(japanese_holiday(D(2026, 5, 6))) == "振替休日"
        assert str(japanese_holiday(D(2026, 9, 21))) == "敬老の日"


def test_years_before_the_current_rules_are_not_answered():
    with pytest.raises(ValueError, match="from 2020"):
        japanese_holiday(D(2019, 5, 1))
