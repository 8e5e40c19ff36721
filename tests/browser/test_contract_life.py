"""A contract's whole life in Chromium (issue 9): HR hires an approved applicant (a draft contract),
records the signature, the daily job ends the probation and brings the term up for renewal, the
reminder reaches HR's notifications and mailbox, HR evaluates the term and proposes renewal, the
leader approves from the renewal inbox, the new draft is shown, and the history names every step's
user and reason. Screenshots: var/screenshots/contract-*.png.

Assertions read data-testid and state values, not the interface's prose, except the names and
dates typed here (and the dates the services write, in the zh-hans date format)."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from hrflow.contracts.models import Contract, RenewalCase
from hrflow.core import clock
from hrflow.hiring.models import Application, Publicity, RoundPost, SelectionRound
from hrflow.notifications import daily
from hrflow.org.models import School
from hrflow.policy import build_id_number
from tests.browser.conftest import browser, demo_site, open_as, shoot  # noqa: F401 - fixtures
from tests.conftest import SCHOOL_HR

pytestmark = pytest.mark.browser

HIRED_ON = date(2026, 7, 1)
NAME = "钱续聘"
ROUND_TITLE = "2026年七中食堂厨师遴选（合同测试）"


@pytest.fixture
def day(monkeypatch):
    class Day:
        value = HIRED_ON

    monkeypatch.setattr(clock, "today", lambda: Day.value)
    return Day


@pytest.fixture
def approved_applicant(demo_site):
    """An applicant approved by the collective review in a round whose publicity is over: the round
    is set up in its hiring state directly (tests/browser/test_selection_round.py walks the steps before)."""
    school = School.objects.get(unit__code=SCHOOL_HR)
    hr = get_user_model().objects.get(username="hr")
    round = SelectionRound.objects.create(
        school=school, title=ROUND_TITLE, procedure="报名—审查—考试—公示", pay_and_treatment="面议",
        opens_on=date(2026, 5, 1), closes_on=date(2026, 5, 15), created_by=hr, state="hiring",
    )
    Publicity.objects.create(round=round, starts_on=date(2026, 6, 1), working_days=7, ends_on=date(2026, 6, 9))
    post = RoundPost.objects.create(round=round, title="食堂厨师", category="canteen", headcount=1, employment_type="contract",
                                    term_months=12)
    birth = date(1988, 3, 15)
    return Application.objects.create(
        round=round, post=post, name=NAME, id_number=build_id_number("510107", birth, 123), gender="M", birth_date=birth,
        education="senior_high", state="approved", phone="13800000000",
    )


def submit(page, selector):
    """Press the submit button of the form at `selector` and wait for the answer's page (Turbo
    submits by fetch and swaps the body: the old body is marked, the step ends when it is gone)."""
    page.evaluate("document.body.dataset.hfStale = '1'")
    page.click(f"{selector} button[type=submit]")
    page.wait_for_function("() => document.body && document.body.dataset.hfStale !== '1'")
    page.wait_for_load_state("networkidle")


def state(page, testid="contract-state"):
    return page.get_attribute(f"[data-testid={testid}]", "data-state")


def test_a_contract_from_hire_to_renewal(open_as, demo_site, day, approved_applicant):
    application = approved_applicant
    hr_user = get_user_model().objects.get(username="hr")
    hr_user.email = "hr@example.edu.cn"
    hr_user.save()

    # 1. HR hires the applicant: a Staff record and a draft contract.
    hr = open_as("hr")
    hr.goto(f"{demo_site}/hiring/applications/{application.pk}/")
    submit(hr, "[data-testid=hire]")
    application.refresh_from_db()
    staff = application.staff
    contract = Contract.objects.get(staff=staff)
    assert contract.state == Contract.State.DRAFT

    # 2. From the staff page's contracts section to the contract, and the signature.
    hr.goto(f"{demo_site}/people/staff/{staff.pk}/")
    hr.click(f"[data-testid=staff-contracts] tr[data-contract='{contract.pk}'] a")
    hr.wait_for_url(f"**/contracts/{contract.pk}/")
    assert state(hr) == "draft"
    hr.click("[data-testid=sign]")
    hr.wait_for_url(f"**/contracts/{contract.pk}/sign/")
    assert hr.input_value("input[name=starts_on]") == HIRED_ON.isoformat()  # the draft's proposal, in the date field
    assert hr.input_value("input[name=signed_on]") == HIRED_ON.isoformat()
    hr.fill("input[name=term_months]", "12")
    hr.fill("input[name=probation_months]", "2")
    hr.fill("input[name=agreed_pay]", "3000")
    hr.fill("input[name=probation_pay]", "2400")
    hr.fill("textarea[name=evaluation_method]", "年度考核与聘期考核相结合，由考核小组评议")
    submit(hr, "[data-testid=sign-form]")
    hr.wait_for_url(f"**/contracts/{contract.pk}/")
    assert state(hr) == "probation"
    contract.refresh_from_db()
    assert (contract.probation_ends_on, contract.ends_on) == (date(2026, 8, 31), date(2027, 6, 30))

    # 3. The daily job, 60 days before the end: the probation has ended, the term comes up for renewal.
    job_day = contract.ends_on - timedelta(days=60)
    mail.outbox.clear()
    run = daily.run_daily(as_of=job_day, force=True)
    assert run is not None and not run.error, run and run.error
    day.value = job_day
    contract.refresh_from_db()
    assert contract.state == Contract.State.EXPIRING
    assert [m.to for m in mail.outbox if NAME in m.subject + m.body] == [["hr@example.edu.cn"]]

    # 4. The reminder in HR's notifications leads to the contract.
    hr.goto(f"{demo_site}/notifications/mine/")
    reminder = hr.locator("[data-testid=notification]", has_text=NAME)
    assert reminder.count() == 1
    reminder.locator("button").click()
    hr.wait_for_url(f"**/contracts/{contract.pk}/")
    assert state(hr) == "expiring"
    shoot(hr, "contract-detail-hr")

    # 5. HR records the term's evaluation and proposes the renewal.
    hr.select_option("[data-testid=form-grade] select[name=grade]", "pass")
    hr.fill("[data-testid=form-grade] textarea[name=note]", f"考核小组评议{NAME}：聘期考核合格")
    submit(hr, "[data-testid=form-grade]")
    assert hr.locator("[data-testid=form-propose]").count() == 1
    hr.check("[data-testid=form-propose] input[name=renew][value=yes]")
    hr.fill("[data-testid=form-propose] input[name=new_term_months]", "36")
    hr.fill("[data-testid=form-propose] textarea[name=reason]", f"{NAME}聘期考核合格，拟续聘三年")
    submit(hr, "[data-testid=form-propose]")
    assert state(hr, "case-state") == "proposed"
    assert hr.locator("[data-testid=form-propose]").count() == 0

    # 6. The leader finds it in the renewal inbox and approves it.
    leader = open_as("leader")
    leader.goto(f"{demo_site}/contracts/renewals/")
    row = leader.locator(f"[data-testid=renewal-table] tr[data-contract='{contract.pk}']")
    assert row.count() == 1
    shoot(leader, "contract-renewal-inbox")
    row.locator("a").first.click()
    leader.wait_for_url(f"**/contracts/{contract.pk}/")
    assert leader.locator("[data-testid=form-grade]").count() == 0  # a leader decides, HR manages
    shoot(leader, "contract-detail-leader")
    leader.check("[data-testid=form-decide] input[name=approve][value=approve]")
    leader.fill("[data-testid=form-decide] textarea[name=reason]", f"同意{NAME}续聘三年")
    submit(leader, "[data-testid=form-decide]")
    assert (state(leader), state(leader, "case-state")) == ("renewed", "approved")
    assert leader.locator(f"[data-testid=renewal-table] tr[data-contract='{contract.pk}']").count() == 0

    # 7. The new draft contract, without probation, renewing the first.
    new = RenewalCase.objects.get(contract=contract).new_contract
    leader.click("[data-testid=new-contract]")
    leader.wait_for_url(f"**/contracts/{new.pk}/")
    assert state(leader) == "draft"
    assert (new.starts_on, new.term_months, new.probation_months) == (date(2027, 7, 1), 36, 0)
    leader.goto(f"{demo_site}/contracts/renewals/")
    assert leader.locator(f"tr[data-contract='{new.pk}']").count() == 0

    # 8. The history: every step, with its user and reason.
    hr.goto(f"{demo_site}/contracts/{contract.pk}/")
    shoot(hr, "contract-timeline")
    rows = hr.locator("[data-testid=timeline] tr[data-state]")
    lines = [(rows.nth(i).get_attribute("data-state"), rows.nth(i).inner_text()) for i in range(rows.count())]
    contract_states = [s for s, _text in lines if s in Contract.State.values]
    for expected in ("draft", "signed", "probation", "active", "expiring", "renewed"):
        assert expected in contract_states, (expected, lines)

    def line(*parts):
        return [text for _s, text in lines if all(p in text for p in parts)]

    assert line("刘红", ROUND_TITLE)  # drafted by the hire
    assert line("刘红", "2026年7月1日")  # signed on the date typed
    assert line("2026年8月31日")  # the probation's last day, by the daily job
    assert line("2027年6月30日")  # up for renewal, by the daily job
    assert line("刘红", f"{NAME}聘期考核合格，拟续聘三年")
    assert line("王建国", f"同意{NAME}续聘三年")
