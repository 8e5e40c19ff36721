"""Staff of the demo HR officer's school with a running contract, for exit cases."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from hrflow.contracts import services as contracts
from hrflow.contracts.models import Contract
from hrflow.people.models import Staff
from tests.conftest import MovedClock

TODAY = date(2026, 7, 1)
HIRED = date(2020, 3, 1)


@pytest.fixture
def today(monkeypatch):
    return MovedClock(monkeypatch, TODAY)


@pytest.fixture(autouse=True)
def chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


def _employ(staff, user, today, *, starts_on=HIRED, probation=0, term=None):
    """A signed, running contract from `starts_on` (open-ended unless `term`), nothing else on record."""
    Contract.objects.filter(staff__person=staff.person).delete()
    Staff.objects.filter(pk=staff.pk).update(hired_on=starts_on)
    staff = Staff.objects.select_related("person", "school__unit").get(pk=staff.pk)
    today.set(starts_on)
    draft = contracts.contract_create_draft(staff=staff, starts_on=starts_on, term_months=term, acting_user=user, reason="聘用")
    terms = contracts.Terms(starts_on=starts_on, term_months=term, probation_months=probation, agreed_pay=Decimal("4000"),
                            probation_pay=Decimal("3200") if probation else None, post="食堂厨师", evaluation_method="年度考核",
                            first_employment=False, task_based=False)
    contracts.contract_sign(contract=draft, terms=terms, signed_on=starts_on, acting_user=user, reason="签订")
    today.set(TODAY)
    return staff, Contract.objects.get(pk=draft.pk)


@pytest.fixture
def employ(user, today):
    def make(employment_type="contract", sex=None, **kwargs):
        from hrflow.org.models import School
        from tests.conftest import SCHOOL_HR

        school = School.objects.get(unit__code=SCHOOL_HR)
        staff = Staff.objects.filter(school=school, status="active", employment_type=employment_type).exclude(person__user__username="staff").filter(exit_cases__isnull=True)
        if sex:
            staff = staff.filter(person__sex=sex)
        staff = staff.order_by("id").first()
        return _employ(staff, user("hr"), today, **kwargs)

    return make


@pytest.fixture
def me(user, today):
    """The demo staff member 张伟 (login "staff"), with a running contract."""
    staff = Staff.objects.filter(person__user__username="staff").first()
    return _employ(staff, user("hr"), today)


def days(n):
    return timedelta(days=n)
