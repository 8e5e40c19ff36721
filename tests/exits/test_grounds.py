"""Each ground through the services, from opening to settlement: its notice (notice_days, LAW-RESIGN-NOTICE,
LAW-NOFAULT-NOTICE, INST-EXIT-GRADE) and its severance (LAW-SEVERANCE, 劳动合同法 arts. 46, 47)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from hrflow.appraisal.models import Appraisal, Cycle
from hrflow.exits import services
from hrflow.people.models import Person

from .conftest import TODAY
from .test_seams import _appraisal_of
from .test_services import review

PAY, AVERAGE = Decimal("4000"), Decimal("8000")
# Hired 2020-03-01, settled on the last day: 6 years and some months → 6.5 or 7 months' pay.


def _failed_last_year(staff, hr):
    appraisal = _appraisal_of(staff, hr)
    Cycle.objects.filter(pk=appraisal.cycle_id).update(state="published")  # its steps are appraisal's tests'
    Appraisal.objects.filter(pk=appraisal.pk).update(grade="incompetent")


@pytest.mark.parametrize("ground, employment_type, opened, notice, severance", [
    # ground, employment type, extra opening fields, notice days, severance in yuan at the last day
    ("resignation", "contract", {"notice_given_on": TODAY}, 30, Decimal("0.00")),
    ("resignation", "establishment", {"notice_given_on": TODAY}, 30, Decimal("0.00")),
    ("no_fault", "contract", {}, 30, PAY * Decimal("6.5")),
    ("for_cause", "contract", {}, 0, Decimal("0.00")),
    ("appraisal", "establishment", {}, 30, PAY * Decimal("6.5")),
    ("mutual", "contract", {"initiated_by": "school"}, 0, PAY * Decimal("6.5")),
    ("mutual", "contract", {"initiated_by": "person"}, 0, Decimal("0.00")),
    ("retirement", "contract", {"requested_last_day": TODAY + timedelta(days=40)}, 0, Decimal("0.00")),
])
def test_each_grounds_notice_and_severance(employ, user, today, ground, employment_type, opened, notice, severance):
    staff, _contract = employ(employment_type)
    if ground == "appraisal":
        _failed_last_year(staff, user("hr"))
    if ground == "retirement":  # a man of 63 in 2026: past the statutory age
        Person.objects.filter(pk=staff.person_id).update(birth_date=date(1963, 1, 1), sex="M")
    case = services.case_open(staff=staff, ground=ground, evidence="事由及证据", acting_user=user("hr"), **opened)
    if case.state == "hearing":
        services.statement_submit(case=case, text="陈述", agrees=True if ground == "mutual" else None, acting_user=user("hr"), on_behalf=True)
        services.hearing_close(case=case, note="", acting_user=user("hr"))
        review(case, user("leader"))
    case = services.case_decide(case=case, approve=True, reason="决定", union_notified_on=TODAY, acting_user=user("leader"))
    assert case.notice_days == notice
    expected_last = opened.get("requested_last_day") or TODAY + timedelta(days=notice)
    assert case.last_day == expected_last
    for item in case.handover_items.all():
        services.handover_confirm(item=item, done=True, note="", acting_user=user("hr"))
    today.set(case.last_day)
    case = services.case_settle(case=case, monthly_pay=PAY, local_average_pay=AVERAGE, outstanding_pay=None, note="", acting_user=user("hr"))
    assert (case.state, case.severance) == ("closed", severance)


def test_the_severance_cap_applies_above_three_times_the_local_average(employ, user, today):
    """LAW-SEVERANCE (art. 47): pay above 3× the local average is capped at it, and the years at 12."""
    staff, _contract = employ(starts_on=date(2006, 1, 1))
    case = services.case_open(staff=staff, ground="mutual", initiated_by="school", evidence="协商", acting_user=user("hr"))
    services.statement_submit(case=case, text="同意", agrees=True, acting_user=user("hr"), on_behalf=True)
    services.hearing_close(case=case, note="", acting_user=user("hr"))
    review(case, user("leader"))
    case = services.case_decide(case=case, approve=True, reason="协商一致", acting_user=user("leader"))
    for item in case.handover_items.all():
        services.handover_confirm(item=item, done=True, note="", acting_user=user("hr"))
    case = services.case_settle(case=case, monthly_pay=Decimal("30000"), local_average_pay=Decimal("8000"), outstanding_pay=Decimal("1200.50"),
                                note="", acting_user=user("hr"))
    assert case.severance == Decimal("24000") * 12 and case.outstanding_pay == Decimal("1200.50")
