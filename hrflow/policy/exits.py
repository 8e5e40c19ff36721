"""The exit mechanism (人员退出机制, 四(二)): each ground's legal basis, its steps, notice and
severance, and the protections of 劳动合同法 art. 42 that block a dismissal.

Grounds and what follows from them (POLICY.md: INST-EXIT-GRADE, INST-RESIGN, LAW-RESIGN-NOTICE,
LAW-NOFAULT-NOTICE, LAW-SEVERANCE, VETO-EXIT). A ground a review opens (a veto, an appraisal flag)
is decided on a legal ground the leaders cite: 条例 art. 16 for establishment staff, 劳动合同法
art. 39 or 40 for the others (VETO-EXIT).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from .contracts import CONTRACT, ESTABLISHMENT, add_months, notice_days
from .errors import PolicyInputError
from .i18n import gettext_noop as _

RESIGNATION = "resignation"
NOT_RENEWED = "not_renewed"
APPRAISAL = "appraisal"
VETO = "veto"
NO_FAULT = "no_fault"
FOR_CAUSE = "for_cause"
RETIREMENT = "retirement"
MUTUAL = "mutual"

PERSON, SCHOOL = "person", "school"


@dataclass(frozen=True)
class Ground:
    code: str
    basis: str  # the law cited, as the case shows it
    school_initiated: bool  # the school ends the employment: the person is heard, a collective review decides
    guarded: bool  # 劳动合同法 art. 42 blocks it while a protection holds
    severance: bool  # LAW-SEVERANCE (art. 46) is due for a contract ended on this ground
    decided_on: tuple[str, ...] = ()  # a review's legal grounds to choose from, by the leaders


GROUNDS: dict[str, Ground] = {g.code: g for g in [
    Ground(RESIGNATION, _("劳动合同法 art. 37 (LAW-RESIGN-NOTICE); 事业单位人事管理条例 art. 17 (INST-RESIGN)"), False, False, False),
    Ground(NOT_RENEWED, _("劳动合同法 art. 44(1): the term ended and the school did not renew it; severance art. 46(5)"), False, True, True),
    Ground(APPRAISAL, _("事业单位人事管理条例 art. 16 (INST-EXIT-GRADE): 不合格 two years running, or 不合格 and another post refused"), True, True, True),
    Ground(VETO, _("一票否决 (VETO-EXIT, 四(二)): the leaders decide on the legal ground"), True, True, False, ()),
    Ground(NO_FAULT, _("劳动合同法 art. 40 (LAW-NOFAULT-NOTICE): unable to do the job after training or another post"), True, True, True),
    Ground(FOR_CAUSE, _("劳动合同法 art. 39: serious breach of the rules or serious dereliction"), True, False, False),
    Ground(RETIREMENT, _("劳动合同法 art. 44(2): the statutory retirement age, with the pension"), False, False, False),
    Ground(MUTUAL, _("劳动合同法 art. 36: agreed by both sides; severance art. 46(2) when the school proposed it"), True, False, True),
]}

# VETO-EXIT (and an appraisal flag on staff without an institutional contract): the legal grounds the
# leaders may decide on, by employment type.
LEGAL_GROUNDS = {
    ESTABLISHMENT: (APPRAISAL,),
    CONTRACT: (FOR_CAUSE, NO_FAULT),
}
# Dispatched staff are returned to their agency on the grounds of art. 39 or 40 (劳动合同法 art. 65).
DISPATCHED, PURCHASED = "dispatched", "purchased_service"


def law_type(employment_type: str) -> str | None:
    """The employment type whose rules apply: establishment staff's 聘用合同, or a 劳动合同 (contract
    staff; dispatched staff hold one with their agency, which the same law governs). Purchased-service
    staff are employed by the service company: None, no notice or severance here."""
    if employment_type in (ESTABLISHMENT, CONTRACT):
        return employment_type
    if employment_type == DISPATCHED:
        return CONTRACT
    if employment_type == PURCHASED:
        return None
    raise PolicyInputError(_("Unknown employment type %(type)r."), {"type": employment_type}, field="employment_type")


def ground(code: str) -> Ground:
    try:
        return GROUNDS[code]
    except KeyError:
        raise PolicyInputError(_("Unknown exit ground %(ground)r."), {"ground": code}, field="ground") from None


def legal_grounds(*, ground_code: str, employment_type: str) -> tuple[str, ...]:
    """The grounds a case on `ground_code` may be decided on: itself, or for a veto (and an appraisal
    flag on a 劳动合同) the grounds VETO-EXIT names for the person's employment type."""
    kind = law_type(employment_type)
    if ground_code == VETO or (ground_code == APPRAISAL and kind != ESTABLISHMENT):
        return LEGAL_GROUNDS.get(kind or CONTRACT, ())
    ground(ground_code)
    return (ground_code,)


