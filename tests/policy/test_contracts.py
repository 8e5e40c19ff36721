"""Probation (LAW-PROBATION, INST-PROBATION) at every boundary of the art. 19 table, and severance
(LAW-SEVERANCE): the half month, the 6-month step, the 3× cap and its 12 years."""

from datetime import date
from decimal import Decimal

import pytest

from hrflow.policy import (
    CONTRACT,
    ESTABLISHMENT,
    PolicyInputError,
    check_contract,
    open_ended_due,
    probation_end,
    probation_max_months,
    probation_pay_floor,
    service_months,
    severance_pay,
    term_end,
)

C, E = "contract", "establishment"


@pytest.mark.parametrize(
    "employment_type,term,first,task,months",
    [
        (C, 0, False, False, 0),
        (C, 2, False, False, 0),  # under 3 months: none
        (C, 3, False, False, 1),  # 3 months to under a year: 1
        (C, 11, False, False, 1),
        (C, 12, False, False, 2),  # 1 to under 3 years: 2
        (C, 35, False, False, 2),
        (C, 36, False, False, 6),  # 3 years or more: 6
        (C, 120, False, False, 6),
        (C, None, False, False, 6),  # open-ended: 6
        (C, 36, True, False, 6),  # 初次就业 changes nothing for a labour contract
        (C, 36, False, True, 0),  # task-based: none
        (C, None, False, True, 0),
        (E, 36, True, False, 12),  # INST-PROBATION: first employment, 3 years or more
        (E, None, True, False, 12),
        (E, 35, True, False, 2),  # under 3 years: the art. 19 table (劳动合同法 art. 96)
        (E, 11, True, False, 1),
        (E, 2, True, False, 0),
        (E, 36, False, False, 6),  # not a first employment: art. 19
        (E, None, False, False, 6),
        (E, 60, True, True, 0),
    ],
)
def test_probation_at_every_boundary(employment_type, term, first, task, months):
    assert probation_max_months(employment_type=employment_type, term_months=term, first_employment=first, task_based=task) == months


@pytest.mark.parametrize("employment_type,term", [("dispatched", 36), ("labour", 36), (C, -1), (C, 1.5), (C, True), (C, "36")])
def test_probation_refuses_what_it_cannot_judge(employment_type, term):
    with pytest.raises(PolicyInputError):
        probation_max_months(employment_type=employment_type, term_months=term)


@pytest.mark.parametrize(
    "start,end,months,extra",
    [
        (date(2020, 3, 15), date(2025, 9, 15), 66, False),
        (date(2020, 3, 15), date(2025, 9, 14), 65, True),
        (date(2020, 3, 15), date(2020, 3, 15), 0, False),
        (date(2020, 3, 15), date(2020, 3, 16), 0, True),
        (date(2020, 1, 31), date(2020, 2, 29), 1, False),  # the last day of a shorter month completes it
        (date(2020, 1, 31), date(2020, 2, 28), 0, True),
        (date(2019, 1, 31), date(2019, 2, 28), 1, False),
        (date(2020, 2, 29), date(2021, 2, 28), 12, False),
    ],
)
def test_service_counts_calendar_months(start, end, months, extra):
    assert service_months(start, end) == (months, extra)


AVERAGE = Decimal("8000")


@pytest.mark.parametrize(
    "start,end,pay,expected",
    [
        (date(2020, 3, 15), date(2025, 9, 15), "6000", "36000.00"),  # 5 years 6 months: 6 months' pay
        (date(2020, 3, 15), date(2025, 9, 14), "6000", "33000.00"),  # 5 years and under 6 months: 5.5
        (date(2020, 3, 15), date(2025, 3, 15), "6000", "30000.00"),  # whole years: nothing more
        (date(2020, 3, 15), date(2025, 3, 16), "6000", "33000.00"),  # a day over: half a month
        (date(2025, 3, 15), date(2025, 9, 14), "6000", "3000.00"),  # under 6 months: half a month
        (date(2025, 3, 15), date(2025, 9, 15), "6000", "6000.00"),  # 6 months: one month
        (date(2025, 3, 15), date(2025, 3, 15), "6000", "0.00"),
        (date(2020, 3, 15), date(2025, 9, 15), "24000", "144000.00"),  # exactly 3× the average: no cap
        (date(2020, 3, 15), date(2025, 9, 15), "24000.01", "144000.00"),  # above: pay capped at 3×
        (date(2000, 1, 1), date(2020, 1, 1), "30000", "288000.00"),  # capped: 12 years × 24,000
        (date(2000, 1, 1), date(2020, 1, 1), "20000", "400000.00"),  # not capped: 20 years
        (date(2020, 3, 15), date(2025, 9, 15), "3333.333", "20000.00"),  # to the cent
    ],
)
def test_severance(start, end, pay, expected):
    result = severance_pay(service_start=start, service_end=end, monthly_pay=Decimal(pay), local_average_monthly_pay=AVERAGE)
    assert result == Decimal(expected) and result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"service_start": date(2025, 1, 2), "service_end": date(2025, 1, 1)},
        {"monthly_pay": float("nan")},
        {"monthly_pay": "-1"},
        {"monthly_pay": "abc"},
        {"monthly_pay": True},
        {"local_average_monthly_pay": float("inf")},
        {"service_start": "2020-01-01"},
    ],
)
def test_severance_refuses_what_it_cannot_judge(kwargs):
    args = {"service_start": date(2020, 1, 1), "service_end": date(2025, 1, 1), "monthly_pay": 6000, "local_average_monthly_pay": 8000}
    with pytest.raises(PolicyInputError):
        severance_pay(**{**args, **kwargs})


