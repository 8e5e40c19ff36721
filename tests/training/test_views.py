"""The training pages for every role: who may open what (another school's HR gets 403 and changes
nothing), forms that refuse hostile input without a 500, imports through the page, paged lists
with a constant number of queries."""

from datetime import date, timedelta

import pytest
import rules
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hrflow.core import clock
from hrflow.people.models import Staff
from hrflow.training import services
from hrflow.training.models import Attendance, Certificate, Course, TrainingPlan

from .conftest import attendance_file, certificate_file

# Every training URL for every role: tests/test_permissions.py (EXPECTED).


@pytest.fixture
def technical(make_staff, school):
    return make_staff(school, "technical", name="电工甲")


@pytest.fixture
def objects(school_plan, course, staff_member, technical, user):
    """A certificate and a technical post's requirement beside the plan and course, for the change log."""
    services.certificate_add(person=staff_member.person, data={
        "kind": "electrician", "name": "", "number": "W-1", "issuer": "应急管理厅", "issued_on": date(2024, 1, 1), "valid_until": None},
        acting_user=user("hr"), reason="测试")
    services.requirement_add(staff=technical, kind="electrician", acting_user=user("hr"), reason="测试")


def test_hr_creates_a_school_plan_and_a_course(login, school):
    client = login("hr")
    response = client.post(reverse("training:plan_create"), {"unit": school.unit_id, "kind": "annual", "title": "食堂年度培训",
                                                             "first_year": 2026, "last_year": 2026, "description": ""})
    plan = TrainingPlan.objects.get(title="食堂年度培训")
    assert response.status_code == 302 and plan.unit_id == school.unit_id
    response = client.post(reverse("training:plan_course_create", kwargs={"pk": plan.pk}), {
        "title": "应急处置演练", "mode": "offline", "category": "emergency_drill", "layer": "all",
        "starts_on": "2026-04-01", "ends_on": "2026-04-01", "hours": "2"})
    assert response.status_code == 302 and plan.courses.get().category == "emergency_drill"


def test_hr_cannot_own_a_city_plan(login, school):
    from hrflow.org.models import OrgUnit

    city = OrgUnit.objects.get(code="5101")
    response = login("hr").post(reverse("training:plan_create"), {"unit": city.pk, "kind": "annual", "title": "越权计划",
                                                                  "first_year": 2026, "last_year": 2026})
    assert response.status_code == 200 and not TrainingPlan.objects.filter(title="越权计划").exists()


@pytest.mark.parametrize("years", [("NaN", "NaN"), ("1e309", "1"), ("99999999999999999999", "2026"), ("-1", "-1"), ("", "")])
def test_hostile_plan_years_are_refused_without_a_500(login, school, years):
    response = login("hr").post(reverse("training:plan_create"), {"unit": school.unit_id, "kind": "annual", "title": "计划甲",
                                                                  "first_year": years[0], "last_year": years[1]})
    assert response.status_code == 200 and not TrainingPlan.objects.filter(title="计划甲").exists()


@pytest.mark.parametrize("hours", ["NaN", "inf", "-1", "1e5", "0.05", "x"])
def test_hostile_course_hours_are_refused(login, school_plan, hours):
    response = login("hr").post(reverse("training:plan_course_create", kwargs={"pk": school_plan.pk}), {
        "title": "课程甲", "mode": "online", "category": "energy", "layer": "frontline",
        "starts_on": "2026-04-01", "ends_on": "2026-04-01", "hours": hours})
    assert response.status_code == 200 and not Course.objects.filter(title="课程甲").exists()


def test_another_schools_hr_cannot_edit_the_plan(login, school_plan):
    response = login("hr2").post(reverse("training:plan_edit", kwargs={"pk": school_plan.pk}), {
        "kind": "annual", "title": "改掉", "first_year": 2026, "last_year": 2026, "reason": "试"})
    assert response.status_code == 403 and TrainingPlan.objects.get(pk=school_plan.pk).title == school_plan.title


