"""Cases open themselves from the seams the contracts and appraisal workflows left: a contract the
leaders decided not to renew, a final veto (VETO-EXIT), 不合格 two years running (INST-EXIT-GRADE)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import TestCase

from hrflow.appraisal.models import Appraisal
from hrflow.appraisal.signals import exit_review_due
from hrflow.contracts import services as contracts
from hrflow.exits import services
from hrflow.exits.models import ExitCase
from hrflow.people.models import Staff

from .conftest import TODAY


def _appraisal_of(staff, hr):
    from hrflow.appraisal import services as appraisal
    from hrflow.appraisal.models import Cycle
    from hrflow.demo.data import DEMO_CYCLE_NAME

    Cycle.objects.filter(name=DEMO_CYCLE_NAME).delete()
    cycle = appraisal.cycle_create(unit=staff.school.unit, name="2026年度考核", kind="annual", period_start=date(2026, 1, 1),
                                   period_end=date(2026, 12, 31), config=appraisal.CycleSettings.defaults(), acting_user=hr)
    appraisal.cycle_open(cycle=cycle, acting_user=hr)
    return Appraisal.objects.get(cycle=cycle, staff=staff)


def test_a_contract_not_renewed_opens_a_decided_case_ending_with_the_term(employ, user, today):
    staff, contract = employ(term=36, starts_on=date(2023, 8, 1))
    from hrflow.contracts.jobs import mark_expiring

    mark_expiring(TODAY, user("hr"))
    contracts.contract_grade_term(contract=contract, grade="fail", note="聘期考核不合格", acting_user=user("hr"))
    case = contracts.renewal_propose(contract=contract, renew=False, new_term_months=None, reason="聘期考核不合格，不再续聘", acting_user=user("hr"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        contracts.renewal_decide(case=case, approve=True, reason="同意不续聘", acting_user=user("leader"))
    exit_case = ExitCase.objects.get(staff=staff)
    assert (exit_case.ground, exit_case.state, exit_case.last_day) == ("not_renewed", "notice", date(2026, 7, 31))
    assert exit_case.decided_by.username == "leader" and Staff.objects.get(pk=staff.pk).status == "exiting"
    assert exit_case.handover_items.count() == 5


def test_a_protection_holds_a_term_not_renewed_open_until_it_ends(employ, user, today):
    """劳动合同法 art. 45: the term runs on while an art. 42 protection holds."""
    staff, contract = employ(term=36, starts_on=date(2023, 8, 1))
    from hrflow.contracts.jobs import mark_expiring

    mark_expiring(TODAY, user("hr"))
    contracts.contract_grade_term(contract=contract, grade="fail", note="不合格", acting_user=user("hr"))
    renewal = contracts.renewal_propose(contract=contract, renew=False, new_term_months=None, reason="不续聘", acting_user=user("hr"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        contracts.renewal_decide(case=renewal, approve=True, reason="同意", acting_user=user("leader"))
    case = ExitCase.objects.get(staff=staff)
    services.protection_record(staff=staff, data={"kind": "medical_period", "starts_on": date(2026, 7, 20), "ends_on": date(2026, 9, 30),
                                                  "evidence": "医院证明"}, acting_user=user("hr"))
    for item in case.handover_items.all():
        services.handover_confirm(item=item, done=True, note="", acting_user=user("hr"))
    today.set(date(2026, 8, 3))
    with pytest.raises(services.ExitError, match="第四十五条"):
        services.case_settle(case=case, monthly_pay=Decimal("4000"), local_average_pay=Decimal("8000"), outstanding_pay=None, note="",
                             acting_user=user("hr"))
    assert Staff.objects.get(pk=staff.pk).status == "exiting"
    # The contracts' daily job leaves the contract to the case: it runs on until the case is settled.
    from hrflow.contracts.jobs import end_not_renewed

    end_not_renewed(date(2026, 8, 3), user("hr"))
    contract.refresh_from_db()
    assert contract.state == "expiring"
    today.set(date(2026, 10, 1))
    case = services.case_settle(case=case, monthly_pay=Decimal("4000"), local_average_pay=Decimal("8000"), outstanding_pay=None, note="",
                                acting_user=user("hr"))
    contract.refresh_from_db()
    # The term ran on until the medical period ended (art. 45): the employment and the contract end then.
    assert (case.state, case.last_day, contract.state, contract.ended_on) == ("closed", date(2026, 9, 30), "ended", date(2026, 9, 30))
    assert "第四十五条" in case.history.latest("history_date").history_change_reason


@pytest.mark.parametrize("rule, employment_type, ground", [
    ("VETO-EXIT", "establishment", "veto"),
    ("VETO-EXIT", "contract", "veto"),
    ("INST-EXIT-GRADE", "establishment", "appraisal"),
    # 条例 art. 16 is establishment staff's; a 劳动合同 is reviewed under art. 40(2).
    ("INST-EXIT-GRADE", "contract", "no_fault"),
])
def test_an_exit_review_opens_a_case_at_the_hearing(employ, user, today, rule, employment_type, ground):
    staff, _contract = employ(employment_type)
    appraisal = _appraisal_of(staff, user("hr"))
    exit_review_due.send(sender=Appraisal, appraisal=appraisal, rule=rule, reason="一票否决", acting_user=user("leader"))
    case = ExitCase.objects.get(staff=staff)
    assert (case.ground, case.state, case.source_rule, case.appraisal_id) == (ground, "hearing", rule, appraisal.pk)
    assert case.statement_due == TODAY + timedelta(days=5)
    assert Staff.objects.get(pk=staff.pk).status == "active"  # nothing changes before the leaders decide


def test_a_veto_decided_on_its_legal_ground(employ, user, today):
    staff, _contract = employ("contract")
    exit_review_due.send(sender=Appraisal, appraisal=_appraisal_of(staff, user("hr")), rule="VETO-EXIT", reason="一票否决",
                         acting_user=user("leader"))
    case = ExitCase.objects.get(staff=staff)
    services.statement_submit(case=case, text="申辩", acting_user=user("hr"), on_behalf=True)
    services.hearing_close(case=case, note="", acting_user=user("hr"))
    from .test_services import review

    review(case, user("leader"))
    with pytest.raises(services.ExitError, match="VETO-EXIT"):
        services.case_decide(case=case, approve=True, reason="依法解除", acting_user=user("leader"))
    case = services.case_decide(case=case, approve=True, reason="依法解除", legal_ground="for_cause", union_notified_on=TODAY,
                                 acting_user=user("leader"))
    # 劳动合同法 art. 39: no notice, no severance.
    assert (case.legal_ground, case.notice_days, case.last_day) == ("for_cause", 0, TODAY)


def test_a_second_review_for_an_employment_in_an_open_case_opens_nothing(employ, user, today):
    staff, _contract = employ()
    services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    exit_review_due.send(sender=Appraisal, appraisal=_appraisal_of(staff, user("hr")), rule="VETO-EXIT", reason="否决",
                         acting_user=user("leader"))
    assert list(ExitCase.objects.filter(staff=staff).values_list("ground", flat=True)) == ["resignation"]


def test_no_severance_where_the_person_declined_a_renewal_on_the_same_terms(employ, user, today):
    """劳动合同法 art. 46(5)."""
    staff, contract = employ(term=36, starts_on=date(2023, 8, 1))
    from hrflow.contracts.jobs import mark_expiring

    mark_expiring(TODAY, user("hr"))
    contracts.contract_grade_term(contract=contract, grade="pass", note="合格", acting_user=user("hr"))
    renewal = contracts.renewal_propose(contract=contract, renew=False, new_term_months=None, reason="本人不愿按原条件续订", acting_user=user("hr"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        contracts.renewal_decide(case=renewal, approve=True, reason="同意", acting_user=user("leader"))
    case = ExitCase.objects.get(staff=staff)
    for item in case.handover_items.all():
        services.handover_confirm(item=item, done=True, note="", acting_user=user("hr"))
    today.set(date(2026, 8, 1))
    case = services.case_settle(case=case, monthly_pay=None, local_average_pay=None, outstanding_pay=None, note="本人拒绝续订",
                                renewal_declined=True, acting_user=user("hr"))
    assert (case.state, case.severance, case.renewal_declined) == ("closed", Decimal("0.00"), True)
