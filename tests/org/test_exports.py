"""Every school's compliance as an export job, below the area the compliance page shows."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from hrflow.exports.models import ExportJob
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.org.selectors import schools_visible_to
from hrflow.staffing.exports import SchoolComplianceExport
from hrflow.staffing.selectors import iter_school_figures, staffing_rollup


def run_export(client, data, capture):
    with capture(execute=True):
        started = client.post("/org/compliance/export/", data)
    return started


def workbook(client, started):
    download = client.get(started["Location"] + "download/")
    return openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)


def test_the_export_lists_every_school_of_the_area_with_its_figures(login, django_capture_on_commit_callbacks):
    client = login("bureau")
    county = OrgUnit.objects.get(code="510107")
    started = run_export(client, {"unit": county.pk}, django_capture_on_commit_callbacks)
    assert started.status_code == 302
    job = ExportJob.objects.get(kind="org_compliance")
    assert job.status == ExportJob.Status.DONE and job.rows_written == 2 and job.rows_expected == 2
    assert "武侯区" in job.title
    rows = list(workbook(client, started).worksheets[0].iter_rows(values_only=True))
    names = [row[2] for row in rows[1:]]
    assert names == ["成都市武侯区红牌楼小学", "四川某职业技术学院"]
    primary = rows[1]
    assert primary[0] == "成都市" and primary[1] == "武侯区" and primary[3] == "5101070001"
    assert primary[11] == 0 and primary[15] >= 1  # no food-safety manager: a hard rule failing


def test_the_whole_scope_when_no_area_is_given(login, django_capture_on_commit_callbacks):
    run_export(login("bureau"), {}, django_capture_on_commit_callbacks)
    assert ExportJob.objects.get(kind="org_compliance").rows_written == School.objects.count()


def test_an_area_outside_the_scope_is_not_exported(login, django_capture_on_commit_callbacks):
    other = OrgUnit.objects.get(code="510107")
    assert run_export(login("hr2"), {"unit": other.pk}, django_capture_on_commit_callbacks).status_code == 403
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("unit", ["abc", "1.5", True, "5101", 5101, "city", "county"])
def test_clean_refuses_what_is_no_area_of_the_scope(user, unit):
    codes = {"city": "5101", "county": "510107"}
    if unit in codes:
        unit = OrgUnit.objects.get(code=codes[unit]).pk  # above or beside hr2's school
    with pytest.raises(ValidationError):
        SchoolComplianceExport().clean(user("hr2"), {"unit": unit})


def test_clean_accepts_the_top_of_a_scope_made_of_two_grants(user):
    bureau = user("bureau")
    RoleAssignment.objects.filter(user=bureau).update(unit=OrgUnit.objects.get(code="510104"))
    RoleAssignment.objects.create(user=bureau, role=Role.AUDITOR, unit=OrgUnit.objects.get(code="510107"))
    city = OrgUnit.objects.get(code="5101")
    bureau = user("bureau")
    assert SchoolComplianceExport().clean(bureau, {"unit": city.pk})["unit"] == city.pk


def test_export_figures_agree_with_the_roll_up(user):
    bureau = user("bureau")
    streamed = {row["school_id"]: row for row in iter_school_figures(schools_visible_to(bureau), chunk=2)}
    frame = staffing_rollup(bureau).set_index("school_id")
    assert set(streamed) == set(frame.index)
    for school_id, row in streamed.items():
        for column in ("canteen_staff", "required_canteen", "dormitory_staff", "required_dormitory", "hard_failures", "soft_failures",
                       "dorms_male_in_female", "multiple_employments"):
            assert row[column] == frame.loc[school_id, column], (school_id, column)


def test_the_export_refuses_a_get(login):
    assert login("bureau").get("/org/compliance/export/").status_code == 405
    assert login("staff").post("/org/compliance/export/").status_code == 403
