"""Contract rules of the labour law: probation (劳动合同法 arts. 19, 20; 事业单位人事管理条例 art. 13)
and severance (劳动合同法 arts. 46, 47). Signatures pinned by issue 9: others rely on them."""

import calendar
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
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
PROBATION_PAY_SHARE = Decimal("0.8")  # LAW-PROBATION-PAY: at least 80% of the agreed pay
INST_TERM_MIN_MONTHS = 36  # INST-TERM: a 聘用合同 normally runs 3 years or more
OPEN_ENDED_SERVICE_MONTHS = 120  # LAW-OPEN-ENDED: 10 continuous years
OPEN_ENDED_FIXED_TERMS = 2  # LAW-OPEN-ENDED: after two consecutive fixed terms


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


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the last day of a shorter month (2024-01-31 + 1 → 2024-02-29)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(starts_on: date, term_months: int | None) -> date | None:
    """The last day of a term of `term_months` starting on `starts_on`; None when open-ended."""
    if term_months is None:
        return None
    return add_months(starts_on, term_months) - timedelta(days=1)


def probation_end(starts_on: date, probation_months: int) -> date | None:
    """The last day of the probation, or None without one."""
    return add_months(starts_on, probation_months) - timedelta(days=1) if probation_months else None


def probation_pay_floor(*, agreed_pay, minimum_wage) -> Decimal:
    """The lowest lawful monthly probation pay (LAW-PROBATION-PAY, art. 20): 80% of the agreed pay,
    rounded up to the cent, and never below the local minimum wage."""
    agreed = _money(agreed_pay, "agreed_pay")
    minimum = _money(minimum_wage, "minimum_wage")
    share = (agreed * PROBATION_PAY_SHARE).quantize(CENT, rounding="ROUND_CEILING")
    return max(share, minimum).quantize(CENT)


@dataclass(frozen=True)
class ContractFinding:
    """A rule a contract's terms break: `hard` ones refuse the signature, soft ones need a written reason."""

    rule: str
    hard: bool
    template: str
    params: dict = field(default_factory=dict)
    field: str = ""

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template


def check_contract(*, employment_type: str, term_months: int | None, probation_months: int, first_employment: bool,
                   task_based: bool, earlier_probation_with_employer: bool, agreed_pay, probation_pay,
                   minimum_wage) -> list[ContractFinding]:
    """What a contract's terms break, at signing: probation length (LAW-PROBATION, INST-PROBATION),
    probation pay (LAW-PROBATION-PAY) and the usual term of an institutional contract (INST-TERM, soft)."""
    findings = []
    if isinstance(probation_months, bool) or not isinstance(probation_months, int) or probation_months < 0:
        raise PolicyInputError(_("probation_months must be a whole number of months."), field="probation_months")
    longest = probation_max_months(employment_type=employment_type, term_months=term_months,
                                   first_employment=first_employment, task_based=task_based)
    if probation_months and earlier_probation_with_employer:
        findings.append(ContractFinding("LAW-PROBATION", True, _(
            "This person has already served a probation with this employer: a new contract has none "
            "(劳动合同法 art. 19)."), field="probation_months"))
    elif probation_months > longest:
        inst = employment_type == ESTABLISHMENT and first_employment and longest == INST_PROBATION_MONTHS
        findings.append(ContractFinding("INST-PROBATION" if inst else "LAW-PROBATION", True, _(
            "A probation of %(months)d months is longer than the %(longest)d months this contract allows "
            "(%(source)s)."), {"months": probation_months, "longest": longest,
                               "source": "《事业单位人事管理条例》第十三条" if inst else "《劳动合同法》第十九条"},
            field="probation_months"))
    agreed = _money(agreed_pay, "agreed_pay")
    if probation_months:
        if probation_pay is None:
            findings.append(ContractFinding("LAW-PROBATION-PAY", True, _("State the probation pay."), field="probation_pay"))
        else:
            floor = probation_pay_floor(agreed_pay=agreed, minimum_wage=minimum_wage)
            if _money(probation_pay, "probation_pay") < floor:
                findings.append(ContractFinding("LAW-PROBATION-PAY", True, _(
                    "Probation pay must be at least %(floor)s yuan a month: 80%% of the agreed pay and not "
                    "below the local minimum wage (劳动合同法 art. 20)."), {"floor": f"{floor:,.2f}"}, field="probation_pay"))
    if employment_type == ESTABLISHMENT and term_months is not None and term_months < INST_TERM_MIN_MONTHS and not task_based:
        findings.append(ContractFinding("INST-TERM", False, _(
            "An institutional contract normally runs 3 years or more (事业单位人事管理条例 art. 12): "
            "give the reason for a term of %(months)d months."), {"months": term_months}, field="term_months"))
    return findings


