from datetime import date

import pytest
from django.core.exceptions import ValidationError

from hrflow.people import services
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number

CLEAN = {"criminal_record": False, "infectious_disease": False, "mental_illness_history": False}


def test_transition_records_user_and_reason(staff_member, user):
    hr = user("hr")
    services.staff_transition(staff=staff_member, name="suspend", acting_user=hr, reason="停职审查")
    record = Staff.history.filter(id=staff_member.pk).latest("history_date")
    assert record.history_user == hr
    assert record.status == "suspended"
    assert "停职审查" in record.history_change_reason


def test_transition_from_the_wrong_state_is_refused(staff_member, user):
    with pytest.raises(services.TransitionNotAllowed):
        services.staff_transition(staff=staff_member, name="reinstate", acting_user=user("hr"), reason="x")
    assert Staff.objects.get(pk=staff_member.pk).status == "active"


def test_unknown_transition_name_is_refused(staff_member, user):
    with pytest.raises(services.TransitionNotAllowed):
        services.staff_transition(staff=staff_member, name="delete", acting_user=user("hr"), reason="x")


def test_an_audited_write_needs_a_reason(staff_member, user):
    with pytest.raises(ValueError):
        services.staff_transition(staff=staff_member, name="suspend", acting_user=user("hr"), reason="")


def test_staff_create_is_atomic(school, user):
    number = build_id_number("510104", date(1988, 8, 8), 17)
    bad_staff = {"post_category": "canteen", "employment_type": "contract", "title": "", "dormitory": school.dormitories.first(),
                 "food_safety_manager": False, "hired_on": date(2024, 9, 1)}
    with pytest.raises(ValidationError):
        services.staff_create(
            school=school,
            person_data={"id_number": number, "name": "周强", "education": "junior_high", "phone": "", "cadre": False},
            staff_data=bad_staff, attestation_data=CLEAN, acting_user=user("hr"), reason="新聘",
        )
    assert not Person.objects.filter(id_number=number).exists()


def test_staff_create_writes_history_with_the_officer(school, user):
    number = build_id_number("510104", date(1988, 8, 8), 17)
    staff = services.staff_create(
        school=school,
        person_data={"id_number": number, "name": "周强", "education": "junior_high", "phone": "", "cadre": False},
        staff_data={"post_category": "canteen", "employment_type": "contract", "title": "帮厨", "dormitory": None,
                    "food_safety_manager": False, "hired_on": date(2024, 9, 1)},
        attestation_data=CLEAN, acting_user=user("hr"), reason="新聘",
    )
    assert staff.person.history.get().history_user.username == "hr"
    assert staff.history.get().history_change_reason == "新聘"
