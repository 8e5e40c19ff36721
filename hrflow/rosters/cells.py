"""Cell readings of the roster's dates, months and money: each returns (value, message), the
message in the reader's language when the cell cannot be read. NaN, infinities, serial numbers
and impossible dates are refused, never guessed."""

import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from hrflow.core.validators import text_problem
from hrflow.people.validation import cell_text, yes_no

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
FIRST_YEAR = 1900
MAX_PAY = Decimal("1000000")  # a month's pay above a million yuan is a typing error
MAX_MONTHS = 120
_DAYS: dict = {}


def empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_date(value) -> tuple[date | None, str | None]:
    if empty(value):
        return None, None
    if isinstance(value, datetime):
        # One object per day: a province's file repeats its hire and start dates by the thousand.
        day = _DAYS.get(value)
        if day is None:
            day = value.date()
            if len(_DAYS) < 100_000:
                _DAYS[value] = day
        value = day
    if isinstance(value, date):
        if value.year < FIRST_YEAR:
            return None, _("The date %(value)s is before 1900.") % {"value": value.isoformat()}
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date cell that lost its format, or a number where a date belongs: never guessed.
        return None, _("“%(value)s” is a number, not a date: write the date as 2019-09-01.") % {"value": cell_text(value)[:40]}
    text = cell_text(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:  # the template's own form, ten times faster than strptime
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return (day, None) if day.year >= FIRST_YEAR else (None, _("The date %(value)s is before 1900.") % {"value": text})
    for pattern in DATE_FORMATS:
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if day.year < FIRST_YEAR:
            return None, _("The date %(value)s is before 1900.") % {"value": text[:40]}
        return day, None
    return None, _("“%(value)s” is not a date: write it as 2019-09-01.") % {"value": text[:40]}


def read_months(value) -> tuple[int | None, str | None]:
    """Whole months, 0 for an empty cell."""
    if empty(value):
        return 0, None
    number = value
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None, _("“%(value)s” is not a whole number of months.") % {"value": value.strip()[:40]}
    if isinstance(number, bool) or not isinstance(number, (int, float, Decimal)):
        return None, _("Write a whole number of months.")
    if isinstance(number, float) and not math.isfinite(number) or isinstance(number, Decimal) and not number.is_finite():
        return None, _("Write a whole number of months.")
    if number != int(number) or not 0 <= number <= MAX_MONTHS:
        return None, _("“%(value)s” is not a whole number of months from 0 to %(max)d.") % {"value": cell_text(value)[:40], "max": MAX_MONTHS}
    return int(number), None


def read_money(value) -> tuple[Decimal | None, str | None]:
    """Yuan with at most two decimals (fen); None for an empty cell."""
    if empty(value):
        return None, None
    if isinstance(value, bool):
        return None, _("Write an amount in yuan, e.g. 3500 or 3500.50.")
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return None, _("“%(value)s” is not an amount: write it in yuan, e.g. 3500 or 3500.50.") % {"value": cell_text(value)[:40]}
    shown = f"{value:g}" if isinstance(value, float) else cell_text(value)[:40]  # 1e308, not its 309 digits
    if not amount.is_finite():
        return None, _("“%(value)s” is not an amount: write it in yuan, e.g. 3500 or 3500.50.") % {"value": shown}
    if amount <= 0 or amount > MAX_PAY:  # before rounding: 1e308 has no fen to round to
        return None, _("A monthly pay of %(value)s yuan is not plausible.") % {"value": shown}
    if isinstance(value, float):
        amount = amount.quantize(Decimal("0.001"))  # a float cell carries binary noise beyond the fen
    if amount != amount.quantize(Decimal("0.01")):
        return None, _("An amount has at most two decimals (fen).")
    return amount.quantize(Decimal("0.01")), None


def read_flag(value) -> tuple[bool | None, str | None]:
    """是/否, an empty cell being 否."""
    if empty(value):
        return False, None
    flag = yes_no(value)
    if flag is None:
        return None, _("Write 是 or 否.")
    return flag, None


def read_choice(value, choices: dict, *, required: bool = True) -> tuple[str | None, str | None]:
    """One of the template's words (or the stored code); the message lists them."""
    text = cell_text(value)
    if not text:
        return None, (_("The cell is empty; choose one of: %(values)s.") % {"values": "、".join(choices)}) if required else None
    if text in choices:
        return choices[text], None
    if text in choices.values():
        return text, None
    return None, _("“%(value)s” is not one of: %(values)s.") % {"value": text[:40], "values": "、".join(choices)}


def read_text(value, max_length: int) -> tuple[str, str | None]:
    """Free text (a title, an agency): at most `max_length` characters, nothing a spreadsheet runs."""
    text = cell_text(value)
    if len(text) > max_length:
        return text, _("The text has %(length)d characters; at most %(max)d are allowed.") % {"length": len(text), "max": max_length}
    return text, text_problem(text) if text else None
