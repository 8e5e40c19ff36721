"""screen_frame() gives, for many applicants at once, exactly what screen() gives one by one."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrflow.policy import BulkInputError, build_id_number, screen, screen_frame

POSTS = pd.DataFrame([
    {"post_id": 1, "category": "canteen", "dorm_gender": None, "certificate": ""},
    {"post_id": 2, "category": "dormitory", "dorm_gender": "F", "certificate": ""},
    {"post_id": 3, "category": "dormitory", "dorm_gender": "M", "certificate": ""},
    {"post_id": 4, "category": "technical", "dorm_gender": None, "certificate": "电工证"},
    {"post_id": 5, "category": "management", "dorm_gender": None, "certificate": ""},
    {"post_id": 6, "category": "greening", "dorm_gender": None, "certificate": ""},
])
POST_MAP = {r.post_id: {"category": r.category, "dorm_gender": r.dorm_gender, "certificate": r.certificate} for r in POSTS.itertuples()}
LEVELS = ["primary", "junior_high", "senior_high", "secondary_vocational", "associate", "bachelor", "master", "doctorate"]

applicant = st.fixed_dictionaries({
    "birth": st.dates(min_value=date(1940, 1, 1), max_value=date(2005, 12, 31)),
    "gender": st.sampled_from("MF"),
    "education": st.sampled_from(LEVELS),
    "certificates": st.lists(st.sampled_from(["电工证", "厨师证", " 电工证 "]), max_size=2),
    "cadre": st.booleans(),
    "criminal_record": st.booleans(),
    "infectious_disease": st.booleans(),
    "mental_illness_history": st.booleans(),
    "post_id": st.sampled_from(list(POST_MAP)),
})
as_ofs = st.dates(min_value=date(2010, 1, 1), max_value=date(2026, 12, 31))


def to_row(key, a):
    row = dict(a)
    birth = row.pop("birth")
    row["id_number"] = build_id_number("510104", birth, 100 + key * 2 % 800 + (1 if a["gender"] == "M" else 0))
    row["key"] = key
    return row


def normalised(findings):
    return sorted((f["key"], f["rule"], f["clause"], f["hard"], f["template"] % f["params"] if f["params"] else f["template"]) for f in findings)


@settings(max_examples=60, deadline=None)
@given(st.lists(applicant, min_size=1, max_size=40), as_ofs)
def test_frame_equals_row_by_row(applicants, as_of):
    rows = [to_row(k, a) for k, a in enumerate(applicants)]
    rows = [r for r in rows if date.fromisoformat(f"{r['id_number'][6:10]}-{r['id_number'][10:12]}-{r['id_number'][12:14]}") <= as_of]
    if not rows:
        return
    frame = screen_frame(pd.DataFrame(rows), POSTS, as_of)
    expected = []
    for r in rows:
        for f in screen(r, POST_MAP[r["post_id"]], as_of).findings:
            expected.append({"key": r["key"], "rule": f.rule, "clause": f.clause, "hard": f.hard, "template": f.template, "params": dict(f.params)})
    assert normalised(frame.to_dict("records")) == normalised(expected)


def test_every_malformed_row_is_reported_with_its_key_and_field():
    good = to_row(0, {"birth": date(1990, 1, 1), "gender": "M", "education": "bachelor", "certificates": [], "cadre": False,
                      "criminal_record": False, "infectious_disease": False, "mental_illness_history": False, "post_id": 1})
    bad_check = dict(good, key=1, id_number=good["id_number"][:-1] + ("0" if good["id_number"][-1] != "0" else "1"))
    wrong_gender = dict(good, key=2, gender="F")
    bad_education = dict(good, key=3, education="kindergarten")
    missing_flag = dict(good, key=4, criminal_record=None)
    with pytest.raises(BulkInputError) as info:
        screen_frame(pd.DataFrame([good, bad_check, wrong_gender, bad_education, missing_flag]), POSTS, date(2024, 1, 1))
    assert sorted((e.key, e.field) for e in info.value.errors) == [
        (1, "id_number"), (2, "gender"), (3, "education"), (4, "criminal_record"),
    ]


def test_no_findings_gives_an_empty_frame_with_the_columns():
    row = to_row(0, {"birth": date(1990, 1, 1), "gender": "F", "education": "bachelor", "certificates": [], "cadre": False,
                     "criminal_record": False, "infectious_disease": False, "mental_illness_history": False, "post_id": 2})
    frame = screen_frame(pd.DataFrame([row]), POSTS, date(2024, 1, 1))
    assert frame.empty and list(frame.columns) == ["key", "rule", "clause", "hard", "template", "params"]
