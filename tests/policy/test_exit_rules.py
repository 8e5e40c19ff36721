"""The exit mechanism (人员退出机制): notice (LAW-RESIGN-NOTICE, INST-RESIGN, LAW-NOFAULT-NOTICE,
INST-EXIT-GRADE), severance (LAW-SEVERANCE, 劳动合同法 art. 46), the legal grounds a veto is decided on
(VETO-EXIT), the 2024 statutory retirement age, and the art. 42 protections, each at its boundaries."""

from datetime import date, timedelta
from itertools import product

import pytest

from hrflow.policy import PolicyInputError, notice_days
from hrflow.policy.exits import (
    APPRAISAL,
    FOR_CAUSE,
    GROUNDS,
    MATERNITY,
    MEDICAL_PERIOD,
    MUTUAL,
    NO_FAULT,
    NOT_RENEWED,
    NURSING,
    OCCUPATIONAL_DISEASE,
    OD_SUSPECTED,
    PERSON,
    PREGNANCY,
    PROTECTION_ITEMS,
    RESIGNATION,
    RETIREMENT,
    SCHOOL,
    VETO,
    WORK_INJURY,
    Protection,
    dismissal_guards,
    exit_notice_days,
    legal_grounds,
    pay_in_lieu_allowed,
    severance_due,
    statutory_retirement_date,
)

E, C, D, P = "establishment", "contract", "dispatched", "purchased_service"
NOTICE_GROUNDS = ("resignation", "no_fault", "for_cause", "appraisal", "mutual")


def test_policy_input_error_is_a_value_error():
    assert issubclass(PolicyInputError, ValueError)


# --- notice_days (pinned by issue 12) ------------------------------------------------------------

NOTICE_TABLE = {
    # (ground, employment type, in probation): days
    ("resignation", E, False): 30,  # INST-RESIGN
    ("resignation", E, True): 30,  # the 条例 knows no shorter notice in probation
    ("resignation", C, False): 30,  # LAW-RESIGN-NOTICE
    ("resignation", C, True): 3,  # LAW-RESIGN-NOTICE: 3 days in probation
    ("no_fault", E, False): 30,  # LAW-NOFAULT-NOTICE
    ("no_fault", E, True): 30,
    ("no_fault", C, False): 30,
    ("no_fault", C, True): 30,
    ("appraisal", E, False): 30,  # INST-EXIT-GRADE
    ("appraisal", E, True): 30,
    ("appraisal", C, False): 30,
    ("appraisal", C, True): 30,
    ("for_cause", E, False): 0,  # art. 39: no notice
    ("for_cause", E, True): 0,
    ("for_cause", C, False): 0,
    ("for_cause", C, True): 0,
    ("mutual", E, False): 0,  # art. 36: agreed, no notice
    ("mutual", E, True): 0,
    ("mutual", C, False): 0,
    ("mutual", C, True): 0,
}


def test_notice_table_covers_every_ground_type_and_probation():
    assert set(NOTICE_TABLE) == set(product(NOTICE_GROUNDS, (E, C), (False, True)))


@pytest.mark.parametrize("ground,employment_type,in_probation,days", [(*k, v) for k, v in NOTICE_TABLE.items()])
def test_notice_days(ground, employment_type, in_probation, days):
    assert notice_days(ground=ground, employment_type=employment_type, in_probation=in_probation) == days


@pytest.mark.parametrize("ground", ["resignation", "no_fault", "for_cause", "appraisal", "mutual"])
@pytest.mark.parametrize("employment_type", [E, C])
def test_notice_days_probation_defaults_to_false(ground, employment_type):
    assert notice_days(ground=ground, employment_type=employment_type) == NOTICE_TABLE[(ground, employment_type, False)]


@pytest.mark.parametrize("ground", ["", "Resignation", "resign", "dismissal", "veto", "not_renewed", "retirement", None, 1])
@pytest.mark.parametrize("employment_type", [E, C])
def test_notice_days_unknown_ground_is_a_value_error(ground, employment_type):
    with pytest.raises(ValueError):
        notice_days(ground=ground, employment_type=employment_type)


