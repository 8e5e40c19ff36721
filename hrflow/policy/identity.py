"""The 18-character resident ID number (GB 11643): birth date, sex, check character.

stdnum's own `validate()` also tests that the region code existed in the birth year. That
test is wrong for our purpose: the region code is where the number was assigned, and a
person born in 1966 may hold a number from a district created in 1990. So only the length,
the digits, the ISO 7064 MOD 11-2 check character and the birth date are checked here.
"""

from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric

from .errors import InvalidIdNumber
from .i18n import gettext_noop as _

EARLIEST_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class Identity:
    number: str
    birth_date: date
    sex: str  # "M" or "F": digit 17, odd for men


def parse_id_number(value) -> Identity:
    """Return the identity a resident ID number carries, or raise InvalidIdNumber."""
    if not isinstance(value, str):
        raise InvalidIdNumber(_("The ID number must be text, got %(type)s."), {"type": type(value).__name__})
    # The usual case, 18 plain characters, skips stdnum's clean-up (a third of the time in a
    # 200,000-row import); anything else is compacted as stdnum does (spaces, dashes, full width).
    number = value if len(value) == 18 and value.isascii() and value.isalnum() and value.upper() == value else ric.compact(value)
    if len(number) != 18:
        raise InvalidIdNumber(
            _("The ID number %(number)s has %(length)d characters; 18 are required."),
            {"number": mask_id_number(number), "length": len(number)},
        )
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(_("The ID number must be 17 digits followed by a digit or X."))
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidIdNumber(
            _("The check character of ID number %(number)s is wrong."), {"number": mask_id_number(number)}
        )
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            _("The ID number %(number)s carries no valid birth date."), {"number": mask_id_number(number)}
        ) from None
    if birth_date.year < EARLIEST_BIRTH_YEAR:
        raise InvalidIdNumber(
            _("The ID number %(number)s carries a birth year before 1900."), {"number": mask_id_number(number)}
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return Identity(number=number, birth_date=birth_date, sex=sex)


def _anniversary(birth_date: date, year: int) -> date:
    try:
        return birth_date.replace(year=year)
    except ValueError:
        # Born on 29 February: in a common year the period ends on the last day of the
        # month, 28 February (Civil Code art. 202: 没有对应日的，月末日为期间的最后一日).
        return date(year, 2, 28)


def age_on(birth_date: date, as_of: date) -> int:
    """Full years (周岁) on `as_of`; the birthday itself counts as reached."""
    if as_of < birth_date:
        raise ValueError(f"as_of {as_of} is before the birth date {birth_date}")
    years = as_of.year - birth_date.year
    if as_of < _anniversary(birth_date, as_of.year):
        years -= 1
    return years


def mask_id_number(number: str | None) -> str:
    """5101**********123X: the region prefix and the last four stay readable."""
    if not number:
        return ""
    number = str(number)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def build_id_number(region: str, birth_date: date, sequence: int) -> str:
    """Compose a valid number: 6-digit region, birth date, 3-digit sequence (odd = male), check."""
    if len(region) != 6 or not region.isdigit() or not 0 <= sequence <= 999:
        raise ValueError("region must be 6 digits and sequence 0..999")
    body = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")
