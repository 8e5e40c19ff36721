"""Every rule of POLICY.md that the code applies, with its id, clause and strength.

`hard` is True for 应 / 不得 / 必须 wording, False for 原则上 (soft: may be overridden with a
written reason, confirmed by the collective review).
"""

from dataclasses import dataclass

from .i18n import gettext_noop as _


INVALID_DATA = "DATA-INVALID"


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    hard: bool
    title: str
    source: str = "川教函〔2021〕569号"


RULES: dict[str, Rule] = {
    r.id: r
    for r in [
        # 三(一)2 staffing
        Rule("STAFF-CANTEEN", "三(一)2", False, _("Canteen staff to diners at least 1:100")),
        Rule("STAFF-DORM-K12", "三(一)2", False, _("Primary/secondary dormitory staff to boarders at least 1:200")),
        Rule("STAFF-DORM-HE", "三(一)2", False, _("Higher-education dormitory staff to boarders at least 1:300")),
        Rule("STAFF-FOOD-SAFETY", "三(一)2", True, _("A full- or part-time food-safety manager")),
        Rule("STAFF-DORM-GENDER", "三(一)2", False, _("Dormitory manager of the residents' gender")),
        Rule("STAFF-DORM-FEMALE", "三(一)2", True, _("No male manager for a girls' dormitory")),
        # 三(三) who may be hired
        Rule("ELIG-CRIMINAL", "三(三)", True, _("No criminal record")),
        Rule("ELIG-HEALTH", "三(三)", True, _("Healthy, no infectious disease")),
        Rule("ELIG-MENTAL", "三(三)", True, _("No history of mental illness")),
        Rule("ELIG-AGE-M", "三(三)", False, _("Men 60 full years of age or under")),
        Rule("ELIG-AGE-F", "三(三)", False, _("Women 50 full years of age or under")),
        Rule("ELIG-AGE-F-CADRE", "三(三)", False, _("Women with cadre status 55 full years of age or under")),
        Rule("ELIG-EDU-MGMT", "三(三)", False, _("Logistics management staff: associate degree or above")),
        Rule("ELIG-EDU-DORM", "三(三)", False, _("Dormitory staff: senior high school or above")),
        Rule("ELIG-EDU-GENERAL", "三(三)", False, _("Canteen, energy, property, greening staff: junior high school or above")),
        Rule("ELIG-CERT-TECH", "三(三)", True, _("Technical posts: the post's certificate")),
        Rule("ELIG-EDU-TECH", "三(三)", False, _("Technical posts: senior high school or above")),
        # National law the workflows apply (POLICY.md, labour law)
        Rule("LAW-MIN-AGE", "第十五条", True, _("Nobody under 16 full years of age may be hired"), source="《劳动法》"),
        Rule("LAW-PROBATION", "第十九条", True, _("Probation no longer than the contract's term allows, once per employer and person"), source="《劳动合同法》"),
        Rule("LAW-PROBATION-PAY", "第二十条", True, _("Probation pay at least 80 per cent of the agreed pay and the local minimum wage"), source="《劳动合同法》"),
        Rule("LAW-OPEN-ENDED", "第十四条", True, _("An open-ended contract is due after 10 continuous years or two consecutive fixed terms"), source="《劳动合同法》"),
        Rule("LAW-FOOD-HEALTH", "第四十五条", True, _("Canteen staff: a valid health certificate"), source="《食品安全法》"),
        Rule("INST-TERM", "第十二条", False, _("An institutional contract normally runs 3 years or more"), source="《事业单位人事管理条例》"),
        Rule("INST-PROBATION", "第十三条", True, _("First employment with a term of 3 years or more: a 12-month probation"), source="《事业单位人事管理条例》"),
        Rule("INST-GRADES", "第二十一条", True, _("Annual appraisal grades: excellent, competent, basically competent, incompetent"), source="《事业单位人事管理条例》"),
        Rule("INST-EXIT-GRADE", "第十六条", True, _("Incompetent and refusing another post, or incompetent two years running: the contract may end with 30 days' written notice"), source="《事业单位人事管理条例》"),
        Rule("INST-RESIGN", "第十七条", True, _("The employee resigns with 30 days' written notice"), source="《事业单位人事管理条例》"),
        Rule("LAW-RESIGN-NOTICE", "第三十七条", True, _("The employee resigns with 30 days' written notice, 3 days in probation"), source="《劳动合同法》"),
        Rule("LAW-NOFAULT-NOTICE", "第四十条", True, _("No-fault dismissal: 30 days' written notice or one month's pay instead"), source="《劳动合同法》"),
        Rule("LAW-SEVERANCE", "第四十六条、第四十七条", True, _("Severance: a month's pay per year of service, capped at 3 times the local average pay and 12 years"), source="《劳动合同法》"),
        # The articles the exit workflow applies beside POLICY.md's list (issue 12 names art. 42).
        Rule("LAW-DISMISS-PROTECTED", "第四十二条", True, _("No no-fault dismissal in pregnancy, maternity or nursing, the medical period, after a work injury or occupational disease, or with 15 years' service within 5 years of retirement"), source="《劳动合同法》"),
        Rule("LAW-EXPIRY-EXTEND", "第四十五条", True, _("A term that ends while a protection of art. 42 holds runs on until it ends"), source="《劳动合同法》"),
        Rule("LAW-RETIREMENT", "第四十四条", True, _("The employment ends when the person reaches the statutory retirement age and draws the pension"), source="《劳动合同法》"),
        # 四(二) the one-vote veto, as HRflow applies it (POLICY.md)
        Rule("VETO-MAJOR", "四(二)", True, _("A major safety responsibility incident vetoes the appraisal of each person found responsible")),
        Rule("VETO-GRADE", "四(二)", True, _("A vetoed appraisal is graded incompetent whatever its scores")),
        Rule("VETO-PAY", "四(二)", True, _("No reward performance pay for a vetoed appraisal")),
        Rule("VETO-EXIT", "四(二)", True, _("A veto opens an exit review, decided by leadership on its legal ground")),
        Rule("VETO-ACCOUNT", "四(二)", True, _("Responsibility is set by an investigation record naming people and roles; each may state their case first")),
        # LAW-DISPATCH: art. 66 of the 劳动合同法; the 10% is 劳务派遣暂行规定 art. 4 (hrflow/policy/dispatch.py).
        Rule("LAW-DISPATCH", "第六十六条", True, _("Dispatched staff at most 10 per cent of the workforce, in temporary, auxiliary or substitute posts"), source="《劳动合同法》"),
        # Not a rule of the notice: marks an application the rules cannot be applied to (an
        # impossible birth date, a bad ID number), so one bad row never stops a screening job.
        Rule(INVALID_DATA, "", True, _("The application's data cannot be screened"), source=""),
    ]
}


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]