@pytest.mark.parametrize("employment_type", ["", "Contract", "labour", "dispatched", "purchased_service", None])
@pytest.mark.parametrize("ground", NOTICE_GROUNDS)
def test_notice_days_unknown_employment_type_is_a_value_error(ground, employment_type):
    with pytest.raises(ValueError):
        notice_days(ground=ground, employment_type=employment_type)


def test_notice_days_error_is_a_policy_input_error_naming_the_field():
    with pytest.raises(PolicyInputError) as ground_error:
        notice_days(ground="sacked", employment_type=C)
    assert ground_error.value.field == "ground"
    with pytest.raises(PolicyInputError) as type_error:
        notice_days(ground="resignation", employment_type="agency")
    assert type_error.value.field == "employment_type"


# --- exit_notice_days ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "legal_ground,employment_type,in_probation,days",
    [
        (RESIGNATION, E, False, 30),
        (RESIGNATION, E, True, 30),
        (RESIGNATION, C, False, 30),
        (RESIGNATION, C, True, 3),
        (RESIGNATION, D, True, 3),  # a 劳动合同 with the agency: the same law
        (RESIGNATION, D, False, 30),
        (NO_FAULT, C, False, 30),
        (NO_FAULT, D, False, 30),
        (APPRAISAL, E, False, 30),
        (FOR_CAUSE, C, False, 0),
        (FOR_CAUSE, D, False, 0),
        (MUTUAL, E, False, 0),
        (NOT_RENEWED, C, False, 0),  # ends on the term's last day
        (NOT_RENEWED, E, True, 0),
        (RETIREMENT, E, False, 0),  # ends on the statutory date
        (RETIREMENT, C, False, 0),
        (RESIGNATION, P, False, 0),  # purchased service: the company's notice, not ours
        (NO_FAULT, P, False, 0),
    ],
)
def test_exit_notice_days(legal_ground, employment_type, in_probation, days):
    assert exit_notice_days(legal_ground=legal_ground, employment_type=employment_type, in_probation=in_probation) == days


@pytest.mark.parametrize("employment_type", [E, C, D])
def test_exit_notice_days_refuses_a_veto_not_yet_decided_on_a_legal_ground(employment_type):
    with pytest.raises(ValueError):
        exit_notice_days(legal_ground=VETO, employment_type=employment_type)


@pytest.mark.parametrize("legal_ground,employment_type", [("sacked", C), (RESIGNATION, "labour"), (NO_FAULT, "")])
def test_exit_notice_days_refuses_unknown_input(legal_ground, employment_type):
    with pytest.raises(ValueError):
        exit_notice_days(legal_ground=legal_ground, employment_type=employment_type)


# --- severance_due (LAW-SEVERANCE, 劳动合同法 art. 46) --------------------------------------------

@pytest.mark.parametrize(
    "legal_ground,due",
    [
        (RESIGNATION, False),  # art. 37: the person leaves of their own accord
        (NOT_RENEWED, True),  # art. 46(5)
        (APPRAISAL, True),  # art. 46(3) by art. 96 for a 聘用合同
        (NO_FAULT, True),  # art. 46(3)
        (FOR_CAUSE, False),  # art. 39: none
        (RETIREMENT, False),  # art. 44(2): the pension follows, not severance
    ],
)
@pytest.mark.parametrize("employment_type", [E, C])
def test_severance_due_by_legal_ground(legal_ground, due, employment_type):
    assert severance_due(legal_ground=legal_ground, employment_type=employment_type) is due


@pytest.mark.parametrize("employment_type", [E, C])
@pytest.mark.parametrize("initiated_by,due", [(SCHOOL, True), (PERSON, False)])
def test_mutual_agreement_severance_depends_on_who_proposed_it(employment_type, initiated_by, due):
    # art. 46(2): due when the employer proposed the agreement, not when the person did.
    assert severance_due(legal_ground=MUTUAL, employment_type=employment_type, initiated_by=initiated_by) is due


