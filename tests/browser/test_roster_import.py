"""Staff import in Chromium (issue 10): HR downloads the school template and uploads a roster with a
refused row and a person on record from another school, sees the preview, fixes the file and
commits it; a bureau imports a roster of two of its schools; HR exports the roster, changes one cell,
re-imports it and the auditor finds the change with the file's name as its reason.
Screenshots: var/screenshots/roster-*.png."""

import io
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect

from hrflow.contracts.models import Contract
from hrflow.core.history import save_audited, system_user
from hrflow.org.models import OrgUnit, School
from hrflow.people.models import Person, Staff
from hrflow.rosters.columns import CONTRACT_SHEET, HELP_SHEET, STAFF_SHEET
from tests.conftest import SCHOOL_HR
from tests.rosters.conftest import contract_row, id_number, roster_file, staff_row

from .conftest import shoot

pytestmark = pytest.mark.browser

# Numbers the (seeded, so always the same) demo data does not hold.
NEW = id_number("51010719900101122")  # a woman born 1990-01-01, new to HRflow
LATE = id_number("51010719850101123")  # a man born 1985-01-01, his row first refused
KNOWN = id_number("51010719800505141")  # a man born 1980-05-05, on record: left another school
IMPORTED = ("Imported", "导入")  # the outcome's wording, before and after the Chinese catalog


def _write(tmp_path, file) -> str:
    path = tmp_path / file.name
    path.write_bytes(file.read())
    return str(path)


def _upload(page, demo_site, path, unit):
    page.goto(f"{demo_site}/rosters/import/")
    page.select_option("select[name=unit]", str(unit.pk))
    page.set_input_files("input[name=file]", path)
    page.click("[data-testid=roster-upload] button[type=submit]")
    page.wait_for_url("**/rosters/*/")
    expect(page.locator("[data-testid=roster-import]")).to_have_attribute("data-state", "previewed")


def _commit(page):
    page.click("[data-testid=roster-commit]")
    expect(page.locator("[data-testid=roster-import]")).to_have_attribute("data-state", "committed")
    outcome = page.locator("[data-testid=roster-outcome]").inner_text()
    assert any(word in outcome for word in IMPORTED), outcome


def _download(page, click) -> openpyxl.Workbook:
    with page.expect_download() as download:
        click()
    return openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))


def _left_elsewhere(school) -> Person:
    """A person whose employment at `school` has ended: a roster of another school links them."""
    person = save_audited(Person(id_number=KNOWN, name="赵永强", education="junior_high", phone="13911112222"), user=system_user(),
                          reason="浏览器测试")
    save_audited(Staff(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=date(2015, 3, 1),
                       status=Staff.Status.LEFT), user=system_user(), reason="浏览器测试")
    return person


