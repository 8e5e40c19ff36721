"""Every POST of the training pages with hostile values in every field, as the HR officer who may
act: never a 500, and a refused request writes nothing."""

from datetime import date

import pytest
from django.urls import reverse

from hrflow.training import services
from hrflow.training.models import Attendance, Certificate, Course, RequiredCertificate, TrainingPlan

HOSTILE = ["NaN", "-inf", "1e309", "-1", "0", str(2**63), str(10**40), "99999999999999999999999.99", "0.001", "１２３",
           "", " ", "x" * 10_000, "\x00", "a\x00b", "\u202eevil\u202c", "\u200b", "😀" * 60, "<script>alert(1)</script>",
           "' OR 1=1 --", "%(name)s", "2026-02-30", "9999-12-31", "10000-01-01", "0001-01-01", "=1+1", "@SUM(A1)", "True", "[]"]

FORMS = {
    "training:plan_create": {"unit": None, "kind": "annual", "title": "计划", "first_year": "2026", "last_year": "2026", "description": ""},
    "training:plan_edit": {"kind": "annual", "title": "计划", "first_year": "2026", "last_year": "2026", "description": "", "reason": "改"},
    "training:plan_course_create": {"title": "课", "mode": "online", "category": "energy", "layer": "all", "starts_on": "2026-05-01",
                                    "ends_on": "2026-05-01", "hours": "2"},
    "training:course_edit": {"title": "课", "mode": "online", "category": "energy", "layer": "all", "starts_on": "2026-05-01",
                             "ends_on": "2026-05-01", "hours": "2", "reason": "改"},
    "training:course_attendance_add": {"id_number": None, "hours": "2", "passed": "on"},
    "training:staff_certificate_add": {"kind": "electrician", "name": "", "number": "N1", "issuer": "机关", "issued_on": "2024-01-01", "valid_until": ""},
    "training:certificate_edit": {"kind": "electrician", "name": "", "number": "N1", "issuer": "机关", "issued_on": "2024-01-01", "valid_until": "", "reason": "改"},
    "training:staff_requirement_add": {"kind": "electrician", "name": ""},
    "training:requirement_remove": {"reason": "改"},
}


def _counts():
    return [m.objects.count() for m in (TrainingPlan, Course, Attendance, Certificate, RequiredCertificate)] + [
        m.history.count() for m in (TrainingPlan, Course, Attendance, Certificate, RequiredCertificate)]


@pytest.mark.parametrize("name", sorted(FORMS))
def test_hostile_values_never_give_a_500(name, login, school, school_plan, course, staff_member, make_staff, user):
    technical = make_staff(school, "technical")
    certificate = services.certificate_add(person=staff_member.person, data={"kind": "cook", "name": "", "number": "C", "issuer": "机关",
                                                                             "issued_on": date(2024, 1, 1), "valid_until": None}, acting_user=user("hr"), reason="测试")
    requirement = services.requirement_add(staff=technical, kind="cook", acting_user=user("hr"), reason="测试")
    pk = {"training:plan_edit": school_plan.pk, "training:plan_course_create": school_plan.pk, "training:course_edit": course.pk,
          "training:course_attendance_add": course.pk, "training:staff_certificate_add": staff_member.pk, "training:certificate_edit": certificate.pk,
          "training:staff_requirement_add": technical.pk, "training:requirement_remove": requirement.pk}.get(name)
    url = reverse(name, kwargs={"pk": pk}) if pk else reverse(name)
    base = {k: v if v is not None else {"unit": str(school.unit_id), "id_number": staff_member.person.id_number}[k] for k, v in FORMS[name].items()}
    client = login("hr")
    for field in base:
        for value in HOSTILE:
            before = _counts()
            response = client.post(url, {**base, field: value})
            assert response.status_code < 500, (name, field, value)
            if response.status_code == 200:  # the form again, with its errors: nothing written
                assert _counts() == before, (name, field, value)