def test_mutual_agreement_defaults_to_the_school_proposing():
    assert severance_due(legal_ground=MUTUAL, employment_type=C) is True


@pytest.mark.parametrize("employment_type", [D, P])
@pytest.mark.parametrize("legal_ground", [RESIGNATION, NOT_RENEWED, APPRAISAL, NO_FAULT, FOR_CAUSE, RETIREMENT, MUTUAL])
@pytest.mark.parametrize("initiated_by", [SCHOOL, PERSON])
def test_severance_never_due_from_the_school_for_dispatched_or_purchased_staff(employment_type, legal_ground, initiated_by):
    assert severance_due(legal_ground=legal_ground, employment_type=employment_type, initiated_by=initiated_by) is False


@pytest.mark.parametrize("legal_ground,employment_type", [("sacked", C), ("sacked", E), (NO_FAULT, "labour"), (MUTUAL, ""),
                                                         (VETO, C), (VETO, "dispatched")])  # a veto is decided on its legal ground first
def test_severance_due_refuses_unknown_input(legal_ground, employment_type):
    with pytest.raises(ValueError):
        severance_due(legal_ground=legal_ground, employment_type=employment_type)


# --- legal_grounds (VETO-EXIT) ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "ground_code,employment_type,grounds",
    [
        (VETO, E, (APPRAISAL,)),  # 条例 art. 16
        (VETO, C, (FOR_CAUSE, NO_FAULT)),  # 劳动合同法 art. 39 or 40
        (VETO, D, (FOR_CAUSE, NO_FAULT)),  # returned to the agency on art. 39 or 40 (art. 65)
        (APPRAISAL, E, (APPRAISAL,)),
        (APPRAISAL, C, (FOR_CAUSE, NO_FAULT)),  # an appraisal flag on a 劳动合同
        (APPRAISAL, D, (FOR_CAUSE, NO_FAULT)),
        (RESIGNATION, E, (RESIGNATION,)),
        (RESIGNATION, C, (RESIGNATION,)),
        (NO_FAULT, C, (NO_FAULT,)),
        (FOR_CAUSE, C, (FOR_CAUSE,)),
        (FOR_CAUSE, E, (FOR_CAUSE,)),
        (NOT_RENEWED, C, (NOT_RENEWED,)),
        (RETIREMENT, E, (RETIREMENT,)),
        (MUTUAL, C, (MUTUAL,)),
    ],
)
def test_legal_grounds(ground_code, employment_type, grounds):
    assert tuple(legal_grounds(ground_code=ground_code, employment_type=employment_type)) == grounds


def test_a_veto_is_never_decided_on_the_veto_itself():
    for employment_type in (E, C, D):
        assert VETO not in legal_grounds(ground_code=VETO, employment_type=employment_type)


@pytest.mark.parametrize("ground_code,employment_type", [("sacked", C), ("", E), (VETO, "labour"), (RESIGNATION, "")])
def test_legal_grounds_refuses_unknown_input(ground_code, employment_type):
    with pytest.raises(ValueError):
        legal_grounds(ground_code=ground_code, employment_type=employment_type)


# --- pay_in_lieu_allowed (LAW-NOFAULT-NOTICE) ------------------------------------------------------

@pytest.mark.parametrize("legal_ground", [RESIGNATION, NOT_RENEWED, APPRAISAL, FOR_CAUSE, RETIREMENT, MUTUAL, VETO])
@pytest.mark.parametrize("employment_type", [E, C, D, P])
def test_pay_in_lieu_only_for_a_no_fault_dismissal(legal_ground, employment_type):
    assert pay_in_lieu_allowed(legal_ground=legal_ground, employment_type=employment_type) is False


def test_pay_in_lieu_allowed_for_no_fault():
    assert pay_in_lieu_allowed(legal_ground=NO_FAULT, employment_type=C) is True