def exit_notice_days(*, legal_ground: str, employment_type: str, in_probation: bool = False) -> int:
    """The notice of an exit decided on `legal_ground`: notice_days for the grounds that carry one; a
    term not renewed and a retirement end on their own date; purchased-service staff's notice is their
    company's."""
    if legal_ground in (NOT_RENEWED, RETIREMENT) or law_type(employment_type) is None:
        return 0
    if legal_ground == VETO:
        raise PolicyInputError(_("A veto's exit is decided on a legal ground first."), field="legal_ground")
    return notice_days(ground=legal_ground, employment_type=law_type(employment_type), in_probation=in_probation)


def severance_due(*, legal_ground: str, employment_type: str, initiated_by: str = SCHOOL, renewal_declined: bool = False) -> bool:
    """Whether LAW-SEVERANCE is due (劳动合同法 art. 46): no-fault (46(3)), an appraisal exit (the same,
    applied to 聘用合同 by art. 96), a term the school did not renew (46(5): not where the person declined
    a renewal on the same or better terms), a mutual agreement the school proposed (46(2)). Never for a
    resignation, for cause or a retirement, and never by the school for dispatched or purchased-service
    staff, whose employer is the agency or the company."""
    if legal_ground == VETO:
        raise PolicyInputError(_("A veto's exit is decided on a legal ground first."), field="legal_ground")
    if employment_type not in (ESTABLISHMENT, CONTRACT):
        law_type(employment_type)  # an unknown type is refused
        return False
    if legal_ground == MUTUAL:
        return initiated_by == SCHOOL
    if legal_ground == NOT_RENEWED and renewal_declined:
        return False
    return ground(legal_ground).severance


def union_notice_due(*, legal_ground: str, employment_type: str) -> bool:
    """劳动合同法 art. 43: a school ending a 劳动合同 on its own (arts. 39, 40) tells the union the reasons first."""
    return legal_ground in (FOR_CAUSE, NO_FAULT) and law_type(employment_type) == CONTRACT


def ground_refusal(*, ground_code: str, employment_type: str) -> str | None:
    """Why a ground does not apply to this employment type, or None: establishment staff's 聘用合同 is
    ended on 条例 art. 16 or by agreement, not 劳动合同法 art. 39/40; 条例 art. 16 is theirs alone;
    purchased-service staff's employer is their company (STAFF-PURCHASE), so the school dismisses no one."""
    ground(ground_code)
    if ground_code in (NO_FAULT, FOR_CAUSE, APPRAISAL) and law_type(employment_type) is None:
        return _("Purchased-service staff are employed by their service company: the school ends their assignment by "
                 "agreement with the company (mutual agreement), not by dismissing them.")
    if ground_code in (NO_FAULT, FOR_CAUSE) and employment_type == ESTABLISHMENT:
        return _("Establishment staff hold an institutional contract: the school ends it on the ground of "
                 "事业单位人事管理条例 art. 16 (appraisal) or by mutual agreement, not 劳动合同法 art. 39 or 40.")
    if ground_code == APPRAISAL and employment_type != ESTABLISHMENT:
        return _("条例 art. 16 applies to establishment staff; for others open a no-fault dismissal "
                 "(劳动合同法 art. 40(2): unable to do the job after training or another post).")
    return None


def pay_in_lieu_allowed(*, legal_ground: str, employment_type: str) -> bool:
    """LAW-NOFAULT-NOTICE: a month's pay instead of the 30 days' notice, for a no-fault dismissal only,
    paid by the school as the employer (a dispatched worker's is the agency's, art. 65)."""
    return legal_ground == NO_FAULT and employment_type in (ESTABLISHMENT, CONTRACT)


# --- Statutory retirement age ------------------------------------------------------------------
# 全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定 (2024), from 2025-01-01: the
# original age rises by one month per `step` months of birth from `first_birth`, up to `cap` months.
RETIREMENT_SCHEDULE = {
    # (sex, cadre): (original age in years, first birth month affected, step months, cap months)
    ("M", False): (60, date(1965, 1, 1), 4, 36),
    ("M", True): (60, date(1965, 1, 1), 4, 36),
    ("F", True): (55, date(1970, 1, 1), 4, 36),  # women cadres (干部身份): 55 → 58
    ("F", False): (50, date(1975, 1, 1), 2, 60),  # women workers: 50 → 55
}


