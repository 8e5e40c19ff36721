"""screen(): every rule of 三(三) (and the dormitory gender rules of 三(一)2) at its boundaries."""

from datetime import date

import pytest

from hrflow.policy import (
    INVALID_DATA,
    RULES,
    IdentityMismatch,
    InvalidIdNumber,
    PolicyInputError,
    screen,
)

from .conftest import make_applicant

AS_OF = date(2024, 6, 30)
POSTS = {
    "canteen": {"category": "canteen"},
    "dormitory": {"category": "dormitory", "dorm_gender": "M"},
    "energy": {"category": "energy"},
    "property": {"category": "property"},
    "greening": {"category": "greening"},
    "management": {"category": "management"},
    "technical": {"category": "technical", "certificate": "电工证"},
}

# POLICY.md, copied: id -> (clause, hard). The catalogue must say exactly this.
POLICY_TABLE = {
    "STAFF-CANTEEN": ("三(一)2", False),
    "STAFF-DORM-K12": ("三(一)2", False),
    "STAFF-DORM-HE": ("三(一)2", False),
    "STAFF-FOOD-SAFETY": ("三(一)2", True),
    "STAFF-DORM-GENDER": ("三(一)2", False),
    "STAFF-DORM-FEMALE": ("三(一)2", True),
    "ELIG-CRIMINAL": ("三(三)", True),
    "ELIG-HEALTH": ("三(三)", True),
    "ELIG-MENTAL": ("三(三)", True),
    "ELIG-AGE-M": ("三(三)", False),
    "ELIG-AGE-F": ("三(三)", False),
    "ELIG-AGE-F-CADRE": ("三(三)", False),
    "ELIG-EDU-MGMT": ("三(三)", False),
    "ELIG-EDU-DORM": ("三(三)", False),
    "ELIG-EDU-GENERAL": ("三(三)", False),
    "ELIG-CERT-TECH": ("三(三)", True),
    "ELIG-EDU-TECH": ("三(三)", False),
    "LAW-MIN-AGE": ("第十五条", True),
    "LAW-PROBATION": ("第十九条", True),
    "LAW-PROBATION-PAY": ("第二十条", True),
    "LAW-OPEN-ENDED": ("第十四条", True),
    "LAW-FOOD-HEALTH": ("第四十五条", True),
    "INST-TERM": ("第十二条", False),
    "INST-PROBATION": ("第十三条", True),
    "LAW-DISPATCH": ("第六十六条", True),
    "INST-GRADES": ("第二十一条", True),
    "INST-EXIT-GRADE": ("第十六条", True),
    "INST-RESIGN": ("第十七条", True),
    "LAW-RESIGN-NOTICE": ("第三十七条", True),
    "LAW-NOFAULT-NOTICE": ("第四十条", True),
    "LAW-SEVERANCE": ("第四十六条、第四十七条", True),
    # The articles of the exit workflow beyond POLICY.md's table (issue 12 names art. 42).
    "LAW-DISMISS-PROTECTED": ("第四十二条", True),
    "LAW-EXPIRY-EXTEND": ("第四十五条", True),
    "LAW-RETIREMENT": ("第四十四条", True),
    "VETO-MAJOR": ("四(二)", True),
    "VETO-GRADE": ("四(二)", True),
    "VETO-PAY": ("四(二)", True),
    "VETO-EXIT": ("四(二)", True),
    "VETO-ACCOUNT": ("四(二)", True),
}


def rules_of(result):
    return sorted(f.rule for f in result.findings)


def test_catalogue_matches_policy_table():
    # DATA-INVALID is no rule of the notice: it marks a row the rules cannot be applied to.
    assert {rid: (r.clause, r.hard) for rid, r in RULES.items() if rid != INVALID_DATA} == POLICY_TABLE
    assert RULES[INVALID_DATA].hard


@pytest.mark.parametrize("category", sorted(POSTS))
def test_a_qualified_applicant_is_eligible_for_every_category(category):
    result = screen(make_applicant(certificates=["电工证"]), POSTS[category], AS_OF)
    assert result.eligible and result.findings == ()