@pytest.mark.parametrize("employment_type", [D, P])
def test_no_pay_in_lieu_from_the_school_for_dispatched_or_purchased_staff(employment_type):
    """The agency (劳动合同法 art. 65) or the service company is the employer that would pay it."""
    assert pay_in_lieu_allowed(legal_ground=NO_FAULT, employment_type=employment_type) is False


# --- statutory_retirement_date (全国人大常委会 2024 渐进式延迟法定退休年龄决定) -------------------

@pytest.mark.parametrize(
    "birth,sex,cadre,retires_on",
    [
        # Men: 60, +1 month per 4 months of birth from 1965-01, up to 63 (born 1976-09 onward).
        (date(1964, 12, 31), "M", False, date(2024, 12, 31)),  # the last birth month not affected
        (date(1964, 12, 15), "M", True, date(2024, 12, 15)),  # cadre or not: the same for men
        (date(1965, 1, 1), "M", False, date(2025, 2, 1)),  # first affected: 60 + 1 month
        (date(1965, 4, 30), "M", False, date(2025, 5, 30)),  # still the first 4-month band
        (date(1965, 5, 1), "M", False, date(2025, 7, 1)),  # second band: 60 + 2 months
        (date(1965, 8, 31), "M", False, date(2025, 10, 31)),
        (date(1965, 9, 1), "M", False, date(2025, 12, 1)),  # third band: + 3
        (date(1970, 1, 15), "M", False, date(2031, 5, 15)),  # 60 months after: band 16 → + 16
        (date(1976, 8, 31), "M", False, date(2039, 7, 31)),  # the last band before the cap: + 35
        (date(1976, 9, 1), "M", False, date(2039, 9, 1)),  # capped: 63
        (date(1976, 12, 31), "M", False, date(2039, 12, 31)),
        (date(1990, 6, 15), "M", False, date(2053, 6, 15)),  # still 63
        (date(1990, 6, 15), "M", True, date(2053, 6, 15)),
        # Women cadres (original age 55): +1 per 4 months from 1970-01, up to 58 (born 1981-09 onward).
        (date(1969, 12, 31), "F", True, date(2024, 12, 31)),
        (date(1970, 1, 1), "F", True, date(2025, 2, 1)),
        (date(1970, 4, 30), "F", True, date(2025, 5, 30)),
        (date(1970, 5, 1), "F", True, date(2025, 7, 1)),
        (date(1981, 8, 31), "F", True, date(2039, 7, 31)),  # + 35
        (date(1981, 9, 1), "F", True, date(2039, 9, 1)),  # capped: 58
        (date(1995, 3, 10), "F", True, date(2053, 3, 10)),
        # Women workers (original age 50): +1 per 2 months from 1975-01, up to 55 (born 1984-11 onward).
        (date(1974, 12, 31), "F", False, date(2024, 12, 31)),
        (date(1975, 1, 1), "F", False, date(2025, 2, 1)),
        (date(1975, 2, 28), "F", False, date(2025, 3, 28)),  # still the first 2-month band
        (date(1975, 3, 1), "F", False, date(2025, 5, 1)),  # second band: + 2
        (date(1984, 10, 31), "F", False, date(2039, 9, 30)),  # + 59 (the month has 30 days)
        (date(1984, 11, 1), "F", False, date(2039, 11, 1)),  # capped: 55
        (date(1995, 3, 10), "F", False, date(2050, 3, 10)),
        # A woman cadre born where a woman worker is already affected but a cadre not yet.
        (date(1969, 6, 1), "F", True, date(2024, 6, 1)),
        (date(1969, 6, 1), "F", False, date(2019, 6, 1)),
        # A 29 February birth lands on the last day of a shorter month.
        (date(1968, 2, 29), "M", False, date(2028, 12, 29)),  # 37 months after: 60 + 10 months
    ],
)
def test_statutory_retirement_date(birth, sex, cadre, retires_on):
    assert statutory_retirement_date(birth_date=birth, sex=sex, cadre=cadre) == retires_on


