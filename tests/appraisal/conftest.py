"""A small school for appraisal: the demo HR officer's school with its staff trimmed to a handful
that have logins, and a cycle over them."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from hrflow.appraisal import services
from hrflow.appraisal.models import BasePayRate, CommitteeMember, Cycle
from hrflow.demo.data import DEMO_CYCLE_NAME
from hrflow.org.models import Role, RoleAssignment
from hrflow.people.models import Staff
from tests.conftest import MovedClock

TODAY = date(2026, 12, 20)


@pytest.fixture(autouse=True)
def chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def today(monkeypatch):
    return MovedClock(monkeypatch, TODAY)


def give_logins(staff_list):
    """A login for each staff member (username s<pk>); the demo gives few staff one."""
    User = get_user_model()
    users = []
    for staff in staff_list:
        person = staff.person
        if person.user_id is None:
            person.user = User.objects.create_user(username=f"s{staff.pk}", password="x", first_name=person.name)
            person._history_user, person._change_reason = person.user, "test"
            person.save()
        RoleAssignment.objects.get_or_create(user=person.user, role=Role.STAFF, unit=staff.school.unit)
        users.append(person.user)
    return users


@pytest.fixture
def small_school(school, user):
    """Seven service-post staff stay current at the school; the others leave (status forced)."""
    # The demo's own cycle and committee at this school would count in every assertion here.
    Cycle.objects.filter(name=DEMO_CYCLE_NAME).delete()
    CommitteeMember.objects.filter(committee__school=school).delete()
    BasePayRate.objects.filter(school=school).delete()
    keep = list(Staff.objects.filter(school=school, status="active", employment_type__in=["establishment", "contract"])
                .exclude(post_category="management").order_by("id")[:7])
    Staff.objects.filter(school=school).exclude(pk__in=[s.pk for s in keep]).update(status="left")
    give_logins(keep)
    return keep


@pytest.fixture
def cycle(small_school, school, user, today):
    config = services.CycleSettings.defaults()
    config.peers_per_person = 4
    return services.cycle_create(unit=school.unit, name="2026年度考核", kind=Cycle.Kind.ANNUAL, period_start=date(2026, 1, 1),
                                 period_end=date(2026, 12, 31), config=config, acting_user=user("hr"))