def test_hr_previews_a_school_roster_fixes_it_and_imports_it(open_as, demo_site, tmp_path):
    school = School.objects.select_related("unit").get(unit__code=SCHOOL_HR)
    other = School.objects.exclude(pk=school.pk).order_by("unit__code").first()
    known = _left_elsewhere(other)
    page = open_as("hr")
    page.goto(f"{demo_site}/rosters/import/")
    template = _download(page, lambda: page.locator("[data-testid=roster-units] tr", has_text=school.unit.name).locator("a").click())
    assert {STAFF_SHEET, CONTRACT_SHEET, HELP_SHEET} <= set(template.sheetnames)
    assert template[STAFF_SHEET]["A1"].value == "姓名", "a school's template has no school column"

    staff = [staff_row(id_number=NEW),
             staff_row(name="李大勇", id_number=LATE, gender="男", hired_on="2099-01-01"),
             staff_row(name="赵永强", id_number=KNOWN, gender="男", education="初中", phone="13800009999", hired_on="2025-03-01")]
    contracts = [contract_row(id_number=NEW)]
    _upload(page, demo_site, _write(tmp_path, roster_file(staff, contracts, name="七中名单.xlsx")), school.unit)
    refused = page.locator("[data-testid=roster-rows] tr[data-action=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_have_attribute("data-row", "3")
    expect(refused.locator("[data-testid=row-problem]")).to_contain_text("入职日期")
    expect(refused.locator("[data-testid=row-problem]")).to_contain_text("2099")
    linked = page.locator("[data-testid=roster-rows] tr[data-action=link]")
    expect(linked).to_have_count(1)
    expect(linked).to_have_attribute("data-row", "4")
    expect(linked.locator("[data-testid=row-note]").first).to_contain_text("联系电话")  # the file's phone differs: kept as on record
    expect(page.locator("[data-testid=count-staff-refused]")).to_contain_text("1")
    expect(page.locator("[data-testid=roster-commit]")).to_have_count(0)
    expect(page.locator("[data-testid=roster-blocked]")).to_be_visible()
    shoot(page, "roster-preview-refused")
    assert not Person.objects.filter(id_number__in=[NEW, LATE]).exists()
    assert not Staff.objects.filter(person=known, school=school).exists()

    staff[1]["hired_on"] = "2021-03-01"
    _upload(page, demo_site, _write(tmp_path, roster_file(staff, contracts, name="七中名单（改）.xlsx")), school.unit)
    expect(page.locator("[data-testid=roster-rows] tr[data-action=refused]")).to_have_count(0)
    expect(page.locator("[data-testid=roster-rows] tr[data-action=create]")).to_have_count(2)
    expect(page.locator("[data-testid=roster-rows] tr[data-action=link]")).to_have_count(1)
    _commit(page)
    shoot(page, "roster-committed")

    page.goto(f"{demo_site}/people/staff/?q=王小芳")
    row = page.locator("[data-testid=staff-table] tr", has_text="王小芳")
    expect(row).to_contain_text(school.unit.name)
    row.locator("a").first.click()
    expect(page.locator("[data-testid=status]")).to_have_text("在岗")
    contract = Contract.objects.get(staff__person__id_number=NEW, staff__school=school)
    expect(page.locator(f"[data-testid=contract-table] tr[data-contract='{contract.pk}']")).to_be_visible()
    shoot(page, "roster-staff-detail")
    page.goto(f"{demo_site}/people/staff/?q=赵永强")
    expect(page.locator("[data-testid=staff-table] tr", has_text="赵永强")).to_contain_text(school.unit.name)
    fresh = Person.objects.get(pk=known.pk)
    assert (fresh.phone, fresh.education) == ("13911112222", "junior_high"), "a linked person's record is never changed"
    assert Staff.objects.get(person=known, school=school).status == Staff.Status.ACTIVE


def test_the_bureau_imports_a_roster_of_two_schools(open_as, demo_site, tmp_path):
    city = OrgUnit.objects.get(code="5101")
    first, second = School.objects.filter(unit__path__startswith=city.path).select_related("unit").order_by("unit__code")[:2]
    other = id_number("51010719870303124")  # a woman born 1987-03-03
    staff = [staff_row(school=first.unit.name, id_number=NEW),
             staff_row(school=second.unit.name, name="孙丽", id_number=other, category="宿舍", title="", certificates="")]
    contracts = [contract_row(school=first.unit.name, id_number=NEW),
                 contract_row(school=second.unit.name, name="孙丽", id_number=other, agreed_pay=3000)]
    page = open_as("bureau")
    page.goto(f"{demo_site}/rosters/import/")
    template = _download(page, lambda: page.locator("[data-testid=roster-units] tr", has_text=city.name).locator("a").click())
    assert template[STAFF_SHEET]["A1"].value == "学校"
    _upload(page, demo_site, _write(tmp_path, roster_file(staff, contracts, bureau=True, name="成都市后勤名单.xlsx")), city)
    rows = page.locator("[data-testid=roster-rows] tr[data-action=create]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(first.unit.name)
    expect(rows.nth(1)).to_contain_text(second.unit.name)
    expect(page.locator("[data-testid=count-contract-add]")).to_contain_text("2")
    shoot(page, "roster-preview-bureau")
    _commit(page)
    assert Contract.objects.filter(staff__person__id_number=NEW, staff__school=first).exists()
    assert Contract.objects.filter(staff__person__id_number=other, staff__school=second).exists()
    page.goto(f"{demo_site}/people/staff/?q=孙丽")
    expect(page.locator("[data-testid=staff-table] tr", has_text="孙丽")).to_contain_text(second.unit.name)


def test_an_exported_roster_comes_back_with_one_change_in_the_preview_and_the_change_log(open_as, demo_site, tmp_path):
    school = School.objects.select_related("unit").get(unit__code=SCHOOL_HR)
    page = open_as("hr")
    page.goto(f"{demo_site}/rosters/import/")
    page.locator("[data-testid=roster-units] tr", has_text=school.unit.name).locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=export-done]")
    book = _download(page, lambda: page.click("text=下载"))
    sheet = book[STAFF_SHEET]
    header = [c.value for c in sheet[1]]
    title_col = header.index("职称或技能等级") + 1
    name, before = sheet.cell(2, 1).value, sheet.cell(2, title_col).value
    after = "中式烹调师三级" if before != "中式烹调师三级" else "中式面点师三级"
    sheet.cell(2, title_col).value = after
    path = tmp_path / "七中名单更正.xlsx"
    book.save(path)

    _upload(page, demo_site, str(path), school.unit)
    shoot(page, "roster-preview-update")
    refused = page.locator("[data-testid=roster-rows] tr[data-action=refused]")
    assert refused.count() == 0, refused.all_inner_texts()
    expect(page.locator("[data-testid^=count-][data-testid$=-refused]")).to_have_count(0)
    updated = page.locator("[data-testid=roster-rows] tr[data-action=update]")
    expect(updated).to_have_count(1)
    expect(updated).to_contain_text(name)
    change = updated.locator("[data-testid=row-change]")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("职称或技能等级")
    expect(change).to_contain_text(f"{before or '—'} → {after}")
    # The file reads back as it was written: the other rows have nothing to say.
    notes = page.locator("[data-testid=roster-rows] tr[data-action=unchanged] [data-testid=row-note]")
    assert notes.count() == 0, notes.all_inner_texts()
    _commit(page)

    auditor = open_as("auditor")
    auditor.goto(f"{demo_site}/audit/changes/?model=people.staff&user=hr")
    change = auditor.locator("[data-testid=change-table] tr", has_text="七中名单更正.xlsx")
    expect(change).to_have_count(1)
    expect(change).to_contain_text(f"{before or '—'} → {after}")
    shoot(auditor, "roster-change-log")
