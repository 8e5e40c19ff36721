"""One whole selection round in Chromium, as the real roles: plan, approve, public page,
apply, import, screen with an override, scores, medical examination, collective review,
publicity with an objection, hire. Screenshots of each step: var/screenshots/round-*.png.

Time moves forward through hrflow.core.clock (the live server runs in this process).
"""

import io
import re
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect

from hrflow.core import clock
from hrflow.hiring.imports import COLUMNS
from hrflow.hiring.models import Application, SelectionRound
from hrflow.people.models import Staff
from hrflow.policy import build_id_number

from .conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.browser
TITLE = "2026年七中后勤岗位公开遴选"


@pytest.fixture
def day(monkeypatch):
    class Day:
        value = date(2026, 6, 1)

    monkeypatch.setattr(clock, "today", lambda: Day.value)
    return Day


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([h for h, _f in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_row(name, birth, sex, sequence, post, education="高中", criminal="否"):
    number = build_id_number("510104", birth, sequence * 2 + (1 if sex == "男" else 0))
    return [post, name, number, sex, education, "", "否", criminal, "否", "否", "13700000000"]


def step(page, name):
    return shoot(page, f"round-{name}")


def act(page, button):
    """Press a form's button and wait until the answer to the POST is on the screen.

    Turbo submits by fetch and swaps the body when the answer arrives: the old body is marked,
    and the step ends when a body without the mark is in place.
    """
    page.evaluate("document.body.dataset.hfStale = '1'")
    with page.expect_response(_answer_to_post):
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_function("() => document.body && document.body.dataset.hfStale !== '1'")
    page.wait_for_load_state("networkidle")


def _answer_to_post(response):
    """The page the POST ends on: its own answer, or the one its redirect leads to."""
    request = response.request
    if request.method == "POST":
        return not 300 <= response.status < 400
    return request.redirected_from is not None and request.redirected_from.method == "POST"


def test_a_whole_round(open_as, demo_site, day):
    # 1. HR plans the round.
    hr = open_as("hr")
    hr.goto(f"{demo_site}/hiring/rounds/new/")
    hr.fill("input[name=title]", TITLE)
    hr.fill("textarea[name=procedure]", "报名（6月1日—12日）→ 资格审查 → 笔试、面试 → 体检考察 → 集体研究 → 公示 → 聘用")
    hr.fill("textarea[name=pay_and_treatment]", "月薪4000元起，缴纳五险一金")
    hr.fill("input[name=opens_on]", "2026-06-01")
    hr.fill("input[name=closes_on]", "2026-06-12")
    hr.fill("input[name=posts-0-title]", "食堂厨师")
    hr.select_option("select[name=posts-0-category]", "canteen")
    hr.fill("input[name=posts-1-title]", "女生宿舍管理员")
    hr.select_option("select[name=posts-1-category]", "dormitory")
    hr.select_option("select[name=posts-1-dorm_gender]", "F")
    step(hr, "01-plan")
    act(hr, "保存")
    expect(hr.locator("[data-testid=round-state]")).to_have_text("方案拟订中")
    round = SelectionRound.objects.get(title=TITLE)
    act(hr, "提交审批")
    expect(hr.locator("[data-testid=round-state]")).to_have_text("待领导审批")
    expect(hr.locator("[data-testid=step-card]")).to_contain_text("没有需要您办理的事项")

    # 2. The leader finds the step in the inbox and approves.
    leader = open_as("leader")
    leader.goto(f"{demo_site}/hiring/tasks/")
    expect(leader.locator("[data-testid=task-table]")).to_contain_text("批准方案")
    leader.get_by_role("link", name=TITLE).click()
    leader.wait_for_url(f"**/hiring/rounds/{round.pk}/")
    leader.fill("textarea[name=note]", "同意，按方案组织实施")
    step(leader, "02-approve")
    act(leader, "批准方案")
    expect(leader.locator("[data-testid=round-state]")).to_have_text("方案已批准")

    # 3. HR announces; the public page shows the standards with their clauses, no login.
    hr.goto(f"{demo_site}/hiring/rounds/{round.pk}/")
    act(hr, "发布遴选公告")
    public = open_as()
    public.goto(f"{demo_site}/jobs/")
    public.get_by_role("link", name=TITLE).click()
    public.wait_for_url(f"**/jobs/{round.pk}/")
    expect(public.locator("article")).to_contain_text("川教函〔2021〕569号 三(三)")
    expect(public.locator("article")).to_contain_text("笔试占 40%，面试占 60%")
    step(public, "03-public-page")

    # 4. An applicant applies online and keeps the code.
    public.get_by_role("link", name="网上报名").click()
    public.wait_for_url("**/apply/")
    public.select_option("select[name=post]", label="食堂厨师 ×1")
    public.fill("input[name=name]", "网上甲")
    public.fill("input[name=id_number]", build_id_number("510104", date(1988, 5, 6), 31))
    public.check("input[name=gender][value=M]")
    public.fill("input[name=phone]", "13811112222")
    public.select_option("select[name=education]", "secondary_vocational")
    public.check("input[name=declaration]")
    step(public, "04-apply")
    act(public, "提交报名")
    code = public.locator("[data-testid=application-code]").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{10}", code)
    step(public, "04-applied")

    # 5. HR imports paper applications: a bad file is refused whole, with row and column.
    hr.goto(f"{demo_site}/hiring/rounds/{round.pk}/import/")
    bad = xlsx([import_row("导入乙", date(1990, 1, 1), "女", 32, "食堂厨师"), import_row("错行", date(1990, 1, 2), "男", 33, "保安岗")])
    hr.set_input_files("input[name=file]", files=[{"name": "bad.xlsx", "mimeType": "application/octet-stream", "buffer": bad}])
    act(hr, "导入")
    expect(hr.locator("[data-testid=import-problems]")).to_contain_text("保安岗")
    step(hr, "05-import-refused")
    assert not Application.objects.filter(name="导入乙").exists()
    good = xlsx([
        import_row("导入乙", date(1990, 1, 1), "女", 32, "食堂厨师"),
        import_row("老丙", date(1962, 3, 3), "男", 34, "食堂厨师"),  # 64 on the deadline: ELIG-AGE-M, soft
        import_row("丁某", date(1991, 1, 1), "男", 35, "食堂厨师", criminal="是"),  # ELIG-CRIMINAL, hard
        import_row("宿管戊", date(1982, 2, 2), "女", 36, "女生宿舍管理员"),
        import_row("宿管己", date(1985, 4, 4), "女", 37, "女生宿舍管理员", education="大专"),
    ])
    hr.set_input_files("input[name=file]", files=[{"name": "good.xlsx", "mimeType": "application/octet-stream", "buffer": good}])
    act(hr, "导入")
    expect(hr.locator("[data-testid=application-table]")).to_contain_text("宿管己")

    # 6. The window closes; screening runs in bulk and cites its clauses.
    day.value = date(2026, 6, 13)
    hr.reload()
    act(hr, "截止报名并进行资格审查")
    expect(hr.locator("[data-testid=screening-status]")).to_contain_text("已完成")
    table = hr.locator("[data-testid=application-table]")
    expect(table.locator("tr", has_text="丁某")).to_contain_text("ELIG-CRIMINAL 无犯罪记录 · 三(三)")
    expect(table.locator("tr", has_text="老丙")).to_contain_text("ELIG-AGE-M")
    step(hr, "06-screened")

    # 7. HR overrides the soft finding with a written reason, then ends the screening review.
    hr.locator("[data-testid=application-table] a", has_text="老丙").click()
    hr.wait_for_url("**/hiring/applications/*/")
    expect(hr.locator("[data-testid=findings]")).to_contain_text("男性年龄在60周岁以下")
    hr.fill("[data-testid=findings] textarea[name=reason]", "具有二十年厨师经验，身体健康，原则上可予放宽")
    act(hr, "放宽")
    expect(hr.locator("[data-testid=findings]")).to_contain_text("待集体研究确认")
    step(hr, "07-override")
    hr.goto(f"{demo_site}/hiring/rounds/{round.pk}/")
    act(hr, "完成资格复核")
    expect(hr.locator("[data-testid=round-state]")).to_have_text("笔试面试")

    # 8. Scores per rater, weighted and ranked.
    hr.get_by_role("link", name="评分表").click()
    hr.wait_for_url("**/scores/")
    for rater in ("评委甲", "评委乙"):
        hr.fill("input[name=name]", rater)
        act(hr, "添加评委")
    wanted = {"网上甲": 88, "导入乙": 80, "老丙": 84, "宿管戊": 82, "宿管己": 79}
    names = dict(Application.objects.filter(round=round).values_list("pk", "name"))
    for box in hr.locator("[data-testid=score-grid] input[type=text]").all():
        application_id = int(box.get_attribute("name").split("-")[1])
        box.fill(str(wanted[names[application_id]]))
    step(hr, "08-scores")
    act(hr, "保存成绩")
    hr.goto(f"{demo_site}/hiring/rounds/{round.pk}/")
    act(hr, "排名并通知体检考察")
    expect(hr.locator("[data-testid=round-state]")).to_have_text("体检和考察")

    # 9. Medical examination: the first cook fails, the next in rank (the override) moves up.
    def examine(name, kind, passed, refutes=False):
        hr.goto(f"{demo_site}/hiring/applications/{Application.objects.get(round=round, name=name).pk}/")
        hr.select_option("select[name=kind]", kind)
        hr.check(f"input[name=passed][value={'True' if passed else 'False'}]")
        hr.fill("input[name=place]", "成都市第一人民医院")
        hr.fill("input[name=held_on]", "2026-06-18")
        if refutes:
            hr.check("input[name=refutes_attestation]")
        act(hr, "登记结果")

    day.value = date(2026, 6, 18)  # results are recorded once they are known, never ahead
    examine("网上甲", "medical", False, refutes=True)
    expect(hr.locator("[data-testid=application-state]")).to_have_text("体检考察不合格")
    step(hr, "09-medical-failed")
    for name in ("老丙", "宿管戊"):
        examine(name, "medical", True)
        examine(name, "background", True)
    hr.goto(f"{demo_site}/hiring/rounds/{round.pk}/")
    act(hr, "完成体检考察")
    expect(hr.locator("[data-testid=round-state]")).to_have_text("待集体研究")

    # 10. The leaders meet: quorum, a vote on each hire and on the override, minutes.
    day.value = date(2026, 6, 22)
    leader.goto(f"{demo_site}/hiring/rounds/{round.pk}/review/")
    leader.fill("input[name=held_at]", "2026-06-22T09:00")
    leader.fill("input[name=place]", "行政楼第一会议室")
    for i, member in enumerate(["王建国", "李书记", "赵副校长", "钱主任", "孙主任"]):
        leader.fill(f"input[name=members-{i}-name]", member)
    for motion in leader.locator("[data-testid=motions] tr").all()[1:]:
        motion.locator("input").nth(0).fill("4")
        motion.locator("input").nth(1).fill("1")
        motion.locator("input").nth(2).fill("0")
    leader.fill("textarea[name=minutes]", "会议研究了拟聘人选及原则性条件放宽事项，表决结果如上。")
    step(leader, "10-review")
    act(leader, "登记集体研究")
    expect(leader.locator("[data-testid=review]")).to_contain_text("达到法定人数")
    expect(leader.locator("[data-testid=application-table]")).not_to_contain_text(Application.objects.get(name="老丙").id_number)

    # 11. HR publishes the proposed hires for 7 working days.
    day.value = date(2026, 6, 24)
    hr.goto(f"{demo_site}/hiring/rounds/{round.pk}/")
    hr.fill("input[name=starts_on]", "2026-06-24")
    act(hr, "公示拟聘人员")
    expect(hr.locator("[data-testid=step-card]")).to_contain_text("2026年6月24日 至 2026年7月2日")

    # 12. Someone objects on the public notice; HR looks into it and dismisses it with a reason.
    day.value = date(2026, 6, 26)
    public.goto(f"{demo_site}/jobs/{round.pk}/publicity/")
    expect(public.locator("[data-testid=publicity]")).to_contain_text("宿管戊")
    public.select_option("select[name=application]", label="宿管戊 · 女生宿舍管理员")
    public.fill("input[name=filed_by]", "某家长")
    public.fill("input[name=contact]", "13600000000")
    public.fill("textarea[name=text]", "听说该人员曾在其他学校被辞退")
    act(public, "提交异议")
    expect(public.locator("[data-testid=objection-filed]")).to_be_visible()
    step(public, "12-objection")
    hr.reload()
    hr.check("[data-testid=objections] input[name=upheld][value=False]")
    hr.fill("[data-testid=objections] textarea[name=resolution]", "经向原单位核实，系合同期满正常离职，异议不成立")
    act(hr, "处理")
    expect(hr.locator("[data-testid=objections]")).to_contain_text("异议不成立")
    day.value = date(2026, 7, 3)
    hr.reload()
    act(hr, "结束公示")
    expect(hr.locator("[data-testid=round-state]")).to_have_text("聘用")

    # 13. HR hires; the round closes when every place is filled.
    for name in ("老丙", "宿管戊"):
        hr.goto(f"{demo_site}/hiring/applications/{Application.objects.get(round=round, name=name).pk}/")
        act(hr, "聘用并生成合同草稿")
        expect(hr.locator("[data-testid=application-state]")).to_have_text("已聘用")
    step(hr, "13-hired")
    hr.goto(f"{demo_site}/hiring/rounds/{round.pk}/")
    act(hr, "结束遴选")
    expect(hr.locator("[data-testid=round-state]")).to_have_text("已结束")
    step(hr, "13-closed")
    assert Staff.objects.filter(school=round.school, person__name__in=["老丙", "宿管戊"], status="active").count() == 2

    # 14. The applicant checks the outcome; the auditor replays the round.
    public.goto(f"{demo_site}/jobs/status/")
    public.fill("input[name=code]", code)
    public.fill("input[name=id_number]", build_id_number("510104", date(1988, 5, 6), 31))
    act(public, "查询")
    expect(public.locator("[data-testid=status-state]")).to_have_text("体检考察不合格")
    auditor = open_as("auditor")
    auditor.goto(f"{demo_site}/hiring/rounds/{round.pk}/timeline/")
    timeline = auditor.locator("[data-testid=change-table]")
    expect(timeline).to_contain_text("具有二十年厨师经验")
    expect(timeline).to_contain_text("经向原单位核实")
    expect(timeline).not_to_contain_text(Application.objects.get(name="老丙").id_number)
    step(auditor, "14-replay")
    assert (SCREENSHOTS / "round-13-closed.png").exists()
