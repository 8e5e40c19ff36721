"""LAW-DISPATCH (劳动合同法 art. 66; 劳务派遣暂行规定 art. 4): dispatched staff at most 10% of the
workforce. 不超过 includes 10% itself (Civil Code art. 1259): exactly 10% passes, above fails."""

import numpy as np
import pandas as pd
import pytest

from hrflow.policy import RULES, PolicyInputError
from hrflow.policy.dispatch import (
    check_dispatch,
    dispatch_frame,
    dispatch_limit,
    dispatch_ok,
    dispatch_share,
    workforce_counts,
)


@pytest.mark.parametrize("dispatched, workforce, ok", [
    (0, 0, True),  # no staff: nothing to flag
    (0, 1, True),
    (1, 1, False),  # the only employee is dispatched: 100%
    (1, 9, False),  # 11.1%
    (1, 10, True),  # exactly 10%: allowed
    (2, 19, False),  # 10.5%
    (2, 20, True),  # exactly 10%
    (3, 29, False),  # 10.3%
    (10, 100, True),
    (11, 100, False),
    (100, 1000, True),
    (101, 1000, False),  # 10.1%: above, though it rounds to 10%
    (0, 200_000, True),
])
def test_ten_per_cent_is_allowed_and_above_is_flagged(dispatched, workforce, ok):
    assert dispatch_ok(dispatched=dispatched, workforce=workforce) is ok


@pytest.mark.parametrize("workforce, limit", [(0, 0), (9, 0), (10, 1), (19, 1), (20, 2), (99, 9), (100, 10)])
def test_the_most_dispatched_allowed(workforce, limit):
    assert dispatch_limit(workforce) == limit
    assert dispatch_ok(dispatched=limit, workforce=workforce)
    if limit < workforce:
        assert not dispatch_ok(dispatched=limit + 1, workforce=workforce)


def test_zero_staff_has_no_share():
    assert dispatch_share(dispatched=0, workforce=0) is None
    line = check_dispatch({})
    assert line.ok and line.actual == 0 and line.required == 0 and line.params["workforce"] == 0


def test_the_workforce_counts_establishment_contract_and_dispatched_not_purchased_service():
    counts = {"establishment": 3, "contract": 5, "dispatched": 1, "purchased_service": 40}
    assert workforce_counts(counts) == (1, 9)
    line = check_dispatch(counts)
    assert not line.ok  # 1 of 9 is 11.1%, however many purchased-service staff work there


def test_the_line_cites_the_rule_and_its_share():
    line = check_dispatch({"contract": 9, "dispatched": 1})
    assert (line.rule, line.clause, line.hard) == ("LAW-DISPATCH", "第六十六条", True)
    assert RULES["LAW-DISPATCH"].hard
    assert line.ok and line.actual == 1 and line.required == 1
    assert line.params["share"] == "10.0"
    assert line.message == "1 of 10 staff are dispatched (10.0%); at most 1 (10%) may be."


@pytest.mark.parametrize("counts", [
    {"contract": -1}, {"dispatched": 1.5}, {"contract": True}, {"temporary": 3}, {"dispatched": "2"},
])
def test_bad_counts_are_refused(counts):
    with pytest.raises(PolicyInputError):
        check_dispatch(counts)


def test_more_dispatched_than_the_workforce_is_impossible():
    with pytest.raises(PolicyInputError):
        dispatch_ok(dispatched=3, workforce=2)


def test_the_frame_agrees_with_the_scalar_rule():
    rows = [(0, 0), (1, 10), (1, 9), (2, 19), (2, 20), (101, 1000), (0, 5)]
    frame = dispatch_frame(pd.DataFrame(rows, columns=["dispatched", "workforce"]))
    assert frame["dispatch_ok"].tolist() == [dispatch_ok(dispatched=d, workforce=w) for d, w in rows]
    assert np.isnan(frame["dispatch_share"].iloc[0])
    assert frame["dispatch_share"].iloc[1] == pytest.approx(0.1)


def test_the_frame_refuses_impossible_counts():
    with pytest.raises(PolicyInputError):
        dispatch_frame(pd.DataFrame([(5, 4)], columns=["dispatched", "workforce"]))
