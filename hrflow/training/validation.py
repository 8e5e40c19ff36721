"""One set of checks for plans, courses and certificates: the models' clean(), the forms and the
xlsx import all use them, so a value the form refuses is refused in a file too. Each returns
{field: message in the reader's language}; empty when all is well."""

from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hrflow.core import clock
from hrflow.core.validators import invisible, text_problem
from hrflow.policy import certificates as policy

YEAR_MIN, YEAR_MAX = 2000, 2100
MEDIUM_TERM_MAX_YEARS = 15
DATE_MIN = date(1950, 1, 1)  # no certificate on record is older
DATE_MAX = date(2100, 12, 31)
COURSE_MAX_DAYS = 366
HOURS_MIN, HOURS_MAX = Decimal("0.5"), Decimal("999.9")
NUMBER_MAX, ISSUER_MAX, NAME_MAX, TITLE_MAX, DESCRIPTION_MAX = 64, 100, 100, 200, 5000


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def text_field_problem(text, max_length: int, *, required: bool = True) -> str | None:
    text = text or ""
    if not text.strip():
        return _("This field is required.") if required else None
    if len(text) > max_length:
        return _("%(length)d characters; at most %(max)d are allowed.") % {"length": len(text), "max": max_length}
    return text_problem(text)


def plan_problems(*, kind, title, first_year, last_year, description="") -> dict:
    problems = {}
    if problem := text_field_problem(title, TITLE_MAX):
        problems["title"] = problem
    if description and (len(description) > DESCRIPTION_MAX or invisible(description.replace("\n", "").replace("\r", "").replace("\t", ""))):
        problems["description"] = _("At most %(max)d characters, without control or invisible characters.") % {"max": DESCRIPTION_MAX}
    for name, year in (("first_year", first_year), ("last_year", last_year)):
        if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
            problems[name] = _("A year from %(min)d to %(max)d.") % {"min": YEAR_MIN, "max": YEAR_MAX}
    if problems or first_year is None or last_year is None:
        return problems
    if last_year < first_year:
        problems["last_year"] = _("The last year comes before the first.")
    elif kind == "annual" and last_year != first_year:
        problems["last_year"] = _("An annual plan covers one year: the last year is the first.")
    elif kind == "medium_term" and not 1 <= last_year - first_year < MEDIUM_TERM_MAX_YEARS:
        problems["last_year"] = _("A medium- and long-term plan covers 2 to %(max)d years.") % {"max": MEDIUM_TERM_MAX_YEARS}
    return problems


def course_problems(*, title, starts_on, ends_on, hours, plan=None) -> dict:
    problems = {}
    if problem := text_field_problem(title, TITLE_MAX):
        problems["title"] = problem
    if hours is not None and (not hours.is_finite() or not HOURS_MIN <= hours <= HOURS_MAX):
        problems["hours"] = _("From %(min)s to %(max)s hours.") % {"min": HOURS_MIN, "max": HOURS_MAX}
    if starts_on and ends_on:
        if ends_on < starts_on:
            problems["ends_on"] = _("The course ends before it starts.")
        elif (ends_on - starts_on).days > COURSE_MAX_DAYS:
            problems["ends_on"] = _("A course lasts at most %(days)d days; split a longer one.") % {"days": COURSE_MAX_DAYS}
        if plan is not None and plan.first_year and plan.last_year and "ends_on" not in problems:
            first, last = date(plan.first_year, 1, 1), date(plan.last_year, 12, 31)
            if starts_on < first or ends_on > last:
                problems["starts_on"] = _("The course lies within its plan's years, %(first)s to %(last)s.") % {
                    "first": _day(first), "last": _day(last)}
    return problems


def certificate_problems(*, kind, name, number, issuer, issued_on, valid_until, birth_date=None, today=None) -> dict:
    """A certificate's fields: lengths, no invisible characters or formulas, and dates that can
    be: issued neither in the future nor before the holder was born, valid until no earlier
    than issued; a health certificate is valid for a limited time (食品安全法 art. 45: every year)."""
    today = today or clock.today()
    problems = {}
    if kind is not None and kind not in policy.KINDS:  # None: the caller has reported it
        problems["kind"] = _("Choose a certificate kind.")
    if kind == policy.OTHER and (problem := text_field_problem(name, NAME_MAX)):
        problems["name"] = problem
    if problem := text_field_problem(number, NUMBER_MAX):
        problems["number"] = problem
    if problem := text_field_problem(issuer, ISSUER_MAX):
        problems["issuer"] = problem
    if issued_on is not None:
        if issued_on > today:
            problems["issued_on"] = _("The issue date %(date)s lies in the future.") % {"date": _day(issued_on)}
        elif issued_on < DATE_MIN:
            problems["issued_on"] = _("The issue date is before %(date)s.") % {"date": _day(DATE_MIN)}
        elif birth_date is not None and issued_on < birth_date:
            problems["issued_on"] = _("The issue date is before the holder was born.")
    if valid_until is not None:
        if valid_until > DATE_MAX:
            problems["valid_until"] = _("The date is after %(date)s.") % {"date": _day(DATE_MAX)}
        elif issued_on is not None and valid_until < issued_on:
            problems["valid_until"] = _("A certificate is not valid until before it was issued.")
    elif kind == policy.HEALTH:
        problems["valid_until"] = _("A health certificate is renewed every year (食品安全法 art. 45): enter its valid-until date.")
    return problems
