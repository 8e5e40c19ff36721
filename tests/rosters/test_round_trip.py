"""The staff list goes out in the template and comes back: unchanged rows stay unchanged, a corrected
cell shows as from → to in the preview, and the commit writes that change alone."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from hrflow.people.models import Person, Staff

from .conftest import LI, WANG, contract_row, roster_file, rows_of, staff_row, written


def _export(login, export_download, unit) -> openpyxl.Workbook:
    response = export_download(login("hr"), f"/rosters/export/{unit.pk}/")
    assert response.status_code == 200, response.content[:500]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _file(book, name) -> SimpleUploadedFile:
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def _line_of(sheet, id_number) -> int:
    for cells in sheet.iter_rows(min_row=2):
        if cells[1].value == id_number:
            return cells[0].row
    raise AssertionError(f"{id_number} is not in the export")


def _keep_only(book, id_numbers):
    """Drop the export's other rows (the demo school's staff): the whole-school round trip is the test above."""
    for sheet in (book["职工"], book["合同"]):
        for line in range(sheet.max_row, 1, -1):
            if sheet.cell(line, 2).value not in id_numbers:
                sheet.delete_rows(line)
    return book


def _imported(today, user, school, upload, commit):
    hr = user("hr")
    batch = commit(upload(hr, school.unit, roster_file(
        [staff_row(), staff_row(name="李四", id_number=LI, gender="男", employment_type="编制内", category="管理", title="")],
        [contract_row(), contract_row(name="李四", id_number=LI, kind="聘用合同", ends_on="", probation_months=0)])), hr)
    assert batch.state == "committed", batch.outcome
    return hr


def test_the_export_imported_back_unchanged_changes_nothing(today, user, school, login, export_download, upload, commit):
    hr = _imported(today, user, school, upload, commit)
    book = _export(login, export_download, school.unit)
    before = written()
    batch = upload(hr, school.unit, _file(book, "导出.xlsx"))
    rows = rows_of(batch)
    odd = {key: (r.action, r.details) for key, r in rows.items() if r.action != "unchanged"}
    assert not batch.file_problems and not odd, (batch.file_problems, odd)
    assert batch.counts.get("staff:unchanged") == Staff.objects.filter(school=school).exclude(status="left").count()
    assert written() == before


def test_one_changed_cell_is_one_update_from_to_and_the_commit_writes_only_it(today, user, school, login, export_download, upload, commit):
    hr = _imported(today, user, school, upload, commit)
    book = _keep_only(_export(login, export_download, school.unit), (WANG, LI))
    sheet = book["职工"]
    headers = [c.value for c in sheet[1]]
    line = _line_of(sheet, WANG)
    sheet.cell(line, headers.index("职称或技能等级") + 1, "中式烹调师三级")
    staff = Staff.objects.get(person__id_number=WANG, school=school)
    person = staff.person
    staff_history, person_history = staff.history.count(), person.history.count()
    li = Staff.objects.get(person__id_number=LI, school=school)
    li_history = li.history.count()
    before = written()
    batch = upload(hr, school.unit, _file(book, "更正.xlsx"))
    rows = rows_of(batch)
    assert not batch.file_problems, batch.file_problems
    changed = {key: r for key, r in rows.items() if r.action != "unchanged"}
    assert list(changed) == [("staff", line)], {k: (r.action, r.details) for k, r in changed.items()}
    assert changed[("staff", line)].action == "update"
    assert changed[("staff", line)].details["changes"] == [["职称或技能等级", "中式烹调师四级", "中式烹调师三级"]]
    batch = commit(batch, hr)
    assert batch.state == "committed", batch.outcome
    staff.refresh_from_db()
    assert staff.title == "中式烹调师三级"
    assert staff.history.count() == staff_history + 1
    assert "更正.xlsx" in staff.history.first().history_change_reason
    assert Person.objects.get(pk=person.pk).history.count() == person_history
    assert li.history.count() == li_history
    after = written()
    assert after == {**before, "Staff history": before["Staff history"] + 1}


def test_a_phone_corrected_by_the_sole_employer_is_an_update_of_the_person(today, user, school, login, export_download, upload, commit):
    hr = _imported(today, user, school, upload, commit)
    book = _keep_only(_export(login, export_download, school.unit), (WANG, LI))
    sheet = book["职工"]
    headers = [c.value for c in sheet[1]]
    line = _line_of(sheet, LI)
    sheet.cell(line, headers.index("联系电话") + 1, "13911112222")
    batch = upload(hr, school.unit, _file(book, "电话.xlsx"))
    row = rows_of(batch)[("staff", line)]
    assert row.action == "update" and row.details["changes"] == [["联系电话", "13800138000", "13911112222"]]
    assert commit(batch, hr).state == "committed"
    person = Person.objects.get(id_number=LI)
    assert person.phone == "13911112222" and "电话.xlsx" in person.history.first().history_change_reason


def test_an_employment_in_its_exit_comes_back_unchanged(today, user, school, login, export_download, upload, commit):
    from django.db import transaction

    hr = _imported(today, user, school, upload, commit)
    staff = Staff.objects.get(person__id_number=WANG, school=school)
    with transaction.atomic():
        staff.begin_exit()
        staff.save()
    book = _keep_only(_export(login, export_download, school.unit), (WANG, LI))
    before = written()
    batch = upload(hr, school.unit, _file(book, "导出.xlsx"))
    rows = rows_of(batch)
    assert {r.action for r in rows.values()} == {"unchanged"}, {k: (r.action, r.details) for k, r in rows.items()}
    assert batch.can_commit
    assert written() == before


def test_a_bureau_export_imported_back_changes_nothing(today, user, city, login, export_download, upload):
    response = export_download(login("bureau"), f"/rosters/export/{city.pk}/")
    assert response.status_code == 200, response.content[:500]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["职工"][1]][0] == "学校"
    before = written()
    batch = upload(user("bureau"), city, _file(book, "全市.xlsx"))
    odd = {key: (r.action, r.details) for key, r in rows_of(batch).items() if r.action != "unchanged"}
    assert not batch.file_problems and not odd, (batch.file_problems, odd)
    assert batch.counts["staff:unchanged"] == Staff.objects.filter(school__unit__path__startswith=city.path).exclude(status="left").count()
    assert batch.counts.get("contract:unchanged")
    assert written() == before


def test_the_export_is_the_template_with_its_help_sheet_and_text_id_cells(today, user, school, login, export_download):
    book = _export(login, export_download, school.unit)
    assert book.sheetnames[:3] == ["职工", "合同", "填写说明"]
    assert book["选项"].sheet_state == "hidden"
    staff = book["职工"]
    id_column = [cell.value for cell in staff[1]].index("身份证号码") + 1
    letter = openpyxl.utils.get_column_letter(id_column)
    assert staff.column_dimensions[letter].number_format == "@"  # a typed ID stays text
    assert staff.data_validations.dataValidation, "the drop-downs come with the export"
    # A date cell's check compares with a date (Excel's serial 1 is 1900-01-01), not with the sum 1900-1-1.
    hired = [v for v in staff.data_validations.dataValidation if v.type == "date"]
    assert hired and all(v.operator == "greaterThanOrEqual" and v.formula1 == "1" for v in hired), [(v.operator, v.formula1) for v in hired]
