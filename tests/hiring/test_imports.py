"""The applicants template and the all-or-nothing import."""

import io
from datetime import date

import openpyxl
import pytest

from hrflow.core import xlsx
from hrflow.hiring import imports
from hrflow.hiring.imports import COLUMNS, ImportRejected, applications_import, template_workbook
from hrflow.hiring.models import Application
from hrflow.policy import build_id_number
from tests.core.test_xlsx import crafted_xlsx, text_row, wide_bomb


def workbook(rows, header=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or [h for h, _f in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def row(name, birth, gender, sequence, post="食堂厨师", education="高中", **over):
    number = build_id_number("510104", birth, sequence * 2 + (1 if gender == "男" else 0))
    values = {"岗位": post, "姓名": name, "身份证号码": number, "性别": gender, "学历": education, "持有上岗证": "",
              "干部身份": "否", "有无犯罪记录": "否", "有无传染性疾病": "否", "有无精神病史": "否", "联系电话": "13800000000"}
    values.update(over)
    return [values[h] for h, _f in COLUMNS]


def test_template_has_the_headers_and_the_posts(open_round):
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(open_round)))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [h for h, _f in COLUMNS]
    sources = [dv.formula1 for dv in sheet.data_validations.dataValidation]
    assert "'岗位列表'!$A$1:$A$2" in sources
    assert [c.value for c in book["岗位列表"]["A"]] == ["食堂厨师", "女生宿舍管理员"]


def test_the_template_takes_any_number_of_long_post_titles(open_round):
    # An inline drop-down list stops at 255 characters: 30 long titles used to be a server error.
    for i in range(30):
        open_round.posts.create(title=f"第{i}号岗位，负责食堂后厨的清洁与消毒工作", category="canteen", headcount=1)
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(open_round)))
    assert len(list(book["岗位列表"]["A"])) == 32


def test_a_good_file_is_imported_with_history(open_round, user):
    rows = [row("导入甲", date(1985, 1, 1), "男", 31), row("导入乙", date(1986, 2, 2), "女", 32, post="女生宿舍管理员", 持有上岗证="健康证，消防证")]
    assert applications_import(round=open_round, stream=workbook(rows), acting_user=user("hr")) == 2
    imported = Application.objects.get(name="导入乙")
    assert (imported.source, imported.gender, imported.post.title) == ("import", "F", "女生宿舍管理员")
    assert imported.certificates == ["健康证", "消防证"]
    assert imported.history.get().history_user.username == "hr"


def test_every_bad_row_is_listed_and_nothing_is_written(open_round, user):
    good = row("好人", date(1985, 1, 1), "男", 41)
    bad_check = row("错码", date(1985, 1, 2), "男", 42)
    bad_check[2] = bad_check[2][:-1] + ("0" if bad_check[2][-1] != "0" else "1")
    wrong_gender = row("错性别", date(1985, 1, 3), "女", 43)
    wrong_gender[3] = "男"
    duplicate = list(good)
    unknown = row("无岗", date(1985, 1, 4), "男", 44, post="保安", 有无犯罪记录="也许")
    numeric_id = row("数字", date(1985, 1, 5), "男", 45)
    numeric_id[2] = 51010419850105091.0
    with pytest.raises(ImportRejected) as info:
        applications_import(round=open_round, stream=workbook([good, bad_check, wrong_gender, duplicate, unknown, numeric_id]), acting_user=user("hr"))
    problems = [(p.row, p.column) for p in info.value.problems]
    assert problems == [
        (3, "身份证号码"), (4, "性别"), (5, "身份证号码"), (6, "岗位"), (6, "有无犯罪记录"), (7, "身份证号码"),
    ]
    assert not Application.objects.filter(round=open_round).exists()


def test_someone_who_applied_online_is_refused_in_the_import(open_round, user):
    from hrflow.hiring import services

    from .conftest import applicant

    data = applicant("网上报名", date(1985, 1, 1), "M", sequence=41)
    services.application_submit(round=open_round, post=open_round.posts.first(), data=data)
    with pytest.raises(ImportRejected) as info:
        applications_import(round=open_round, stream=workbook([row("网上报名", date(1985, 1, 1), "男", 41)]), acting_user=user("hr"))
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "身份证号码")]


