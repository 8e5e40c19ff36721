"""Validation of plans, courses and certificates: impossible dates, lengths, hostile text; every
write has its history with user and reason."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hrflow.core import clock
from hrflow.training import services
from hrflow.training.models import Certificate, RequiredCertificate, TrainingPlan

from .conftest import course_for


def _plan(school, user, **data):
    fields = {"kind": "annual", "title": "计划", "first_year": 2026, "last_year": 2026, "description": "", **data}
    return services.plan_create(unit=school.unit, data=fields, acting_user=user("hr"), reason="测试")


def test_a_plan_level_follows_its_unit(school_plan, city_plan):
    assert (school_plan.level, city_plan.level) == ("school", "city")


@pytest.mark.parametrize("data, field", [
    ({"first_year": 2026, "last_year": 2027}, "last_year"),  # annual: one year
    ({"kind": "medium_term", "first_year": 2026, "last_year": 2026}, "last_year"),  # medium-term: several
    ({"kind": "medium_term", "first_year": 2026, "last_year": 2025}, "last_year"),
    ({"kind": "medium_term", "first_year": 2026, "last_year": 2045}, "last_year"),
    ({"first_year": 1999, "last_year": 1999}, "first_year"),
    ({"first_year": 32767, "last_year": 32767}, "first_year"),
    ({"title": "=HYPERLINK(\"x\")"}, "title"),
    ({"title": "计\u202e划"}, "title"),
    ({"title": "名" * 201}, "title"),
    ({"title": "  "}, "title"),
])
def test_impossible_plans_are_refused(school, user, data, field):
    before = TrainingPlan.objects.count()
    with pytest.raises(ValidationError) as refused:
        _plan(school, user, **data)
    assert field in refused.value.message_dict
    assert TrainingPlan.objects.count() == before


def test_a_plan_is_written_with_its_history(school_plan, user):
    [record] = school_plan.history.all()
    assert (record.history_user, record.history_change_reason) == (user("hr"), "测试")


@pytest.mark.parametrize("data, field", [
    ({"starts_on": date(2027, 1, 1), "ends_on": date(2027, 1, 2)}, "starts_on"),  # outside the plan's year
    ({"starts_on": date(2026, 3, 3), "ends_on": date(2026, 3, 2)}, "ends_on"),
    ({"hours": Decimal("NaN")}, "hours"),
    ({"hours": Decimal("0")}, "hours"),
    ({"hours": Decimal("1000")}, "hours"),
])
def test_impossible_courses_are_refused(school_plan, user, data, field):
    with pytest.raises(ValidationError) as refused:
        course_for(school_plan, user("hr"), **data)
    assert field in refused.value.message_dict
    assert not school_plan.courses.exists()


def test_a_plan_cannot_shrink_away_from_its_courses(school_plan, course, user):
    with pytest.raises(ValidationError):
        services.plan_update(plan=school_plan, data={"first_year": 2027, "last_year": 2027}, acting_user=user("hr"), reason="改年份")
    assert TrainingPlan.objects.get(pk=school_plan.pk).first_year == 2026


def _certificate(person, user, **data):
    fields = {"kind": "electrician", "name": "", "number": "T-001", "issuer": "四川省应急管理厅",
              "issued_on": date(2024, 3, 1), "valid_until": date(2030, 2, 28), **data}
    return services.certificate_add(person=person, data=fields, acting_user=user("hr"), reason="测试")


@pytest.mark.parametrize("data, field", [
    ({"valid_until": date(2024, 2, 29)}, "valid_until"),  # before it was issued
    ({"issued_on": date(2099, 1, 1), "valid_until": None}, "issued_on"),  # in the future
    ({"issued_on": date(1900, 1, 1)}, "issued_on"),
    ({"valid_until": date(2200, 1, 1)}, "valid_until"),
    ({"kind": "health", "valid_until": None}, "valid_until"),  # a health certificate is renewed yearly
    ({"kind": "other", "name": ""}, "name"),
    ({"kind": "nosuch"}, "kind"),
    ({"number": "1" * 65}, "number"),
    ({"number": "=1+1"}, "number"),
    ({"issuer": "发证\u200b机关"}, "issuer"),
    ({"issuer": ""}, "issuer"),
])
def test_impossible_certificates_are_refused(staff_member, user, data, field):
    with pytest.raises(ValidationError) as refused:
        _certificate(staff_member.person, user, **data)
    assert field in refused.value.message_dict
    assert not Certificate.objects.filter(person=staff_member.person, number__in=["T-001", "1" * 65, "=1+1"]).exists()


def test_a_certificate_before_the_holder_was_born_is_refused(staff_member, user):
    born = staff_member.person.birth_date
    with pytest.raises(ValidationError) as refused:
        _certificate(staff_member.person, user, issued_on=date(born.year - 1, 1, 1), valid_until=None)
    assert "issued_on" in refused.value.message_dict


def test_the_same_certificate_twice_is_refused(staff_member, user):
    _certificate(staff_member.person, user)
    with pytest.raises(ValidationError):
        _certificate(staff_member.person, user, issuer="另一机关")
    assert Certificate.objects.filter(person=staff_member.person, number="T-001").count() == 1


def test_a_certificate_without_expiry_is_valid(staff_member, user):
    certificate = _certificate(staff_member.person, user, valid_until=None)
    assert certificate.status(clock.today()) == "valid"
    [record] = certificate.history.all()
    assert (record.history_user, record.history_change_reason) == (user("hr"), "测试")


def test_only_a_technical_post_records_a_required_certificate(make_staff, school, user):
    canteen = make_staff(school, "canteen")
    with pytest.raises(ValidationError):
        services.requirement_add(staff=canteen, kind="electrician", acting_user=user("hr"), reason="测试")
    technical = make_staff(school, "technical")
    services.requirement_add(staff=technical, kind="electrician", acting_user=user("hr"), reason="测试")
    with pytest.raises(ValidationError):
        services.requirement_add(staff=technical, kind="electrician", acting_user=user("hr"), reason="再次")
    assert RequiredCertificate.objects.filter(staff__in=[canteen, technical]).count() == 1


def test_removing_a_requirement_leaves_its_history(make_staff, school, user):
    technical = make_staff(school, "technical")
    requirement = services.requirement_add(staff=technical, kind="other", name="叉车证", acting_user=user("hr"), reason="测试")
    pk = requirement.pk
    services.requirement_remove(requirement=requirement, acting_user=user("hr"), reason="岗位调整")
    deleted = RequiredCertificate.history.filter(id=pk, history_type="-").get()
    assert (deleted.history_user, deleted.history_change_reason) == (user("hr"), "岗位调整")
