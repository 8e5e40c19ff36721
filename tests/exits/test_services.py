"""The exit case's steps, from opening to closing, and what a rejected or withdrawn case leaves behind."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hrflow.contracts.models import Contract
from hrflow.exits import services
from hrflow.exits.models import ExitCase, Protection
from hrflow.people.models import Staff

from .conftest import TODAY


def held(day=TODAY):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=10))


def review(case, user, votes=(5, 0, 0), day=TODAY):
    return services.review_record(case=case, held_at=held(day), place="会议室", members="王建国、刘红、李明、赵强、孙丽", total=5, present=5,
                                  votes_for=votes[0], votes_against=votes[1], votes_abstain=votes[2], minutes="研究决定", acting_user=user)


def snapshot(staff, contract):
    staff = Staff.objects.get(pk=staff.pk)
    contract = Contract.objects.get(pk=contract.pk)
    return (staff.status, contract.state, contract.ended_on, staff.person.user.is_active if staff.person.user else None,
            list(staff.history.values_list("history_id", flat=True)), list(contract.history.values_list("history_id", flat=True)))


def test_resignation_runs_to_closing(employ, user, today):
    staff, contract = employ()
    case = services.case_open(staff=staff, ground="resignation", evidence="本人书面辞职", notice_given_on=TODAY, acting_user=user("hr"))
    assert case.state == "deciding"
    case = services.case_decide(case=case, approve=True, reason="同意", acting_user=user("leader"))
    assert (case.state, case.notice_days, case.last_day) == ("notice", 30, TODAY + timedelta(days=30))
    assert Staff.objects.get(pk=staff.pk).status == "exiting"
    with pytest.raises(services.ExitError, match="2026年7月31日"):
        services.case_settle(case=case, monthly_pay=None, local_average_pay=None, outstanding_pay=Decimal("100"), note="", acting_user=user("hr"))
    today.set(case.last_day)
    with pytest.raises(services.ExitError):
        services.case_settle(case=case, monthly_pay=None, local_average_pay=None, outstanding_pay=Decimal("100"), note="", acting_user=user("hr"))
    for item in case.handover_items.all():
        services.handover_confirm(item=item, done=True, note="", acting_user=user("hr"))
    case = services.case_settle(case=case, monthly_pay=None, local_average_pay=None, outstanding_pay=Decimal("100"), note="", acting_user=user("hr"))
    assert (case.state, case.severance) == ("closed", Decimal("0.00"))
    staff.refresh_from_db()
    assert staff.status == "left"
    contract.refresh_from_db()
    assert (contract.state, contract.ended_on) == ("ended", case.last_day)


def test_no_fault_is_heard_reviewed_and_pays_severance(employ, user, today):
    staff, contract = employ()
    case = services.case_open(staff=staff, ground="no_fault", evidence="培训后仍不能胜任", acting_user=user("hr"))
    assert case.state == "hearing" and case.statement_due == TODAY + timedelta(days=5)
    with pytest.raises(services.ExitError):
        services.hearing_close(case=case, note="", acting_user=user("hr"))
    today.set(TODAY + timedelta(days=6))
    case = services.hearing_close(case=case, note="逾期未陈述", acting_user=user("hr"))
    case = review(case, user("leader"), day=TODAY + timedelta(days=6))
    assert case.state == "deciding"
    case = services.case_decide(case=case, approve=True, reason="依法解除", pay_in_lieu=True, union_notified_on=TODAY + timedelta(days=6),
                                acting_user=user("leader"))
    assert case.notice_days == 0 and case.last_day == TODAY + timedelta(days=6)
    for item in case.handover_items.all():
        services.handover_confirm(item=item, done=True, note="", acting_user=user("hr"))
    case = services.case_settle(case=case, monthly_pay=Decimal("4000"), local_average_pay=Decimal("8000"), outstanding_pay=None, note="",
                                acting_user=user("hr"))
    # 2020-03-01 to 2026-07-07: 6 years and 4 months → 6.5 months' pay; a month's pay instead of notice.
    assert (case.severance, case.pay_in_lieu_amount) == (Decimal("26000.00"), Decimal("4000.00"))


@pytest.mark.parametrize("kind", [k for k, _label in Protection.Kind.choices])
def test_each_protection_blocks_a_no_fault_dismissal(employ, user, today, kind):
    staff, contract = employ(sex="F" if kind in ("pregnancy", "maternity", "nursing") else None)
    services.protection_record(staff=staff, data={"kind": kind, "starts_on": TODAY - timedelta(days=10), "ends_on": None, "evidence": "证明"},
                               acting_user=user("hr"))
    case = services.case_open(staff=staff, ground="no_fault", evidence="不能胜任", acting_user=user("hr"))
    services.statement_submit(case=case, text="我有异议", acting_user=user("hr"), on_behalf=True)
    case = services.hearing_close(case=case, note="", acting_user=user("hr"))
    case = review(case, user("leader"))
    before = snapshot(staff, contract)
    with pytest.raises(services.ExitError, match="第四十二条|art. 42"):
        services.case_decide(case=case, approve=True, reason="解除", acting_user=user("leader"))
    assert snapshot(staff, contract) == before


def test_rejected_case_changes_nothing(employ, user, today):
    staff, contract = employ()
    before = snapshot(staff, contract)
    case = services.case_open(staff=staff, ground="no_fault", evidence="不能胜任", acting_user=user("hr"))
    services.statement_submit(case=case, text="我已改进", acting_user=user("hr"), on_behalf=True)
    case = services.hearing_close(case=case, note="", acting_user=user("hr"))
    case = review(case, user("leader"))
    case = services.case_decide(case=case, approve=False, reason="给予改进机会", acting_user=user("leader"))
    assert case.state == "rejected"
    assert snapshot(staff, contract) == before


def test_withdrawn_case_changes_nothing(employ, user, today):
    staff, contract = employ()
    before = snapshot(staff, contract)
    case = services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    services.case_withdraw(case=case, reason="本人撤回辞职", acting_user=user("hr"))
    assert snapshot(staff, contract) == before
    # A new case may be opened afterwards.
    services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))


def test_a_man_cannot_be_recorded_pregnant(employ, user):
    staff, _contract = employ(sex="M")
    with pytest.raises(services.ExitError, match="第四十二条"):
        services.protection_record(staff=staff, data={"kind": "pregnancy", "starts_on": TODAY, "ends_on": None, "evidence": ""},
                                   acting_user=user("hr"))


@pytest.mark.parametrize("kind", ["for_cause", "mutual"])
def test_protections_do_not_block_a_dismissal_for_cause_nor_an_agreement(employ, user, today, kind):
    staff, contract = employ(sex="F")
    services.protection_record(staff=staff, data={"kind": "pregnancy", "starts_on": TODAY, "ends_on": None, "evidence": ""},
                               acting_user=user("hr"))
    case = services.case_open(staff=staff, ground=kind, evidence="严重违纪" if kind == "for_cause" else "协商", initiated_by="school",
                              acting_user=user("hr"))
    services.statement_submit(case=case, text="同意" if kind == "mutual" else "申辩", agrees=True if kind == "mutual" else None,
                              acting_user=user("hr"), on_behalf=True)
    services.hearing_close(case=case, note="", acting_user=user("hr"))
    review(case, user("leader"))
    case = services.case_decide(case=case, approve=True, reason="决定", union_notified_on=TODAY, acting_user=user("leader"))
    assert (case.state, case.notice_days) == ("notice", 0)


def test_fifteen_years_within_five_of_retirement_blocks_a_no_fault_dismissal(employ, user, today):
    """劳动合同法 art. 42(5): hired 2011-01-01 (15 years by 2026-07-01); a man born 1968-01-01 retires at
    60 years and 10 months (the 2024 decision), on 2028-11-01: within 5 years."""
    staff, contract = employ(sex="M", starts_on=date(2011, 1, 1))
    from hrflow.people.models import Person

    Person.objects.filter(pk=staff.person_id).update(birth_date=date(1968, 1, 1))
    case = services.case_open(staff=staff, ground="no_fault", evidence="不能胜任", acting_user=user("hr"))
    services.statement_submit(case=case, text="申辩", acting_user=user("hr"), on_behalf=True)
    services.hearing_close(case=case, note="", acting_user=user("hr"))
    review(case, user("leader"))
    with pytest.raises(services.ExitError, match=r"42\(5\)|第四十二条"):
        services.case_decide(case=case, approve=True, reason="解除", acting_user=user("leader"))


def test_a_resignation_cannot_be_rejected_and_notice_is_three_days_in_probation(employ, user, today):
    staff, contract = employ(starts_on=TODAY - timedelta(days=20), probation=2, term=36)
    from hrflow.contracts.jobs import start_signed

    start_signed(TODAY, user("hr"))
    case = services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    with pytest.raises(services.ExitError, match="第三十七条"):
        services.case_decide(case=case, approve=False, reason="不同意", acting_user=user("leader"))
    case = services.case_decide(case=case, approve=True, reason="同意", acting_user=user("leader"))
    assert (case.notice_days, case.last_day) == (3, TODAY + timedelta(days=3))


def test_hr_who_opened_a_case_cannot_decide_it_and_nothing_is_skipped(employ, user, today):
    staff, contract = employ()
    case = services.case_open(staff=staff, ground="no_fault", evidence="不能胜任", acting_user=user("hr"))
    with pytest.raises(services.ExitError):
        services.case_decide(case=case, approve=True, reason="跳过", acting_user=user("leader"))
    with pytest.raises(services.ExitError):
        review(case, user("leader"))
    with pytest.raises(services.ExitError):
        services.case_settle(case=case, monthly_pay=None, local_average_pay=None, outstanding_pay=None, note="", acting_user=user("hr"))
    assert ExitCase.objects.get(pk=case.pk).state == "hearing"


@pytest.mark.parametrize("ground, employment_type, kwargs", [
    ("no_fault", "establishment", {}),
    ("appraisal", "contract", {}),
    ("appraisal", "establishment", {}),  # no 不合格 on record
    ("resignation", "contract", {"notice_given_on": TODAY + timedelta(days=1)}),
    ("resignation", "contract", {}),
    ("retirement", "contract", {"requested_last_day": TODAY + timedelta(days=30)}),
    ("not_renewed", "contract", {}),
    ("veto", "contract", {}),
])
def test_a_ground_that_does_not_apply_is_refused_in_words(employ, user, today, ground, employment_type, kwargs):
    staff, contract = employ(employment_type)
    with pytest.raises(services.ExitError):
        services.case_open(staff=staff, ground=ground, evidence="x", acting_user=user("hr"), **kwargs)
    assert not ExitCase.objects.filter(staff=staff).exists()


def test_closing_disables_the_login_unless_another_school_employs_the_person(me, user, today):
    staff, contract = me
    case = services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    case = services.case_decide(case=case, approve=True, reason="同意", acting_user=user("leader"))
    today.set(case.last_day)
    for item in case.handover_items.all():
        services.handover_confirm(item=item, done=True, note="", acting_user=user("hr"))
    services.case_settle(case=case, monthly_pay=None, local_average_pay=None, outstanding_pay=None, note="", acting_user=user("hr"))
    staff.person.user.refresh_from_db()
    assert not staff.person.user.is_active
    # The records stay: the case, the employment and the contract with their history.
    assert ExitCase.objects.filter(pk=case.pk, state="closed").exists() and Staff.objects.get(pk=staff.pk).history.count() > 1


def test_the_daily_job_reminds_hr_of_a_hearing_to_close_and_an_exit_to_settle(employ, user, today):
    from hrflow.exits.jobs import reminder_events

    staff, contract = employ()
    case = services.case_open(staff=staff, ground="no_fault", evidence="不能胜任", acting_user=user("hr"))
    assert [e for e in reminder_events(TODAY) if f":{case.pk}:" in e.event_key] == []
    events = [e for e in reminder_events(TODAY + timedelta(days=6)) if f":{case.pk}:" in e.event_key]
    assert len(events) == 1 and user("hr").pk in events[0].recipient_ids and events[0].event_key.startswith("exits.hearing_due")
