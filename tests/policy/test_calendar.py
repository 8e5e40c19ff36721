"""publicity_ends(): working days on the official calendar, holidays and make-up days included."""

from datetime import date

import pytest

from hrflow.policy import PolicyInputError, is_working_day, publicity_ends


@pytest.mark.parametrize(
    "starts_on,days,ends_on",
    [
        (date(2026, 6, 1), 7, date(2026, 6, 9)),  # Monday: a plain fortnight
        (date(2026, 6, 6), 7, date(2026, 6, 16)),  # Saturday: day 1 is Monday the 8th
        (date(2026, 9, 28), 7, date(2026, 10, 12)),  # over National Day, with Saturday 10 Oct a make-up working day
        (date(2026, 10, 1), 7, date(2026, 10, 15)),  # starts on a holiday: day 1 is 8 October
        (date(2026, 10, 10), 1, date(2026, 10, 10)),  # a make-up Saturday is day 1 itself
        (date(2026, 6, 1), 1, date(2026, 6, 1)),
        (date(2026, 6, 1), 15, date(2026, 6, 22)),  # Dragon Boat Festival (19 June) is not counted
    ],
)
def test_publicity_ends(starts_on, days, ends_on):
    assert publicity_ends(starts_on, days) == ends_on


def test_default_is_seven_working_days():
    assert publicity_ends(date(2026, 6, 1)) == date(2026, 6, 9)


def test_a_year_the_library_does_not_know_raises_naming_the_year():
    with pytest.raises(ValueError, match="2027"):
        publicity_ends(date(2026, 12, 28), 7)


def test_admin_overrides_cover_a_later_year():
    # The admin enters 2027's New Year holiday; the rest of 2027 follows the Monday–Friday week.
    overrides = {date(2027, 1, 1): False}
    assert publicity_ends(date(2026, 12, 28), 7, overrides=overrides) == date(2027, 1, 6)
    assert publicity_ends(date(2027, 2, 1), 3, overrides=overrides) == date(2027, 2, 3)


def test_overrides_make_a_weekend_a_working_day_and_correct_known_years():
    assert publicity_ends(date(2027, 1, 9), 1, overrides={date(2027, 1, 9): True}) == date(2027, 1, 9)
    assert publicity_ends(date(2026, 6, 1), 1, overrides={date(2026, 6, 1): False}) == date(2026, 6, 2)


def test_uncovered_year_even_with_overrides_for_another():
    with pytest.raises(PolicyInputError) as info:
        is_working_day(date(2028, 3, 1), {date(2027, 1, 1): False})
    assert info.value.params["year"] == 2028


@pytest.mark.parametrize("days", [0, -1, 1.5, True])
def test_working_days_must_be_positive_whole(days):
    with pytest.raises(ValueError):
        publicity_ends(date(2026, 6, 1), days)
