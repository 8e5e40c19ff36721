import pytest

from hrflow.policy import INSTITUTIONAL, LABOUR, PolicyInputError, probation_months_allowed


@pytest.mark.parametrize(
    "kind,term,first,months",
    [
        (LABOUR, 2, True, 0),  # under 3 months: none
        (LABOUR, 3, True, 1),  # 3 months to under a year: 1
        (LABOUR, 11, True, 1),
        (LABOUR, 12, True, 2),  # 1 to under 3 years: 2
        (LABOUR, 35, True, 2),
        (LABOUR, 36, True, 6),  # 3 years or more: 6
        (LABOUR, None, True, 6),  # open-ended: 6
        (LABOUR, 36, False, 0),  # one probation per employer and person
        (INSTITUTIONAL, 36, True, 12),  # INST-PROBATION
        (INSTITUTIONAL, None, True, 12),
        (INSTITUTIONAL, 24, True, 2),  # under 3 years: art. 19 applies (劳动合同法 art. 96)
        (INSTITUTIONAL, 60, False, 0),
    ],
)
def test_probation_limits(kind, term, first, months):
    assert probation_months_allowed(kind, term, first_with_employer=first) == months


@pytest.mark.parametrize("kind,term", [("service", 36), (LABOUR, -1), (LABOUR, 1.5)])
def test_bad_input(kind, term):
    with pytest.raises(PolicyInputError):
        probation_months_allowed(kind, term)
