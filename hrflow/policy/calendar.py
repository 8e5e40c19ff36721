"""Working days on the official Chinese calendar (holidays and make-up working days).

chinese-calendar knows the State Council's schedule up to its release (2004–2026 in 1.11);
an admin-maintained calendar (`overrides`) covers later years and may correct known ones.
A day that neither covers is an error naming its year: never a silent weekends-only count.
"""

from collections.abc import Mapping
from datetime import date, timedelta

import chinese_calendar

from .errors import PolicyInputError
from .i18n import gettext_noop as _

# A publicity period longer than this many calendar days means a broken calendar.
MAX_SPAN_DAYS = 400


def is_working_day(day: date, overrides: Mapping[date, bool] | None = None) -> bool:
    """Whether `day` is a working day.

    `overrides` maps dates to True (working) / False (rest). A year with at least one override
    is covered by the admin calendar: its listed days are as given, the others follow the
    Monday–Friday week. Otherwise chinese-calendar decides, and raises for years it lacks.
    """
    overrides = overrides or {}
    if day in overrides:
        return bool(overrides[day])
    if any(d.year == day.year for d in overrides):
        return day.weekday() < 5
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise PolicyInputError(
            _("The working-day calendar for %(year)d is not known yet: enter that year's holidays and make-up working days."),
            {"year": day.year},
            field="calendar",
        ) from None


def publicity_ends(starts_on: date, working_days: int = 7, *, overrides: Mapping[date, bool] | None = None) -> date:
    """The last day of a publicity period of `working_days` working days beginning on `starts_on`.

    Day 1 is `starts_on` if it is a working day, else the first working day after it.
    """
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
        raise ValueError(f"working_days must be a positive whole number, got {working_days!r}")
    overrides = dict(overrides or {})
    day, counted = starts_on, 0
    while True:
        if is_working_day(day, overrides):
            counted += 1
            if counted == working_days:
                return day
        day += timedelta(days=1)
        if (day - starts_on).days > MAX_SPAN_DAYS:
            raise ValueError(f"no {working_days} working days within {MAX_SPAN_DAYS} days of {starts_on}")
