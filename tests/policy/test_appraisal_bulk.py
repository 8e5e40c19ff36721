"""The DataFrame forms of the appraisal rules give, for a whole cycle, exactly what the scalar
functions give one person, unit or school at a time, and refuse the same rows."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrflow.policy import (
    BulkInputError,
    FrameInputError,
    PolicyInputError,
    allocate_pool,
    allocate_pool_frame,
    assign_grades,
    assign_grades_frame,
    composite_frame,
    composite_score,
    excellent_quota,
    excellent_quota_frame,
)

D = Decimal


def as_score(h):
    return D(h).scaleb(-2)


def written(h, form, i):
    """A score of `h` hundredths as a caller might hold it."""
    if form == "int":
        return h // 100
    if form == "str":
        return str(as_score(h))
    if form == "mixed":
        return [h // 100, as_score(h), str(as_score(h)), as_score(h).normalize()][i % 4]  # 80 → 8E+1
    return as_score(h)


def people_frames(people, forms):
    self_form, leader_form, peer_form = forms
    rows = [{"key": f"p{i}", "self_score": written(s, self_form, i), "leader_score": written(l, leader_form, i)}
            for i, (s, _peers, l) in enumerate(people)]
    ratings = [{"key": f"p{i}", "score": written(h, peer_form, j)}
               for i, (_s, peers, _l) in enumerate(people) for j, h in enumerate(peers)]
    ratings.reverse()  # ratings come in any order
    return pd.DataFrame(rows), pd.DataFrame(ratings, columns=["key", "score"])


score = st.integers(0, 10000)
person = st.tuples(score, st.lists(score, min_size=1, max_size=9), score)
forms = st.tuples(*[st.sampled_from(["int", "decimal", "str", "mixed"])] * 3)
weights = st.tuples(st.integers(0, 100), st.integers(0, 100)).filter(lambda t: sum(t) <= 100) \
    .map(lambda t: (t[0], t[1], 100 - sum(t)))


@settings(max_examples=150, deadline=None)
@given(st.lists(person, min_size=1, max_size=25), forms, weights, st.integers(3, 7))
def test_composite_frame_equals_composite_score_row_by_row(people, forms, w, trim_from):
    frame, ratings = people_frames(people, forms)
    result = composite_frame(frame, ratings, weights=w, trim_from=trim_from)
    for i, (s, peers, l) in enumerate(people):
        expected = composite_score(self_score=frame["self_score"][i], leader_score=frame["leader_score"][i],
                                   peer_scores=list(ratings.loc[ratings["key"] == f"p{i}", "score"]),
                                   weights=w, trim_from=trim_from)
        row = result.iloc[i]
        assert row["composite"] == expected and str(row["composite"]) == str(expected)
        assert row["composite_hundredths"] == int(expected * 100) and row["peer_count"] == len(peers)
        assert row["peers_used"] == (len(peers) - 2 if len(peers) >= trim_from else len(peers))


hostile = st.sampled_from([D("NaN"), "NaN", "Infinity", "1e3", 101, -1, True, 85.5, float("nan"), None, "８５",
                           D("85.125"), "85.125"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(person, st.booleans(), hostile, st.sampled_from(["self_score", "leader_score", "peer"])),
                min_size=1, max_size=12))
def test_composite_frame_refuses_the_rows_the_scalar_refuses(cases):
    people = [p for p, _bad, _v, _f in cases]
    frame, ratings = people_frames(people, ("decimal", "decimal", "decimal"))
    frame, ratings = frame.astype(object), ratings.astype(object)
    refused = set()
    for i, (_p, bad, value, field) in enumerate(cases):
        if not bad:
            continue
        if field == "peer":
            ratings.loc[ratings.index[ratings["key"] == f"p{i}"][0], "score"] = value
        else:
            frame.at[i, field] = value
        try:
            composite_score(self_score=frame["self_score"][i], leader_score=frame["leader_score"][i],
                            peer_scores=list(ratings.loc[ratings["key"] == f"p{i}", "score"]))
        except PolicyInputError as error:
            refused.add((f"p{i}", error.field))
    if not refused:
        composite_frame(frame, ratings)
        return
    with pytest.raises(FrameInputError) as info:
        composite_frame(frame, ratings)
    assert {(e.key, e.field) for e in info.value.errors} == refused


def test_composite_frame_reports_every_bad_row_with_its_key_and_field():
    people = pd.DataFrame({"key": [1, 2, 3, 3, 4], "self_score": [80, "NaN", 80, 80, 80], "leader_score": [80, 80, 101, 80, 80]})
    ratings = pd.DataFrame({"key": [1, 2, 3, 9, 1], "score": [80, 80, 80, 80, D("Infinity")]})
    with pytest.raises(FrameInputError) as info:
        composite_frame(people, ratings)
    assert isinstance(info.value, BulkInputError) and isinstance(info.value, ValueError)
    assert sorted((e.key, e.field) for e in info.value.errors) == [
        (1, "peer_scores"), (2, "self_score"), (3, "key"), (3, "leader_score"), (4, "peer_scores"), (9, "peer_scores")]


def test_composite_frame_refuses_a_person_without_peer_scores():
    people = pd.DataFrame({"key": [1, 2], "self_score": [80, 80], "leader_score": [80, 80]})
    with pytest.raises(FrameInputError) as info:
        composite_frame(people, pd.DataFrame({"key": [1], "score": [80]}))
    assert [(e.key, e.field) for e in info.value.errors] == [(2, "peer_scores")]


def test_composite_frame_refuses_a_float_column():
    people = pd.DataFrame({"key": [1], "self_score": [80.0], "leader_score": [80]})
    with pytest.raises(FrameInputError) as info:
        composite_frame(people, pd.DataFrame({"key": [1], "score": [80]}))
    assert info.value.field == "self_score"


@pytest.mark.parametrize("kw,field", [({"weights": (10, 30, 50)}, "weights"), ({"trim_from": 2}, "trim_from")])
def test_composite_frame_refuses_bad_settings(kw, field):
    people = pd.DataFrame({"key": [1], "self_score": [80], "leader_score": [80]})
    with pytest.raises(PolicyInputError) as info:
        composite_frame(people, pd.DataFrame({"key": [1], "score": [80]}), **kw)
    assert info.value.field == field


def test_composite_frame_needs_its_columns():
    with pytest.raises(PolicyInputError) as info:
        composite_frame(pd.DataFrame({"key": [1], "self_score": [80]}), pd.DataFrame({"key": [1], "score": [80]}))
    assert info.value.field == "leader_score"


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from("abcde"), st.integers(0, 500)), st.sampled_from([D("0.20"), D("0.15"), "0.333333", 0, 1]))
def test_excellent_quota_frame_equals_the_scalar(enrolled, share):
    result = excellent_quota_frame(pd.Series(enrolled, dtype=np.int64), share=share)
    assert result.to_dict() == {unit: excellent_quota(n, share=share) for unit, n in enrolled.items()}


def test_excellent_quota_frame_refuses_a_negative_head_count():
    with pytest.raises(PolicyInputError) as info:
        excellent_quota_frame(pd.Series({"a": 5, "b": -1}))
    assert info.value.field == "enrolled"


composite_values = st.sampled_from([0, 4999, 5000, 5999, 6000, 8499, 8500, 8800, 9000, 9500, 10000])
graded_row = st.tuples(st.sampled_from(["u1", "u2", "u3"]), composite_values, st.booleans(), st.booleans())
thresholds = st.lists(st.sampled_from([0, 5000, 6000, 7000, 8500, 10000]), min_size=3, max_size=3).map(sorted)


@settings(max_examples=200, deadline=None)
@given(st.lists(graded_row, max_size=40), st.fixed_dictionaries({u: st.integers(0, 6) for u in ["u1", "u2", "u3"]}),
       thresholds, st.sampled_from(["decimal", "int", "str"]))
def test_assign_grades_frame_equals_assign_grades_per_unit(rows, quotas, limits, form):
    basic_min, pass_min, excellent_min = (as_score(x) for x in limits)
    frame = pd.DataFrame({
        "unit": [u for u, *_ in rows],
        "key": [f"k{i}" for i in range(len(rows))],
        "composite": pd.Series([None if vetoed and missing else written(h, form, i)
                                for i, (_u, h, vetoed, missing) in enumerate(rows)], dtype=object),
        "vetoed": [vetoed for _u, _h, vetoed, _m in rows],
    })
    result = assign_grades_frame(frame, quotas=quotas, excellent_min=excellent_min, pass_min=pass_min, basic_min=basic_min)
    for unit in quotas:
        mine = frame[frame["unit"] == unit]
        expected = assign_grades(
            {k: c for k, c in zip(mine["key"], mine["composite"]) if c is not None}, quota=quotas[unit],
            vetoed=list(mine.loc[mine["vetoed"], "key"]), excellent_min=excellent_min, pass_min=pass_min, basic_min=basic_min)
        got = result[result["unit"] == unit]
        assert dict(zip(got["key"], got["grade"])) == expected.grades
        assert set(got.loc[got["tied"], "key"]) == set(expected.tied)
        assert (got["places_left"] == expected.places_left).all()


def test_assign_grades_frame_ties_and_vetoes():
    frame = pd.DataFrame({"unit": ["a", "a", "a", "a", "b", "b"], "key": [1, 2, 3, 4, 5, 6],
                          "composite": [D(99), D(90), D(90), D(70), None, D(95)],
                          "vetoed": [True, False, False, False, True, False]})
    result = assign_grades_frame(frame, quotas={"a": 1, "b": 0})
    assert result["grade"].tolist() == ["incompetent", None, None, "competent", "incompetent", "competent"]
    assert result["tied"].tolist() == [False, True, True, False, False, False]
    assert result["places_left"].tolist() == [1, 1, 1, 1, 0, 0]


def test_assign_grades_frame_without_a_vetoed_column():
    frame = pd.DataFrame({"unit": ["a", "a"], "key": [1, 2], "composite": [D(99), D(90)]})
    assert assign_grades_frame(frame, quotas=pd.Series({"a": 1}))["grade"].tolist() == ["excellent", "competent"]


def test_assign_grades_frame_reports_every_bad_row():
    frame = pd.DataFrame({"unit": ["a", "a", "a", "b", "a"], "key": [1, 2, 3, 4, 1],
                          "composite": [D(90), None, D("NaN"), D(80), D(80)], "vetoed": [False, False, "yes", False, False]})
    with pytest.raises(FrameInputError) as info:
        assign_grades_frame(frame, quotas={"a": 1})
    assert sorted((str(e.key), e.field) for e in info.value.errors) == [
        ("1", "key"), ("2", "composites"), ("3", "composites"), ("3", "vetoed"), ("b", "quotas")]


def test_assign_grades_frame_refuses_bad_settings():
    frame = pd.DataFrame({"unit": ["a"], "key": [1], "composite": [D(90)]})
    with pytest.raises(PolicyInputError) as info:
        assign_grades_frame(frame, quotas={"a": -1})
    assert info.value.field == "quota"
    with pytest.raises(PolicyInputError) as info:
        assign_grades_frame(frame, quotas={"a": 1}, pass_min=90)
    assert info.value.field == "pass_min"


pool_fen = st.one_of(st.integers(0, 10**6), st.integers(0, 10**17 - 1))
share_value = st.one_of(st.integers(0, 30), st.integers(0, 10**6).map(lambda n: D(n).scaleb(-3)),
                        st.integers(0, 10**14).map(lambda n: D(n).scaleb(-6)))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["s1", "s2", "s3", "s4"]), st.tuples(pool_fen, st.lists(share_value, max_size=12)),
                       min_size=1),
       st.sampled_from(["as is", "str", "int"]))
def test_allocate_pool_frame_equals_allocate_pool_per_school(schools, form):
    pools, rows = {}, []
    for school, (fen, shares) in schools.items():
        if form == "int":
            shares = [int(s) for s in shares]
        if not any(shares):
            fen = 0  # the refusal is tested on its own
        pools[school] = D(fen).scaleb(-2)
        rows += [{"school": school, "key": f"{school}-{i}", "share": str(s) if form == "str" else s} for i, s in enumerate(shares)]
    frame = pd.DataFrame(rows, columns=["school", "key", "share"])
    if form == "int":
        frame["share"] = frame["share"].astype(np.int64)
    result = allocate_pool_frame(pools, frame)
    for school, pool in pools.items():
        mine = frame[frame["school"] == school]
        expected = allocate_pool(pool, dict(zip(mine["key"], mine["share"])))
        got = result[result["school"] == school]
        assert dict(zip(got["key"], got["amount"])) == expected
        assert got["amount_fen"].sum() == int(pool * 100)


def test_allocate_pool_frame_one_fen_and_leftovers():
    frame = pd.DataFrame({"school": ["x", "x", "x", "y", "y", "y"], "key": [1, 2, 3, 1, 2, 3], "share": [1, 1, 1, 1, 2, 4]})
    result = allocate_pool_frame({"x": D("0.01"), "y": D("10")}, frame)
    assert result["amount"].tolist() == [D("0.01"), D(0), D(0), D("1.43"), D("2.86"), D("5.71")]
    assert result["amount_fen"].tolist() == [1, 0, 0, 143, 286, 571]


def test_allocate_pool_frame_with_a_huge_pool_stays_exact():
    frame = pd.DataFrame({"school": ["x"] * 3, "key": [1, 2, 3], "share": [D("3"), D("7.000001"), D("999999999.999999")]})
    pool = D("999999999999999.99")
    result = allocate_pool_frame({"x": pool}, frame)
    assert dict(zip(result["key"], result["amount"])) == allocate_pool(pool, dict(zip(frame["key"], frame["share"])))
    assert sum(result["amount"]) == pool


def test_allocate_pool_frame_reports_every_bad_school_and_row():
    frame = pd.DataFrame({"school": ["x", "x", "y", "z", "z", "w"], "key": [1, 1, 2, 3, 4, 5],
                          "share": [1, 1, 0, 1, D(-1), 1]})
    with pytest.raises(FrameInputError) as info:
        allocate_pool_frame({"x": D("10"), "y": D("10"), "z": D("10"), "v": D("0.001")}, frame)
    assert sorted((str(e.key), e.field) for e in info.value.errors) == [
        ("('x', 1)", "key"), ("4", "shares"), ("v", "pool"), ("w", "pool"), ("y", "shares")]


def test_allocate_pool_frame_refuses_a_pool_it_cannot_split():
    frame = pd.DataFrame({"school": ["y", "y"], "key": [1, 2], "share": [0, 0]})
    with pytest.raises(FrameInputError) as info:
        allocate_pool_frame({"y": D("10"), "empty": D("5"), "nothing": D("0")}, frame)
    assert sorted((e.key, e.field) for e in info.value.errors) == [("empty", "shares"), ("y", "shares")]


def test_allocate_pool_frame_zero_pool_and_zero_shares():
    frame = pd.DataFrame({"school": ["y", "y"], "key": [1, 2], "share": [0, 0]})
    assert allocate_pool_frame({"y": D("0")}, frame)["amount"].tolist() == [D("0.00"), D("0.00")]
