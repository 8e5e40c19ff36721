"""The collective review's arithmetic (集体研究): quorum and majority as shares of all members, the
deployment's settings (REVIEW_QUORUM, REVIEW_PASS_SHARE: local practice, default two thirds present
and more than half for). Shared by the hiring review and the exit review."""

import math


def quorum_met(*, present: int, total: int, share: tuple[int, int]) -> bool:
    """At least `share` of all members present (the share rounded up to whole people)."""
    numerator, denominator = share
    return present >= math.ceil(numerator * total / denominator)


def motion_passes(*, votes_for: int, total: int, share: tuple[int, int]) -> bool:
    """More than `share` of all members (not only of those present) vote for."""
    numerator, denominator = share
    return votes_for > numerator * total / denominator