@pytest.mark.parametrize(
    "sex,cadre,first_birth,original_years,step,cap",
    [("M", False, date(1965, 1, 1), 60, 4, 36), ("F", True, date(1970, 1, 1), 55, 4, 36), ("F", False, date(1975, 1, 1), 50, 2, 60)],
)
def test_retirement_age_rises_one_month_per_band_up_to_the_cap(sex, cadre, first_birth, original_years, step, cap):
    # Every birth month from the first affected to well past the cap: the delay in whole months.
    for offset in range(0, cap * step + 24):
        year, month = first_birth.year + offset // 12, offset % 12 + 1
        birth = date(year, month, 1)
        retires_on = statutory_retirement_date(birth_date=birth, sex=sex, cadre=cadre)
        months = (retires_on.year - birth.year) * 12 + retires_on.month - birth.month
        assert months == original_years * 12 + min(cap, offset // step + 1), birth


@pytest.mark.parametrize("sex,cadre,years", [("M", False, 60), ("F", True, 55), ("F", False, 50)])
def test_retirement_before_the_decision_is_the_original_age(sex, cadre, years):
    birth = date(1950, 7, 20)
    assert statutory_retirement_date(birth_date=birth, sex=sex, cadre=cadre) == date(1950 + years, 7, 20)


@pytest.mark.parametrize("birth,sex", [(date(1970, 1, 1), "X"), (date(1970, 1, 1), ""), (date(1970, 1, 1), None), ("1970-01-01", "M"), (None, "F")])
def test_statutory_retirement_date_refuses_unknown_input(birth, sex):
    with pytest.raises(ValueError):
        statutory_retirement_date(birth_date=birth, sex=sex)


# --- dismissal_guards (劳动合同法 art. 42, art. 45) ------------------------------------------------

KINDS = (PREGNANCY, MATERNITY, NURSING, MEDICAL_PERIOD, WORK_INJURY, OCCUPATIONAL_DISEASE, OD_SUSPECTED)
START, END = date(2026, 3, 1), date(2026, 6, 30)


def test_every_protection_kind_has_an_article_item():
    assert set(PROTECTION_ITEMS) == set(KINDS)
    assert PROTECTION_ITEMS[OD_SUSPECTED] == "42(1)"
    assert PROTECTION_ITEMS[WORK_INJURY] == PROTECTION_ITEMS[OCCUPATIONAL_DISEASE] == "42(2)"
    assert PROTECTION_ITEMS[MEDICAL_PERIOD] == "42(3)"
    assert PROTECTION_ITEMS[PREGNANCY] == PROTECTION_ITEMS[MATERNITY] == PROTECTION_ITEMS[NURSING] == "42(4)"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("legal_ground", [NO_FAULT, APPRAISAL])
@pytest.mark.parametrize("as_of", [START, START + timedelta(days=30), END])  # first day, inside, last day
def test_every_protection_blocks_a_no_fault_or_appraisal_exit(kind, legal_ground, as_of):
    findings = dismissal_guards(legal_ground=legal_ground, as_of=as_of, protections=[Protection(kind, START, END)])
    assert len(findings) == 1
    assert findings[0].rule == "LAW-DISMISS-PROTECTED"
    assert findings[0].article == PROTECTION_ITEMS[kind]
    assert findings[0].message


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("legal_ground", [NO_FAULT, APPRAISAL, NOT_RENEWED])
@pytest.mark.parametrize("as_of", [START - timedelta(days=1), END + timedelta(days=1)])  # the day before, the day after
def test_a_protection_holds_from_its_first_to_its_last_day_only(kind, legal_ground, as_of):
    assert dismissal_guards(legal_ground=legal_ground, as_of=as_of, protections=[Protection(kind, START, END)]) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("legal_ground", [NO_FAULT, APPRAISAL])
def test_an_open_ended_protection_holds_until_it_ends(kind, legal_ground):
    protection = Protection(kind, START)
    assert dismissal_guards(legal_ground=legal_ground, as_of=date(2030, 1, 1), protections=[protection])
    assert not dismissal_guards(legal_ground=legal_ground, as_of=START - timedelta(days=1), protections=[protection])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("legal_ground", [FOR_CAUSE, RESIGNATION, MUTUAL, RETIREMENT])
def test_no_protection_blocks_for_cause_resignation_mutual_or_retirement(kind, legal_ground):
    assert dismissal_guards(legal_ground=legal_ground, as_of=START, protections=[Protection(kind, START, END)]) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_term_not_renewed_runs_on_while_a_protection_holds(kind):
    findings = dismissal_guards(legal_ground=NOT_RENEWED, as_of=END, protections=[Protection(kind, START, END)])
    assert [(f.rule, f.article) for f in findings] == [("LAW-EXPIRY-EXTEND", PROTECTION_ITEMS[kind])]
    assert "art. 45" in findings[0].message


def test_every_protection_that_holds_is_a_finding():
    protections = [Protection(PREGNANCY, START, END), Protection(MEDICAL_PERIOD, START, START), Protection(WORK_INJURY, END)]
    findings = dismissal_guards(legal_ground=NO_FAULT, as_of=START, protections=protections)
    assert [f.article for f in findings] == ["42(4)", "42(3)"]


def test_an_unknown_protection_kind_is_refused():
    with pytest.raises(ValueError):
        dismissal_guards(legal_ground=NO_FAULT, as_of=START, protections=[Protection("holiday", START, END)])


@pytest.mark.parametrize("legal_ground", ["sacked", ""])
def test_dismissal_guards_refuse_an_unknown_ground(legal_ground):
    with pytest.raises(ValueError):
        dismissal_guards(legal_ground=legal_ground, as_of=START)


def test_dismissal_guards_refuse_a_missing_date():
    with pytest.raises(ValueError):
        dismissal_guards(legal_ground=NO_FAULT, as_of="2026-03-01")


def test_every_ground_is_known_to_the_guards():
    for code in GROUNDS:
        assert isinstance(dismissal_guards(legal_ground=code, as_of=START), list)


# 42(5): a man born 1970-01-15 retires at 60 + 16 months, on 2031-05-15; 5 years before is 2026-05-15.
BIRTH, RETIRES_ON = date(1970, 1, 15), date(2031, 5, 15)
FIVE_YEARS_BEFORE = date(2026, 5, 15)


def test_the_42_5_example_retirement_date():
    assert statutory_retirement_date(birth_date=BIRTH, sex="M") == RETIRES_ON


def _long_service(legal_ground, as_of, service_start):
    return [f for f in dismissal_guards(legal_ground=legal_ground, as_of=as_of, service_start=service_start, birth_date=BIRTH, sex="M")
            if f.article == "42(5)"]


@pytest.mark.parametrize(
    "service_start,as_of,blocked",
    [
        # 15 years' service: reached on the anniversary day, not the day before (within 5 years of retirement).
        (date(2012, 6, 1), date(2027, 5, 31), False),
        (date(2012, 6, 1), date(2027, 6, 1), True),
        (date(2012, 6, 1), date(2027, 6, 2), True),
        # Less than 5 years to retirement: exactly 5 years is not less; the next day is.
        (date(2000, 1, 1), FIVE_YEARS_BEFORE - timedelta(days=1), False),
        (date(2000, 1, 1), FIVE_YEARS_BEFORE, False),
        (date(2000, 1, 1), FIVE_YEARS_BEFORE + timedelta(days=1), True),
        # Up to the day before retirement; on the day itself the person retires (art. 44(2)).
        (date(2000, 1, 1), RETIRES_ON - timedelta(days=1), True),
        (date(2000, 1, 1), RETIRES_ON, False),
        # Both conditions reached on the same day.
        (date(2011, 5, 16), FIVE_YEARS_BEFORE + timedelta(days=1), True),
        (date(2011, 5, 17), FIVE_YEARS_BEFORE + timedelta(days=1), False),
        # A start after as_of: no service yet.
        (date(2027, 1, 1), date(2026, 12, 31), False),
    ],
)
@pytest.mark.parametrize("legal_ground", [NO_FAULT, APPRAISAL])
def test_42_5_long_service_near_retirement(service_start, as_of, blocked, legal_ground):
    findings = _long_service(legal_ground, as_of, service_start)
    assert bool(findings) is blocked
    if blocked:
        assert findings[0].rule == "LAW-DISMISS-PROTECTED"
        assert findings[0].params["day"] == RETIRES_ON


@pytest.mark.parametrize("legal_ground", [FOR_CAUSE, RESIGNATION, MUTUAL, RETIREMENT])
def test_42_5_does_not_block_the_unguarded_grounds(legal_ground):
    assert _long_service(legal_ground, RETIRES_ON - timedelta(days=1), date(2000, 1, 1)) == []


def test_42_5_on_a_term_not_renewed_runs_on_under_art_45():
    findings = _long_service(NOT_RENEWED, RETIRES_ON - timedelta(days=1), date(2000, 1, 1))
    assert [(f.rule, f.article) for f in findings] == [("LAW-EXPIRY-EXTEND", "42(5)")]
    assert "art. 45" in findings[0].message


def test_42_5_needs_the_birth_date_and_sex():
    as_of = RETIRES_ON - timedelta(days=1)
    assert dismissal_guards(legal_ground=NO_FAULT, as_of=as_of, service_start=date(2000, 1, 1)) == []
    assert dismissal_guards(legal_ground=NO_FAULT, as_of=as_of, service_start=date(2000, 1, 1), birth_date=BIRTH) == []


def test_42_5_follows_the_womens_retirement_age():
    # A woman worker born 1980-01-10: 50 + 31 months → 2032-08-10; a cadre: 55 + 31 → 2037-08-10.
    worker = dismissal_guards(legal_ground=NO_FAULT, as_of=date(2028, 1, 1), service_start=date(2000, 1, 1),
                              birth_date=date(1980, 1, 10), sex="F")
    cadre = dismissal_guards(legal_ground=NO_FAULT, as_of=date(2028, 1, 1), service_start=date(2000, 1, 1),
                             birth_date=date(1980, 1, 10), sex="F", cadre=True)
    assert [f.params["day"] for f in worker] == [date(2032, 8, 10)]
    assert cadre == []  # more than 5 years to 2037-08-10


# --- union notice (劳动合同法 art. 43), a declined renewal (46(5)), grounds by employment type ------

@pytest.mark.parametrize("legal_ground, employment_type, due", [
    (NO_FAULT, C, True), (FOR_CAUSE, C, True), (FOR_CAUSE, D, True),
    (NO_FAULT, P, False), (RESIGNATION, C, False), (MUTUAL, C, False), (APPRAISAL, E, False), (NOT_RENEWED, C, False),
])
def test_the_union_is_told_before_a_unilateral_dismissal_under_a_labour_contract(legal_ground, employment_type, due):
    from hrflow.policy.exits import union_notice_due

    assert union_notice_due(legal_ground=legal_ground, employment_type=employment_type) is due


def test_no_severance_for_a_term_the_person_declined_to_renew_on_the_same_terms():
    assert severance_due(legal_ground=NOT_RENEWED, employment_type=C) is True
    assert severance_due(legal_ground=NOT_RENEWED, employment_type=C, renewal_declined=True) is False
    assert severance_due(legal_ground=NO_FAULT, employment_type=C, renewal_declined=True) is True  # 46(5) only


@pytest.mark.parametrize("ground_code, employment_type, refused", [
    (NO_FAULT, E, True), (FOR_CAUSE, E, True), (APPRAISAL, E, False),
    (APPRAISAL, C, True), (APPRAISAL, D, True), (NO_FAULT, C, False), (FOR_CAUSE, D, False),
    (NO_FAULT, P, True), (FOR_CAUSE, P, True), (APPRAISAL, P, True), (MUTUAL, P, False), (RESIGNATION, P, False),
])
def test_which_grounds_apply_to_which_employment(ground_code, employment_type, refused):
    from hrflow.policy.exits import ground_refusal

    assert (ground_refusal(ground_code=ground_code, employment_type=employment_type) is not None) is refused
