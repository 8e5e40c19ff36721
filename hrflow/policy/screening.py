"""Eligibility screening of an applicant for a post: 川教函〔2021〕569号 三(三), 三(一)2.

`screen()` reports every failing rule, never stopping at the first. Age is in full years
(周岁) on the reference date; 以上/以下 include the number itself (Civil Code art. 1259),
so "60周岁以下" admits a man on his 60th birthday and refuses him from his 61st.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .catalogue import RULES
from .errors import IdentityMismatch, PolicyInputError
from .i18n import gettext_noop as _
from .identity import age_on, parse_id_number


class EducationLevel(StrEnum):
    PRIMARY = "primary"
    JUNIOR_HIGH = "junior_high"
    SENIOR_HIGH = "senior_high"
    SECONDARY_VOCATIONAL = "secondary_vocational"  # 中专/职高/技校: the senior-high level
    ASSOCIATE = "associate"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"


EDUCATION_RANK: dict[str, int] = {
    EducationLevel.PRIMARY: 0,
    EducationLevel.JUNIOR_HIGH: 1,
    EducationLevel.SENIOR_HIGH: 2,
    EducationLevel.SECONDARY_VOCATIONAL: 2,
    EducationLevel.ASSOCIATE: 3,
    EducationLevel.BACHELOR: 4,
    EducationLevel.MASTER: 5,
    EducationLevel.DOCTORATE: 6,
}


class PostCategory(StrEnum):
    CANTEEN = "canteen"
    DORMITORY = "dormitory"
    ENERGY = "energy"
    PROPERTY = "property"
    GREENING = "greening"
    MANAGEMENT = "management"
    TECHNICAL = "technical"


# 三(三): the minimum education per post category, and the rule that sets it.
EDUCATION_REQUIREMENT: dict[str, tuple[str, str]] = {
    PostCategory.MANAGEMENT: ("ELIG-EDU-MGMT", EducationLevel.ASSOCIATE),
    PostCategory.DORMITORY: ("ELIG-EDU-DORM", EducationLevel.SENIOR_HIGH),
    PostCategory.CANTEEN: ("ELIG-EDU-GENERAL", EducationLevel.JUNIOR_HIGH),
    PostCategory.ENERGY: ("ELIG-EDU-GENERAL", EducationLevel.JUNIOR_HIGH),
    PostCategory.PROPERTY: ("ELIG-EDU-GENERAL", EducationLevel.JUNIOR_HIGH),
    PostCategory.GREENING: ("ELIG-EDU-GENERAL", EducationLevel.JUNIOR_HIGH),
    PostCategory.TECHNICAL: ("ELIG-EDU-TECH", EducationLevel.SENIOR_HIGH),
}

# 三(三): the oldest admitted age (inclusive) by gender and, for women, cadre status.
AGE_LIMITS: dict[tuple[str, bool], tuple[str, int]] = {
    ("M", False): ("ELIG-AGE-M", 60),
    ("M", True): ("ELIG-AGE-M", 60),
    ("F", False): ("ELIG-AGE-F", 50),
    ("F", True): ("ELIG-AGE-F-CADRE", 55),
}

# Hard attestations of 三(三): the applicant field and the rule it answers.
ATTESTATIONS: tuple[tuple[str, str, str], ...] = (
    ("criminal_record", "ELIG-CRIMINAL", _("The applicant has a criminal record.")),
    ("infectious_disease", "ELIG-HEALTH", _("The applicant has an infectious disease.")),
    ("mental_illness_history", "ELIG-MENTAL", _("The applicant has a history of mental illness.")),
)

GENDERS = ("M", "F")
# LAW-MIN-AGE (劳动法 art. 15): 未满十六周岁 may not be hired; 16 on the birthday itself is enough.
MIN_WORKING_AGE = 16


@dataclass(frozen=True)
class Finding:
    """One failing rule. `message` is English; the UI translates `template` % `params`."""

    rule: str
    clause: str
    hard: bool
    template: str
    params: Mapping = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template

    @property
    def soft(self) -> bool:
        return not self.hard

    def __str__(self) -> str:
        return f"{self.rule} ({self.clause}, {'hard' if self.hard else 'soft'}): {self.message}"


def make_finding(rule_id: str, template: str, **params) -> Finding:
    r = RULES[rule_id]
    return Finding(rule=r.id, clause=r.clause, hard=r.hard, template=template, params=params)


@dataclass(frozen=True)
class ScreeningResult:
    findings: tuple[Finding, ...]
    birth_date: date
    age: int

    @property
    def eligible(self) -> bool:
        return not self.findings

    @property
    def hard_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.hard)

    @property
    def soft_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.hard)

    @property
    def excluded(self) -> bool:
        """A hard finding excludes; soft ones only may be overridden."""
        return bool(self.hard_findings)


def _choice(mapping: Mapping, key: str, allowed, what: str):
    value = mapping.get(key)
    if value not in allowed:
        raise PolicyInputError(
            _("%(what)s must be one of %(allowed)s, got %(value)r."),
            {"what": what, "allowed": ", ".join(str(a) for a in allowed), "value": value},
            field=key,
        )
    return value


def _flag(mapping: Mapping, key: str) -> bool:
    value = mapping.get(key)
    if not isinstance(value, bool):
        raise PolicyInputError(
            _("%(field)s must be true or false, got %(value)r."), {"field": key, "value": value}, field=key
        )
    return value


def _normalise_certificate(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def screen(applicant: Mapping, post: Mapping, as_of: date) -> ScreeningResult:
    """Screen `applicant` for `post` on the reference date `as_of`.

    Raises a PolicyInputError (a ValueError) for malformed input: a bad ID number, a declared
    gender that contradicts it, an unknown education level or post category, a missing
    attestation, a dormitory post without the residents' gender or a technical post without
    its certificate. Otherwise returns every failing rule.
    """
    identity = parse_id_number(applicant.get("id_number"))
    gender = _choice(applicant, "gender", GENDERS, "gender")
    if gender != identity.sex:
        raise IdentityMismatch(
            _("The declared gender %(declared)s contradicts the ID number, which says %(actual)s."),
            {"declared": gender, "actual": identity.sex},
            field="gender",
        )
    education = _choice(applicant, "education", tuple(EDUCATION_RANK), "education")
    cadre = applicant.get("cadre", False)
    if not isinstance(cadre, bool):
        raise PolicyInputError(_("%(field)s must be true or false, got %(value)r."), {"field": "cadre", "value": cadre}, field="cadre")
    attestations = {key: _flag(applicant, key) for key, _rule, _msg in ATTESTATIONS}
    certificates = applicant.get("certificates") or ()
    if isinstance(certificates, str):
        raise PolicyInputError(_("certificates must be a list of names."), field="certificates")

    category = _choice(post, "category", tuple(PostCategory), "post category")
    dorm_gender = None
    if category == PostCategory.DORMITORY:
        dorm_gender = _choice(post, "dorm_gender", GENDERS, "the residents' gender of a dormitory post")
    required_certificate = None
    if category == PostCategory.TECHNICAL:
        required_certificate = post.get("certificate")
        if not isinstance(required_certificate, str) or not required_certificate.strip():
            raise PolicyInputError(_("A technical post must name its certificate."), field="certificate")

    if as_of < identity.birth_date:
        raise PolicyInputError(
            _("The reference date %(as_of)s is before the birth date."), {"as_of": as_of.isoformat()}, field="id_number"
        )
    age = age_on(identity.birth_date, as_of)
    findings: list[Finding] = []

    if age < MIN_WORKING_AGE:
        findings.append(make_finding(
            "LAW-MIN-AGE", _("Aged %(age)d on %(as_of)s; nobody under %(limit)d full years may be hired."),
            age=age, as_of=as_of.isoformat(), limit=MIN_WORKING_AGE,
        ))

    for key, rule_id, message in ATTESTATIONS:
        if attestations[key]:
            findings.append(make_finding(rule_id, message))

    age_rule, age_limit = AGE_LIMITS[(gender, cadre)]
    if age > age_limit:
        findings.append(
            make_finding(
                age_rule,
                _("Aged %(age)d on %(as_of)s; the limit is %(limit)d full years."),
                age=age,
                as_of=as_of.isoformat(),
                limit=age_limit,
            )
        )

    edu_rule, edu_min = EDUCATION_REQUIREMENT[category]
    if EDUCATION_RANK[education] < EDUCATION_RANK[edu_min]:
        findings.append(
            make_finding(
                edu_rule,
                _("Education %(education)s is below the required %(required)s."),
                education=str(education),
                required=str(edu_min),
            )
        )

    if required_certificate is not None:
        held = {_normalise_certificate(c) for c in certificates}
        if _normalise_certificate(required_certificate) not in held:
            findings.append(
                make_finding(
                    "ELIG-CERT-TECH",
                    _("The post requires the certificate %(certificate)s, which the applicant does not hold."),
                    certificate=required_certificate.strip(),
                )
            )

    if dorm_gender is not None and gender != dorm_gender:
        findings.append(
            make_finding(
                "STAFF-DORM-GENDER",
                _("The applicant's gender %(gender)s differs from the residents' gender %(dorm_gender)s."),
                gender=gender,
                dorm_gender=dorm_gender,
            )
        )
        if dorm_gender == "F":
            findings.append(make_finding("STAFF-DORM-FEMALE", _("A girls' dormitory may not have a male manager.")))

    return ScreeningResult(findings=tuple(findings), birth_date=identity.birth_date, age=age)


# 三(三): what every applicant must meet whatever the post, in the notice's order.
GENERAL_CRITERIA: tuple[str, ...] = (
    "LAW-MIN-AGE",
    *(rule_id for _field, rule_id, _msg in ATTESTATIONS),
    "ELIG-AGE-M", "ELIG-AGE-F", "ELIG-AGE-F-CADRE",
)


def post_requirements(post: Mapping) -> list[str]:
    """The rule ids a post adds to GENERAL_CRITERIA, as screen() applies them (for publishing)."""
    category = post.get("category")
    rules = [EDUCATION_REQUIREMENT[category][0]] if category in EDUCATION_REQUIREMENT else []
    if category == PostCategory.TECHNICAL:
        rules.insert(0, "ELIG-CERT-TECH")
    if category == PostCategory.DORMITORY:
        rules.append("STAFF-DORM-GENDER")
        if post.get("dorm_gender") == "F":
            rules.append("STAFF-DORM-FEMALE")
    return rules
