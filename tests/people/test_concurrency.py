"""Two officers acting at once, in real threads with their own database connections.

On PostgreSQL the service's row lock (SELECT ... FOR UPDATE) serialises them; on SQLite the
IMMEDIATE transaction mode does. Either way the second sees the first's result.
"""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from hrflow.org.models import OrgUnit, School
from hrflow.people import services
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number
from tests.threads import run_together


@pytest.fixture
def world(transactional_db):
    User = get_user_model()
    officers = [User.objects.create(username=f"concurrent-officer{i}") for i in range(2)]
    province = OrgUnit.objects.create(kind="province", code="T51", name="测试省")
    city = OrgUnit.objects.create(kind="city", code="T5101", name="测试市", parent=province)
    county = OrgUnit.objects.create(kind="county", code="T510104", name="测试区", parent=city)
    unit = OrgUnit.objects.create(kind="school", code="T5101040002", name="测试中学", parent=county)
    school = School.objects.create(unit=unit, level="secondary", diners=100)
    person = Person.objects.create(id_number=build_id_number("990000", date(1980, 1, 1), 11), name="甲", education="senior_high")
    staff = Staff.objects.create(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=date(2020, 1, 1))
    return officers, staff



def test_two_officers_suspending_at_once_suspend_once(world):
    officers, staff = world
    results = run_together([
        (lambda o=o: services.staff_transition(staff=staff, name="suspend", acting_user=o, reason=f"by {o.username}"))
        for o in officers
    ])
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, services.TransitionNotAllowed)
    assert Staff.history.filter(id=staff.pk, status="suspended").count() == 1


def test_concurrent_edits_of_different_fields_are_both_kept(world):
    officers, staff = world
    results = run_together([
        lambda: services.person_update(person=staff.person, data={"phone": "13800000001"}, acting_user=officers[0], reason="phone"),
        lambda: services.person_update(person=staff.person, data={"education": "associate"}, acting_user=officers[1], reason="education"),
    ])
    assert all(kind == "ok" for kind, _v in results), results
    person = Person.objects.get(pk=staff.person.pk)
    assert (person.phone, person.education) == ("13800000001", "associate")