@pytest.mark.parametrize(
    "field,rule_id",
    [("criminal_record", "ELIG-CRIMINAL"), ("infectious_disease", "ELIG-HEALTH"), ("mental_illness_history", "ELIG-MENTAL")],
)
def test_each_attestation_is_a_hard_finding(field, rule_id):
    result = screen(make_applicant(**{field: True}), POSTS["canteen"], AS_OF)
    assert rules_of(result) == [rule_id]
    assert result.findings[0].hard and result.findings[0].clause == "三(三)"
    assert not result.eligible and result.excluded


def test_every_failing_rule_is_reported_not_only_the_first():
    applicant = make_applicant(
        birth=date(1950, 1, 1), education="primary",
        criminal_record=True, infectious_disease=True, mental_illness_history=True,
    )
    result = screen(applicant, POSTS["technical"], AS_OF)
    assert rules_of(result) == sorted(
        ["ELIG-CRIMINAL", "ELIG-HEALTH", "ELIG-MENTAL", "ELIG-AGE-M", "ELIG-EDU-TECH", "ELIG-CERT-TECH"]
    )
    assert {f.rule for f in result.hard_findings} == {"ELIG-CRIMINAL", "ELIG-HEALTH", "ELIG-MENTAL", "ELIG-CERT-TECH"}
    assert {f.rule for f in result.soft_findings} == {"ELIG-AGE-M", "ELIG-EDU-TECH"}


@pytest.mark.parametrize(
    "gender,cadre,birth,as_of,expected",
    [
        # Men: 60周岁以下 includes 60 (Civil Code art. 1259).
        ("M", False, date(1964, 6, 15), date(2024, 6, 14), None),  # 59, the day before turning 60
        ("M", False, date(1964, 6, 15), date(2024, 6, 15), None),  # turns 60 that day
        ("M", False, date(1964, 6, 15), date(2025, 6, 14), None),  # still 60
        ("M", False, date(1964, 6, 15), date(2025, 6, 15), "ELIG-AGE-M"),  # turns 61
        ("M", False, date(1964, 6, 15), date(2025, 6, 16), "ELIG-AGE-M"),
        ("M", True, date(1964, 6, 15), date(2025, 6, 15), "ELIG-AGE-M"),  # cadre status changes nothing for men
        # Women: 50.
        ("F", False, date(1974, 3, 10), date(2024, 3, 10), None),
        ("F", False, date(1974, 3, 10), date(2025, 3, 9), None),
        ("F", False, date(1974, 3, 10), date(2025, 3, 10), "ELIG-AGE-F"),
        ("F", False, date(1974, 3, 10), date(2025, 3, 11), "ELIG-AGE-F"),
        # Women with cadre status: 55.
        ("F", True, date(1972, 3, 10), date(2025, 3, 10), None),  # 53: over 50, under 55
        ("F", True, date(1969, 3, 10), date(2024, 3, 10), None),  # turns 55
        ("F", True, date(1969, 3, 10), date(2025, 3, 9), None),
        ("F", True, date(1969, 3, 10), date(2025, 3, 10), "ELIG-AGE-F-CADRE"),
        # 29 February births: in a common year the birthday falls on 28 February (Civil Code art. 202).
        ("M", False, date(1964, 2, 29), date(2025, 2, 27), None),
        ("M", False, date(1964, 2, 29), date(2025, 2, 28), "ELIG-AGE-M"),
        ("M", False, date(1964, 2, 29), date(2025, 3, 1), "ELIG-AGE-M"),
        ("F", False, date(1972, 2, 29), date(2023, 2, 27), None),
        ("F", False, date(1972, 2, 29), date(2023, 2, 28), "ELIG-AGE-F"),
        ("F", False, date(1972, 2, 29), date(2022, 2, 28), None),
        ("F", True, date(1968, 2, 29), date(2024, 2, 28), None),  # 55 until the leap day
        ("F", True, date(1968, 2, 29), date(2024, 2, 29), "ELIG-AGE-F-CADRE"),
    ],
)
def test_age_limits_at_their_boundaries(gender, cadre, birth, as_of, expected):
    result = screen(make_applicant(birth=birth, gender=gender, cadre=cadre), POSTS["canteen"], as_of)
    assert rules_of(result) == ([expected] if expected else [])
    if expected:
        finding = result.findings[0]
        assert not finding.hard and finding.clause == "三(三)"
        assert finding.params["limit"] == {"ELIG-AGE-M": 60, "ELIG-AGE-F": 50, "ELIG-AGE-F-CADRE": 55}[expected]


