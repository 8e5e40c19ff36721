"""Exit cases in Chromium (issue 12), as every role.

1. A final veto (VETO-EXIT) opens an exit review of 张伟's employment (a 劳动合同): he states his
   case from 我的退出, HR closes the hearing, the leader records the collective review and approves a
   no-fault dismissal (the legal ground a veto of contract staff offers), HR confirms the handover,
   the settlement is refused before the last day and made on it: the employment has left, the
   contract has ended, the login is disabled; the auditor reads the replay.
2. A resignation: HR opens it from the staff page, the leader approves it (no ground to choose),
   the person sees it, HR confirms the handover and settles after the last day; the auditor reads the replay.

The incident and its investigation, and the colleagues' own steps, are taken through the services.
Assertions read data-testid, form names and state values, not the interface's prose.
Screenshots: var/screenshots/exit-*.png, and /tmp/exit_case.png (the case page mid-way)."""

import shutil
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from hrflow.appraisal import veto
from hrflow.appraisal.models import Appraisal, Incident
from hrflow.contracts.models import Contract
from hrflow.core.history import system_user
from hrflow.demo.data import DEMO_PASSWORD
from hrflow.exits.models import ExitCase, HandoverItem
from hrflow.org.models import School
from hrflow.people.models import Staff
from tests.browser.conftest import browser, demo_site, open_as, shoot  # noqa: F401 - fixtures
from tests.conftest import SCHOOL_HR, MovedClock
from tests.exits.conftest import _employ

pytestmark = pytest.mark.browser

TODAY = date(2026, 7, 1)
INCIDENT_DAY = date(2026, 6, 20)
RECORDS = {"case", "handover", "staff", "contract"}


@pytest.fixture
def clock(demo_site, monkeypatch):
    """The application's today (the live server runs in this process, so it reads the same clock)."""
    return MovedClock(monkeypatch, TODAY)


@pytest.fixture
def me(demo_site, clock):
    """张伟 (login "staff"): contract staff since 2020 with a running open-ended contract."""
    hr = get_user_model().objects.get(username="hr")
    staff = Staff.objects.get(person__user__username="staff")
    Staff.objects.filter(pk=staff.pk).update(employment_type="contract", status="active")
    staff, contract = _employ(staff, hr, clock)
    clock.set(TODAY)
    return staff, contract


def submit(page, selector):
    """Press the submit button of the form at `selector` and wait for the answer's page (Turbo
    submits by fetch and swaps the body: the old body is marked, the step ends when it is gone)."""
    page.evaluate("document.body.dataset.hfStale = '1'")
    page.click(f"{selector} button[type=submit]")
    page.wait_for_function("() => document.body && document.body.dataset.hfStale !== '1'")
    page.wait_for_load_state("networkidle")


def case_state(page):
    return page.get_attribute("[data-testid=case-state]", "data-state")


def confirm_handover(page, case):
    """HR confirms every handover item from the case page, one form each."""
    items = list(HandoverItem.objects.filter(case=case))
    assert len(items) == 5  # keys, equipment, accounts, dormitory, documents
    for item in items:
        assert page.get_attribute(f"[data-testid=handover] tr[data-item='{item.pk}']", "data-done") == "no"
        page.fill(f"[data-testid=confirm-{item.pk}] input[name=note]", "已交接")
        submit(page, f"[data-testid=confirm-{item.pk}]")
        assert page.get_attribute(f"[data-testid=handover] tr[data-item='{item.pk}']", "data-done") == "yes"
    assert not HandoverItem.objects.filter(case=case, done_on__isnull=True).exists()
    assert {i.owner.username for i in items} == {"hr"}


def assert_replay(page, demo_site, case, expected):
    """The auditor reads the case and its replay: rows for the case, the handover, the employment and the contract."""
    page.goto(f"{demo_site}/exits/cases/{case.pk}/")
    assert case_state(page) == "closed"
    assert page.locator("[data-testid=steps] form").count() == 0  # an auditor reads, never acts
    rows = page.locator("[data-testid=timeline] tr[data-record]")
    records = [rows.nth(i).get_attribute("data-record") for i in range(rows.count())]
    assert set(records) == expected, records
    assert records[0] == "case"
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert all(t.strip() for t in texts)
    return texts


