import pytest
from django.core.management import call_command
from django.db.models import F

from hrflow.core.history import system_user
from hrflow.demo.data import generate_province
from hrflow.org.models import Dormitory, OrgUnit, RoleAssignment, School
from hrflow.people.models import Person, Staff
from hrflow.policy import parse_id_number


def test_demo_has_a_user_per_role_and_about_200_staff(db):
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == {"hr_officer", "school_leader", "staff", "auditor", "bureau_officer"}
    assert 180 <= Staff.objects.count() <= 220
    assert School.objects.count() == 5


def test_seed_demo_is_idempotent(db):
    counts = (OrgUnit.objects.count(), School.objects.count(), Staff.objects.count(), Person.objects.count(), RoleAssignment.objects.count())
    history = Staff.history.count()
    call_command("seed_demo")
    assert (OrgUnit.objects.count(), School.objects.count(), Staff.objects.count(), Person.objects.count(), RoleAssignment.objects.count()) == counts
    assert Staff.history.count() == history


def test_demo_ids_are_valid_and_derived_fields_agree(db):
    for person in Person.objects.all()[:50]:
        identity = parse_id_number(person.id_number)
        assert (identity.birth_date, identity.sex) == (person.birth_date, person.sex)


def test_demo_dormitory_staff_match_residents_except_the_deliberate_case(db):
    mismatched = Staff.objects.filter(dormitory__isnull=False).exclude(person__sex=F("dormitory__residents_gender"))
    assert list(mismatched.values_list("school__unit__code", flat=True)) == ["5101050001"]


def test_scale_generator_writes_in_bulk_with_history(db, django_assert_max_num_queries):
    with django_assert_max_num_queries(200):
        result = generate_province(scale=0.005, user=system_user(), seed=7, code="GT")
    assert result["staff"] == 1000 and result["schools"] == 25
    generated = Staff.objects.filter(school__unit__path__startswith="GT/")
    assert generated.count() == 1000
    assert Staff.history.filter(id__in=generated.values("id")).count() == 1000
    assert Person.history.filter(history_user__username="hrflow-system", history_change_reason=result["reason"]).count() == 1000
    assert Dormitory.objects.filter(school__unit__path__startswith="GT/").count() == result["dormitories"]


def test_scale_generator_refuses_an_existing_code(db):
    with pytest.raises(ValueError):
        generate_province(scale=0.001, user=system_user(), code="51")
