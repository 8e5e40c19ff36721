"""Staffing ratios of 三(一)2 and the dormitory gender rules, line by line."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hrflow.policy import (
    DormitoryFacts,
    PolicyInputError,
    check_staffing,
    dormitory_gender_frame,
    staffing_frame,
    staffing_requirements,
    staffing_requirements_frame,
)


@pytest.mark.parametrize(
    "level,diners,boarders,canteen,dormitory",
    [
        ("primary", 0, 0, 0, 0),
        ("primary", 1, 1, 1, 1),
        ("primary", 100, 200, 1, 1),  # exactly 1:100 and 1:200
        ("primary", 101, 201, 2, 2),
        ("secondary", 1000, 400, 10, 2),
        ("secondary", 1001, 401, 11, 3),
        ("higher", 100, 300, 1, 1),  # 1:300 for higher education
        ("higher", 100, 301, 1, 2),
        ("higher", 25000, 18000, 250, 60),
    ],
)
def test_staffing_requirements(level, diners, boarders, canteen, dormitory):
    assert staffing_requirements(level, diners, boarders) == {"canteen": canteen, "dormitory": dormitory}


@pytest.mark.parametrize(
    "args", [("kindergarten", 1, 1), ("primary", -1, 0), ("primary", 0, -5), ("primary", 1.5, 0), ("higher", None, 0)]
)
def test_staffing_requirements_refuses_bad_input(args):
    with pytest.raises(ValueError):
        staffing_requirements(*args)


@given(
    st.lists(
        st.tuples(st.sampled_from(["primary", "secondary", "higher"]), st.integers(0, 10**6), st.integers(0, 10**6)),
        min_size=1,
        max_size=50,
    )
)
def test_frame_agrees_with_the_scalar_contract(rows):
    frame = staffing_requirements_frame(pd.DataFrame(rows, columns=["level", "diners", "boarders"]))
    for (level, diners, boarders), canteen, dormitory in zip(rows, frame["required_canteen"], frame["required_dormitory"]):
        assert staffing_requirements(level, diners, boarders) == {"canteen": canteen, "dormitory": dormitory}


def test_frame_refuses_unknown_level():
    with pytest.raises(PolicyInputError):
        staffing_requirements_frame(pd.DataFrame([("nursery", 1, 1)], columns=["level", "diners", "boarders"]))


def lines_by_rule(lines):
    return {(line.rule, line.subject): line for line in lines}


def test_compliant_school_has_every_line_ok():
    lines = check_staffing(
        level="secondary", diners=950, canteen_staff=10, dormitory_staff=3, food_safety_managers=1,
        dormitories=[DormitoryFacts("1号楼", "F", 300, {"F": 2}), DormitoryFacts("2号楼", "M", 250, {"M": 1})],
    )
    assert all(line.ok for line in lines)
    assert [line.rule for line in lines] == [
        "STAFF-CANTEEN", "STAFF-DORM-K12", "STAFF-FOOD-SAFETY",
        "STAFF-DORM-GENDER", "STAFF-DORM-FEMALE", "STAFF-DORM-GENDER",
    ]


def test_shortfalls_and_gender_violations_are_told_apart_by_strength():
    lines = lines_by_rule(
        check_staffing(
            level="higher", diners=1000, canteen_staff=9, dormitory_staff=1, food_safety_managers=0,
            dormitories=[DormitoryFacts("女生公寓", "F", 301, {"M": 1, "F": 1}), DormitoryFacts("男生公寓", "M", 10, {"F": 1})],
        )
    )
    canteen = lines[("STAFF-CANTEEN", "")]
    assert (canteen.required, canteen.actual, canteen.ok, canteen.hard) == (10, 9, False, False)
    dorm = lines[("STAFF-DORM-HE", "")]
    assert (dorm.required, dorm.actual, dorm.ok, dorm.clause) == (2, 1, False, "三(一)2")
    food = lines[("STAFF-FOOD-SAFETY", "")]
    assert (food.ok, food.hard) == (False, True)
    assert lines[("STAFF-DORM-FEMALE", "女生公寓")].hard and not lines[("STAFF-DORM-FEMALE", "女生公寓")].ok
    assert not lines[("STAFF-DORM-GENDER", "女生公寓")].ok
    boys = lines[("STAFF-DORM-GENDER", "男生公寓")]
    assert not boys.ok and not boys.hard
    assert ("STAFF-DORM-FEMALE", "男生公寓") not in lines


def test_dormitory_with_unknown_gender_is_refused():
    with pytest.raises(PolicyInputError):
        check_staffing(
            level="primary", diners=0, canteen_staff=0, dormitory_staff=0, food_safety_managers=1,
            dormitories=[DormitoryFacts("混合楼", "X", 10)],
        )


counts = st.integers(0, 30)


@given(
    st.sampled_from(["primary", "secondary", "higher"]), st.integers(0, 5000), counts, counts, st.integers(0, 3),
    st.lists(st.tuples(st.sampled_from("MF"), st.integers(0, 2000), st.integers(0, 3), st.integers(0, 3)), max_size=4),
)
def test_school_frame_agrees_with_the_line_by_line_check(level, diners, canteen, dormitory, food, dorms):
    facts = [DormitoryFacts(f"D{i}", g, b, {"M": m, "F": f}) for i, (g, b, m, f) in enumerate(dorms)]
    lines = check_staffing(level=level, diners=diners, canteen_staff=canteen, dormitory_staff=dormitory,
                           food_safety_managers=food, dormitories=facts)
    dorm_frame = dormitory_gender_frame(pd.DataFrame(
        [(d.residents_gender, d.managers["M"], d.managers["F"]) for d in facts],
        columns=["residents_gender", "managers_M", "managers_F"],
    ))
    row = staffing_frame(pd.DataFrame([{
        "level": level, "diners": diners, "boarders": sum(d.boarders for d in facts), "canteen_staff": canteen,
        "dormitory_staff": dormitory, "food_safety_managers": food,
        "dorms_gender_mismatch": int(dorm_frame["gender_mismatch"].sum()) if facts else 0,
        "dorms_male_in_female": int(dorm_frame["male_in_female"].sum()) if facts else 0,
    }])).iloc[0]
    failing_soft = sum(1 for line in lines if not line.ok and not line.hard and line.rule != "STAFF-DORM-GENDER")
    failing_soft += any(not line.ok for line in lines if line.rule == "STAFF-DORM-GENDER")
    failing_hard = sum(1 for line in lines if not line.ok and line.rule == "STAFF-FOOD-SAFETY")
    failing_hard += any(not line.ok for line in lines if line.rule == "STAFF-DORM-FEMALE")
    assert (row["soft_failures"], row["hard_failures"]) == (failing_soft, failing_hard)
