"""One validation path for an applicant (hiring.applicants): the online form and the xlsx
import refuse the same input with the same Chinese message, and write nothing."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from hrflow.core.history import save_audited
from hrflow.core.validators import name_problem, phone_is_plausible
from hrflow.hiring import services
from hrflow.hiring.applicants import validate_applicant
from hrflow.hiring.imports import ImportRejected, applications_import, template_workbook
from hrflow.hiring.models import Application
from hrflow.policy import build_id_number

from .conftest import OPENS, applicant
from .test_imports import row, workbook
from .test_views import apply_data

FUTURE_ID = build_id_number("510104", date(2027, 1, 1), 23)  # a valid number, born after "today" (OPENS)
LONG_NAME = "名" * 101


@pytest.mark.parametrize("phone, ok", [
    ("13800000000", True), ("138-0000-0000", True), ("+86 138 0000 0000", True), ("028-86123456", True),
    ("02886123456", True), ("+86 28 8612 3456", True), ("86123456", True), ("010-62345678", True),
    ("12800000000", False), ("1380000000", False), ("abc", False), ("+1 212 555 0100", False), ("13800000000;", False),
    ("138000000000", False), ("0", False), ("=1+1", False),
])
def test_phone_numbers(phone, ok):
    assert phone_is_plausible(phone) is ok


def test_the_validator_cleans_form_and_cell_values_alike():
    number = build_id_number("510104", date(1985, 1, 1), 31)
    from_form = {"name": " 张三 ", "id_number": number.lower(), "gender": "M", "phone": "13800000000", "education": "senior_high",
                 "certificates": "健康证，消防证", "cadre": False, "criminal_record": False, "infectious_disease": False,
                 "mental_illness_history": False}
    from_file = {**from_form, "gender": "男", "education": "高中", "cadre": "否", "criminal_record": "否",
                 "infectious_disease": "无", "mental_illness_history": "否", "phone": 13800000000}
    clean_form, errors_form = validate_applicant(from_form, today=OPENS)
    clean_file, errors_file = validate_applicant(from_file, today=OPENS)
    assert errors_form == errors_file == {}
    assert clean_form == clean_file
    assert clean_form["name"] == "张三" and clean_form["certificates"] == ["健康证", "消防证"]
    assert clean_form["birth_date"] == date(1985, 1, 1)
    # Idempotent: a clean record passes again unchanged (the service re-checks what the form cleaned).
    assert validate_applicant(clean_form, today=OPENS) == (clean_form, {})


@pytest.mark.parametrize("name", ["张三", "买买提·艾力", "阿依古丽・吐尔逊", "欧阳 娜娜", "李〇", "Zhang San", "O'Brien-Smith"])
def test_real_names_are_accepted(name):
    assert name_problem(name) is None
    clean, errors = validate_applicant(applicant(f" {name} ", date(1985, 1, 1), "M", sequence=31), today=OPENS)
    assert errors == {} and clean["name"] == name


@pytest.mark.parametrize("name", ["=1+1", "@SUM(A1)", "+1+1", "-2+3", "=cmd|' /C calc'!A0", "王😀明", "张三3", "１２３", "·", "<b>张三</b>",
                                  "张三;", "2"])
def test_digits_emoji_symbols_and_formulas_are_no_name(name):
    data = applicant(name, date(1985, 1, 1), "M", sequence=31)
    _clean, errors = validate_applicant(data, today=OPENS)
    assert list(errors) == ["name"] and "只能由文字组成" in errors["name"], errors


@pytest.mark.parametrize("field, value, fragment", [
    ("name", LONG_NAME, "至多 100"),
    ("name", "张\u202e三", "不可见"),
    ("name", "张\x00三", "控制"),
    ("name", "   ", "姓名"),
    ("id_number", FUTURE_ID, "（2027年1月1日）晚于今天"),
    ("phone", "12345", "以13至19开头的11位手机号码"),
    ("phone", "1" * 33, "至多 32"),
    ("phone", "", "请填写联系电话"),
    ("certificates", ",".join(f"证{i}" for i in range(21)), "至多 20"),
    ("certificates", "证" * 101, "100"),
    ("criminal_record", "也许", "是"),
    ("education", "幼儿园", "未知学历“幼儿园”"),
    ("education", "", "缺少学历"),
    ("education", None, "缺少学历"),
])
def test_impossible_input_is_refused_with_a_chinese_message(field, value, fragment):
    data = applicant("张三", date(1985, 1, 1), "M", sequence=31)
    data[field] = value
    _clean, errors = validate_applicant(data, today=OPENS)
    assert list(errors) == [field] and fragment in errors[field], errors


def test_the_gender_mismatch_says_nan_nv_not_m_f():
    data = applicant("张三", date(1985, 1, 1), "M", sequence=31)
    data["gender"] = "F"
    message = validate_applicant(data, today=OPENS)[1]["gender"]
    assert "女" in message and "男" in message and "M" not in message


# --- The same refusal online and in the import ----------------------------------------------

CASES = [
    ("name", "姓名", {"name": LONG_NAME}, "至多 100"),
    ("name", "姓名", {"name": "@SUM(A1)"}, "只能由文字组成"),  # openpyxl would write "=1+1" as a formula (test_imports)
    ("name", "姓名", {"name": "王😀明"}, "只能由文字组成"),
    ("phone", "联系电话", {"phone": "12345"}, "不是电话号码"),
    ("id_number", "身份证号码", {"id_number": FUTURE_ID, "gender": "M"}, "晚于今天"),
]


@pytest.mark.parametrize("field, header, over, fragment", CASES)
def test_online_form_and_import_refuse_the_same_input_alike(client, open_round, user, field, header, over, fragment):
    form = apply_data(open_round, **over)
    response = client.post(f"/jobs/{open_round.pk}/apply/", form)
    assert response.status_code == 200
    online = response.context["form"].errors[field]
    assert any(fragment in message for message in online), online

    cells = row("周敏", date(1991, 4, 4), "女", 61, post="女生宿舍管理员")
    cells[1], cells[10] = form["name"], form["phone"]
    if field == "id_number":
        cells[2], cells[3] = FUTURE_ID, "男"
    with pytest.raises(ImportRejected) as info:
        applications_import(round=open_round, stream=workbook([cells]), acting_user=user("hr"))
    problems = [(p.row, p.column, p.message) for p in info.value.problems]
    assert [(r, c) for r, c, _m in problems] == [(2, header)]
    assert problems[0][2] in online
    assert not Application.objects.filter(round=open_round).exists()


def test_the_service_refuses_a_future_birth_date_when_called_directly(open_round):
    data = applicant("未来", date(2027, 1, 1), "M", sequence=11)
    with pytest.raises(ValidationError) as info:
        services.application_submit(round=open_round, post=open_round.posts.first(), data=data)
    assert "晚于今天" in info.value.message_dict["id_number"][0]
    assert not Application.objects.filter(round=open_round).exists()


# --- Exports keep typed text as text -------------------------------------------------------

HOSTILE_NAME = "=cmd|' /C calc'!A0"


def formula_cells(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{s.title}!{c.coordinate}" for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]


def test_formula_looking_input_stays_text_in_every_export(client, login, open_round, user, export_changes, export_download):
    post = open_round.posts.get(category="canteen")
    post.title = "=HYPERLINK(\"http://evil.example\",\"岗位\")"
    post.save()
    for i, name in enumerate([HOSTILE_NAME, "+1+1", "-2+3", "@SUM(A1)"]):
        form = apply_data(open_round, name=name, post=post.pk, id_number=build_id_number("510104", date(1980, 1, 1 + i), 2 * i + 40),
                          gender="F")
        # The name rule refuses such names where they enter (test_digits_emoji_symbols_and_formulas_are_no_name);
        # a record written before the rule, or by a script, may still hold one, and the exports must keep it text.
        form["name"] = "合法姓名"
        assert client.post(f"/jobs/{open_round.pk}/apply/", form).status_code == 302, name
        application = Application.objects.get(round=open_round, id_number=form["id_number"])
        application.name = name
        save_audited(application, user=user("hr"), reason="test: a name from before the name rule")
    results = export_download(login("hr"), f"/hiring/rounds/{open_round.pk}/results/export/")
    assert results.status_code == 200 and formula_cells(results.content) == []
    names = [c for r in openpyxl.load_workbook(io.BytesIO(results.content)).active.iter_rows(values_only=True) for c in r]
    assert HOSTILE_NAME in names and post.title in names
    audit = export_changes(login("auditor"), {"model": "hiring.application"})
    assert audit.status_code == 200 and formula_cells(audit.content) == []
    assert any(HOSTILE_NAME in str(c) for r in openpyxl.load_workbook(io.BytesIO(audit.content)).active.iter_rows(values_only=True) for c in r)
    template = template_workbook(open_round)
    assert formula_cells(template) == []
    assert post.title in [c.value for c in openpyxl.load_workbook(io.BytesIO(template))["岗位列表"]["A"]]
