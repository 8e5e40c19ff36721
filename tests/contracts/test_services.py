"""Signing, probation, term evaluation and renewal through the services, the law cited on refusal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from viewflow.workflow.models import Task

from hrflow.contracts import services
from hrflow.contracts.models import Contract, RenewalCase
from hrflow.contracts.signals import contract_not_renewed
from hrflow.notifications.models import Notification
from hrflow.people.models import Staff

from .conftest import TODAY, terms

S = Contract.State


def test_draft_proposes_the_longest_lawful_probation(draft):
    assert (draft.state, draft.probation_months, draft.ends_on, draft.probation_ends_on) == (S.DRAFT, 6, date(2029, 6, 30), date(2026, 12, 31))


def test_dispatched_staff_get_no_school_contract(school, user, today):
    staff = Staff.objects.filter(school=school, employment_type="contract").first()
    staff.employment_type = "dispatched"
    assert services.contract_create_draft(staff=staff, starts_on=today.value, term_months=36, acting_user=user("hr"), reason="x") is None


def test_signing_starts_the_probation_when_the_day_has_come(draft, user):
    contract = services.contract_sign(contract=draft, terms=terms(), signed_on=TODAY, acting_user=user("hr"))
    assert contract.state == S.PROBATION
    assert [h.history_change_reason for h in contract.history.order_by("history_id")][-2:] == [
        "合同签订于2026年7月1日", "合同于2026年7月1日开始履行，试用期至2026年12月31日"]


@pytest.mark.parametrize("changes, cited", [
    ({"probation_months": 7}, "劳动合同法 art. 19"),
    ({"term_months": 12, "probation_months": 3}, "劳动合同法 art. 19"),
    ({"probation_pay": Decimal("2399.99")}, "劳动合同法 art. 20"),
    ({"agreed_pay": Decimal("2200"), "probation_pay": Decimal("2099")}, "劳动合同法 art. 20"),  # minimum wage 2,100
    ({"probation_pay": None}, "probation"),
])
def test_signing_refuses_an_unlawful_probation_with_the_rule_cited(draft, user, changes, cited):
    with pytest.raises(services.ContractError) as refused:
        services.contract_sign(contract=draft, terms=terms(**changes), signed_on=TODAY, acting_user=user("hr"))
    assert cited in str(refused.value) or "试用" in str(refused.value)
    draft.refresh_from_db()
    assert draft.state == S.DRAFT and draft.history.count() == 1


def test_one_probation_per_employer_and_person(draft, user, contract_staff, today):
    services.contract_sign(contract=draft, terms=terms(), signed_on=TODAY, acting_user=user("hr"))
    after = date(2029, 7, 1)  # the day after the first term
    today.set(date(2029, 6, 1))
    second = services.contract_create_draft(staff=contract_staff, starts_on=after, term_months=36, acting_user=user("hr"), reason="再次聘用")
    assert second.probation_months == 0
    with pytest.raises(services.ContractError, match="已在本单位经过试用期|already served a probation"):
        services.contract_sign(contract=second, terms=terms(starts_on=after), signed_on=date(2029, 6, 1), acting_user=user("hr"))


def test_first_employment_of_establishment_staff_allows_twelve_months(draft, user):
    draft.kind = Contract.Kind.INSTITUTIONAL
    draft.save()
    signed = services.contract_sign(contract=draft, terms=terms(probation_months=12, first_employment=True), signed_on=TODAY, acting_user=user("hr"))
    assert signed.probation_ends_on == date(2027, 6, 30)


def test_a_short_institutional_term_needs_a_reason(draft, user):
    draft.kind = Contract.Kind.INSTITUTIONAL
    draft.save()
    with pytest.raises(services.ReasonRequired, match="第十二条|art. 12"):
        services.contract_sign(contract=draft, terms=terms(term_months=24, probation_months=2), signed_on=TODAY, acting_user=user("hr"))
    signed = services.contract_sign(contract=draft, terms=terms(term_months=24, probation_months=2), signed_on=TODAY,
                                    acting_user=user("hr"), reason="项目期限两年")
    assert any("聘用合同期限一般不低于3年" in h.history_change_reason and "项目期限两年" in h.history_change_reason
               for h in signed.history.all())


@pytest.mark.parametrize("signed_on, starts_on", [
    (TODAY + timedelta(days=1), TODAY),  # a signature in the future
    (TODAY, date(2020, 1, 1)),  # a start before the hire
])
def test_impossible_dates_are_refused(draft, user, signed_on, starts_on):
    with pytest.raises(services.ContractError):
        services.contract_sign(contract=draft, terms=terms(starts_on=starts_on), signed_on=signed_on, acting_user=user("hr"))


def test_a_backdated_signature_is_refused(draft, user):
    with pytest.raises(services.ContractError, match="聘用日期|hire"):
        services.contract_sign(contract=draft, terms=terms(), signed_on=TODAY - timedelta(days=1), acting_user=user("hr"))


def test_a_signed_contract_cannot_be_signed_again(draft, user):
    services.contract_sign(contract=draft, terms=terms(), signed_on=TODAY, acting_user=user("hr"))
    with pytest.raises(services.ContractError):
        services.contract_sign(contract=draft, terms=terms(), signed_on=TODAY, acting_user=user("hr"))


def _expiring(draft, user, today, term=12):
    contract = services.contract_sign(contract=draft, terms=terms(term_months=term, probation_months=2, probation_pay=Decimal("2400")),
                                      signed_on=TODAY, acting_user=user("hr"))
    services.contract_confirm(contract=contract, acting_user=user("hr"), reason="考核合格")
    contract.refresh_from_db()
    contract.approach_end()
    contract.save()
    return contract


def test_a_proposal_cites_the_term_evaluation(draft, user, today):
    contract = _expiring(draft, user, today)
    with pytest.raises(services.ContractError, match="聘期考核"):
        services.renewal_propose(contract=contract, renew=True, new_term_months=36, reason="表现良好", acting_user=user("hr"))
    services.contract_grade_term(contract=contract, grade="pass", note="考核小组评议", acting_user=user("hr"))
    case = services.renewal_propose(contract=contract, renew=True, new_term_months=36, reason="表现良好", acting_user=user("hr"))
    assert case.term_grade == "pass" and case.process_id
    assert Task.objects.filter(process_id=case.process_id, flow_task__endswith="approve", status="NEW").exists()
    assert Notification.objects.filter(recipient__username="leader", url__endswith=f"/contracts/{contract.pk}/").exists()


def test_approval_drafts_the_new_contract_without_probation(draft, user, today):
    contract = _expiring(draft, user, today)
    services.contract_grade_term(contract=contract, grade="pass", note="考核小组评议", acting_user=user("hr"))
    case = services.renewal_propose(contract=contract, renew=True, new_term_months=36, reason="表现良好", acting_user=user("hr"))
    with pytest.raises(services.ContractError):
        services.renewal_decide(case=case, approve=True, reason="同意", acting_user=user("hr"))  # the proposer never decides
    case = services.renewal_decide(case=case, approve=True, reason="同意续聘", acting_user=user("leader"))
    contract.refresh_from_db()
    new = case.new_contract
    assert contract.state == S.RENEWED
    assert (new.state, new.renews_id, new.starts_on, new.term_months, new.probation_months) == (S.DRAFT, contract.pk, date(2027, 7, 1), 36, 0)
    assert not Task.objects.filter(process_id=case.process_id, status__in=("NEW", "ASSIGNED")).exists()


def test_a_returned_proposal_is_revised_and_decided_again(draft, user, today):
    contract = _expiring(draft, user, today)
    services.contract_grade_term(contract=contract, grade="pass", note="评议", acting_user=user("hr"))
    case = services.renewal_propose(contract=contract, renew=True, new_term_months=12, reason="续聘一年", acting_user=user("hr"))
    case = services.renewal_decide(case=case, approve=False, reason="期限过短", acting_user=user("leader"))
    assert case.state == RenewalCase.State.RETURNED
    case = services.renewal_revise(case=case, renew=True, new_term_months=36, reason="续聘三年", acting_user=user("hr"))
    case = services.renewal_decide(case=case, approve=True, reason="同意", acting_user=user("leader"))
    assert case.new_contract.term_months == 36


def test_not_renewing_sends_the_exit_seam(draft, user, today, django_capture_on_commit_callbacks):
    contract = _expiring(draft, user, today)
    services.contract_grade_term(contract=contract, grade="fail", note="聘期考核不合格", acting_user=user("hr"))
    received = []

    def listener(sender, case, acting_user, **kwargs):
        received.append(case.pk)

    contract_not_renewed.connect(listener)
    try:
        case = services.renewal_propose(contract=contract, renew=False, new_term_months=None, reason="考核不合格", acting_user=user("hr"))
        with django_capture_on_commit_callbacks(execute=True):
            services.renewal_decide(case=case, approve=True, reason="同意不再续聘", acting_user=user("leader"))
    finally:
        contract_not_renewed.disconnect(listener)
    assert received == [case.pk]
    contract.refresh_from_db()
    assert contract.state == S.EXPIRING  # it ends after its last day (the daily job)


def test_open_ended_contract_is_due_after_two_fixed_terms(draft, user, today):
    first = _expiring(draft, user, today)
    services.contract_grade_term(contract=first, grade="pass", note="评议", acting_user=user("hr"))
    case = services.renewal_propose(contract=first, renew=True, new_term_months=12, reason="续聘", acting_user=user("hr"))
    second = services.renewal_decide(case=case, approve=True, reason="同意", acting_user=user("leader")).new_contract
    today.set(date(2027, 7, 1))
    second = services.contract_sign(contract=second, terms=terms(starts_on=date(2027, 7, 1), term_months=12, probation_months=0, probation_pay=None),
                                    signed_on=date(2027, 7, 1), acting_user=user("hr"))
    second.approach_end()
    second.save()
    services.contract_grade_term(contract=second, grade="pass", note="评议", acting_user=user("hr"))
    with pytest.raises(services.ContractError, match="无固定期限|open-ended"):
        services.renewal_propose(contract=second, renew=True, new_term_months=12, reason="再续一年", acting_user=user("hr"))
    case = services.renewal_propose(contract=second, renew=True, new_term_months=None, reason="订立无固定期限合同", acting_user=user("hr"))
    assert "第十四条" in case.open_ended_due or "art. 14" in case.open_ended_due


def test_the_evaluation_a_proposal_cites_cannot_change_under_it(draft, user, today):
    contract = _expiring(draft, user, today)
    services.contract_grade_term(contract=contract, grade="pass", note="评议", acting_user=user("hr"))
    case = services.renewal_propose(contract=contract, renew=True, new_term_months=36, reason="续聘", acting_user=user("hr"))
    with pytest.raises(services.ContractError, match="退回|return"):
        services.contract_grade_term(contract=contract, grade="fail", note="改为不合格", acting_user=user("hr"))
    services.renewal_decide(case=case, approve=False, reason="请复核考核", acting_user=user("leader"))
    services.contract_grade_term(contract=contract, grade="fail", note="复核后不合格", acting_user=user("hr"))  # returned: allowed
    assert Contract.objects.get(pk=contract.pk).term_grade == "fail"


def test_a_renewal_starts_the_day_after_the_old_term_and_terms_never_overlap(draft, user, today):
    contract = _expiring(draft, user, today)
    services.contract_grade_term(contract=contract, grade="pass", note="评议", acting_user=user("hr"))
    case = services.renewal_propose(contract=contract, renew=True, new_term_months=36, reason="续聘", acting_user=user("hr"))
    new = services.renewal_decide(case=case, approve=True, reason="同意", acting_user=user("leader")).new_contract
    with pytest.raises(services.ContractError, match="次日|day after"):
        services.contract_sign(contract=new, terms=terms(starts_on=date(2027, 1, 1), probation_months=0, probation_pay=None),
                               signed_on=TODAY, acting_user=user("hr"))
    assert Contract.objects.get(pk=new.pk).state == S.DRAFT


def test_hr_drafts_a_contract_for_staff_recorded_without_one(contract_staff, user, today):
    draft = services.contract_draft_for(staff=contract_staff, starts_on=TODAY, term_months=36, acting_user=user("hr"), reason="补签合同")
    assert (draft.state, draft.probation_months) == (S.DRAFT, 6)
    with pytest.raises(services.ContractError, match="一份|one at a time"):
        services.contract_draft_for(staff=contract_staff, starts_on=TODAY, term_months=36, acting_user=user("hr"), reason="再草拟")
    contract_staff.employment_type = "dispatched"
    contract_staff.save()
    with pytest.raises(services.ContractError):
        services.contract_draft_for(staff=contract_staff, starts_on=TODAY, term_months=36, acting_user=user("hr"), reason="派遣")


def test_dispatch_agreements_of_one_person_never_overlap(contract_staff, user, today):
    contract_staff.employment_type = "dispatched"
    contract_staff.save()
    data = {"agency": "四川某劳务派遣有限公司", "agency_code": "", "post_nature": "auxiliary", "starts_on": TODAY, "ends_on": date(2027, 6, 30)}
    services.dispatch_record(staff=contract_staff, data=data, acting_user=user("hr"), reason="派遣协议")
    with pytest.raises(services.ContractError, match="重叠|overlaps"):
        services.dispatch_record(staff=contract_staff, data={**data, "starts_on": date(2027, 1, 1), "ends_on": date(2099, 12, 31)},
                                 acting_user=user("hr"), reason="第二份")
