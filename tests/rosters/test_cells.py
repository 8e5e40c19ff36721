"""Hostile and careless cells: each is refused on its row and column with a message that says what
is wrong, and nothing is written."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import LI, WANG, contract_row, problems, roster_file, rows_of, staff_row, written

LONG = "王" * 101

# (case, staff row, contract row or None, (sheet, column), a phrase the message holds or "")
STAFF_CASES = [
    ("impossible date", staff_row(hired_on="2021-02-30"), None, "入职日期", "2021-02-30"),
    ("date as a number", staff_row(hired_on=44197), None, "入职日期", "44197"),
    ("future hire date", staff_row(hired_on="2026-08-01"), None, "入职日期", "2026"),
    ("under 16 at hire", staff_row(hired_on="2005-12-31"), None, "入职日期", "十六周岁"),
    ("over-long name", staff_row(name=LONG), None, "姓名", "100"),
    ("over-long title", staff_row(title="厨" * 101), None, "职称或技能等级", "100"),
    ("ID as a number", staff_row(id_number=int(LI[:17] + "0")), None, "身份证号码", ""),
    ("ID with a wrong check digit", staff_row(id_number=WANG[:17] + ("1" if WANG[17] != "1" else "2")), None, "身份证号码", ""),
    ("gender against the ID", staff_row(gender="男"), None, "性别", ""),
    ("unknown employment type", staff_row(employment_type="临时工"), None, "用工形式", "临时工"),
    ("unknown category", staff_row(category="保安"), None, "岗位类别", "保安"),
    ("yes-no cell with another word", staff_row(cadre="也许"), None, "干部身份", ""),
    ("dormitory for a canteen post", staff_row(dormitory="一号楼"), None, "宿舍", ""),
    ("control character in the title", staff_row(title="厨师\u202e长"), None, "职称或技能等级", ""),
]


def _contract_case(case, values, column, phrase):
    return (case, staff_row(), contract_row(**values), column, phrase)


CONTRACT_CASES = [
    _contract_case("NaN pay", {"agreed_pay": "NaN"}, "约定月工资（元）", ""),
    _contract_case("infinite pay", {"agreed_pay": "inf"}, "约定月工资（元）", ""),
    _contract_case("huge pay", {"agreed_pay": 1e12}, "约定月工资（元）", ""),
    _contract_case("negative pay", {"agreed_pay": -3500}, "约定月工资（元）", ""),
    _contract_case("pay with three decimals", {"agreed_pay": 3500.125}, "约定月工资（元）", ""),
    _contract_case("pay with three decimals as text", {"agreed_pay": "3500.125"}, "约定月工资（元）", ""),
    _contract_case("pay as a word", {"agreed_pay": "三千五"}, "约定月工资（元）", "三千五"),
    _contract_case("probation longer than the law", {"probation_months": 12, "probation_pay": 2800}, "试用期（月）", "第十九条"),
    _contract_case("probation pay below 80 per cent", {"probation_months": 2, "probation_pay": 2700}, "试用期月工资（元）", "第二十条"),
    _contract_case("probation of half a month", {"probation_months": 1.5, "probation_pay": 2800}, "试用期（月）", ""),
    _contract_case("impossible start", {"starts_on": "2024-02-30"}, "开始日期", "2024-02-30"),
    _contract_case("end before start", {"ends_on": "2024-08-31"}, "结束日期", ""),
    _contract_case("ended contract", {"starts_on": "2023-01-01", "ends_on": "2025-12-31"}, "结束日期", ""),
    _contract_case("kind against the employment type", {"kind": "聘用合同"}, "合同类型", "劳动合同"),
    _contract_case("agency on a labour contract", {"agency": "某派遣公司"}, "派遣单位", ""),
    _contract_case("name differing from the staff row", {"name": "王大芳"}, "姓名", "王小芳"),
    _contract_case("start before the hire date", {"starts_on": "2019-09-01"}, "开始日期", ""),
    _contract_case("missing pay", {"agreed_pay": None}, "约定月工资（元）", ""),
    ("contract with no staff", staff_row(), contract_row(name="李四", id_number=LI), "身份证号码", ""),
    ("dispatch agreement without its agency", staff_row(employment_type="劳务派遣"),
     contract_row(kind="派遣协议", agreed_pay=None, post_nature="辅助性"), "派遣单位", ""),
    ("dispatch agreement without its end", staff_row(employment_type="劳务派遣"),
     contract_row(kind="派遣协议", agreed_pay=None, ends_on="", agency="某派遣公司", post_nature="辅助性"), "结束日期", ""),
    ("two contracts for one person", staff_row(), [contract_row(), contract_row(starts_on="2025-09-01")], "身份证号码", "2"),
]


CASES = STAFF_CASES + CONTRACT_CASES


@pytest.mark.parametrize("case, staff, contract, column, phrase", CASES, ids=[c[0] for c in CASES])
def test_a_bad_cell_is_refused_on_its_row_and_column_and_nothing_is_written(today, user, school, upload, case, staff, contract, column,
                                                                             phrase):
    contracts = contract if isinstance(contract, list) else [contract] if contract else []
    before = written()
    batch = upload(user("hr"), school.unit, roster_file([staff], contracts))
    assert not batch.file_problems, batch.file_problems
    sheet, number = ("contract", len(contracts) + 1) if contracts else ("staff", 2)
    row = rows_of(batch)[(sheet, number)]
    assert row.action == "refused", (row.action, row.details)
    found = [message for c, message in problems(row) if c == column]
    assert found, problems(row)
    assert all(message.strip() for message in found)
    assert phrase in " ".join(found), found
    assert not batch.can_commit
    assert written() == before


def test_a_duplicate_id_in_the_staff_sheet_refuses_the_second_row_naming_the_first(today, user, school, upload):
    batch = upload(user("hr"), school.unit, roster_file([staff_row(), staff_row(title="面点师")]))
    rows = rows_of(batch)
    assert rows[("staff", 2)].action == "create"
    [(column, message)] = problems(rows[("staff", 3)])
    assert column == "身份证号码" and "2" in message
    assert not batch.can_commit


def test_a_contract_overlapping_one_on_record_is_refused(today, user, school, upload, commit):
    hr = user("hr")
    assert commit(upload(hr, school.unit, roster_file([staff_row()], [contract_row()])), hr).state == "committed"
    before = written()
    batch = upload(hr, school.unit, roster_file([staff_row()], [contract_row(starts_on="2025-09-01", ends_on="2028-08-31")]))
    row = rows_of(batch)[("contract", 2)]
    assert row.action == "refused"
    [(column, message)] = problems(row)
    assert column == "开始日期" and "2024" in message
    assert written() == before


def _book_file(build, name="名单.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def _staff_sheet(book, values):
    from hrflow.rosters.columns import STAFF_SHEET, staff_columns

    sheet = book.active
    sheet.title = STAFF_SHEET
    sheet.append([h for h, _f in staff_columns(False)])
    sheet.append([values.get(f) for _h, f in staff_columns(False)])
    return sheet


def _file_refused(batch, before):
    assert batch.file_problems, batch.counts
    assert all(p["message"].strip() for p in batch.file_problems)
    assert not batch.counts and not rows_of(batch)
    assert not batch.can_commit
    assert written() == before


def test_a_formula_cell_refuses_the_file_naming_the_sheet_and_cell(today, user, school, upload):
    before = written()
    batch = upload(user("hr"), school.unit, _book_file(lambda book: _staff_sheet(book, staff_row(title='=HYPERLINK("http://x","y")'))))
    _file_refused(batch, before)
    [problem] = batch.file_problems
    assert problem["row"] == 2 and "职工" in problem["column"] and "职称或技能等级" in problem["column"]


def test_a_sheet_with_the_wrong_header_is_refused(today, user, school, upload):
    before = written()

    def build(book):
        sheet = _staff_sheet(book, staff_row())
        sheet.cell(1, 3, "性别（男/女）")

    batch = upload(user("hr"), school.unit, _book_file(build))
    _file_refused(batch, before)
    assert batch.file_problems[0]["row"] == 1 and "职工" in batch.file_problems[0]["column"]


def test_a_workbook_without_a_roster_sheet_is_refused(today, user, school, upload):
    before = written()

    def build(book):
        book.active.title = "Sheet1"
        book.active.append(["姓名", "身份证号码"])
        book.active.append(["王小芳", WANG])

    batch = upload(user("hr"), school.unit, _book_file(build))
    _file_refused(batch, before)
    assert "职工" in batch.file_problems[0]["message"]


@pytest.mark.parametrize("content", [b"name,id\n\xe7\x8e\x8b,1\n", b"PK\x03\x04 not really a zip", b""], ids=["csv", "broken zip", "empty"])
def test_a_file_that_is_not_xlsx_is_refused(today, user, school, upload, content):
    before = written()
    batch = upload(user("hr"), school.unit, SimpleUploadedFile("名单.xlsx", content))
    assert batch.state == "previewed"
    _file_refused(batch, before)


def test_a_file_with_headers_only_is_refused(today, user, school, upload):
    before = written()
    batch = upload(user("hr"), school.unit, roster_file([], []))
    _file_refused(batch, before)


@pytest.mark.parametrize("hired_on, refused", [("2006-01-01", False), ("2005-12-31", True), ("2026-07-01", False), ("2026-07-02", True)])
def test_the_hire_date_bounds_sixteenth_birthday_and_today(today, user, school, upload, hired_on, refused):
    batch = upload(user("hr"), school.unit, roster_file([staff_row(hired_on=hired_on)]))
    row = rows_of(batch)[("staff", 2)]
    assert (row.action == "refused") is refused, row.details
    if refused:
        assert [c for c, _m in problems(row)] == ["入职日期"]


@pytest.mark.parametrize("starts_on, ends_on, months, refused", [
    ("2026-03-01", "2026-11-30", 1, False), ("2026-03-01", "2026-11-30", 2, True),  # under a year: 1 month
    ("2026-03-01", "2027-02-28", 2, False), ("2026-03-01", "2027-02-28", 3, True),  # a year to three: 2 months
    ("2024-09-01", "2027-08-31", 6, False), ("2024-09-01", "2027-08-31", 7, True),  # three years and more: 6 months
    ("2024-09-01", "", 6, False), ("2024-09-01", "", 7, True),  # open-ended: 6 months
])
def test_probation_is_bounded_by_the_term_as_article_19_says(today, user, school, upload, starts_on, ends_on, months, refused):
    contract = contract_row(starts_on=starts_on, ends_on=ends_on, probation_months=months, probation_pay=2800)
    batch = upload(user("hr"), school.unit, roster_file([staff_row()], [contract]))
    row = rows_of(batch)[("contract", 2)]
    assert (row.action == "refused") is refused, row.details
    if refused:
        [(column, message)] = problems(row)
        assert column == "试用期（月）" and "第十九条" in message
