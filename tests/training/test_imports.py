"""Attendance and certificates from xlsx: all or nothing, every bad row named by row and column,
hostile cells refused, a re-import writes nothing new, the history names the file."""

import io
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hrflow.training import imports
from hrflow.training.imports import ImportRejected, attendance_import, certificates_import
from hrflow.training.models import Attendance, Certificate

from .conftest import attendance_file, certificate_file


def _ids(*staff):
    return [s.person.id_number for s in staff]


def _problems(call):
    with pytest.raises(ImportRejected) as rejected:
        call()
    return [(p.row, p.column) for p in rejected.value.problems], rejected.value.problems


# --- Attendance ---------------------------------------------------------------------------

def test_attendance_is_imported_with_the_file_in_its_history(course, make_staff, school, user):
    a, b = make_staff(school, name="李一"), make_staff(school, name="王二")
    upload = attendance_file([[a.person.id_number, "李一", 8, "是"], [b.person.id_number, "王二", "6.5", "否"]], name="三月培训.xlsx")
    result = attendance_import(course=course, stream=upload, filename=upload.name, acting_user=user("hr"))
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    rows = {r.staff_id: (r.hours, r.passed) for r in Attendance.objects.filter(course=course)}
    assert rows == {a.pk: (Decimal("8.0"), True), b.pk: (Decimal("6.5"), False)}
    record = Attendance.history.filter(course_id=course.pk).first()
    assert "三月培训.xlsx" in record.history_change_reason and record.history_user == user("hr")


