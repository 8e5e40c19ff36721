"""The one-vote veto (四(二)): incident, investigation, statements (VETO-ACCOUNT), and its three
consequences on the appraisal: 不合格 (VETO-GRADE), no reward pay (VETO-PAY), an exit review (VETO-EXIT)."""

from datetime import date
from decimal import Decimal

import pytest

from hrflow.appraisal import pay, services, veto
from hrflow.appraisal.models import Appraisal, Incident, PayLine, PayRun, SchoolCycle
from hrflow.appraisal.services import AppraisalError
from hrflow.appraisal.signals import exit_review_due

from .test_services import committee, leader_all, to_leader


def major_incident(school, user, staff, day=date(2026, 9, 1)):
    hr = user("hr")
    incident = veto.incident_record(school=school, occurred_on=day, title="食堂食物中毒事件", description="午餐后32名学生呕吐就医",
                                    severity=Incident.Severity.MAJOR, acting_user=hr)
    resp = veto.responsibility_add(incident=incident, staff=staff, role="direct", finding="未按规定留样，食材未检验", acting_user=hr)
    veto.incident_investigated(incident=incident, investigation="经调查，系厨房未执行索证索票和留样制度所致。", acting_user=hr)
    return incident, resp


def graded(cycle, user, school, small_school):
    committee(school, user, small_school)
    to_leader(cycle, user, lambda a: 70 + a.pk % 5)
    leader_all(cycle, user, lambda a: Decimal(70 + a.pk % 7))
    hr = user("hr")
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)


def test_responsibility_is_not_final_before_the_person_states_their_case(cycle, user, school, small_school):
    incident, resp = major_incident(school, user, small_school[0])
    with pytest.raises(AppraisalError, match="VETO-ACCOUNT"):
        veto.incident_finalise(incident=incident, decision_note="经校长办公会研究认定", acting_user=user("leader"))
    veto.statement_record(responsibility=resp, statement="当天本人休假，留样由他人负责。", waived=False, acting_user=user("hr"))
    veto.incident_finalise(incident=incident, decision_note="经校长办公会研究认定", acting_user=user("leader"))
    incident.refresh_from_db()
    assert incident.state == Incident.State.FINAL


def test_a_future_incident_date_is_refused(school, user, today):
    with pytest.raises(AppraisalError):
        veto.incident_record(school=school, occurred_on=date(2027, 1, 1), title="x", description="y", severity="major", acting_user=user("hr"))


def test_a_final_major_incident_vetoes_the_grade_the_pay_and_opens_an_exit_review(cycle, user, school, small_school, today):
    graded(cycle, user, school, small_school)
    target = small_school[0]
    incident, resp = major_incident(school, user, target)
    veto.statement_record(responsibility=resp, statement="", waived=True, acting_user=user("hr"))
    reviews = []

    def listener(sender, appraisal, rule, reason, acting_user, **kw):
        reviews.append((appraisal.staff_id, rule))

    exit_review_due.connect(listener)
    try:
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            assert veto.incident_finalise(incident=incident, decision_note="认定直接责任", acting_user=user("leader")) == 1
    finally:
        exit_review_due.disconnect(listener)
    a = Appraisal.objects.get(cycle=cycle, staff=target)
    # VETO-GRADE: 不合格 whatever the scores, and the leaders cannot change it.
    assert a.vetoed and a.grade == "incompetent" and a.grade_source == "veto" and "VETO-GRADE" in a.grade_reason
    with pytest.raises(AppraisalError, match="VETO-GRADE"):
        services.grade_change(appraisal=a, grade="competent", reason="考虑其一贯表现", acting_user=user("leader"))
    # VETO-EXIT: an exit review is due, and the exit workflow is told.
    assert a.exit_review == "VETO-EXIT" and reviews == [(target.pk, "VETO-EXIT")]
    # VETO-PAY: no reward part in the pay run, and the pool still sums exactly.
    sc = SchoolCycle.objects.get(cycle=cycle)
    for s in SchoolCycle.objects.filter(cycle=cycle):
        if Appraisal.objects.filter(cycle=cycle, school=s.school, tied=True).exists():
            tied = list(Appraisal.objects.filter(cycle=cycle, school=s.school, tied=True))
            services.tie_decide(school_cycle=s, group="", excellent_ids=[t.pk for t in tied][:services.places_left(tied[0], cycle)],
                                reason="综合考虑", acting_user=user("leader"))
    services.school_approve(school_cycle=sc, note="", acting_user=user("leader"))
    services.cycle_publish(cycle=cycle, acting_user=user("hr"))
    pay.rate_save(school=school, post_category="", title="", education="", monthly=Decimal("800"), acting_user=user("hr"))
    run = pay.pay_run_save(school_cycle=sc, values={"budget": Decimal("100000.00"), **pay.defaults(cycle)}, acting_user=user("hr"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        pay.pay_run_start(run=run, acting_user=user("hr"))
    run.refresh_from_db()
    assert run.state == PayRun.State.COMPUTED
    line = PayLine.objects.get(run=run, appraisal=a)
    assert line.reward_amount == 0 and "VETO-PAY" in line.note
    assert sum(PayLine.objects.filter(run=run).values_list("reward_amount", flat=True)) == Decimal("30000.00") == run.pool


def test_a_veto_final_before_the_cycle_opens_marks_the_appraisal_at_enrolment(cycle, user, school, small_school, today):
    incident, resp = major_incident(school, user, small_school[1])
    veto.statement_record(responsibility=resp, statement="我对此负有责任。", waived=False, acting_user=user("hr"))
    veto.incident_finalise(incident=incident, decision_note="认定", acting_user=user("leader"))
    services.cycle_open(cycle=cycle, acting_user=user("hr"))
    a = Appraisal.objects.get(cycle=cycle, staff=small_school[1])
    assert a.vetoed and a.veto_id == resp.pk and a.exit_review == "VETO-EXIT"


def test_a_general_incident_vetoes_nothing(cycle, user, school, small_school, today):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    incident = veto.incident_record(school=school, occurred_on=date(2026, 5, 1), title="学生宿舍水管爆裂", description="无人员伤亡",
                                    severity=Incident.Severity.GENERAL, acting_user=hr)
    resp = veto.responsibility_add(incident=incident, staff=small_school[2], role="management", finding="巡查不到位", acting_user=hr)
    veto.incident_investigated(incident=incident, investigation="管道老化", acting_user=hr)
    veto.statement_record(responsibility=resp, statement="", waived=True, acting_user=hr)
    assert veto.incident_finalise(incident=incident, decision_note="认定管理责任", acting_user=user("leader")) == 0
    assert not Appraisal.objects.filter(cycle=cycle, vetoed=True).exists()


def test_hr_cannot_overwrite_the_persons_own_statement_nor_reopen_a_final_incident(cycle, user, school, small_school, today):
    incident, resp = major_incident(school, user, small_school[0])
    person = small_school[0].person.user
    veto.statement_record(responsibility=resp, statement="当天本人休假，留样由他人负责。", waived=False, acting_user=person)
    with pytest.raises(AppraisalError):
        veto.statement_record(responsibility=resp, statement="", waived=True, acting_user=user("hr"))
    resp.refresh_from_db()
    assert "休假" in resp.statement and not resp.waived
    veto.incident_finalise(incident=incident, decision_note="认定", acting_user=user("leader"))
    for call in (lambda: veto.incident_close(incident=incident, reason="撤销", acting_user=user("leader")),
                 lambda: veto.incident_investigated(incident=incident, investigation="改写", acting_user=user("hr"))):
        with pytest.raises(AppraisalError):
            call()
