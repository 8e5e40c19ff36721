"""Who may do what in a case, and what cannot be undone or faked: recusal, the person's own words,
the quorum, a resignation belonging to the person, revoking in the notice period, no renewal or
transfer while a case is open."""

from datetime import date, timedelta

import pytest

from hrflow.contracts import services as contracts
from hrflow.exits import services
from hrflow.exits.models import ExitCase
from hrflow.people.models import Staff

from .conftest import TODAY
from .test_services import held, review, snapshot


def test_nobody_opens_or_decides_their_own_exit(me, user):
    staff, _contract = me
    with pytest.raises(services.ExitError, match="回避"):
        services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=staff.person.user)


def test_hr_cannot_replace_the_persons_own_statement_nor_their_consent(me, user, today):
    staff, _contract = me
    case = services.case_open(staff=staff, ground="mutual", initiated_by="school", evidence="协商解除", acting_user=user("hr"))
    services.statement_submit(case=case, text="我不同意解除", agrees=False, acting_user=staff.person.user)
    with pytest.raises(services.ExitError):
        services.statement_submit(case=case, text="本人同意", agrees=True, acting_user=user("hr"), on_behalf=True)
    case.refresh_from_db()
    assert (case.statement, case.person_agrees) == ("我不同意解除", False)
    with pytest.raises(services.ExitError, match="第三十六条"):
        services.hearing_close(case=case, note="", acting_user=user("hr"))


def test_a_meeting_without_quorum_decides_nothing_and_may_be_held_again(employ, user, today):
    staff, _contract = employ()
    case = services.case_open(staff=staff, ground="no_fault", evidence="不能胜任", acting_user=user("hr"))
    services.statement_submit(case=case, text="申辩", acting_user=user("hr"), on_behalf=True)
    services.hearing_close(case=case, note="", acting_user=user("hr"))
    with pytest.raises(services.ExitError, match="5"):
        services.review_record(case=case, held_at=held(), place="会议室", members="甲、乙、丙、丁、戊", total=5, present=2,
                               votes_for=2, votes_against=0, votes_abstain=0, minutes="纪要", acting_user=user("leader"))
    with pytest.raises(services.ExitError):  # two names for five members
        services.review_record(case=case, held_at=held(), place="会议室", members="甲、乙", total=5, present=5,
                               votes_for=5, votes_against=0, votes_abstain=0, minutes="纪要", acting_user=user("leader"))
    assert ExitCase.objects.get(pk=case.pk).state == "review"
    assert review(case, user("leader"), votes=(2, 3, 0)).state == "rejected"  # a quorate meeting that votes no rejects it


def test_only_the_person_withdraws_their_resignation(me, user, today):
    staff, _contract = me
    case = services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    with pytest.raises(services.ExitError):
        services.case_withdraw(case=case, reason="学校挽留", acting_user=user("hr"))
    assert services.case_withdraw(case=case, reason="本人撤回", acting_user=staff.person.user).state == "withdrawn"


def test_a_leader_revokes_an_approved_exit_and_the_employment_continues(employ, user, today):
    staff, contract = employ()
    case = services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    case = services.case_decide(case=case, approve=True, reason="同意", acting_user=user("leader"))
    assert Staff.objects.get(pk=staff.pk).status == "exiting"
    case = services.case_revoke(case=case, reason="本人撤回辞职，学校同意", acting_user=user("leader"))
    assert case.state == "revoked" and Staff.objects.get(pk=staff.pk).status == "active"
    assert contract.__class__.objects.get(pk=contract.pk).state == contract.state
    # A new case may be opened later.
    services.case_open(staff=staff, ground="resignation", evidence="再次辞职", notice_given_on=TODAY, acting_user=user("hr"))


def test_no_renewal_while_the_employment_is_in_an_exit_case(employ, user, today):
    staff, contract = employ(term=36, starts_on=date(2023, 8, 1))
    from hrflow.contracts.jobs import mark_expiring

    mark_expiring(TODAY, user("hr"))
    services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    contracts.contract_grade_term(contract=contract, grade="pass", note="合格", acting_user=user("hr"))
    renewal = contracts.renewal_propose(contract=contract, renew=True, new_term_months=36, reason="续聘", acting_user=user("hr"))
    with pytest.raises(contracts.ContractError):
        contracts.renewal_decide(case=renewal, approve=True, reason="同意", acting_user=user("leader"))