def test_reimporting_the_same_file_creates_nothing(course, make_staff, school, user):
    a = make_staff(school, name="李一")
    rows = [[a.person.id_number, "李一", 8, "是"]]
    attendance_import(course=course, stream=attendance_file(rows), filename="a.xlsx", acting_user=user("hr"))
    history = Attendance.history.count()
    again = attendance_import(course=course, stream=attendance_file(rows), filename="a.xlsx", acting_user=user("hr"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Attendance.objects.filter(course=course).count() == 1 and Attendance.history.count() == history
    assert "1" in again.message


def test_a_changed_row_is_updated(course, make_staff, school, user):
    a = make_staff(school, name="李一")
    attendance_import(course=course, stream=attendance_file([[a.person.id_number, "李一", 8, "否"]]), filename="a.xlsx", acting_user=user("hr"))
    result = attendance_import(course=course, stream=attendance_file([[a.person.id_number, "李一", 8, "是"]]), filename="b.xlsx", acting_user=user("hr"))
    assert (result.created, result.updated) == (0, 1)
    assert Attendance.objects.get(course=course, staff=a).passed is True


def test_one_bad_row_writes_nothing_and_every_bad_row_is_named(course, make_staff, school, other_school, user):
    good, elsewhere = make_staff(school, name="李一"), make_staff(other_school, name="外校")
    left = make_staff(school, name="离职", status="left")
    rows = [
        [good.person.id_number, "李一", 8, "是"],  # row 2: fine
        [elsewhere.person.id_number, "外校", 8, "是"],  # 3: another school's staff
        [good.person.id_number, "李一", 4, "否"],  # 4: the same person again
        [left.person.id_number, "离职", 8, "是"],  # 5: has left
        [good.person.id_number[:-1] + "0", "李一", 8, "是"],  # 6: bad check digit (maybe)
        [good.person.id_number, "别人", 8, "是"],  # 7: name differs (and duplicate)
        [good.person.id_number, "李一", "NaN", "也许"],  # 8
        [good.person.id_number, "李一", 9, "是"],  # 9: more than the course's 8 hours
    ]
    found, problems = _problems(lambda: attendance_import(course=course, stream=attendance_file(rows), filename="x.xlsx", acting_user=user("hr")))
    assert (3, "身份证号码") in found and (4, "身份证号码") in found and (5, "身份证号码") in found
    assert (7, "姓名") in found and (8, "学时") in found and (8, "是否合格") in found and (9, "学时") in found
    assert 2 not in [row for row, _c in found]
    assert not Attendance.objects.filter(course=course).exists()
    assert all(p.message for p in problems)


@pytest.mark.parametrize("hours", [float("nan"), float("inf"), 1e308, -1, True, "8小时", "1e3", "7.25", datetime(2026, 1, 1), "x" * 5000])
def test_hostile_hours_are_refused(course, make_staff, school, user, hours):
    a = make_staff(school, name="李一")
    found, _p = _problems(lambda: attendance_import(course=course, stream=attendance_file([[a.person.id_number, "李一", hours, "是"]]),
                                                    filename="x.xlsx", acting_user=user("hr")))
    assert found == [(2, "学时")]
    assert not Attendance.objects.filter(course=course).exists()


def test_an_id_number_stored_as_a_number_is_refused(course, make_staff, school, user):
    a = make_staff(school, name="李一")
    number = int(a.person.id_number) if a.person.id_number.isdigit() else 510122198001010011
    found, _p = _problems(lambda: attendance_import(course=course, stream=attendance_file([[number, "李一", 8, "是"]]),
                                                    filename="x.xlsx", acting_user=user("hr")))
    assert found == [(2, "身份证号码")]


def test_a_formula_cell_is_refused_with_its_row_and_column(course, make_staff, school, user):
    a = make_staff(school, name="李一")
    found, _p = _problems(lambda: attendance_import(course=course, stream=attendance_file([[a.person.id_number, "李一", "=4+4", "是"]]),
                                                    filename="x.xlsx", acting_user=user("hr")))
    assert found == [(2, "学时")]


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04" + b"\x00" * 100, b""])
def test_garbage_files_are_refused(course, user, content):
    upload = SimpleUploadedFile("x.xlsx", content)
    found, problems = _problems(lambda: attendance_import(course=course, stream=upload, filename="x.xlsx", acting_user=user("hr")))
    assert found == [(0, "")] and problems[0].message


def test_a_zip_bomb_is_refused_before_reading(course, user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * (30 * 2**20))
    upload = SimpleUploadedFile("bomb.xlsx", buffer.getvalue())
    found, _p = _problems(lambda: attendance_import(course=course, stream=upload, filename="bomb.xlsx", acting_user=user("hr")))
    assert found == [(0, "")]


def test_a_wrong_header_is_refused(course, user):
    upload = SimpleUploadedFile("x.xlsx", certificate_file([["x"] * 7]).read())
    found, _p = _problems(lambda: attendance_import(course=course, stream=upload, filename="x.xlsx", acting_user=user("hr")))
    assert found == [(0, "")]


def test_an_empty_file_is_refused(course, user):
    found, _p = _problems(lambda: attendance_import(course=course, stream=attendance_file([]), filename="x.xlsx", acting_user=user("hr")))
    assert found == [(0, "")]


def test_a_county_plan_course_takes_only_the_officers_own_school(city_course, make_staff, school, other_school, user):
    """hr2 (another school in the city) records their own staff for the city's course, not hr's."""
    mine, theirs = make_staff(other_school, name="青羊"), make_staff(school, name="锦江")
    found, _p = _problems(lambda: attendance_import(course=city_course, stream=attendance_file([
        [mine.person.id_number, "青羊", 8, "是"], [theirs.person.id_number, "锦江", 8, "是"]]), filename="x.xlsx", acting_user=user("hr2")))
    assert found == [(3, "身份证号码")]
    result = attendance_import(course=city_course, stream=attendance_file([[mine.person.id_number, "青羊", 8, "是"]]),
                               filename="x.xlsx", acting_user=user("hr2"))
    assert result.created == 1


def test_the_plan_owner_records_attendance_across_its_schools(city_course, make_staff, school, other_school, user):
    a, b = make_staff(other_school, name="青羊"), make_staff(school, name="锦江")
    result = attendance_import(course=city_course, stream=attendance_file([[a.person.id_number, "青羊", 8, "是"], [b.person.id_number, "锦江", 8, "是"]]),
                               filename="x.xlsx", acting_user=user("bureau"))
    assert result.created == 2


# --- Certificates -------------------------------------------------------------------------

def test_certificates_are_imported_and_reimport_is_idempotent(make_staff, school, user):
    a, b = make_staff(school, name="李一"), make_staff(school, "technical", name="王二")
    rows = [
        [a.person.id_number, "李一", "健康证", "JK-2026-1", "成都市锦江区疾控中心", datetime(2026, 1, 5), "2027-01-04"],
        [b.person.id_number, "王二", "电工证", "T510", "四川省应急管理厅", "2023/06/01", None],
        [b.person.id_number, "王二", "其他：叉车证", "CC-1", "市场监管局", "2024年5月1日", "2028-04-30"],
    ]
    result = certificates_import(stream=certificate_file(rows, name="证书.xlsx"), filename="证书.xlsx", acting_user=user("hr"))
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    kinds = set(Certificate.objects.filter(person__in=[a.person, b.person]).values_list("kind", "name", "valid_until"))
    assert kinds == {("health", "", date(2027, 1, 4)), ("electrician", "", None), ("other", "叉车证", date(2028, 4, 30))}
    history = Certificate.history.count()
    again = certificates_import(stream=certificate_file(rows), filename="证书.xlsx", acting_user=user("hr"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Certificate.history.count() == history
    assert Certificate.history.filter(person_id=a.person_id).first().history_change_reason in ("从文件证书.xlsx导入", "Imported from the file 证书.xlsx")


def test_a_certificate_with_new_dates_is_updated(make_staff, school, user):
    a = make_staff(school, name="李一")
    row = [a.person.id_number, "李一", "健康证明", "JK-1", "疾控中心", "2025-01-05", "2026-01-04"]
    certificates_import(stream=certificate_file([row]), filename="a.xlsx", acting_user=user("hr"))
    row[6] = "2026-02-04"
    result = certificates_import(stream=certificate_file([row]), filename="b.xlsx", acting_user=user("hr"))
    assert (result.created, result.updated) == (0, 1)
    assert Certificate.objects.get(person=a.person, number="JK-1").valid_until == date(2026, 2, 4)


def test_bad_certificate_rows_write_nothing(make_staff, school, other_school, user):
    a, elsewhere = make_staff(school, name="李一"), make_staff(other_school, name="外校")
    rows = [
        [a.person.id_number, "李一", "电工证", "OK-1", "应急管理厅", "2024-01-01", None],  # 2: fine
        [a.person.id_number, "李一", "驾照", "X", "交管局", "2024-01-01", None],  # 3: unknown kind
        [a.person.id_number, "李一", "电工证", "X2", "应急管理厅", "2026-02-30", None],  # 4: impossible date
        [a.person.id_number, "李一", "电工证", "X3", "应急管理厅", "2024-01-01", "2023-01-01"],  # 5: before issue
        [a.person.id_number, "李一", "健康证", "X4", "疾控", "2024-01-01", None],  # 6: health without expiry
        [elsewhere.person.id_number, "外校", "电工证", "X5", "应急管理厅", "2024-01-01", None],  # 7: not in scope
        [a.person.id_number, "李一", "电工证", "OK-1", "应急管理厅", "2024-01-01", None],  # 8: same as row 2
        [a.person.id_number, "李一", "电工证", "@SUM(A1)", "应急管理厅", 45000, None],  # 9: formula-like text; a date as a number
        [a.person.id_number, "李一", "其他：", "X6", "机关", "2099-01-01", None],  # 10: no name, future issue
    ]
    found, _p = _problems(lambda: certificates_import(stream=certificate_file(rows), filename="x.xlsx", acting_user=user("hr")))
    for expected in [(3, "证书类别"), (4, "发证日期"), (5, "有效期至"), (6, "有效期至"), (7, "身份证号码"), (8, "证书编号"),
                     (9, "证书编号"), (9, "发证日期"), (10, "证书类别"), (10, "发证日期")]:
        assert expected in found, (expected, found)
    assert 2 not in [row for row, _c in found]
    assert not Certificate.objects.filter(person__in=[a.person, elsewhere.person]).exists()


def test_over_long_cells_are_refused(make_staff, school, user):
    a = make_staff(school, name="李一")
    found, _p = _problems(lambda: certificates_import(stream=certificate_file([[a.person.id_number, "李一", "电工证", "号" * 5000, "机" * 101,
                                                                                 "2024-01-01", None]]), filename="x.xlsx", acting_user=user("hr")))
    assert found == [(2, "证书编号"), (2, "发证机关")]


def test_only_hr_imports_certificates_of_their_own_school(make_staff, school, user):
    a = make_staff(school, name="李一")
    found, _p = _problems(lambda: certificates_import(stream=certificate_file([[a.person.id_number, "李一", "电工证", "A", "B", "2024-01-01", None]]),
                                                      filename="x.xlsx", acting_user=user("hr2")))
    assert found == [(2, "身份证号码")]
    assert not Certificate.objects.filter(person=a.person).exists()


def test_the_templates_are_workbooks_with_the_headers(course):
    import openpyxl

    for content, headers in ((imports.attendance_template(course), imports.ATTENDANCE_COLUMNS),
                             (imports.certificate_template(), imports.CERTIFICATE_COLUMNS)):
        book = openpyxl.load_workbook(io.BytesIO(content))
        assert [c.value for c in book.worksheets[0][1]] == [h for h, _f in headers]
        assert len(book.worksheets) == 2 and book.worksheets[1]["A2"].value


def test_attendance_of_a_course_that_has_not_begun_is_refused(user, course):
    from hrflow.core import clock
    from hrflow.training.models import Course

    Course.objects.filter(pk=course.pk).update(starts_on=clock.today() + timedelta(days=30), ends_on=clock.today() + timedelta(days=31))
    course.refresh_from_db()
    with pytest.raises(ImportRejected):
        imports.parse_attendance(course, user("hr"), io.BytesIO(b"not read"))
