"""Fixtures of the training tests: plans at the school and the city, a course, staff members by
post, and xlsx files built cell by cell (numbers, dates, formulas where the test wants them)."""

import io
import itertools
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hrflow.core.history import save_audited
from hrflow.org.models import OrgUnit
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number
from hrflow.training import services
from hrflow.training.imports import ATTENDANCE_COLUMNS, CERTIFICATE_COLUMNS

_serial = itertools.count(1)


@pytest.fixture
def make_staff(user):
    def make(school, category="canteen", *, name="测试职工", status=None, **extra):
        n = next(_serial)
        birth = date(1980 + n % 20, 1 + n % 12, 1 + n % 27)
        person = Person(id_number=build_id_number("510122", birth, 300 + n * 2 + 1), name=name, education="senior_high")
        save_audited(person, user=user("hr"), reason="测试")
        staff = Staff(person=person, school=school, post_category=category, employment_type="contract", hired_on=date(2020, 1, 1), **extra)
        save_audited(staff, user=user("hr"), reason="测试")
        if status:
            Staff.objects.filter(pk=staff.pk).update(status=status)
            staff = Staff.objects.get(pk=staff.pk)
        return staff

    return make


@pytest.fixture
def school_plan(school, user):
    return services.plan_create(unit=school.unit, data={"kind": "annual", "title": "七中2026年度后勤培训计划", "first_year": 2026,
                                                        "last_year": 2026, "description": ""}, acting_user=user("hr"), reason="测试")


@pytest.fixture
def city_plan(user):
    city = OrgUnit.objects.get(code="5101")
    return services.plan_create(unit=city, data={"kind": "medium_term", "title": "成都市后勤队伍培训规划", "first_year": 2025,
                                                 "last_year": 2027, "description": "三年规划"}, acting_user=user("bureau"), reason="测试")


def course_for(plan, user, **extra):
    data = {"title": "食品安全培训", "mode": "offline", "category": "food_safety", "layer": "frontline",
            "starts_on": date(2026, 3, 2), "ends_on": date(2026, 3, 3), "hours": Decimal("8.0"), **extra}
    return services.course_create(plan=plan, data=data, acting_user=user, reason="测试")


@pytest.fixture
def course(school_plan, user):
    return course_for(school_plan, user("hr"))


@pytest.fixture
def city_course(city_plan, user):
    return course_for(city_plan, user("bureau"), title="全市食堂从业人员培训")


def xlsx(rows, headers, *, name="upload.xlsx"):
    """An uploaded file: the header row, then `rows` as given (None leaves a cell empty)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


ATTENDANCE_HEADERS = [h for h, _f in ATTENDANCE_COLUMNS]
CERTIFICATE_HEADERS = [h for h, _f in CERTIFICATE_COLUMNS]


def attendance_file(rows, **kwargs):
    return xlsx(rows, ATTENDANCE_HEADERS, **kwargs)


def certificate_file(rows, **kwargs):
    return xlsx(rows, CERTIFICATE_HEADERS, **kwargs)
