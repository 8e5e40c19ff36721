"""The composite over the parts present (the committee's re-normalised weights): the scalar's
exact arithmetic, and the frame form equal to it row by row."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrflow.policy import PolicyInputError, composite_of_parts_frame, composite_of_parts_hundredths, composite_score, trimmed_peer


def test_all_three_parts_are_the_cycles_composite():
    peers = [7000, 8000, 9000]
    h = composite_of_parts_hundredths(weights=(10, 30, 60), self_h=8000, peer=(sum(peers), 3), leader_h=9000)
    assert Decimal(h).scaleb(-2) == composite_score(self_score=80, peer_scores=[70, 80, 90], leader_score=90)


def test_a_missing_self_evaluation_renormalises_over_peer_and_leadership():
    # (30 × 80 + 60 × 70) / 90 = 73.333… → 73.33
    assert composite_of_parts_hundredths(weights=(10, 30, 60), self_h=None, peer=(8000, 1), leader_h=7000) == 7333


def test_no_part_with_a_weight_is_refused_never_zero():
    with pytest.raises(PolicyInputError):
        composite_of_parts_hundredths(weights=(10, 30, 60), self_h=None, peer=None, leader_h=None)
    with pytest.raises(PolicyInputError):
        composite_of_parts_hundredths(weights=(0, 100, 0), self_h=9000, peer=None, leader_h=9000)


def test_trimming_drops_one_highest_and_one_lowest_from_trim_from():
    assert trimmed_peer(300, 4, 50, 100, 5) == (300, 4)
    assert trimmed_peer(400, 5, 50, 100, 5) == (250, 3)


scores = st.one_of(st.none(), st.integers(0, 10000))


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(scores, scores, st.integers(0, 40), st.integers(0, 10000)), min_size=1, max_size=40),
       weights=st.sampled_from([(10, 30, 60), (0, 40, 60), (20, 0, 80), (100, 0, 0), (34, 33, 33)]))
def test_the_frame_equals_the_scalar_row_by_row(rows, weights):
    frame = pd.DataFrame({
        "self_h": pd.array([r[0] for r in rows], dtype="Int64"),
        "leader_h": pd.array([r[1] for r in rows], dtype="Int64"),
        "peer_count": [r[2] for r in rows],
        "peer_sum": [r[3] * r[2] for r in rows],  # a mean of at most 100 points
    })
    got = composite_of_parts_frame(frame, weights=weights).to_numpy()
    for i, (self_h, leader_h, count, mean) in enumerate(rows):
        try:
            want = composite_of_parts_hundredths(weights=weights, self_h=self_h, peer=(mean * count, count) if count else None,
                                                 leader_h=leader_h)
        except PolicyInputError:
            want = -1
        assert got[i] == want, (rows[i], weights)
    assert got.dtype == np.int64