@pytest.mark.parametrize(
    "start, months, end",
    [
        (date(2026, 7, 1), 36, date(2029, 6, 30)),
        (date(2024, 1, 31), 1, date(2024, 2, 28)),  # to the last day of a short month, less a day
        (date(2024, 2, 29), 12, date(2025, 2, 27)),
        (date(2026, 3, 15), None, None),  # open-ended
    ],
)
def test_term_end(start, months, end):
    assert term_end(start, months) == end


def test_probation_end():
    assert probation_end(date(2026, 7, 1), 6) == date(2026, 12, 31)
    assert probation_end(date(2026, 7, 1), 0) is None


@pytest.mark.parametrize(
    "agreed, minimum, floor",
    [
        ("3000", "2100", "2400.00"),  # 80% of the agreed pay
        ("2500", "2100", "2100.00"),  # 80% is 2,000: the minimum wage wins
        ("3333.33", "2100", "2666.67"),  # rounded up to the cent, never below 80%
    ],
)
def test_probation_pay_floor(agreed, minimum, floor):
    assert probation_pay_floor(agreed_pay=Decimal(agreed), minimum_wage=Decimal(minimum)) == Decimal(floor)


def _check(**changes):
    args = dict(employment_type=CONTRACT, term_months=36, probation_months=6, first_employment=False, task_based=False,
                earlier_probation_with_employer=False, agreed_pay=Decimal("3000"), probation_pay=Decimal("2400"), minimum_wage=Decimal("2100"))
    args.update(changes)
    return [(f.rule, f.hard) for f in check_contract(**args)]


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({}, []),
        ({"probation_months": 7}, [("LAW-PROBATION", True)]),
        ({"earlier_probation_with_employer": True}, [("LAW-PROBATION", True)]),
        ({"earlier_probation_with_employer": True, "probation_months": 0, "probation_pay": None}, []),
        ({"probation_pay": Decimal("2399.99")}, [("LAW-PROBATION-PAY", True)]),
        ({"probation_pay": None}, [("LAW-PROBATION-PAY", True)]),
        ({"employment_type": ESTABLISHMENT, "first_employment": True, "probation_months": 12}, []),
        ({"employment_type": ESTABLISHMENT, "first_employment": True, "probation_months": 13}, [("INST-PROBATION", True)]),
        ({"employment_type": ESTABLISHMENT, "term_months": 24, "probation_months": 2}, [("INST-TERM", False)]),
        ({"task_based": True, "probation_months": 1}, [("LAW-PROBATION", True)]),
    ],
)
def test_check_contract(changes, expected):
    assert _check(**changes) == expected


def test_check_contract_refuses_a_nonsense_probation():
    with pytest.raises(PolicyInputError):
        _check(probation_months=-1)


@pytest.mark.parametrize(
    "employment_type, months, terms, due",
    [
        (CONTRACT, 119, 1, 0),
        (CONTRACT, 120, 1, 1),  # 10 continuous years
        (CONTRACT, 48, 2, 1),  # two consecutive fixed terms
        (CONTRACT, 130, 2, 2),
        (ESTABLISHMENT, 130, 2, 0),  # 条例 art. 14 applies instead: not flagged by the labour-law rule
    ],
)
def test_open_ended_due(employment_type, months, terms, due):
    assert len(open_ended_due(employment_type=employment_type, continuous_service_months=months, consecutive_fixed_terms=terms)) == due