def test_the_bureau_sees_but_does_not_edit_a_school_plan(login, school_plan):
    client = login("bureau")
    assert client.get(reverse("training:plan_detail", kwargs={"pk": school_plan.pk})).status_code == 200
    assert client.post(reverse("training:plan_edit", kwargs={"pk": school_plan.pk}), {"title": "改"}).status_code == 403


def test_schools_see_the_city_plan_and_only_the_bureau_edits_it(login, city_plan):
    for role in ("hr", "hr2", "leader"):
        assert login(role).get(reverse("training:plan_detail", kwargs={"pk": city_plan.pk})).status_code == 200
    assert login("hr").get(reverse("training:plan_edit", kwargs={"pk": city_plan.pk})).status_code == 403
    assert login("bureau").get(reverse("training:plan_edit", kwargs={"pk": city_plan.pk})).status_code == 200


def test_plan_list_shows_the_units_above_and_below(login, school_plan, city_plan):
    hr_rows = {p.pk for p in login("hr").get(reverse("training:plan_list")).context["page"].rows}
    hr2_rows = {p.pk for p in login("hr2").get(reverse("training:plan_list")).context["page"].rows}
    bureau_rows = {p.pk for p in login("bureau").get(reverse("training:plan_list")).context["page"].rows}
    assert {school_plan.pk, city_plan.pk} <= hr_rows and {school_plan.pk, city_plan.pk} <= bureau_rows
    assert city_plan.pk in hr2_rows and school_plan.pk not in hr2_rows


def test_another_schools_hr_cannot_add_or_edit_certificates(login, staff_member, user):
    data = {"kind": "electrician", "name": "", "number": "Z-9", "issuer": "机关", "issued_on": "2024-01-01", "valid_until": ""}
    client = login("hr2")
    assert client.post(reverse("training:staff_certificate_add", kwargs={"pk": staff_member.pk}), data).status_code == 403
    assert not Certificate.objects.filter(number="Z-9").exists()
    certificate = services.certificate_add(person=staff_member.person, data={**data, "issued_on": date(2024, 1, 1), "valid_until": None},
                                           acting_user=user("hr"), reason="测试")
    assert client.post(reverse("training:certificate_edit", kwargs={"pk": certificate.pk}), {**data, "issuer": "改", "reason": "试"}).status_code == 403
    assert Certificate.objects.get(pk=certificate.pk).issuer == "机关"


def test_hr_adds_and_edits_a_certificate(login, staff_member):
    client = login("hr")
    data = {"kind": "health", "name": "", "number": "JK-9", "issuer": "疾控中心", "issued_on": clock.today().isoformat(),
            "valid_until": (clock.today() + timedelta(days=364)).isoformat()}
    assert client.post(reverse("training:staff_certificate_add", kwargs={"pk": staff_member.pk}), data).status_code == 302
    certificate = Certificate.objects.get(number="JK-9")
    response = client.post(reverse("training:certificate_edit", kwargs={"pk": certificate.pk}), {**data, "issuer": "锦江区疾控中心", "reason": "更正"})
    assert response.status_code == 302 and Certificate.objects.get(pk=certificate.pk).issuer == "锦江区疾控中心"
    assert Certificate.history.filter(id=certificate.pk).first().history_change_reason == "更正"


@pytest.mark.parametrize("field, value", [("issued_on", "2026-02-30"), ("issued_on", "9999-12-31"), ("valid_until", "0001-01-01"),
                                          ("number", "x" * 10_000), ("issuer", "\u202e"), ("kind", "nosuch")])
def test_hostile_certificate_forms_are_refused(login, staff_member, field, value):
    data = {"kind": "electrician", "name": "", "number": "H-1", "issuer": "机关", "issued_on": "2024-01-01", "valid_until": "", field: value}
    response = login("hr").post(reverse("training:staff_certificate_add", kwargs={"pk": staff_member.pk}), data)
    assert response.status_code == 200 and not Certificate.objects.filter(person=staff_member.person).exists()