LEVELS = ["primary", "junior_high", "senior_high", "secondary_vocational", "associate", "bachelor", "master", "doctorate"]
MINIMUM = {
    "management": ("ELIG-EDU-MGMT", "associate"),
    "dormitory": ("ELIG-EDU-DORM", "senior_high"),
    "technical": ("ELIG-EDU-TECH", "senior_high"),
    "canteen": ("ELIG-EDU-GENERAL", "junior_high"),
    "energy": ("ELIG-EDU-GENERAL", "junior_high"),
    "property": ("ELIG-EDU-GENERAL", "junior_high"),
    "greening": ("ELIG-EDU-GENERAL", "junior_high"),
}
RANK = {"primary": 0, "junior_high": 1, "senior_high": 2, "secondary_vocational": 2, "associate": 3, "bachelor": 4, "master": 5, "doctorate": 6}


@pytest.mark.parametrize("category", sorted(POSTS))
@pytest.mark.parametrize("education", LEVELS)
def test_education_minimum_per_category(category, education):
    result = screen(make_applicant(education=education, certificates=["电工证"]), POSTS[category], AS_OF)
    rule_id, minimum = MINIMUM[category]
    expected = [rule_id] if RANK[education] < RANK[minimum] else []
    assert rules_of(result) == expected
    assert all(not f.hard for f in result.findings)


def test_secondary_vocational_counts_as_senior_high_for_dormitory_posts():
    assert screen(make_applicant(education="secondary_vocational"), POSTS["dormitory"], AS_OF).eligible


@pytest.mark.parametrize(
    "held,eligible",
    [([], False), (["厨师证"], False), (["电工证"], True), ([" 电工证 "], True), (["厨师证", "电工证"], True)],
)
def test_technical_post_requires_its_certificate(held, eligible):
    result = screen(make_applicant(certificates=held), POSTS["technical"], AS_OF)
    assert result.eligible is eligible
    if not eligible:
        assert rules_of(result) == ["ELIG-CERT-TECH"] and result.findings[0].hard


def test_certificate_is_not_required_outside_technical_posts():
    assert screen(make_applicant(certificates=[]), POSTS["property"], AS_OF).eligible


@pytest.mark.parametrize(
    "gender,dorm_gender,expected",
    [
        ("M", "M", []),
        ("F", "F", []),
        ("F", "M", ["STAFF-DORM-GENDER"]),  # soft: 原则上
        ("M", "F", ["STAFF-DORM-FEMALE", "STAFF-DORM-GENDER"]),  # and hard: 不得
    ],
)
def test_dormitory_manager_gender(gender, dorm_gender, expected):
    post = {"category": "dormitory", "dorm_gender": dorm_gender}
    result = screen(make_applicant(gender=gender), post, AS_OF)
    assert rules_of(result) == expected
    assert all(f.clause == "三(一)2" for f in result.findings)
    assert result.excluded is ("STAFF-DORM-FEMALE" in expected)


def test_findings_carry_rule_clause_strength_and_message():
    result = screen(make_applicant(education="primary"), POSTS["management"], AS_OF)
    (finding,) = result.findings
    assert (finding.rule, finding.clause, finding.hard) == ("ELIG-EDU-MGMT", "三(三)", False)
    assert "associate" in finding.message
    assert finding.rule in str(finding)