def open_ended_due(*, employment_type: str, continuous_service_months: int, consecutive_fixed_terms: int) -> list[str]:
    """Why an open-ended contract is due at this renewal (LAW-OPEN-ENDED, 劳动合同法 art. 14), or [].

    For a 劳动合同 only: 10 continuous years with the employer, or two consecutive fixed terms before
    this renewal (that the person was without fault under arts. 39 and 40(1)(2) is for HR to confirm).
    Establishment staff's 聘用合同 follow 事业单位人事管理条例 art. 14 instead, which POLICY.md does not
    list; HRflow flags nothing for them rather than apply the wrong law.
    """
    if employment_type == ESTABLISHMENT:
        return []
    reasons = []
    if continuous_service_months >= OPEN_ENDED_SERVICE_MONTHS:
        reasons.append(_("10 continuous years with this employer (劳动合同法 art. 14(2)(1))"))
    if consecutive_fixed_terms >= OPEN_ENDED_FIXED_TERMS:
        reasons.append(_("two consecutive fixed-term contracts already (劳动合同法 art. 14(2)(3))"))
    return reasons


# The notice grounds of notice_days (pinned by issue 12): the grounds of an exit that carry a notice
# period of their own. A contract not renewed ends on its last day, a retirement on the statutory date.
NOTICE_GROUNDS = ("resignation", "no_fault", "for_cause", "appraisal", "mutual")
RESIGN_NOTICE_DAYS = 30  # LAW-RESIGN-NOTICE (劳动合同法 art. 37), INST-RESIGN (条例 art. 17)
RESIGN_PROBATION_NOTICE_DAYS = 3  # LAW-RESIGN-NOTICE: in probation, contract staff only
EMPLOYER_NOTICE_DAYS = 30  # LAW-NOFAULT-NOTICE (art. 40), INST-EXIT-GRADE (条例 art. 16)


def notice_days(*, ground: str, employment_type: str, in_probation: bool = False) -> int:
    """Days of written notice before an exit on `ground` takes effect.

    Resignation: 30 days (LAW-RESIGN-NOTICE; INST-RESIGN for establishment staff), 3 in probation for
    contract staff only (the 条例 knows no shorter notice); no-fault dismissal: 30 (or a month's pay
    instead, LAW-NOFAULT-NOTICE); appraisal (INST-EXIT-GRADE): 30; for cause (art. 39) and mutual
    agreement (art. 36): none. An unknown ground or employment type is a ValueError.
    """
    if ground not in NOTICE_GROUNDS:
        raise PolicyInputError(_("Unknown exit ground %(ground)r."), {"ground": ground}, field="ground")
    if employment_type not in (ESTABLISHMENT, CONTRACT):
        raise PolicyInputError(_("Unknown employment type %(type)r."), {"type": employment_type}, field="employment_type")
    if ground == "resignation":
        if in_probation and employment_type == CONTRACT:
            return RESIGN_PROBATION_NOTICE_DAYS
        return RESIGN_NOTICE_DAYS
    if ground in ("no_fault", "appraisal"):
        return EMPLOYER_NOTICE_DAYS
    return 0
