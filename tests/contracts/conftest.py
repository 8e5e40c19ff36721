"""A contract staff member of the demo HR officer's school, with a draft contract from today."""

from datetime import date
from decimal import Decimal

import pytest

from hrflow.contracts import services
from hrflow.contracts.models import Contract
from hrflow.people.models import Staff
from tests.conftest import MovedClock

TODAY = date(2026, 7, 1)


@pytest.fixture
def today(monkeypatch):
    """Move the application's today: `today.set(date)`."""
    return MovedClock(monkeypatch, TODAY)


@pytest.fixture(autouse=True)
def chinese():
    """Services write the audit trail in the acting user's language: Chinese, as the pages do first."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def contract_staff(school):
    """A contract-type staff member with no contract on record (any the demo made are removed)."""
    staff = Staff.objects.filter(school=school, status="active", employment_type="contract", person__user__isnull=True).order_by("id").first()
    Contract.objects.filter(staff__person=staff.person).delete()
    Staff.objects.filter(pk=staff.pk).update(hired_on=TODAY)  # hired today, as a hire through HRflow is
    return Staff.objects.select_related("person", "school__unit").get(pk=staff.pk)


@pytest.fixture
def draft(contract_staff, today, user):
    return services.contract_create_draft(staff=contract_staff, starts_on=today.value, term_months=36, acting_user=user("hr"), reason="聘用")


def terms(**changes):
    base = dict(starts_on=TODAY, term_months=36, probation_months=6, agreed_pay=Decimal("3000"), probation_pay=Decimal("2400"),
                post="食堂厨师", evaluation_method="年度考核与聘期考核相结合", first_employment=False, task_based=False)
    base.update(changes)
    return services.Terms(**base)
