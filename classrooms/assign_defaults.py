"""The times an assign form starts with: open now, due at the end of the next school day (Japan time).

A teacher mostly gives work for the next day: the form proposes it, and the teacher changes it when not.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from .selectors import next_school_date

# When a school day ends for homework: the children have gone home, the teacher checks the next morning.
SCHOOL_DAY_ENDS = datetime.time(16, 0)
OPENING_STEP_MINUTES = 5


def default_opening(now: datetime.datetime) -> datetime.datetime:
    """Now, in the school's time, rounded down to five minutes (a time a person would type)."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    return local - datetime.timedelta(minutes=local.minute % OPENING_STEP_MINUTES)


def default_due(now: datetime.datetime) -> datetime.datetime:
    """The end of the next school day (Monday to Friday) after today, in the school's time."""
    day = next_school_date(timezone.localtime(now).date())
    return timezone.make_aware(datetime.datetime.combine(day, SCHOOL_DAY_ENDS))
