"""Appraisal (issue 11): the composite (三(四)2), grades under the 优秀 quota (INST-GRADES), the
veto's grade (VETO-GRADE) and the reward pool to the fen, at every edge, and hostile input refused."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrflow.policy import (
    Grade,
    GradeResult,
    PolicyInputError,
    allocate_pool,
    assign_grades,
    composite_score,
    excellent_quota,
)

D = Decimal


def composite(self_score=80, peers=(80,), leader=80, **kw):
    return composite_score(self_score=self_score, peer_scores=list(peers), leader_score=leader, **kw)


# composite_score ------------------------------------------------------------------------------

def test_composite_weights_self_peer_and_leadership_10_30_60_by_default():
    # 10% × 90 + 30% × 80 + 60% × 85.5 = 9 + 24 + 51.3
    assert composite(90, [80, 80], "85.5") == D("84.30")


def test_composite_is_always_two_places():
    assert str(composite(100, [100], 100)) == "100.00"
    assert str(composite(0, [0], 0)) == "0.00"


def test_peers_are_trimmed_at_exactly_trim_from():
    # five peers: drop 100 and 60, mean 80; weights (0, 100, 0) show the peer part alone
    assert composite(0, [80, 70, 90, 100, 60], 0, weights=(0, 100, 0)) == D("80.00")


def test_peers_below_trim_from_are_not_trimmed():
    assert composite(0, [70, 90, 100, 60], 0, weights=(0, 100, 0)) == D("80.00")
    assert composite(0, [70, 90, 100, 40], 0, weights=(0, 100, 0)) == D("75.00")


def test_trim_from_is_a_setting():
    assert composite(0, [0, 50, 100], 0, weights=(0, 100, 0), trim_from=3) == D("50.00")
    assert composite(0, [0, 50, 90], 0, weights=(0, 100, 0), trim_from=4) == D("46.67")


def test_trimming_drops_one_of_several_equal_extremes():
    assert composite(0, [100, 100, 100, 60, 60], 0, weights=(0, 100, 0)) == D("86.67")


def test_composite_rounds_half_up_once_at_the_end():
    # 10% × 1.25 = 0.125 exactly: 四舍五入 gives 0.13 (banker's rounding would give 0.12)
    assert composite("1.25", [0], 0) == D("0.13")
    # 30% × (0.05 / 3) = 0.005 exactly, though 0.05 / 3 is no finite decimal
    assert composite(0, [D("0.05"), 0, 0], 0) == D("0.01")


def test_composite_is_exact_where_a_float_would_drift():
    # 30% × mean(100, 0, 0) is 10 exactly
    assert composite(0, [100, 0, 0], 0) == D("10.00")


def test_weights_are_a_setting():
    assert composite(50, [70], 90, weights=(0, 0, 100)) == D("90.00")
    assert composite(50, [70], 90, weights=(20, 20, 60)) == D("78.00")


def test_scores_may_be_int_text_or_decimal():
    assert composite(" 90 ", ["80.50"], D("85.5")) == composite(90, [D("80.5")], "85.50")


@pytest.mark.parametrize("bad", [
    "NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e3", "1e1", "-1", "-0.01", "101", "100.01", "", " ", "abc",
    "８５", "+85", "85.", "85.125", 101, -1, True, False, 85.0, float("nan"), float("inf"), None,
    D("NaN"), D("Infinity"), D("-1"), D("100.01"), D("85.125"), D("1E-999999999"), [85],
])
@pytest.mark.parametrize("field", ["self_score", "leader_score", "peer_scores"])
def test_a_bad_score_is_refused_with_its_field(bad, field):
    kwargs = {"self_score": 80, "leader_score": 80, "peer_scores": [80, 80]}
    kwargs[field] = [80, bad] if field == "peer_scores" else bad
    with pytest.raises(PolicyInputError) as info:
        composite_score(**kwargs)
    assert isinstance(info.value, ValueError) and info.value.field == field


def test_a_decimal_in_exponent_form_is_its_value():
    assert composite(D("1E+1"), [D("8.0E+1")], D("85.500")) == composite(10, [80], "85.5")


def test_no_peer_score_is_refused_never_scored_as_zero():
    with pytest.raises(PolicyInputError) as info:
        composite(80, [], 80)
    assert info.value.field == "peer_scores"


@pytest.mark.parametrize("peers", ["85", b"85", {"a": 85}, 85, None])
def test_peer_scores_must_be_a_list(peers):
    with pytest.raises(PolicyInputError) as info:
        composite_score(self_score=80, peer_scores=peers, leader_score=80)
    assert info.value.field == "peer_scores"


@pytest.mark.parametrize("weights", [
    (10, 30, 59), (10, 30, 61), (10, 90), (10, 30, 60, 0), (-10, 50, 60), (10.0, 30, 60), (D(10), 30, 60),
    ("10", "30", "60"), (True, 39, 60), "10,30,60", None, {10, 30, 60},
])
def test_bad_weights_are_refused(weights):
    with pytest.raises(PolicyInputError) as info:
        composite(weights=weights)
    assert info.value.field == "weights"


@pytest.mark.parametrize("trim_from", [2, 0, -5, True, 5.0, "5", None])
def test_bad_trim_from_is_refused(trim_from):
    with pytest.raises(PolicyInputError) as info:
        composite(trim_from=trim_from)
    assert info.value.field == "trim_from"


# excellent_quota -------------------------------------------------------------------------------

@pytest.mark.parametrize("enrolled,share,places", [
    (0, D("0.20"), 0), (4, D("0.20"), 0), (5, D("0.20"), 1), (9, D("0.20"), 1), (10, D("0.20"), 2),
    (99, D("0.20"), 19), (20, "0.15", 3), (19, "0.15", 2), (7, 0, 0), (7, 1, 7), (3, D("0.333334"), 1),
])
def test_excellent_quota_rounds_down(enrolled, share, places):
    assert excellent_quota(enrolled, share=share) == places


def test_excellent_quota_defaults_to_a_fifth():
    assert excellent_quota(50) == 10


@pytest.mark.parametrize("enrolled,share,field", [
    (-1, D("0.2"), "enrolled"), (True, D("0.2"), "enrolled"), (5.0, D("0.2"), "enrolled"), ("5", D("0.2"), "enrolled"),
    (5, D("1.2"), "share"), (5, 0.2, "share"), (5, D("NaN"), "share"), (5, "Infinity", "share"), (5, True, "share"),
    (5, "-0.1", "share"), (5, D("0.0000001"), "share"),
])
def test_excellent_quota_refuses_bad_input(enrolled, share, field):
    with pytest.raises(PolicyInputError) as info:
        excellent_quota(enrolled, share=share)
    assert info.value.field == field


# assign_grades ---------------------------------------------------------------------------------

E, C, B, I = "excellent", "competent", "basic", "incompetent"


def grades(composites, **kw):
    return assign_grades({k: D(str(v)) for k, v in composites.items()}, **kw)


def test_grades_by_threshold_include_the_threshold_itself():
    result = grades({"a": 85, "b": "84.99", "c": 60, "d": "59.99", "e": 50, "f": "49.99", "g": 0, "h": 100}, quota=2)
    assert result.grades == {"a": E, "b": C, "c": C, "d": B, "e": B, "f": I, "g": I, "h": E}
    assert result.tied == () and result.places_left == 0


def test_grade_codes_are_the_glossarys():
    assert [g.value for g in Grade] == [E, C, B, I]


def test_a_tie_at_the_cut_goes_to_leadership():
    result = grades({"a": 95, "b": 90, "c": 90, "d": 88}, quota=2)
    assert result == GradeResult(grades={"a": E, "b": None, "c": None, "d": C}, tied=("b", "c"), places_left=1)


def test_a_tied_group_that_fits_is_excellent():
    result = grades({"a": 95, "b": 90, "c": 90, "d": 88}, quota=3)
    assert result.grades == {"a": E, "b": E, "c": E, "d": C} and result.tied == () and result.places_left == 0


def test_a_tie_for_the_first_place():
    result = grades({"a": 90, "b": 90, "c": 90}, quota=2)
    assert result.tied == ("a", "b", "c") and result.places_left == 2 and set(result.grades.values()) == {None}


def test_no_tie_once_the_places_are_gone():
    result = grades({"a": 95, "b": 90, "c": 90}, quota=1)
    assert result.grades == {"a": E, "b": C, "c": C} and result.tied == () and result.places_left == 0


def test_equal_composites_tie_whatever_their_written_places():
    result = assign_grades({"a": D("90"), "b": D("90.00"), "c": 90}, quota=1)
    assert result.tied == ("a", "b", "c")


def test_below_a_tie_the_thresholds_grade():
    result = grades({"a": 92, "b": 92, "c": 87, "d": 70}, quota=1)
    assert result.grades == {"a": None, "b": None, "c": C, "d": C} and result.places_left == 1


def test_a_vetoed_person_at_the_top_is_incompetent_and_takes_no_place():
    result = grades({"a": 99, "b": 90, "c": 86}, quota=1, vetoed=["a"])
    assert result.grades == {"a": I, "b": E, "c": C}


def test_a_vetoed_person_in_a_tie_leaves_it():
    result = grades({"a": 90, "b": 90, "c": 80}, quota=1, vetoed={"a"})
    assert result.grades == {"a": I, "b": E, "c": C} and result.tied == ()


def test_a_vetoed_person_needs_no_composite():
    result = grades({"a": 90}, quota=1, vetoed=["z"])
    assert result.grades == {"a": E, "z": I}


def test_everyone_vetoed():
    result = grades({"a": 99, "b": 95, "c": 40}, quota=2, vetoed=["a", "b", "c"])
    assert result.grades == {"a": I, "b": I, "c": I} and result.tied == () and result.places_left == 2


def test_quota_zero_gives_no_excellent_and_no_tie():
    result = grades({"a": 99, "b": 99}, quota=0)
    assert result.grades == {"a": C, "b": C} and result.tied == () and result.places_left == 0


def test_places_nobody_reaches_are_left():
    result = grades({"a": 84, "b": 50}, quota=3)
    assert result.grades == {"a": C, "b": B} and result.tied == () and result.places_left == 3


def test_no_one_to_grade():
    assert assign_grades({}, quota=2) == GradeResult(grades={}, tied=(), places_left=2)


def test_thresholds_are_settings():
    result = grades({"a": 80, "b": 70, "c": 65}, quota=1, excellent_min=75, pass_min=70, basic_min=65)
    assert result.grades == {"a": E, "b": C, "c": B}


def test_equal_pass_and_basic_thresholds_grade_pass_or_fail_only():
    # a term evaluation (聘期考核) has 合格 / 不合格 only
    result = grades({"a": 70, "b": 59}, quota=0, pass_min=60, basic_min=60)
    assert result.grades == {"a": C, "b": I}


@pytest.mark.parametrize("kw,field", [
    ({"quota": -1}, "quota"), ({"quota": True}, "quota"), ({"quota": 1.0}, "quota"), ({"quota": "1"}, "quota"),
    ({"quota": 1, "pass_min": 90}, "pass_min"), ({"quota": 1, "basic_min": 70}, "pass_min"),
    ({"quota": 1, "excellent_min": 101}, "excellent_min"), ({"quota": 1, "basic_min": -1}, "basic_min"),
    ({"quota": 1, "pass_min": "NaN"}, "pass_min"), ({"quota": 1, "excellent_min": True}, "excellent_min"),
    ({"quota": 1, "vetoed": "ab"}, "vetoed"), ({"quota": 1, "vetoed": None}, "vetoed"),
])
def test_assign_grades_refuses_bad_settings(kw, field):
    with pytest.raises(PolicyInputError) as info:
        grades({"a": 90}, **kw)
    assert info.value.field == field


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("101"), D("-1"), D("85.001"), 85.5, True, None, "1e2"])
def test_assign_grades_refuses_a_bad_composite(bad):
    with pytest.raises(PolicyInputError) as info:
        assign_grades({"a": D(90), "b": bad}, quota=1)
    assert info.value.field == "composites" and "'b'" in str(info.value)


def test_composites_must_be_a_mapping():
    with pytest.raises(PolicyInputError) as info:
        assign_grades([D(90)], quota=1)
    assert info.value.field == "composites"


# allocate_pool ---------------------------------------------------------------------------------

def test_one_fen_over_three_equal_shares_goes_to_the_first():
    assert allocate_pool(D("0.01"), {"a": 1, "b": 1, "c": 1}) == {"a": D("0.01"), "b": D("0"), "c": D("0")}
    assert allocate_pool(D("0.01"), {"c": 1, "b": 1, "a": 1}) == {"c": D("0.01"), "b": D("0"), "a": D("0")}


def test_leftover_fen_go_to_the_largest_remainders():
    # 1000 fen in sevenths: 142 r6, 285 r5, 571 r3 → the 2 fen left go to a and b
    assert allocate_pool(D("10"), {"a": 1, "b": 2, "c": 4}) == {"a": D("1.43"), "b": D("2.86"), "c": D("5.71")}


def test_a_third_each():
    assert allocate_pool(D("1.00"), {"a": 1, "b": 1, "c": 1}) == {"a": D("0.34"), "b": D("0.33"), "c": D("0.33")}


def test_amounts_are_yuan_with_two_places():
    assert [str(v) for v in allocate_pool("100", {"a": 1, "b": 0}).values()] == ["100.00", "0.00"]


def test_a_zero_share_gets_nothing_even_with_fen_left_over():
    result = allocate_pool(D("0.02"), {"z": 0, "a": 1, "b": 1, "c": 1})
    assert result == {"z": D(0), "a": D("0.01"), "b": D("0.01"), "c": D(0)}


def test_shares_as_grade_coefficient_times_days():
    shares = {"a": D("1.2") * 22, "b": D("1.0") * 22, "c": D("0.8") * D("21.5")}
    result = allocate_pool(D("10000.00"), shares)
    assert sum(result.values()) == D("10000.00")
    # 1,000,000 fen × 26.4 / 65.6 = 402439.02, × 22 / 65.6 = 335365.85, × 17.2 / 65.6 = 262195.12: the fen left goes to b
    assert result == {"a": D("4024.39"), "b": D("3353.66"), "c": D("2621.95")}


def test_a_huge_pool_sums_exactly():
    pool = D("999999999999999.99")
    result = allocate_pool(pool, {"a": 3, "b": D("7.000001"), "c": 11})
    assert sum(result.values()) == pool and all(v.as_tuple().exponent == -2 for v in result.values())


def test_a_zero_pool_gives_zero_each():
    assert allocate_pool(D("0"), {"a": 1, "b": 0}) == {"a": D(0), "b": D(0)}
    assert allocate_pool(D("0.00"), {"a": 0, "b": 0}) == {"a": D(0), "b": D(0)}
    assert allocate_pool(0, {}) == {}


@pytest.mark.parametrize("shares", [{"a": 0, "b": 0}, {}])
def test_a_pool_with_no_share_to_split_by_is_refused(shares):
    with pytest.raises(PolicyInputError) as info:
        allocate_pool(D("100"), shares)
    assert info.value.field == "shares"


@pytest.mark.parametrize("pool", [
    100.0, float("nan"), D("NaN"), D("sNaN"), D("Infinity"), "Infinity", "NaN", "-1", D("-0.01"), "0.001", D("1.005"),
    True, "1e3", D("1E+15"), 10**15, "", None, [100],
])
def test_a_bad_pool_is_refused(pool):
    with pytest.raises(PolicyInputError) as info:
        allocate_pool(pool, {"a": 1})
    assert info.value.field == "pool"


@pytest.mark.parametrize("share", [-1, D("-0.5"), D("NaN"), "NaN", D("Infinity"), True, 1.5, "1e3", D("1E-7"), 10**15, None])
def test_a_bad_share_is_refused(share):
    with pytest.raises(PolicyInputError) as info:
        allocate_pool(D("100"), {"a": 1, "b": share})
    assert info.value.field == "shares" and "'b'" in str(info.value)


def test_shares_must_be_a_mapping():
    with pytest.raises(PolicyInputError) as info:
        allocate_pool(D("100"), [1, 2])
    assert info.value.field == "shares"


# properties ------------------------------------------------------------------------------------

hundredths = st.integers(min_value=0, max_value=10000)
weights = st.tuples(st.integers(0, 100), st.integers(0, 100)).filter(lambda t: sum(t) <= 100) \
    .map(lambda t: (t[0], t[1], 100 - sum(t)))


def as_score(h):
    return D(h).scaleb(-2)


@settings(max_examples=300, deadline=None)
@given(hundredths, st.lists(hundredths, min_size=1, max_size=12), hundredths, weights, st.integers(3, 8))
def test_composite_matches_a_decimal_reference(self_h, peers_h, leader_h, w, trim_from):
    peers = sorted(as_score(h) for h in peers_h)
    if len(peers) >= trim_from:
        peers = peers[1:-1]
    with localcontext() as ctx:
        ctx.prec = 100  # far enough from any half that rounding the mean cannot move the result
        reference = (w[0] * as_score(self_h) + w[1] * sum(peers) / len(peers) + w[2] * as_score(leader_h)) / 100
        reference = reference.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    result = composite_score(self_score=as_score(self_h), peer_scores=[as_score(h) for h in peers_h],
                             leader_score=as_score(leader_h), weights=w, trim_from=trim_from)
    assert result == reference
    parts = (self_h, leader_h, *peers_h)  # a weighted mean lies between its parts
    assert as_score(min(parts)) <= result <= as_score(max(parts))


# few distinct values, so that ties are common
composite_values = st.sampled_from([0, 4999, 5000, 6000, 8499, 8500, 8800, 9000, 9500, 10000]).map(as_score)
composites = st.dictionaries(st.integers(0, 40), composite_values, max_size=30)


@settings(max_examples=300, deadline=None)
@given(composites, st.integers(0, 10), st.sets(st.integers(0, 45)))
def test_grades_keep_the_quota_and_the_veto(composites, quota, vetoed):
    result = assign_grades(composites, quota=quota, vetoed=vetoed)
    excellent = [k for k, g in result.grades.items() if g == E]
    assert len(excellent) <= quota and len(excellent) + result.places_left == quota
    assert set(result.grades) == set(composites) | vetoed
    assert all(result.grades[k] == I for k in vetoed)
    assert {k for k, g in result.grades.items() if g is None} == set(result.tied)
    if result.tied:
        assert 0 < result.places_left < len(result.tied)
        assert len({composites[k] for k in result.tied}) == 1 and composites[result.tied[0]] >= 85
    others = [composites[k] for k in composites if k not in vetoed and result.grades[k] in (C, B, I)]
    better = [composites[k] for k in excellent + list(result.tied)]
    assert not better or not others or min(better) > max(others)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**17 - 1), st.lists(st.integers(0, 10**9), min_size=1, max_size=20).filter(any),
       st.integers(0, 6))
def test_allocation_sums_to_the_pool_and_is_fair(fen, weights, places):
    pool = D(fen).scaleb(-2)
    shares = {i: D(w).scaleb(-places) for i, w in enumerate(weights)}
    result = allocate_pool(pool, shares)
    assert sum(result.values()) == pool and list(result) == list(shares)
    total = sum(shares.values())
    for key, amount in result.items():
        with localcontext() as ctx:
            ctx.prec = 100
            exact = pool * shares[key] / total
        assert amount.as_tuple().exponent == -2 and 0 <= amount - exact.quantize(D("0.01"), rounding="ROUND_FLOOR") <= D("0.01")
        if shares[key] == 0:
            assert amount == 0
    for a in result:
        for b in result:
            if shares[a] > shares[b]:
                assert result[a] >= result[b]
