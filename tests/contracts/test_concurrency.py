"""Two people acting on one contract at once, in real threads: one wins, the others are refused with
a message, nothing is written twice. On PostgreSQL the contract and case row locks (SELECT ... FOR
UPDATE) order them; on SQLite the IMMEDIATE transactions serialise the writers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from hrflow.contracts import services
from hrflow.contracts.models import Contract, RenewalCase
from hrflow.core import clock
from hrflow.notifications.daily import run_daily
from hrflow.notifications.models import DailyRun
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number
from tests.threads import run_together

START = date(2026, 7, 1)


@pytest.fixture
def world(transactional_db, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: START)
    User = get_user_model()
    province = OrgUnit.objects.create(kind="province", code="K51", name="并发省")
    city = OrgUnit.objects.create(kind="city", code="K5101", name="并发市", parent=province)
    county = OrgUnit.objects.create(kind="county", code="K510104", name="并发区", parent=city)
    unit = OrgUnit.objects.create(kind="school", code="K5101040001", name="并发中学", parent=county)
    school = School.objects.create(unit=unit, level="secondary", diners=100)
    people = {}
    for role, names in ((Role.HR_OFFICER, ["hr-a", "hr-b", "hr-c", "hr-d"]), (Role.SCHOOL_LEADER, ["lead-a", "lead-b", "lead-c"])):
        for name in names:
            people[name] = User.objects.create(username=name)
            RoleAssignment.objects.create(user=people[name], role=role, unit=unit)
    person = Person.objects.create(id_number=build_id_number("510104", date(1990, 5, 1), 31), name="并发职工", education="senior_high")
    staff = Staff.objects.create(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=START)
    draft = services.contract_create_draft(staff=staff, starts_on=START, term_months=12, acting_user=people["hr-a"], reason="聘用")
    return people, draft


def _terms():
    return services.Terms(starts_on=START, term_months=12, probation_months=1, agreed_pay=Decimal("3000"), probation_pay=Decimal("2400"))


def _ending(people, draft):
    contract = services.contract_sign(contract=draft, terms=_terms(), signed_on=START, acting_user=people["hr-a"])
    contract = services.contract_confirm(contract=contract, acting_user=people["hr-a"], reason="合格")
    contract.approach_end()
    contract.save()
    return services.contract_grade_term(contract=contract, grade="pass", note="评议", acting_user=people["hr-a"])


def test_a_draft_signed_by_two_officers_at_once_is_signed_once(world):
    people, draft = world
    results = run_together([lambda o=o: services.contract_sign(contract=draft, terms=_terms(), signed_on=START, acting_user=people[o])
                            for o in ("hr-a", "hr-b", "hr-c")])
    assert sorted(kind for kind, _v in results) == ["error", "error", "ok"], results
    assert all(isinstance(v, services.ContractError) for kind, v in results if kind == "error")
    assert draft.history.filter(state="signed").count() == 1


def test_one_renewal_proposal_however_many_officers_propose(world):
    people, draft = world
    contract = _ending(people, draft)
    results = run_together([
        lambda o=o: services.renewal_propose(contract=contract, renew=True, new_term_months=36, reason=f"{o}建议续聘", acting_user=people[o])
        for o in ("hr-a", "hr-b", "hr-c", "hr-d")])
    assert sorted(kind for kind, _v in results) == ["error", "error", "error", "ok"], results
    assert RenewalCase.objects.filter(contract=contract).count() == 1


def test_two_leaders_deciding_at_once_draft_one_new_contract(world):
    people, draft = world
    contract = _ending(people, draft)
    case = services.renewal_propose(contract=contract, renew=True, new_term_months=36, reason="续聘", acting_user=people["hr-a"])
    results = run_together([lambda o=o: services.renewal_decide(case=case, approve=True, reason=f"{o}同意", acting_user=people[o])
                            for o in ("lead-a", "lead-b", "lead-c")])
    assert sorted(kind for kind, _v in results) == ["error", "error", "ok"], results
    assert Contract.objects.filter(renews=contract).count() == 1
    assert Contract.objects.get(pk=contract.pk).state == Contract.State.RENEWED


def test_the_daily_jobs_run_once_a_day_however_many_runners_start(world):
    people, draft = world
    services.contract_sign(contract=draft, terms=_terms(), signed_on=START, acting_user=people["hr-a"])
    day = START + timedelta(days=40)
    results = run_together([lambda: run_daily(as_of=day) for _ in range(3)])
    ran = [v for kind, v in results if kind == "ok" and v is not None]
    assert len(ran) == 1 and all(kind == "ok" for kind, _v in results), results
    assert DailyRun.objects.filter(day=day).count() == 1
    assert Contract.objects.get(pk=draft.pk).history.filter(history_user__username="hrflow-system", state="active").count() == 1