def assert_ended(staff, contract):
    staff.refresh_from_db()
    contract.refresh_from_db()
    assert staff.status == Staff.Status.LEFT
    assert contract.state == Contract.State.ENDED
    assert not get_user_model().objects.get(username="staff").is_active


def test_a_veto_ends_the_employment_after_hearing_review_decision_and_handover(me, clock, open_as, demo_site):
    staff, contract = me
    User = get_user_model()
    hr_user = User.objects.get(username="hr")
    school = School.objects.get(unit__code=SCHOOL_HR)
    assert Appraisal.objects.filter(staff=staff, cycle__period_start__lte=INCIDENT_DAY, cycle__period_end__gte=INCIDENT_DAY).exists()

    # The incident, its investigation and 张伟's declining to state his case there, by HR; the school's
    # leader makes responsibility final: the veto sends exit_review_due on commit, which opens the case
    # in the rule's name (the system user), so that the same leader may decide it.
    leader_user = User.objects.get(username="leader")
    incident = veto.incident_record(school=school, occurred_on=INCIDENT_DAY, title="食堂食物中毒事件", description="午餐后32名学生呕吐就医",
                                    severity=Incident.Severity.MAJOR, acting_user=hr_user)
    resp = veto.responsibility_add(incident=incident, staff=staff, role="direct", finding="未按规定留样，食材未检验", acting_user=hr_user)
    veto.incident_investigated(incident=incident, investigation="经调查，系厨房未执行索证索票和留样制度所致。", acting_user=hr_user)
    veto.statement_record(responsibility=resp, statement="", waived=True, acting_user=hr_user)
    assert veto.incident_finalise(incident=incident, decision_note="认定张伟负直接责任", acting_user=leader_user) >= 1
    case = ExitCase.objects.get(staff=staff)
    assert (case.ground, case.state, case.source_rule, case.contract_id) == ("veto", "hearing", "VETO-EXIT", contract.pk)
    assert case.statement_due == TODAY + timedelta(days=5)
    assert case.opened_by == system_user()

    # 1. HR cannot close the hearing before the person has stated his case or the deadline has passed.
    hr = open_as("hr")
    hr.goto(f"{demo_site}/exits/cases/{case.pk}/")
    assert case_state(hr) == "hearing"
    assert hr.locator("[data-testid=form-review], [data-testid=form-decide]").count() == 0
    submit(hr, "[data-testid=form-close_hearing]")
    assert case_state(hr) == "hearing"
    assert hr.locator("[data-testid=form-close_hearing] .errorlist").count() == 1

    # 2. The person finds the case in 我的退出 and states his case.
    person = open_as("staff")
    person.goto(f"{demo_site}/exits/mine/")
    assert person.get_attribute(f"[data-testid=my-case-{case.pk}] [data-testid=my-case-state]", "data-state") == "hearing"
    person.fill(f"[data-testid=my-case-{case.pk}] [data-testid=form-state] textarea[name=statement]", "当日我负责留样，但冰柜故障已上报。")
    submit(person, f"[data-testid=my-case-{case.pk}] [data-testid=form-state]")
    assert person.url.endswith("/exits/mine/")
    case.refresh_from_db()
    assert case.statement == "当日我负责留样，但冰柜故障已上报。" and case.state == "hearing"
    # He reads his case, and may not close the hearing.
    person.goto(f"{demo_site}/exits/cases/{case.pk}/")
    assert person.locator("[data-testid=statement]").count() == 1
    assert person.locator("[data-testid=form-close_hearing]").count() == 0

    # 3. HR closes the hearing, now that he has stated his case.
    hr.goto(f"{demo_site}/exits/cases/{case.pk}/")
    hr.fill("[data-testid=form-close_hearing] textarea[name=note]", "已听取本人陈述")
    submit(hr, "[data-testid=form-close_hearing]")
    assert case_state(hr) == "review"
    assert hr.locator("[data-testid=form-state], [data-testid=form-close_hearing], [data-testid=form-review]").count() == 0

    # 4. The leader records the collective review, whose motion passes.
    leader = open_as("leader")
    leader.goto(f"{demo_site}/exits/cases/{case.pk}/")
    assert case_state(leader) == "review"
    form = "[data-testid=form-review]"
    leader.fill(f"{form} input[name=held_at]", "2026-07-01T10:00")
    leader.fill(f"{form} input[name=place]", "学校会议室")
    leader.fill(f"{form} textarea[name=members]", "王建国、刘红、工会主席、教代会代表、后勤主任")
    for name, value in (("total", "5"), ("present", "5"), ("votes_for", "4"), ("votes_against", "1"), ("votes_abstain", "0")):
        leader.fill(f"{form} input[name={name}]", value)
    leader.fill(f"{form} textarea[name=minutes]", "经集体研究，同意提请解除与张伟的劳动合同")
    submit(leader, form)
    assert case_state(leader) == "deciding"
    assert leader.locator("[data-testid=review]").count() == 1

    # 5. The leader approves: the veto offers the grounds of a 劳动合同; approving without one is refused.
    form = "[data-testid=form-decide]"
    options = leader.eval_on_selector_all(f"{form} select[name=legal_ground] option", "os => os.map(o => o.value)")
    assert options == ["", "for_cause", "no_fault"]
    leader.check(f"{form} input[name=decision][value=approve]")
    leader.fill(f"{form} textarea[name=reason]", "依据考核一票否决及集体研究结果，解除劳动合同")
    submit(leader, form)
    assert case_state(leader) == "deciding"
    assert leader.locator(f"{form} .errorlist").count() >= 1
    leader.check(f"{form} input[name=decision][value=approve]")
    leader.select_option(f"{form} select[name=legal_ground]", "no_fault")
    submit(leader, form)  # without the union told first (劳动合同法 art. 43): refused
    assert case_state(leader) == "deciding"
    leader.check(f"{form} input[name=decision][value=approve]")
    leader.select_option(f"{form} select[name=legal_ground]", "no_fault")
    leader.fill(f"{form} input[name=union_notified_on]", TODAY.isoformat())
    submit(leader, form)
    assert case_state(leader) == "notice", leader.inner_text("main") if leader.locator("main").count() else leader.content()
    case.refresh_from_db()
    assert (case.legal_ground, case.notice_days, case.last_day) == ("no_fault", 30, TODAY + timedelta(days=30))
    staff.refresh_from_db()
    assert staff.status == Staff.Status.EXITING
    assert leader.locator("[data-testid=form-settle], [data-testid=form-handover]").count() == 0  # HR's steps

    # 6. HR sees the handover and the settlement; the page mid-way.
    hr.goto(f"{demo_site}/exits/cases/{case.pk}/")
    assert case_state(hr) == "notice"
    assert hr.locator("[data-testid=severance-due]").count() == 1  # no-fault: severance is due
    hr.screenshot(path="/tmp/exit_case.png", full_page=True)
    shutil.copy("/tmp/exit_case.png", shoot(hr, "exit-case-notice"))
    confirm_handover(hr, case)

    # 7. Before the last day the settlement is refused; on the last day it closes the case.
    hr.fill("[data-testid=form-settle] input[name=local_average_pay]", "9000")
    submit(hr, "[data-testid=form-settle]")
    assert case_state(hr) == "notice"
    assert hr.locator("[data-testid=form-settle] .errorlist").count() == 1
    clock.set(case.last_day)
    hr.goto(f"{demo_site}/exits/cases/{case.pk}/")
    assert hr.input_value("[data-testid=form-settle] input[name=monthly_pay]") == "4000.00"  # the contract's pay
    hr.fill("[data-testid=form-settle] input[name=local_average_pay]", "9000")
    hr.fill("[data-testid=form-settle] input[name=outstanding_pay]", "1200")
    submit(hr, "[data-testid=form-settle]")
    assert case_state(hr) == "closed"
    assert hr.locator("[data-testid=settlement]").count() == 1
    case.refresh_from_db()
    assert case.severance > 0 and case.closed_on == case.last_day
    assert_ended(staff, contract)

    # 8. The login is gone: the person cannot sign in any more.
    gone = open_as()
    gone.goto(f"{demo_site}/accounts/login/")
    gone.fill("input[name=username]", "staff")
    gone.fill("input[name=password]", DEMO_PASSWORD)
    gone.click("form.vf-form button[type=submit]")
    gone.wait_for_load_state("networkidle")
    assert "/accounts/login/" in gone.url

    # 9. The auditor replays the case.
    auditor = open_as("auditor")
    texts = assert_replay(auditor, demo_site, case, RECORDS)
    shoot(auditor, "exit-case-replay")
    assert any("当日我负责留样" in t for t in texts)  # the statement, in the history


