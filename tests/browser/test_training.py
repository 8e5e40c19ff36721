"""Training in Chromium: HR creates a school plan and a course, imports attendance from an xlsx
(a bad file first, refused with its row and column), sees the attendees on the course page;
a canteen worker without a health certificate is on the certificates list until HR imports one.
Screenshots: var/screenshots/training-*.png."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from playwright.sync_api import expect

from hrflow.core import clock
from hrflow.core.history import save_audited, system_user
from hrflow.org.models import School
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number
from hrflow.training.imports import ATTENDANCE_COLUMNS, CERTIFICATE_COLUMNS
from hrflow.training.models import Attendance, Certificate

from .conftest import shoot

pytestmark = pytest.mark.browser


def _xlsx(headers, rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.append([h for h, _f in headers])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _worker(school, name, serial):
    person = Person(id_number=build_id_number("510122", date(1986, 2, 3), 900 + serial * 2 + 1), name=name, education="junior_high")
    save_audited(person, user=system_user(), reason="浏览器测试")
    staff = Staff(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=date(2022, 1, 1))
    return save_audited(staff, user=system_user(), reason="浏览器测试")


def _upload(page, data, name):
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])
    page.click("[data-testid=import-form] button[type=submit]")


def test_hr_plans_a_course_and_imports_attendance(open_as, demo_site):
    school = School.objects.get(unit__code="5101040002")
    first, second = _worker(school, "培训甲", 1), _worker(school, "培训乙", 2)
    year = clock.today().year
    hr = open_as("hr")

    hr.goto(f"{demo_site}/training/plans/new/")
    hr.select_option("select[name=kind]", "annual")
    hr.fill("input[name=title]", "七中后勤年度培训计划")
    hr.fill("input[name=first_year]", str(year))
    hr.fill("input[name=last_year]", str(year))
    hr.click("[data-testid=plan-form] button[type=submit]")
    expect(hr.locator("[data-testid=plan-title]")).to_have_text("七中后勤年度培训计划")

    hr.click("[data-testid=course-add]")
    hr.fill("input[name=title]", "食堂从业人员食品安全培训")
    hr.select_option("select[name=mode]", "offline")
    hr.select_option("select[name=category]", "food_safety")
    hr.select_option("select[name=layer]", "frontline")
    hr.fill("input[name=starts_on]", date(year, 3, 2).isoformat())
    hr.fill("input[name=ends_on]", date(year, 3, 2).isoformat())
    hr.fill("input[name=hours]", "4")
    hr.click("[data-testid=course-form] button[type=submit]")
    expect(hr.locator("[data-testid=course-title]")).to_have_text("食堂从业人员食品安全培训")
    shoot(hr, "training-course")

    hr.click("[data-testid=attendance-import]")
    bad = _xlsx(ATTENDANCE_COLUMNS, [[first.person.id_number, "培训甲", 4, "是"], [second.person.id_number, "别人", 9, "是"]])
    _upload(hr, bad, "bad.xlsx")
    problems = hr.locator("[data-testid=import-problems]")
    expect(problems).to_contain_text("姓名")
    expect(problems).to_contain_text("学时")
    shoot(hr, "training-import-refused")
    assert not Attendance.objects.exists()

    good = _xlsx(ATTENDANCE_COLUMNS, [[first.person.id_number, "培训甲", 4, "是"], [second.person.id_number, "培训乙", 3.5, "否"]])
    _upload(hr, good, "三月培训签到.xlsx")
    table = hr.locator("[data-testid=attendance-table]")
    expect(table).to_contain_text("培训甲")
    expect(table.locator("tr", has_text="培训乙")).to_contain_text("3.5")
    shoot(hr, "training-attendance")
    assert Attendance.objects.count() == 2

    # The certificates list names canteen staff without a health certificate (食品安全法 art. 45) ...
    hr.goto(f"{demo_site}/training/certificates/?school={school.pk}")
    expect(hr.locator(f"[data-testid=certificate-alerts] tr[data-staff='{first.pk}']")).to_contain_text("LAW-FOOD-HEALTH")
    shoot(hr, "training-certificates-due")
    # ... until HR imports one.
    hr.goto(f"{demo_site}/training/certificates/import/")
    today = clock.today()
    certificates = _xlsx(CERTIFICATE_COLUMNS, [[first.person.id_number, "培训甲", "健康证", "JK-1", "锦江区疾控中心",
                                                today.isoformat(), (today + timedelta(days=364)).isoformat()]])
    _upload(hr, certificates, "健康证.xlsx")
    hr.wait_for_url("**/training/certificates/")
    hr.goto(f"{demo_site}/training/certificates/?school={school.pk}")
    expect(hr.locator(f"[data-testid=certificate-alerts] tr[data-staff='{second.pk}']")).to_be_visible()
    expect(hr.locator(f"[data-testid=certificate-alerts] tr[data-staff='{first.pk}']")).to_have_count(0)
    assert Certificate.objects.get(person=first.person).history.first().history_change_reason in ("从文件健康证.xlsx导入", "Imported from the file 健康证.xlsx")
