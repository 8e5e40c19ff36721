"""The reminder job's selector, the HR list of certificates to act on, and the staff section."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hrflow.core import clock
from hrflow.people.models import Staff
from hrflow.training import selectors, services

AS_OF = date(2026, 6, 1)


def _cert(person, user, kind="electrician", valid_until=None, number=None, issued_on=date(2024, 1, 1)):
    return services.certificate_add(person=person, data={"kind": kind, "name": "", "number": number or f"N{valid_until}",
                                                         "issuer": "发证机关", "issued_on": issued_on, "valid_until": valid_until},
                                    acting_user=user("hr"), reason="测试")


@pytest.mark.parametrize("valid_until, included", [
    (AS_OF - timedelta(days=1), False),  # already expired
    (AS_OF, True),
    (AS_OF + timedelta(days=30), True),  # the window includes its last day
    (AS_OF + timedelta(days=31), False),
])
def test_certificates_expiring_window(make_staff, school, user, valid_until, included):
    staff = make_staff(school)
    certificate = _cert(staff.person, user, valid_until=valid_until)
    ids = set(selectors.certificates_expiring(30, AS_OF).values_list("pk", flat=True))
    assert (certificate.pk in ids) is included


def test_certificates_expiring_skips_people_who_left_and_names_the_current_school(make_staff, school, other_school, user):
    gone = make_staff(school, status="left")
    certificate = _cert(gone.person, user, valid_until=AS_OF + timedelta(days=3))
    assert not selectors.certificates_expiring(30, AS_OF).filter(pk=certificate.pk).exists()
    # The same person now works at another school: one row, for that school.
    now = Staff.objects.create(person=gone.person, school=other_school, post_category="canteen", employment_type="contract", hired_on=date(2026, 1, 1))
    [row] = selectors.certificates_expiring(30, AS_OF).filter(pk=certificate.pk)
    assert (row.school_id, row.staff_id, row.school_name, row.school_unit_id) == (other_school.pk, now.pk, other_school.unit.name, other_school.unit_id)


def test_certificates_expiring_gives_one_row_per_current_school(make_staff, school, other_school, user):
    first = make_staff(school)
    Staff.objects.create(person=first.person, school=other_school, post_category="canteen", employment_type="contract", hired_on=date(2026, 1, 1))
    certificate = _cert(first.person, user, valid_until=AS_OF + timedelta(days=3))
    rows = selectors.certificates_expiring(30, AS_OF).filter(pk=certificate.pk)
    assert sorted(r.school_id for r in rows) == sorted([school.pk, other_school.pk])


def test_certificates_expiring_is_one_query(make_staff, school, user):
    for i in range(5):
        _cert(make_staff(school).person, user, valid_until=AS_OF + timedelta(days=i))
    with CaptureQueriesContext(connection) as captured:
        rows = [(c.person.name, c.school_name, c.valid_until) for c in selectors.certificates_expiring(30, AS_OF)]
    assert len(rows) >= 5 and len(captured) == 1


def test_certificates_expiring_refuses_a_negative_window():
    with pytest.raises(ValueError):
        selectors.certificates_expiring(-1, AS_OF)


def test_the_check_finds_canteen_staff_without_a_health_certificate(make_staff, school):
    staff = make_staff(school, "canteen")
    [finding] = selectors.staff_certificate_check(staff, as_of=AS_OF)
    assert (finding.status, finding.rule.split()[0]) == ("missing", "LAW-FOOD-HEALTH")
    assert "食品安全法" in finding.rule


def test_the_check_finds_a_technical_post_without_its_certificate(make_staff, school, user):
    staff = make_staff(school, "technical")
    services.requirement_add(staff=staff, kind="electrician", acting_user=user("hr"), reason="测试")
    _cert(staff.person, user, kind="cook")
    [finding] = selectors.staff_certificate_check(staff, as_of=AS_OF)
    assert (finding.status, finding.rule.split()[0]) == ("missing", "ELIG-CERT-TECH")


def test_the_check_finds_an_expired_certificate(make_staff, school, user):
    staff = make_staff(school, "canteen")
    _cert(staff.person, user, kind="health", valid_until=AS_OF - timedelta(days=1), issued_on=AS_OF - timedelta(days=366))
    [finding] = selectors.staff_certificate_check(staff, as_of=AS_OF)
    assert finding.status == "expired"


def test_alerts_list_canteen_staff_without_health_and_not_the_covered(make_staff, school, user):
    missing, covered = make_staff(school, "canteen"), make_staff(school, "canteen")
    _cert(covered.person, user, kind="health", valid_until=clock.today() + timedelta(days=200), issued_on=clock.today())
    ids = set(selectors.certificate_alerts(user("hr"), school=school, as_of=clock.today()).values_list("pk", flat=True))
    assert missing.pk in ids and covered.pk not in ids


def test_alerts_list_a_renewed_certificate_no_longer(make_staff, school, user):
    staff = make_staff(school, "greening")
    today = clock.today()
    _cert(staff.person, user, valid_until=today + timedelta(days=5), number="OLD")
    assert selectors.certificate_alerts(user("hr"), school=school, as_of=today).filter(pk=staff.pk).exists()
    _cert(staff.person, user, valid_until=today + timedelta(days=900), number="NEW")
    assert not selectors.certificate_alerts(user("hr"), school=school, as_of=today).filter(pk=staff.pk).exists()


def test_alerts_stay_in_scope(make_staff, school, other_school, user):
    theirs = make_staff(other_school, "canteen")
    assert not selectors.certificate_alerts(user("hr"), as_of=clock.today()).filter(pk=theirs.pk).exists()
    assert selectors.certificate_alerts(user("bureau"), as_of=clock.today()).filter(pk=theirs.pk).exists()


def test_the_staff_section_shows_certificates_findings_and_training(make_staff, school, course, user):
    staff = make_staff(school, "canteen")
    _cert(staff.person, user, kind="electrician", valid_until=None)
    services.attendance_record(course=course, staff=staff, hours=course.hours, passed=True, acting_user=user("hr"), reason="测试")
    with CaptureQueriesContext(connection) as captured:
        section = selectors.staff_section(staff, user("hr"), as_of=AS_OF)
    assert [status for _c, status in section["certificates"]] == ["valid"]
    assert [f.status for f in section["findings"]] == ["missing"]
    assert [a.course_id for a in section["attendances"]] == [course.pk]
    assert section["can_manage"] is True
    assert selectors.staff_section(staff, user("leader"), as_of=AS_OF)["can_manage"] is False
    assert len(captured) <= 5