def test_a_resignation_from_the_staff_page_to_the_settlement(me, clock, open_as, demo_site):
    staff, contract = me

    # 1. HR opens the case from the staff page: a resignation goes straight to the leaders.
    hr = open_as("hr")
    hr.goto(f"{demo_site}/people/staff/{staff.pk}/")
    hr.click("[data-testid=staff-exits] [data-testid=exit-open]")
    hr.wait_for_url(f"**/exits/open/{staff.pk}/")
    hr.select_option("[data-testid=form-open] select[name=ground]", "resignation")
    hr.fill("[data-testid=form-open] textarea[name=evidence]", "本人书面辞职信：因家庭原因申请辞职")
    hr.fill("[data-testid=form-open] input[name=notice_given_on]", TODAY.isoformat())
    submit(hr, "[data-testid=form-open]")
    case = ExitCase.objects.get(staff=staff)
    hr.wait_for_url(f"**/exits/cases/{case.pk}/")
    assert case_state(hr) == "deciding"
    assert (case.ground, case.initiated_by, case.notice_given_on) == ("resignation", "person", TODAY)
    assert hr.locator("[data-testid=form-decide]").count() == 0  # the leaders decide

    # 2. The leader approves: no legal ground to choose, the last day is the notice's end.
    leader = open_as("leader")
    leader.goto(f"{demo_site}/exits/cases/{case.pk}/")
    form = "[data-testid=form-decide]"
    assert leader.locator(f"{form} select[name=legal_ground]").count() == 0
    assert leader.locator(f"{form} input[name=pay_in_lieu]").count() == 0
    leader.check(f"{form} input[name=decision][value=approve]")
    leader.fill(f"{form} textarea[name=reason]", "同意辞职，按期办理交接")
    submit(leader, form)
    assert case_state(leader) == "notice"
    case.refresh_from_db()
    assert case.last_day == TODAY + timedelta(days=30)

    # 3. The person sees the case and its last day.
    person = open_as("staff")
    person.goto(f"{demo_site}/exits/mine/")
    assert person.get_attribute(f"[data-testid=my-case-{case.pk}] [data-testid=my-case-state]", "data-state") == "notice"
    assert person.locator(f"[data-testid=my-case-{case.pk}] [data-testid=form-state]").count() == 0
    person.click(f"[data-testid=my-case-{case.pk}] h2 a")
    person.wait_for_url(f"**/exits/cases/{case.pk}/")
    assert person.locator("[data-testid=last-day]").count() == 1
    assert person.locator("[data-testid=steps] form").count() == 0

    # 4. HR confirms the handover and settles after the last day (no severance on a resignation).
    hr.goto(f"{demo_site}/exits/cases/{case.pk}/")
    confirm_handover(hr, case)
    clock.set(case.last_day + timedelta(days=1))
    hr.goto(f"{demo_site}/exits/cases/{case.pk}/")
    shoot(hr, "exit-resignation-settle")
    assert hr.locator("[data-testid=form-settle] input[name=monthly_pay]").count() == 0  # no severance, no pay asked for
    submit(hr, "[data-testid=form-settle]")
    assert case_state(hr) == "closed"
    case.refresh_from_db()
    assert case.severance == 0
    assert_ended(staff, contract)

    # 5. The auditor replays the case.
    auditor = open_as("auditor")
    assert_replay(auditor, demo_site, case, RECORDS)