@pytest.mark.parametrize(
    "overrides,error",
    [
        ({"id_number": "110105194912310021"}, InvalidIdNumber),
        ({"id_number": None}, InvalidIdNumber),
        ({"gender": "X"}, PolicyInputError),
        ({"education": "phd"}, PolicyInputError),
        ({"criminal_record": None}, PolicyInputError),
        ({"infectious_disease": "no"}, PolicyInputError),
        ({"cadre": "yes"}, PolicyInputError),
        ({"certificates": "电工证"}, PolicyInputError),
    ],
)
def test_malformed_applicant_raises_a_value_error(overrides, error):
    with pytest.raises(error) as info:
        screen(make_applicant(**overrides), POSTS["canteen"], AS_OF)
    assert isinstance(info.value, ValueError) and str(info.value)


def test_missing_attestation_is_an_error_not_a_pass():
    applicant = make_applicant()
    del applicant["mental_illness_history"]
    with pytest.raises(PolicyInputError) as info:
        screen(applicant, POSTS["canteen"], AS_OF)
    assert info.value.field == "mental_illness_history"


@pytest.mark.parametrize(
    "post",
    [
        {"category": "kitchen"},
        {"category": "dormitory"},
        {"category": "dormitory", "dorm_gender": "mixed"},
        {"category": "technical"},
        {"category": "technical", "certificate": "  "},
    ],
)
def test_malformed_post_raises_a_value_error(post):
    with pytest.raises(PolicyInputError):
        screen(make_applicant(), post, AS_OF)


def test_reference_date_before_birth_is_an_error():
    with pytest.raises(PolicyInputError):
        screen(make_applicant(birth=date(2024, 7, 1)), POSTS["canteen"], AS_OF)


def test_gender_mismatch_names_the_field():
    with pytest.raises(IdentityMismatch) as info:
        screen(make_applicant(gender="F", id_number=make_applicant(gender="M")["id_number"]), POSTS["canteen"], AS_OF)
    assert info.value.field == "gender"


@pytest.mark.parametrize("category", sorted(POSTS))
def test_published_requirements_are_the_rules_screen_applies(category):
    from hrflow.policy import GENERAL_CRITERIA, post_requirements

    post = dict(POSTS[category], dorm_gender="F") if category == "dormitory" else POSTS[category]
    # An applicant failing everything shows exactly the general criteria and the post's own rules.
    worst = make_applicant(birth=date(1940, 1, 1), gender="M", education="primary", cadre=False,
                           criminal_record=True, infectious_disease=True, mental_illness_history=True)
    failed = {f.rule for f in screen(worst, post, AS_OF).findings}
    assert failed == ({"ELIG-CRIMINAL", "ELIG-HEALTH", "ELIG-MENTAL", "ELIG-AGE-M"} | set(post_requirements(post)))
    assert set(GENERAL_CRITERIA) >= {"ELIG-CRIMINAL", "ELIG-HEALTH", "ELIG-MENTAL", "ELIG-AGE-M", "ELIG-AGE-F", "ELIG-AGE-F-CADRE"}


@pytest.mark.parametrize(
    "birth, expected",
    [
        (date(2008, 6, 30), []),  # 16 on the reference date itself: old enough
        (date(2008, 7, 1), ["LAW-MIN-AGE"]),  # one day short of 16
        (date(2024, 6, 30), ["LAW-MIN-AGE"]),  # born on the reference date
    ],
)
def test_under_sixteen_is_a_hard_finding(birth, expected):
    result = screen(make_applicant(birth=birth, gender="F", education="junior_high"), POSTS["canteen"], AS_OF)
    assert rules_of(result) == expected
    assert all(f.hard and f.clause == "第十五条" for f in result.findings)


def test_born_after_the_reference_date_is_impossible_input():
    with pytest.raises(PolicyInputError):
        screen(make_applicant(birth=date(2024, 7, 1), gender="F", education="junior_high"), POSTS["canteen"], AS_OF)