def test_a_left_staff_members_certificates_are_closed_to_their_old_school(login, make_staff, school):
    gone = make_staff(school, status="left")
    assert login("hr").get(reverse("training:staff_certificate_add", kwargs={"pk": gone.pk})).status_code == 403


def test_attendance_import_through_the_page(login, course, make_staff, school):
    a = make_staff(school, name="李一")
    client = login("hr")
    url = reverse("training:course_attendance_import", kwargs={"pk": course.pk})
    response = client.post(url, {"file": attendance_file([[a.person.id_number, "李一", 8, "是"]])})
    assert response.status_code == 302 and Attendance.objects.filter(course=course, staff=a).exists()
    bad = client.post(url, {"file": attendance_file([[a.person.id_number, "李二", 8, "是"]])})
    assert bad.status_code == 200 and [(p.row, p.column) for p in bad.context["problems"]] == [(2, "姓名")]


def test_another_schools_hr_cannot_import_into_the_course(login, course, make_staff, other_school):
    theirs = make_staff(other_school, name="青羊")
    response = login("hr2").post(reverse("training:course_attendance_import", kwargs={"pk": course.pk}),
                                 {"file": attendance_file([[theirs.person.id_number, "青羊", 8, "是"]])})
    assert response.status_code == 403 and not Attendance.objects.filter(course=course).exists()


def test_the_auditor_reads_a_course_but_records_nothing(login, course, staff_member):
    client = login("auditor")
    assert client.get(reverse("training:course_detail", kwargs={"pk": course.pk})).status_code == 200
    response = client.post(reverse("training:course_attendance_add", kwargs={"pk": course.pk}),
                           {"id_number": staff_member.person.id_number, "hours": "8", "passed": "on"})
    assert response.status_code == 403 and not Attendance.objects.filter(course=course).exists()


def test_hr_records_attendance_by_id_number(login, course, staff_member, other_school, make_staff):
    client = login("hr")
    url = reverse("training:course_attendance_add", kwargs={"pk": course.pk})
    assert client.post(url, {"id_number": staff_member.person.id_number, "hours": "8", "passed": "on"}).status_code == 302
    theirs = make_staff(other_school)
    assert client.post(url, {"id_number": theirs.person.id_number, "hours": "8"}).status_code == 200
    assert client.post(url, {"id_number": staff_member.person.id_number, "hours": "NaN"}).status_code == 200
    assert list(Attendance.objects.filter(course=course).values_list("staff_id", flat=True)) == [staff_member.pk]


def test_certificate_import_through_the_page(login, make_staff, school):
    a = make_staff(school, name="李一")
    response = login("hr").post(reverse("training:certificate_import"), {"file": certificate_file(
        [[a.person.id_number, "李一", "电工证", "D-1", "应急管理厅", "2024-01-01", None]])})
    assert response.status_code == 302 and Certificate.objects.filter(person=a.person, number="D-1").exists()


def test_a_staff_member_sees_their_own_training_only(user, staff_member):
    me = Staff.objects.filter(person__user=user("staff")).first()
    assert rules.has_perm("training.view_staff_training", user("staff"), me)
    assert not rules.has_perm("training.view_staff_training", user("staff"), staff_member)
    assert not rules.has_perm("training.manage_staff_certificates", user("staff"), me)


def test_the_staff_section_renders(user, staff_member, school_plan):
    from django.template.loader import render_to_string

    from hrflow.training.selectors import staff_section

    html = render_to_string("training/_staff_section.html", {"staff": staff_member, "section": staff_section(staff_member, user("hr"))})
    assert 'data-testid="certificate-table"' in html and reverse("training:staff_certificate_add", kwargs={"pk": staff_member.pk}) in html


