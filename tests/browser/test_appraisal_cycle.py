"""A small appraisal cycle in Chromium, as every role (issue 11): HR opens it, a staff member writes
their self-evaluation and rates their colleagues on a phone-sized screen, the leader scores, an
incident vetoes one person, HR grades, the leader decides the tie at the 优秀 cut and approves, HR
publishes, the rated person sees only aggregates, the pay run is computed, approved and exported.
Colleagues' own steps that the browser would only repeat are taken through the services.
Screenshots: var/screenshots/appraisal-*.png."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from hrflow.appraisal import services
from hrflow.appraisal.models import Appraisal, CommitteeMember, Cycle, Incident, PayLine, PayRun, PeerAssignment, PeerRating, SchoolCycle
from hrflow.core import clock
from hrflow.demo.data import DEMO_CYCLE_NAME, DEMO_PASSWORD
from hrflow.exports.models import ExportJob
from hrflow.org.models import Role, RoleAssignment, School
from hrflow.people.models import Staff
from tests.browser.conftest import browser, demo_site, open_as, shoot  # noqa: F401 - fixtures
from tests.conftest import SCHOOL_HR

pytestmark = pytest.mark.browser

TODAY = date(2026, 12, 20)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def people(demo_site, monkeypatch):
    """The demo staff member 张伟 and four colleagues are the school's only current staff, each with a login."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    school = School.objects.get(unit__code=SCHOOL_HR)
    Cycle.objects.filter(name=DEMO_CYCLE_NAME).delete()  # the demo's own cycle: this test runs its own
    CommitteeMember.objects.filter(committee__school=school).delete()
    me = Staff.objects.get(person__user__username="staff")
    others = list(Staff.objects.filter(school=school, status="active", employment_type__in=["establishment", "contract"])
                  .exclude(pk=me.pk).exclude(post_category="management").order_by("id")[:4])
    Staff.objects.filter(school=school).exclude(pk__in=[me.pk] + [s.pk for s in others]).update(status="left")
    Staff.objects.filter(pk__in=[me.pk] + [s.pk for s in others]).update(post_category="canteen", employment_type="contract")
    User = get_user_model()
    for i, staff in enumerate(others):
        person = staff.person
        person.user = User.objects.create_user(username=f"colleague{i}", password=DEMO_PASSWORD, first_name=person.name)
        person._history_user, person._change_reason = person.user, "测试"
        person.save()
        RoleAssignment.objects.create(user=person.user, role=Role.STAFF, unit=school.unit)
    hr = User.objects.get(username="hr")
    for i, staff in enumerate([me] + others[:2]):
        services.committee_add(school=school, staff=staff, staff_rep=(i == 0), acting_user=hr)
    return {"school": school, "me": me, "others": others}


def submit(page, selector):
    """Click a submit button and wait for the page its POST leads to (not the one already loaded)."""
    with page.expect_navigation():
        page.click(selector)


def click_action(page, name):
    submit(page, f"[data-testid=action-{name}]")


