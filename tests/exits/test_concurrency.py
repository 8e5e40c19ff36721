"""Two people acting on one employment's exit at once, in real threads: one case opens, one decision
stands, one settlement closes; the others are refused in words and nothing is written twice."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from hrflow.core import clock
from hrflow.exits import services
from hrflow.exits.models import ExitCase
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number
from tests.threads import run_together

START = date(2026, 7, 1)


@pytest.fixture
def world(transactional_db, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: START)
    User = get_user_model()
    province = OrgUnit.objects.create(kind="province", code="X51", name="并发省")
    city = OrgUnit.objects.create(kind="city", code="X5101", name="并发市", parent=province)
    county = OrgUnit.objects.create(kind="county", code="X510104", name="并发区", parent=city)
    unit = OrgUnit.objects.create(kind="school", code="X5101040001", name="并发中学", parent=county)
    school = School.objects.create(unit=unit, level="secondary", diners=100)
    people = {}
    for role, names in ((Role.HR_OFFICER, ["hr-a", "hr-b", "hr-c"]), (Role.SCHOOL_LEADER, ["lead-a", "lead-b", "lead-c"])):
        for name in names:
            people[name] = User.objects.create(username=name)
            RoleAssignment.objects.create(user=people[name], role=role, unit=unit)
    person = Person.objects.create(id_number=build_id_number("510104", date(1990, 5, 1), 31), name="并发职工", education="senior_high")
    staff = Staff.objects.create(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=date(2020, 1, 1))
    return people, staff


def _outcomes(results):
    return sorted(kind for kind, _value in results)


def test_two_officers_opening_at_once_open_one_case(world):
    people, staff = world
    results = run_together([lambda o=o: services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=START,
                                                           acting_user=people[o]) for o in ("hr-a", "hr-b", "hr-c")])
    assert _outcomes(results) == ["error", "error", "ok"], results
    assert all(isinstance(v, services.ExitError) for kind, v in results if kind == "error"), results
    assert ExitCase.objects.filter(staff=staff).count() == 1


def test_two_leaders_deciding_at_once_decide_once(world):
    people, staff = world
    case = services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=START, acting_user=people["hr-a"])
    results = run_together([lambda o=o: services.case_decide(case=case, approve=True, reason="同意", acting_user=people[o])
                            for o in ("lead-a", "lead-b", "lead-c")])
    assert _outcomes(results) == ["error", "error", "ok"], results
    case.refresh_from_db()
    assert case.state == "notice" and case.handover_items.count() == 5
    assert Staff.objects.get(pk=staff.pk).status == "exiting"
    assert ExitCase.history.filter(id=case.pk, state="notice").count() == 1


def test_a_withdrawal_and_a_decision_at_once_leave_one_outcome(world):
    people, staff = world
    case = services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=START, acting_user=people["hr-a"])
    results = run_together([lambda: services.case_decide(case=case, approve=True, reason="同意", acting_user=people["lead-a"]),
                            lambda: services.case_withdraw(case=case, reason="撤回", acting_user=people["hr-b"])])
    assert _outcomes(results) == ["error", "ok"], results
    case.refresh_from_db()
    staff.refresh_from_db()
    assert (case.state, staff.status) in (("notice", "exiting"), ("withdrawn", "active"))
