"""Performance pay (idempotent, sums to the pool, locked once approved) and appeals (复核) with the
grades' consequences."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import TestCase

from hrflow.appraisal import pay, services
from hrflow.appraisal.models import Appraisal, Cycle, PayLine, PayRun, SchoolCycle
from hrflow.appraisal.services import AppraisalError

from .test_services import committee, leader_all, to_leader


def published(cycle, user, school, small_school, leader_score=lambda a: Decimal(60 + a.pk % 30)):
    committee(school, user, small_school)
    to_leader(cycle, user, lambda a: 70 + a.pk % 9)
    leader_all(cycle, user, leader_score)
    hr, leader = user("hr"), user("leader")
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    sc = SchoolCycle.objects.get(cycle=cycle)
    tied = list(Appraisal.objects.filter(cycle=cycle, tied=True))
    if tied:
        services.tie_decide(school_cycle=sc, group="", excellent_ids=[t.pk for t in tied][:services.places_left(tied[0], cycle)],
                            reason="按工作量", acting_user=leader)
    services.school_approve(school_cycle=sc, note="", acting_user=leader)
    services.cycle_publish(cycle=cycle, acting_user=hr)
    return sc


def run_pay(run, user):
    with TestCase.captureOnCommitCallbacks(execute=True):
        pay.pay_run_start(run=run, acting_user=user("hr"))
    run.refresh_from_db()
    return run


def test_a_pay_run_sums_to_the_pool_to_the_fen_and_a_rerun_rewrites_the_same_lines(cycle, user, school, small_school):
    sc = published(cycle, user, school, small_school)
    pay.rate_save(school=school, post_category="", title="", education="", monthly=Decimal("750.50"), acting_user=user("hr"))
    run = pay.pay_run_save(school_cycle=sc, values={"budget": Decimal("33333.33"), **pay.defaults(cycle)}, acting_user=user("hr"))
    run = run_pay(run, user)
    lines = list(PayLine.objects.filter(run=run).order_by("appraisal_id").values_list("appraisal_id", "reward_amount", "base_amount"))
    assert run.pool == Decimal("10000.00")  # 33333.33 × 30%, half up
    assert sum(r for _a, r, _b in lines) == run.pool
    assert all(b == Decimal("750.50") * 12 for _a, _r, b in lines)
    ids = set(PayLine.objects.filter(run=run).values_list("pk", flat=True))
    run = run_pay(run, user)
    assert set(PayLine.objects.filter(run=run).values_list("pk", flat=True)) == ids
    assert list(PayLine.objects.filter(run=run).order_by("appraisal_id").values_list("appraisal_id", "reward_amount", "base_amount")) == lines


def test_work_done_weighs_the_reward_and_bad_values_change_nothing(cycle, user, school, small_school):
    sc = published(cycle, user, school, small_school, lambda a: Decimal("70"))
    pay.rate_save(school=school, post_category="", title="", education="", monthly=Decimal("500"), acting_user=user("hr"))
    run = run_pay(pay.pay_run_save(school_cycle=sc, values={"budget": Decimal("10000"), **pay.defaults(cycle)}, acting_user=user("hr")), user)
    first, second = PayLine.objects.filter(run=run).order_by("id")[:2]
    for bad in ["NaN", "-1", "1e9", "abc", "0.001", "Infinity"]:
        with pytest.raises(AppraisalError, match=first.appraisal.staff.person.name):
            pay.work_units_save(run=run, units={first.pk: bad}, acting_user=user("hr"))
    pay.work_units_save(run=run, units={first.pk: "0", second.pk: "2"}, acting_user=user("hr"))
    run = run_pay(run, user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.reward_amount == 0 and second.reward_amount > 0
    assert sum(PayLine.objects.filter(run=run).values_list("reward_amount", flat=True)) == run.pool


def test_a_person_without_a_rate_is_marked_and_the_run_cannot_be_approved_until_the_table_covers_them(cycle, user, school, small_school):
    sc = published(cycle, user, school, small_school)
    pay.rate_save(school=school, post_category="canteen", title="", education="", monthly=Decimal("900"), acting_user=user("hr"))
    # A budget the payout fits in (总量控制): 7 × 800–900 a month × 12 base + a pool of 30% of the budget.
    run = run_pay(pay.pay_run_save(school_cycle=sc, values={"budget": Decimal("150000"), **pay.defaults(cycle)}, acting_user=user("hr")), user)
    assert run.state == PayRun.State.COMPUTED
    others = Appraisal.objects.filter(cycle=cycle).exclude(staff__post_category="canteen").count()
    assert run.lines_flagged == others
    if others:
        with pytest.raises(AppraisalError):
            pay.pay_run_approve(run=run, acting_user=user("leader"))
    pay.rate_save(school=school, post_category="", title="", education="", monthly=Decimal("800"), acting_user=user("hr"))
    run = run_pay(run, user)
    pay.pay_run_approve(run=run, acting_user=user("leader"))
    run.refresh_from_db()
    assert run.state == PayRun.State.APPROVED
    with pytest.raises(AppraisalError, match="locked|锁定"):
        pay.pay_run_start(run=run, acting_user=user("hr"))
    with pytest.raises(AppraisalError):
        pay.work_units_save(run=run, units={PayLine.objects.filter(run=run).first().pk: "3"}, acting_user=user("hr"))


def test_pay_waits_for_published_grades(cycle, user, small_school):
    services.cycle_open(cycle=cycle, acting_user=user("hr"))
    sc = SchoolCycle.objects.get(cycle=cycle)
    with pytest.raises(AppraisalError):
        pay.pay_run_save(school_cycle=sc, values={"budget": Decimal("1000"), **pay.defaults(cycle)}, acting_user=user("hr"))


def test_an_appeal_is_a_state_with_a_deadline_and_the_committee_decides_it(cycle, user, school, small_school, today):
    published(cycle, user, school, small_school)
    a = Appraisal.objects.filter(cycle=cycle, vetoed=False).exclude(grade="excellent").select_related("staff__person__user").first()
    with pytest.raises(AppraisalError):
        services.appeal_lodge(appraisal=a, grounds="领导评分偏低", acting_user=user("hr"))  # only the person
    services.appeal_lodge(appraisal=a, grounds="领导评分偏低，请求复核", acting_user=a.staff.person.user)
    a.refresh_from_db()
    assert a.appeal_state == "lodged" and a.appeal_due_on == today.value + timedelta(days=30)
    with pytest.raises(AppraisalError):
        services.appeal_lodge(appraisal=a, grounds="再次", acting_user=a.staff.person.user)
    cycle.refresh_from_db()
    today.set(cycle.appeals_until + timedelta(days=1))
    with pytest.raises(AppraisalError, match="1"):
        services.cycle_close(cycle=cycle, acting_user=user("hr"))
    services.appeal_decide(appraisal=a, grade=a.grade, decision="经委员会复核，维持原等次", acting_user=user("hr"))
    a.refresh_from_db()
    assert a.appeal_state == "decided" and "维持" in a.appeal_decision
    services.cycle_close(cycle=cycle, acting_user=user("hr"))


def test_an_appeal_after_the_window_is_refused(cycle, user, school, small_school, today):
    published(cycle, user, school, small_school)
    cycle.refresh_from_db()
    today.set(cycle.appeals_until + timedelta(days=1))
    a = Appraisal.objects.filter(cycle=cycle).select_related("staff__person__user").first()
    with pytest.raises(AppraisalError):
        services.appeal_lodge(appraisal=a, grounds="迟到的复核申请", acting_user=a.staff.person.user)


def test_grades_carry_their_consequences_and_incompetent_twice_opens_an_exit_review(cycle, user, school, small_school, today):
    # Last year's annual appraisal, published, graded 不合格 for one person.
    last = services.cycle_create(unit=school.unit, name="2025年度考核", kind="annual", period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
                                 config=services.CycleSettings.defaults(), acting_user=user("hr"))
    services.cycle_open(cycle=last, acting_user=user("hr"))
    target = small_school[3]
    Appraisal.objects.filter(cycle=last, staff=target).update(grade="incompetent")
    Cycle.objects.filter(pk=last.pk).update(state="closed")
    published(cycle, user, school, small_school, lambda a: Decimal("10") if a.staff_id == target.pk else Decimal("80"))
    a = Appraisal.objects.get(cycle=cycle, staff=target)
    assert a.grade == "incompetent" and a.pay_step_raise is False and a.exit_review == "INST-EXIT-GRADE"
    others = Appraisal.objects.filter(cycle=cycle).exclude(staff=target)
    assert all(o.pay_step_raise is (o.grade in ("excellent", "competent")) for o in others)


def test_each_line_takes_the_most_specific_rate_of_the_pay_table(cycle, user, school, small_school):
    """The pay table is read by whole columns (a merge per shape of key): each person still gets
    the rate of their post, title and education, the most specific first, as a person would read
    the table."""
    sc = published(cycle, user, school, small_school)
    people = list(Appraisal.objects.filter(cycle=cycle).values_list("pk", "staff__post_category", "staff__title", "staff__person__education"))
    category, title, education = people[0][1], people[0][2], people[0][3]
    hr = user("hr")
    table = {("", "", ""): Decimal("500.00"), (category, "", ""): Decimal("600.00"), ("", "", education): Decimal("650.00"),
             (category, title, ""): Decimal("700.00"), (category, title, education): Decimal("800.00")}
    for (c, t, e), monthly in table.items():
        pay.rate_save(school=school, post_category=c, title=t, education=e, monthly=monthly, acting_user=hr)

    def expected(c, t, e):  # the order a person reads the table in: all three, then two, then one, then the default
        for key in ((c, t, e), (c, t, ""), (c, "", e), (c, "", ""), ("", t, e), ("", t, ""), ("", "", e), ("", "", "")):
            if key in table:
                return table[key]

    run = run_pay(pay.pay_run_save(school_cycle=sc, values={"budget": Decimal("10000"), **pay.defaults(cycle)}, acting_user=hr), user)
    got = dict(PayLine.objects.filter(run=run).values_list("appraisal_id", "base_monthly"))
    assert got == {pk: expected(c, t, e) for pk, c, t, e in people}
    assert len(set(got.values())) >= 2  # the fixture's people differ: more than the default was read
    assert all(line.base_amount == line.base_monthly * run.months for line in PayLine.objects.filter(run=run))