def test_a_small_cycle_end_to_end(people, open_as, browser, demo_site):
    school, me, others = people["school"], people["me"], people["others"]
    a_star, b_star, vetoed_one = others[0], others[1], others[2]

    # HR creates the cycle (4 raters each: everyone rates everyone else) and opens it.
    hr = open_as("hr")
    hr.goto(f"{demo_site}/appraisal/cycles/new/")
    hr.fill("input[name=name]", "2026年度考核（测试）")
    hr.fill("input[name=period_start]", "2026-01-01")
    hr.fill("input[name=period_end]", "2026-12-31")
    hr.fill("input[name=peers_per_person]", "4")
    hr.click("[data-testid=cycle-form] button[type=submit]")
    hr.wait_for_selector("[data-testid=cycle-state][data-state=draft]")
    cycle = Cycle.objects.get(name="2026年度考核（测试）")
    assert (cycle.weight_self, cycle.weight_peer, cycle.weight_leader, cycle.excellent_share) == (10, 30, 60, Decimal("0.200000"))
    click_action(hr, "open")
    hr.wait_for_selector("[data-testid=cycle-state][data-state=self]")
    assert Appraisal.objects.filter(cycle=cycle).count() == 5
    shoot(hr, "appraisal-cycle")

    # 张伟 writes his self-evaluation on a phone-sized screen.
    staff = browser.new_page(viewport=PHONE)
    staff.goto(f"{demo_site}/accounts/login/")
    staff.fill("input[name=username]", "staff")
    staff.fill("input[name=password]", DEMO_PASSWORD)
    staff.click("form.vf-form button[type=submit]")
    staff.wait_for_url(f"{demo_site}/")
    staff.goto(f"{demo_site}/appraisal/mine/")
    staff.click("[data-testid=self-link]")
    for name in Appraisal.DIMENSIONS:
        staff.fill(f"input[name={name}]", "80")
    staff.fill("textarea[name=summary]", "全年负责食堂早餐供应，无食品安全事故。")
    shoot(staff, "appraisal-self-phone")
    staff.click("[data-testid=self-form] button[type=submit]")
    staff.wait_for_url(f"{demo_site}/appraisal/mine/")
    mine = Appraisal.objects.get(cycle=cycle, staff=me)
    assert mine.self_score == Decimal("80.00")
    for colleague in others:
        a = Appraisal.objects.get(cycle=cycle, staff=colleague)
        services.self_evaluate(appraisal=a, scores={d: 80 for d in Appraisal.DIMENSIONS}, summary="总结", acting_user=colleague.person.user)
    click_action(hr, "close_self")
    hr.wait_for_selector("[data-testid=cycle-state][data-state=peer]")

    # 张伟 rates his four colleagues; the two stars get 95 from everyone, the others 80.
    def peer_score(staff_id):
        return "95" if staff_id in (a_star.pk, b_star.pk) else "80"

    staff.goto(f"{demo_site}/appraisal/mine/")
    for colleague in others:
        form = staff.locator(f"[data-testid=rate-{colleague.pk}]")
        form.locator("input[name=score]").fill(peer_score(colleague.pk))
        with staff.expect_navigation():
            form.locator("button[type=submit]").click()
    shoot(staff, "appraisal-rate-phone")
    for asg in PeerAssignment.objects.filter(appraisal__cycle=cycle).exclude(rater=me).select_related("rater__person__user", "appraisal"):
        services.peer_rate(assignment=asg, score=peer_score(asg.appraisal.staff_id), acting_user=asg.rater.person.user)
    assert PeerRating.objects.filter(appraisal__cycle=cycle).count() == 20
    click_action(hr, "close_peer")
    hr.wait_for_selector("[data-testid=cycle-state][data-state=leader]")

    # The leader scores everyone on the leadership page: the stars 95, the others 70.
    leader = open_as("leader")
    sc = SchoolCycle.objects.get(cycle=cycle)
    leader.goto(f"{demo_site}/appraisal/schools/{sc.pk}/")
    leader.click("[data-testid=leader-scores]")
    for a in Appraisal.objects.filter(cycle=cycle):
        leader.fill(f"[data-testid=score-{a.pk}]", "95" if a.staff_id in (a_star.pk, b_star.pk) else "70")
    submit(leader, "[data-testid=save-scores]")
    assert Appraisal.objects.filter(cycle=cycle, leader_score__isnull=False).count() == 5

    # An incident: HR records it and names one colleague; he declines to state his case; the leader makes it final.
    hr.goto(f"{demo_site}/appraisal/incidents/new/")
    hr.fill("input[name=occurred_on]", "2026-10-12")
    hr.fill("input[name=title]", "学生食堂食物中毒事件")
    hr.fill("textarea[name=description]", "午餐后二十余名学生腹痛就医。")
    hr.select_option("select[name=severity]", "major")
    hr.click("[data-testid=incident-form] button[type=submit]")
    hr.wait_for_selector("[data-testid=incident-state][data-state=recorded]")
    incident = Incident.objects.get(title="学生食堂食物中毒事件")
    hr.fill("[data-testid=person-form] input[name=person]", vetoed_one.person.id_number)
    hr.select_option("[data-testid=person-form] select[name=role]", "direct")
    hr.fill("[data-testid=person-form] textarea[name=finding]", "未执行食品留样制度。")
    submit(hr, "[data-testid=person-form] button[type=submit]")
    hr.fill("[data-testid=investigation-form] textarea[name=investigation]", "经调查，系食材未检验、未留样所致。")
    hr.click("[data-testid=investigation-form] button[type=submit]")
    hr.wait_for_selector("[data-testid=incident-state][data-state=investigated]")
    hr.check("[data-testid=responsibilities] input[name=waived]")
    submit(hr, "[data-testid=responsibilities] form button[type=submit]")
    leader.goto(f"{demo_site}/appraisal/incidents/{incident.pk}/")
    leader.fill("[data-testid=finalise] textarea[name=decision]", "经校长办公会研究，认定其负直接责任。")
    leader.click("[data-testid=finalise-submit]")
    leader.wait_for_selector("[data-testid=incident-state][data-state=final]")
    shoot(leader, "appraisal-incident")

    # HR closes leadership evaluation and grades: the stars tie at 93.50 for the one 优秀 place (5 × 20%).
    hr.goto(f"{demo_site}/appraisal/cycles/{cycle.pk}/")
    click_action(hr, "close_leader")
    click_action(hr, "grade")
    hr.wait_for_selector("[data-testid=cycle-state][data-state=approval]")
    stars = {a.staff_id: a for a in Appraisal.objects.filter(cycle=cycle, staff__in=[a_star, b_star])}
    assert all(a.tied and a.composite == Decimal("93.50") for a in stars.values())
    assert Appraisal.objects.get(cycle=cycle, staff=vetoed_one).grade == "incompetent"

    # The leader decides the tie, with a reason, and approves.
    leader.goto(f"{demo_site}/appraisal/schools/{sc.pk}/")
    leader.wait_for_selector("[data-testid=tie]")
    shoot(leader, "appraisal-tie")
    leader.check(f"[data-testid=tie-{stars[a_star.pk].pk}]")
    leader.fill("[data-testid=tie] textarea[name=reason]", "全年承担夜宵保障，工作量更大。")
    submit(leader, "[data-testid=tie-submit]")
    assert Appraisal.objects.get(pk=stars[a_star.pk].pk).grade == "excellent"
    assert Appraisal.objects.get(pk=stars[b_star.pk].pk).grade == "competent"
    leader.click("[data-testid=approve]")
    leader.wait_for_selector("[data-testid=school-state][data-state=approved]")

    # Before publication 张伟 sees no result; after it, his aggregates only.
    staff.goto(f"{demo_site}/appraisal/mine/")
    assert staff.locator("[data-testid=composite]").count() == 0
    hr.goto(f"{demo_site}/appraisal/cycles/{cycle.pk}/")
    click_action(hr, "publish")
    hr.wait_for_selector("[data-testid=cycle-state][data-state=published]")
    staff.goto(f"{demo_site}/appraisal/mine/")
    peer_text = staff.locator("[data-testid=peer-result]").inner_text()
    assert "80.00" in peer_text and "4" in peer_text  # the mean of four answers, never one of them
    assert staff.locator("[data-testid=composite]").inner_text().strip() == "74.00"  # 0.1×80 + 0.3×80 + 0.6×70
    shoot(staff, "appraisal-result-phone")

    # The pay run: HR sets the pay table and the budget, computes; the leader approves; HR exports.
    hr.goto(f"{demo_site}/appraisal/pay-table/{school.pk}/")
    hr.fill("[data-testid=rate-form] input[name=monthly]", "900")
    submit(hr, "[data-testid=rate-form] button[type=submit]")
    hr.goto(f"{demo_site}/appraisal/schools/{sc.pk}/pay/")
    hr.fill("input[name=budget]", "100000")
    hr.click("[data-testid=compute]")
    hr.wait_for_selector("[data-testid=run-state][data-state=computed]")
    run = PayRun.objects.get(cycle=cycle)
    assert run.pool == Decimal("30000.00")
    assert sum(PayLine.objects.filter(run=run).values_list("reward_amount", flat=True)) == run.pool
    assert PayLine.objects.get(run=run, appraisal__staff=vetoed_one).reward_amount == 0  # VETO-PAY
    shoot(hr, "appraisal-pay")
    leader.goto(f"{demo_site}/appraisal/schools/{sc.pk}/pay/")
    leader.click("[data-testid=approve-pay]")
    leader.wait_for_selector("[data-testid=run-state][data-state=approved]")
    hr.goto(f"{demo_site}/appraisal/schools/{sc.pk}/pay/")
    submit(hr, "[data-testid=export]")
    job = ExportJob.objects.get(kind="appraisal_pay_run")
    assert job.status == ExportJob.Status.DONE and job.rows_written == 5 + 2  # the lines, the headings row and the totals row

    # The report draws the grades per school and per county.
    hr.goto(f"{demo_site}/appraisal/cycles/{cycle.pk}/report/")
    assert hr.locator("svg.hf-bar").count() >= 3
    shoot(hr, "appraisal-report")