def test_no_transfer_away_while_the_employment_is_in_an_exit_case(employ, user, today, other_school):
    from django.core.exceptions import ValidationError

    from hrflow.people import services as people

    staff, _contract = employ()
    services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    with pytest.raises(ValidationError):
        people.employment_link(person=staff.person, school=other_school, mode="transfer", acting_user=user("hr2"), reason="调动")
    assert Staff.objects.get(pk=staff.pk).status == "active"


def test_a_protection_that_begins_in_the_notice_period_stops_the_dismissal(employ, user, today):
    staff, contract = employ(sex="F")
    case = services.case_open(staff=staff, ground="no_fault", evidence="不能胜任", acting_user=user("hr"))
    services.statement_submit(case=case, text="申辩", acting_user=user("hr"), on_behalf=True)
    services.hearing_close(case=case, note="", acting_user=user("hr"))
    review(case, user("leader"))
    case = services.case_decide(case=case, approve=True, reason="解除", union_notified_on=TODAY, acting_user=user("leader"))
    services.protection_record(staff=staff, data={"kind": "pregnancy", "starts_on": TODAY + timedelta(days=10), "ends_on": None,
                                                  "evidence": ""}, acting_user=user("hr"))
    for item in case.handover_items.all():
        services.handover_confirm(item=item, done=True, note="", acting_user=user("hr"))
    today.set(case.last_day)
    before = snapshot(staff, contract)
    with pytest.raises(services.ExitError, match="第四十二条"):
        services.case_settle(case=case, monthly_pay=None, local_average_pay=None, outstanding_pay=None, note="", acting_user=user("hr"))
    assert snapshot(staff, contract) == before


def test_a_member_named_twice_is_refused(employ, user, today):
    staff, _contract = employ()
    case = services.case_open(staff=staff, ground="no_fault", evidence="不能胜任", acting_user=user("hr"))
    services.statement_submit(case=case, text="申辩", acting_user=user("hr"), on_behalf=True)
    services.hearing_close(case=case, note="", acting_user=user("hr"))
    with pytest.raises(services.ExitError):
        services.review_record(case=case, held_at=held(), place="会议室", members="王建国、王建国、李明", total=3, present=3,
                               votes_for=3, votes_against=0, votes_abstain=0, minutes="纪要", acting_user=user("leader"))
    assert ExitCase.objects.get(pk=case.pk).state == "review"


def test_the_item_is_confirmed_by_whoever_checks_it(employ, user, today, login):
    staff, _contract = employ()
    case = services.case_open(staff=staff, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    case = services.case_decide(case=case, approve=True, reason="同意", acting_user=user("leader"))
    item = services.handover_add(case=case, kind="keys", description="仓库钥匙", owner=user("leader"), acting_user=user("hr"))
    assert login("hr").post(f"/exits/handover/{item.pk}/", {"done": "yes", "note": ""}).status_code == 403
    assert login("leader").post(f"/exits/handover/{item.pk}/", {"done": "yes", "note": "已收回"}).status_code == 302
    item.refresh_from_db()
    assert item.done_by.username == "leader"


def test_a_term_ending_within_the_notice_ends_the_employment_with_it(employ, user, today):
    """劳动合同法 art. 44(1): the contract's end comes before a 30-day notice runs out."""
    staff, contract = employ(term=36, starts_on=date(2023, 7, 15))  # ends 2026-07-14
    case = services.case_open(staff=staff, ground="for_cause", evidence="严重违纪", acting_user=user("hr"))
    services.statement_submit(case=case, text="申辩", acting_user=user("hr"), on_behalf=True)
    services.hearing_close(case=case, note="", acting_user=user("hr"))
    review(case, user("leader"))
    case = services.case_decide(case=case, approve=True, reason="解除", union_notified_on=TODAY, acting_user=user("leader"))
    assert case.last_day == TODAY  # art. 39: no notice
    staff2, contract2 = employ(term=36, starts_on=date(2023, 7, 15), sex="F")
    case2 = services.case_open(staff=staff2, ground="resignation", evidence="辞职", notice_given_on=TODAY, acting_user=user("hr"))
    case2 = services.case_decide(case=case2, approve=True, reason="同意", acting_user=user("leader"))
    assert case2.last_day == date(2026, 7, 14) == contract2.ends_on
