"""The collective review's quorum and majority (shares of all members, the boundaries included)."""

import pytest

from hrflow.policy.review import motion_passes, quorum_met


@pytest.mark.parametrize("present, total, met", [(4, 6, True), (3, 6, False), (4, 5, True), (3, 5, False), (2, 3, True), (1, 3, False)])
def test_two_thirds_present_rounded_up_to_whole_people(present, total, met):
    assert quorum_met(present=present, total=total, share=(2, 3)) is met


@pytest.mark.parametrize("votes_for, total, passes", [(3, 5, True), (2, 5, False), (4, 6, True), (3, 6, False), (3, 4, True), (2, 4, False)])
def test_more_than_half_of_all_members_vote_for(votes_for, total, passes):
    assert motion_passes(votes_for=votes_for, total=total, share=(1, 2)) is passes