def statutory_retirement_date(*, birth_date: date, sex: str, cadre: bool = False) -> date:
    """The day the person reaches the statutory retirement age under the 2024 decision."""
    if not isinstance(birth_date, date):
        raise PolicyInputError(_("%(field)s must be a date."), {"field": "birth_date"}, field="birth_date")
    try:
        years, first, step, cap = RETIREMENT_SCHEDULE[(sex, bool(cadre) if sex == "F" else False)]
    except KeyError:
        raise PolicyInputError(_("Unknown sex %(sex)r."), {"sex": sex}, field="sex") from None
    months_after = (birth_date.year - first.year) * 12 + birth_date.month - first.month
    delay = min(cap, months_after // step + 1) if months_after >= 0 else 0
    return add_months(birth_date, years * 12 + delay)


# --- 劳动合同法 art. 42 ---------------------------------------------------------------------------
# The protections a status record can carry, with the article's item. 42(5) (15 years' service within
# 5 years of retirement) follows from the service and the birth date, not from a record.
PREGNANCY, MATERNITY, NURSING = "pregnancy", "maternity", "nursing"
MEDICAL_PERIOD, WORK_INJURY, OCCUPATIONAL_DISEASE, OD_SUSPECTED = "medical_period", "work_injury", "occupational_disease", "od_suspected"
PROTECTION_ITEMS = {
    OD_SUSPECTED: "42(1)",
    WORK_INJURY: "42(2)",
    OCCUPATIONAL_DISEASE: "42(2)",
    MEDICAL_PERIOD: "42(3)",
    PREGNANCY: "42(4)",
    MATERNITY: "42(4)",
    NURSING: "42(4)",
}
# The article and item cited, as the finding shows it (translated in the UI).
PROTECTION_ARTICLES = {
    "42(1)": _("劳动合同法 art. 42(1)"),
    "42(2)": _("劳动合同法 art. 42(2)"),
    "42(3)": _("劳动合同法 art. 42(3)"),
    "42(4)": _("劳动合同法 art. 42(4)"),
}
LONG_SERVICE_YEARS = 15
YEARS_BEFORE_RETIREMENT = 5


@dataclass(frozen=True)
class Protection:
    kind: str
    starts_on: date
    ends_on: date | None = None  # None: still in force

    def holds_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class ExitFinding:
    """Why an exit cannot go ahead now: the rule, the article, and the words to show."""

    rule: str
    article: str
    template: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template


PROTECTION_WORDS = {
    PREGNANCY: _("pregnancy"),
    MATERNITY: _("maternity leave"),
    NURSING: _("the nursing period"),
    MEDICAL_PERIOD: _("sick leave within the medical period"),
    WORK_INJURY: _("a confirmed work injury with lost working capacity"),
    OCCUPATIONAL_DISEASE: _("a confirmed occupational disease"),
    OD_SUSPECTED: _("a suspected occupational disease under diagnosis or observation"),
}


def dismissal_guards(*, legal_ground: str, as_of: date, protections: Iterable[Protection] = (),
                     service_start: date | None = None, birth_date: date | None = None, sex: str | None = None,
                     cadre: bool = False) -> list[ExitFinding]:
    """What blocks ending the employment on `legal_ground` on `as_of` (劳动合同法 art. 42): pregnancy,
    maternity or nursing; sick leave within the medical period; a confirmed work injury or occupational
    disease (or one under diagnosis); 15 years' continuous service and less than 5 years to the
    statutory retirement age. They block a no-fault dismissal and an appraisal exit; a term that ends
    while one holds runs on until it ends (art. 45). A resignation, a dismissal for cause (art. 39), a
    mutual agreement and a retirement are not blocked."""
    code = ground(legal_ground)
    if not code.guarded or legal_ground == VETO:
        return []
    if not isinstance(as_of, date):
        raise PolicyInputError(_("%(field)s must be a date."), {"field": "as_of"}, field="as_of")
    findings = []
    extended = legal_ground == NOT_RENEWED
    rule_id = "LAW-EXPIRY-EXTEND" if extended else "LAW-DISMISS-PROTECTED"
    for p in protections:
        if p.kind not in PROTECTION_ITEMS:
            raise PolicyInputError(_("Unknown protection %(kind)r."), {"kind": p.kind}, field="kind")
        if p.holds_on(as_of):
            template = (_("The person is protected by %(what)s (%(article)s): the term runs on until it ends (劳动合同法 art. 45).")
                        if extended else
                        _("The person is protected by %(what)s (%(article)s): the school may not end the employment on this ground."))
            item = PROTECTION_ITEMS[p.kind]
            findings.append(ExitFinding(rule_id, item, template, {"what": PROTECTION_WORDS[p.kind], "article": PROTECTION_ARTICLES[item]}))
    if service_start is not None and birth_date is not None and sex is not None and service_start <= as_of:
        retires_on = statutory_retirement_date(birth_date=birth_date, sex=sex, cadre=cadre)
        served_15 = add_months(service_start, LONG_SERVICE_YEARS * 12) <= as_of
        near = as_of < retires_on and add_months(as_of, YEARS_BEFORE_RETIREMENT * 12) > retires_on
        if served_15 and near:
            template = (_("15 years' continuous service and less than 5 years to retirement on %(day)s (劳动合同法 art. 42(5)): the term runs on until it ends (劳动合同法 art. 45).")
                        if extended else
                        _("15 years' continuous service and less than 5 years to retirement on %(day)s (劳动合同法 art. 42(5)): the school may not end the employment on this ground."))
            findings.append(ExitFinding(rule_id, "42(5)", template, {"day": retires_on}))
    return findings


def retirement_findings(*, last_day: date, birth_date: date, sex: str, cadre: bool = False) -> list[ExitFinding]:
    """A retirement before the statutory age is not a retirement (劳动合同法 art. 44(2))."""
    retires_on = statutory_retirement_date(birth_date=birth_date, sex=sex, cadre=cadre)
    if last_day + timedelta(days=1) < retires_on:
        return [ExitFinding("LAW-RETIREMENT", "44(2)", _("The person reaches the statutory retirement age on %(day)s, after the last day asked for."),
                            {"day": retires_on})]
    return []
