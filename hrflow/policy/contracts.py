"""Contract rules of the labour law: probation (劳动合同法 arts. 19, 20; 事业单位人事管理条例 art. 13)
and severance (劳动合同法 arts. 46, 47). Signatures pinned by issue 9: others rely on them."""

import calendar
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import PolicyInputError
from .i18n import gettext_noop as _

INSTITUTIONAL = "institutional"  # 聘用合同 (establishment staff)
LABOUR = "labour"  # 劳动合同 (contract and dispatched staff)
# The employment types the probation rules know: 编制 staff sign a 聘用合同, contract staff a 劳动合同.
ESTABLISHMENT = "establishment"
CONTRACT = "contract"
EMPLOYMENT_TYPE_OF_KIND = {INSTITUTIONAL: ESTABLISHMENT, LABOUR: CONTRACT}

INST_PROBATION_MIN_TERM = 36  # INST-PROBATION: first employment, a term of 3 years or more
INST_PROBATION_MONTHS = 12
SEVERANCE_CAP_MULTIPLE = 3  # LAW-SEVERANCE: pay above 3× the local average is capped, and years at 12
SEVERANCE_CAP_YEARS = 12
CENT = Decimal("0.01")


def probation_max_months(*, employment_type: str, term_months: int | None, first_employment: bool = False,
                         task_based: bool = False) -> int:
    """The longest probation, in months, for a contract of `term_months` (None = open-ended).

    INST-PROBATION: establishment staff on their first employment (初次就业) with a term of 36 months
    or more (or open-ended): 12. Otherwise LAW-PROBATION (art. 19): a task-based contract or a term
    under 3 months: none; 3 months to under a year: 1; 1 to under 3 years: 2; 3 years or more, or
    open-ended: 6. "One probation per employer and person" is the caller's to check, from the
    contract history: a second contract with the same employer has none.
    """
    if employment_type not in (ESTABLISHMENT, CONTRACT):
        raise PolicyInputError(_("Unknown employment type %(type)r."), {"type": employment_type}, field="employment_type")
    if term_months is not None and (isinstance(term_months, bool) or not isinstance(term_months, int) or term_months < 0):
        raise PolicyInputError(_("term_months must be a whole number of months."), field="term_months")
    if task_based:
        return 0
    long_term = term_months is None or term_months >= 36
    if employment_type == ESTABLISHMENT and first_employment and (term_months is None or term_months >= INST_PROBATION_MIN_TERM):
        return INST_PROBATION_MONTHS
    if long_term:
        return 6
    if term_months >= 12:
        return 2
    if term_months >= 3:
        return 1
    return 0


def _money(value, field: str) -> Decimal:
    if isinstance(value, bool):
        raise PolicyInputError(_("%(field)s must be an amount of money."), {"field": field}, field=field)
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise PolicyInputError(_("%(field)s must be an amount of money."), {"field": field}, field=field) from None
    if not amount.is_finite() or amount < 0 or (isinstance(value, float) and not math.isfinite(value)):
        raise PolicyInputError(_("%(field)s must be an amount of money."), {"field": field}, field=field)
    return amount


def service_months(start: date, end: date) -> tuple[int, bool]:
    """Full calendar months from `start` to `end`, and whether days remain beyond them.

    A month is complete on the same day of a later month (2020-03-15 → 2020-04-15), or on the last
    day of a shorter month (2020-01-31 → 2020-02-29)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    anniversary = min(start.day, calendar.monthrange(end.year, end.month)[1])
    if end.day < anniversary:
        return months - 1, True
    return months, end.day > anniversary


def severance_pay(*, service_start: date, service_end: date, monthly_pay, local_average_monthly_pay) -> Decimal:
    """Economic compensation (经济补偿) in yuan, to the cent (LAW-SEVERANCE, arts. 46, 47).

    One month's pay per full year of service; a remainder of 6 months or more counts as a year,
    under 6 months as half a month. Where the monthly pay is *above* 3× the local average monthly
    pay, the pay is capped at 3× that average and the years at 12.
    """
    for name, value in (("service_start", service_start), ("service_end", service_end)):
        if not isinstance(value, date):
            raise PolicyInputError(_("%(field)s must be a date."), {"field": name}, field=name)
    if service_end < service_start:
        raise PolicyInputError(_("The service ends before it starts."), field="service_end")
    pay = _money(monthly_pay, "monthly_pay")
    average = _money(local_average_monthly_pay, "local_average_monthly_pay")
    months, extra_days = service_months(service_start, service_end)
    years, rest = divmod(months, 12)
    if rest >= 6:
        pay_months = Decimal(years + 1)
    elif rest or extra_days:
        pay_months = Decimal(years) + Decimal("0.5")
    else:
        pay_months = Decimal(years)
    cap = average * SEVERANCE_CAP_MULTIPLE
    if pay > cap:
        pay = cap
        pay_months = min(pay_months, Decimal(SEVERANCE_CAP_YEARS))
    return (pay * pay_months).quantize(CENT, rounding=ROUND_HALF_UP)


# notice_days(...) — the notice period of an exit — is pinned by the exit issue, which builds it here.