def test_a_wrong_header_or_a_non_xlsx_file_is_refused(open_round, user):
    with pytest.raises(ImportRejected):
        applications_import(round=open_round, stream=workbook([], header=["name", "id"]), acting_user=user("hr"))
    with pytest.raises(ImportRejected):
        applications_import(round=open_round, stream=io.BytesIO(b"not a workbook"), acting_user=user("hr"))


def test_import_only_while_the_round_takes_applications(planned_round, user):
    with pytest.raises(ImportRejected):
        applications_import(round=planned_round, stream=workbook([row("甲", date(1985, 1, 1), "男", 51)]), acting_user=user("hr"))


def test_the_import_page_lists_the_problems(open_round, login):
    bad = row("错码", date(1985, 1, 2), "男", 42)
    bad[2] = "12345"
    upload = workbook([bad])
    upload.name = "applicants.xlsx"
    response = login("hr").post(f"/hiring/rounds/{open_round.pk}/import/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-problems"' in html and "身份证号码" in html


def refusal(open_round, user, stream, **kwargs):
    with pytest.raises(ImportRejected) as info:
        applications_import(round=open_round, stream=stream, acting_user=user("hr"), **kwargs)
    assert not Application.objects.filter(round=open_round).exists()
    return info.value.problems


def test_an_over_long_file_is_refused_naming_the_cap(open_round, user, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [row(f"人{'甲乙丙丁'[i]}", date(1985, 1, 1 + i), "男", 60 + i) for i in range(4)]
    [problem] = refusal(open_round, user, workbook(rows))
    assert "报名人员超过 3 行" in problem.message and problem.row == 5
    assert applications_import(round=open_round, stream=workbook(rows[:3]), acting_user=user("hr")) == 3


def test_an_oversize_file_is_refused(open_round, user, settings):
    settings.HRFLOW = {**settings.HRFLOW, "UPLOAD_MAX_BYTES": 2000}
    [problem] = refusal(open_round, user, workbook([row("甲", date(1985, 1, 1), "男", 51)]))
    assert "至多接受" in problem.message


def test_the_crafted_wide_row_is_refused_on_the_import_page(open_round, login):
    upload = io.BytesIO(wide_bomb())
    upload.name = "applicants.xlsx"
    response = login("hr").post(f"/hiring/rounds/{open_round.pk}/import/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-problems"' in html and "压缩" in html
    assert not Application.objects.filter(round=open_round).exists()


def test_a_wide_row_in_the_file_is_refused_with_its_row(open_round, user):
    header = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h, _f in COLUMNS)
    data = crafted_xlsx([f"<row>{header}</row>".encode(), b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>"])
    [problem] = refusal(open_round, user, io.BytesIO(data))
    assert problem.row == 2 and "256" in problem.message


def test_a_late_import_needs_a_reason_and_records_it(open_round, user, today):
    today.set(date(2026, 6, 13))  # the day after closes_on
    rows = [row("纸质报名", date(1985, 1, 1), "男", 51)]
    [problem] = refusal(open_round, user, workbook(rows))
    assert "截止" in problem.message
    assert refusal(open_round, user, workbook(rows), reason="   ")
    reason = "6月12日前收到的纸质报名表"
    assert applications_import(round=open_round, stream=workbook(rows), acting_user=user("hr"), reason=reason) == 1
    history = Application.objects.get(name="纸质报名").history.get()
    assert reason in history.history_change_reason and history.history_user.username == "hr"


def test_the_import_page_asks_for_the_reason_after_the_deadline(open_round, login, today):
    client = login("hr")
    assert "reason" not in client.get(f"/hiring/rounds/{open_round.pk}/import/").context["form"].fields
    today.set(date(2026, 6, 13))
    upload = workbook([row("纸质报名", date(1985, 1, 1), "男", 51)])
    upload.name = "applicants.xlsx"
    response = client.post(f"/hiring/rounds/{open_round.pk}/import/", {"file": upload})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    upload.seek(0)
    response = client.post(f"/hiring/rounds/{open_round.pk}/import/", {"file": upload, "reason": "按时收到的纸质报名表"})
    assert response.status_code == 302
    assert Application.objects.get(name="纸质报名").history.get().history_change_reason.endswith("按时收到的纸质报名表")


# --- Formula cells, wording, file-level problems --------------------------------------------

def test_a_formula_cell_is_refused_with_its_row_and_column_not_imported_as_its_result(open_round, user):
    # As Excel saves a name typed as =1+1: the formula with its cached result "2", which the
    # import used to read as the applicant's name.
    good = row("甲", date(1985, 1, 1), "男", 51)
    formula = row("乙", date(1986, 2, 2), "男", 52)
    cells = [f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in formula]
    cells[1] = "<c><f>1+1</f><v>2</v></c>"
    cells[10] = '<c t="str"><f>"138"&amp;"00000000"</f><v>13800000000</v></c>'
    data = crafted_xlsx([text_row([h for h, _f in COLUMNS], r=1), text_row(good, r=2), f'<row r="3">{"".join(cells)}</row>'.encode()])
    problems = refusal(open_round, user, io.BytesIO(data))
    assert [(p.row, p.column) for p in problems] == [(3, "姓名"), (3, "联系电话")]
    assert problems[0].message == "单元格是公式，请直接填写内容，不要使用公式。"
    assert not Application.objects.filter(name="2").exists()


def test_openpyxl_formulas_are_refused_and_text_that_looks_like_one_is_no_name(open_round, user):
    formula = row("乙", date(1986, 2, 2), "男", 52)
    formula[1] = "=1+1"  # openpyxl writes this as a formula cell
    assert [(p.row, p.column) for p in refusal(open_round, user, workbook([formula]))] == [(2, "姓名")]
    text = row("乙", date(1986, 2, 2), "男", 52)
    data = crafted_xlsx([text_row([h for h, _f in COLUMNS], r=1),
                         text_row([v if i != 1 else "=1+1" for i, v in enumerate(text)], r=2)])
    [problem] = refusal(open_round, user, io.BytesIO(data))
    assert (problem.row, problem.column) == (2, "姓名") and "只能由文字组成" in problem.message


def test_formula_cells_beyond_the_cap_are_counted(open_round, user, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_FORMULA_CELLS", 2)
    rows = [row(f"人{c}", date(1985, 1, 1), "男", 60 + i) for i, c in enumerate("甲乙丙")]
    for r in rows:
        r[1] = "=1+1"
    problems = refusal(open_round, user, workbook(rows))
    assert [(p.row, p.column) for p in problems] == [(2, "姓名"), (3, "姓名"), (0, "")]
    assert problems[-1].message == "另有 1 个单元格是公式。"


def test_an_empty_education_is_missing_not_unknown(open_round, user):
    [problem] = refusal(open_round, user, workbook([row("甲", date(1985, 1, 1), "男", 51, education=None)]))
    assert (problem.row, problem.column, problem.message) == (2, "学历", "缺少学历。")


def test_the_phone_message_states_the_rule(open_round, user):
    [problem] = refusal(open_round, user, workbook([row("甲", date(1985, 1, 1), "男", 51, 联系电话="12800000000")]))
    assert problem.column == "联系电话" and "以13至19开头的11位手机号码" in problem.message and "可带区号" in problem.message


def test_file_level_problems_have_no_row(open_round, user):
    assert [p.row for p in refusal(open_round, user, workbook([], header=["name", "id"]))] == [0]
    assert [p.row for p in refusal(open_round, user, io.BytesIO(b"not a workbook"))] == [0]
    assert [p.row for p in refusal(open_round, user, workbook([]))] == [0]


def test_the_import_page_shows_a_dash_for_a_file_level_problem(open_round, login):
    upload = io.BytesIO(b"not a workbook")
    upload.name = "applicants.xlsx"
    html = login("hr").post(f"/hiring/rounds/{open_round.pk}/import/", {"file": upload}).content.decode()
    assert '<td class="num">—</td>' in html and '<td class="num">0</td>' not in html and "不是 xlsx" in html


def test_dates_in_messages_are_written_for_the_reader(open_round, user, today):
    today.set(date(2026, 6, 13))
    [problem] = refusal(open_round, user, workbook([row("纸质报名", date(1985, 1, 1), "男", 51)]))
    assert "2026年6月12日" in problem.message and "2026-06-12" not in problem.message
    today.set(date(2026, 6, 1))
    future = row("未来", date(2027, 1, 1), "男", 52)
    [problem] = refusal(open_round, user, workbook([future]))
    assert problem.column == "身份证号码" and "2027年1月1日" in problem.message