def test_a_crafted_cursor_shows_the_first_page(login, school_plan):
    response = login("hr").get(reverse("training:plan_list"), {"cursor": "x" * 3000})
    assert response.status_code == 200 and response.context["page"].is_first


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(school, course, make_staff, user, n):
    for i in range(n):
        staff = make_staff(school, "canteen")
        services.attendance_record(course=course, staff=staff, hours=course.hours, passed=True, acting_user=user("hr"), reason="测试")
        services.certificate_add(person=staff.person, data={"kind": "electrician", "name": "", "number": f"G{staff.pk}", "issuer": "机关",
                                                            "issued_on": date(2024, 1, 1), "valid_until": clock.today() + timedelta(days=3)},
                                 acting_user=user("hr"), reason="测试")
        services.plan_create(unit=school.unit, data={"kind": "annual", "title": f"计划{staff.pk}", "first_year": 2026, "last_year": 2026},
                             acting_user=user("hr"), reason="测试")


@pytest.mark.parametrize("role, name", [("hr", "training:plan_list"), ("bureau", "training:plan_list"), ("hr", "training:certificate_list"),
                                        ("bureau", "training:certificate_list"), ("hr", "training:course_detail"), ("hr", "training:plan_detail")])
def test_lists_run_the_same_queries_with_more_rows(login, user, school, course, make_staff, role, name):
    client = login(role)
    url = reverse(name, kwargs={"pk": course.pk if "course" in name else course.plan_id}) if "detail" in name else reverse(name)
    _grow(school, course, make_staff, user, 3)
    _count(client, url)
    before = _count(client, url)
    _grow(school, course, make_staff, user, 4)
    assert _count(client, url) == before


@pytest.mark.parametrize("model", ["training.trainingplan", "training.course", "training.attendance", "training.certificate",
                                   "training.requiredcertificate"])
def test_the_change_log_shows_training_records_with_a_label(login, objects, course, staff_member, user, model):
    services.attendance_record(course=course, staff=staff_member, hours=course.hours, passed=True, acting_user=user("hr"), reason="测试")
    response = login("auditor").get("/audit/changes/", {"model": model})
    html = response.content.decode()
    expected = {"training.trainingplan": course.plan.title, "training.course": course.title, "training.attendance": staff_member.person.name,
                "training.certificate": staff_member.person.name, "training.requiredcertificate": "电工甲"}[model]
    assert response.status_code == 200 and expected in html and "object (" not in html


def _render_tag(user_obj, staff):
    from django.template import Context, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user_obj
    from hrflow.training.selectors import staff_page_section

    section = staff_page_section(staff, user_obj)
    if section is None:
        return ""
    return Template('{% include "training/_staff_section.html" %}').render(Context({"request": request, "staff": staff, "section": section}))


def test_the_staff_section_shows_only_to_who_may_see(user, staff_member):
    add = reverse("training:staff_certificate_add", kwargs={"pk": staff_member.pk})
    html = _render_tag(user("hr"), staff_member)
    assert 'data-testid="training-section"' in html and add in html
    assert 'data-testid="training-section"' in _render_tag(user("leader"), staff_member) and add not in _render_tag(user("leader"), staff_member)
    assert "training-section" not in _render_tag(user("hr2"), staff_member)
    me = Staff.objects.filter(person__user=user("staff")).first()
    assert "training-section" not in _render_tag(user("staff"), staff_member)
    own = _render_tag(user("staff"), me)
    assert 'data-testid="training-section"' in own and "certificates/new" not in own


@pytest.mark.parametrize("hours, message", [("100000", "最多999.9学时"), ("-3", "学时不能为负数"), ("2.55", "一位小数"), ("NaN", "数字")])
def test_course_hours_are_refused_in_words_an_officer_reads(login, school_plan, hours, message):
    response = login("hr").post(reverse("training:plan_course_create", kwargs={"pk": school_plan.pk}), {
        "title": "消防演练", "mode": "offline", "category": "emergency_drill", "layer": "all",
        "starts_on": "2026-04-01", "ends_on": "2026-04-01", "hours": hours})
    assert message in response.content.decode() and not Course.objects.filter(title="消防演练").exists()
