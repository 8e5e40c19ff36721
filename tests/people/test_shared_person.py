"""A person's record belongs to no single school (issue 7, class 1).

A known ID number never changes the person on record; a second current employment is refused
unless the deployment allows part-time work; the attestations live on each employment, so one
school never reads another's; where the ID is masked the age replaces the birth date.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hrflow.people import selectors, services
from hrflow.people.models import Attestation, Person, Staff
from hrflow.policy import build_id_number
from hrflow.staffing.selectors import multiple_employments

CLEAN = {"criminal_record": False, "infectious_disease": False, "mental_illness_history": False}
JOB = {"post_category": "canteen", "employment_type": "contract", "title": "", "dormitory": None,
       "food_safety_manager": False, "hired_on": date(2025, 3, 1)}


def hire_at(school, person_data, user, *, link=None, attestation=CLEAN, **job):
    if link == "transfer":
        job.setdefault("hired_on", timezone.localdate())  # a transfer starts today at the earliest
    return services.staff_create(school=school, person_data=person_data, staff_data={**JOB, **job},
                                 attestation_data=attestation, acting_user=user, reason="新聘", link=link)


@pytest.fixture
def employed(school, user):
    """A person employed at the first school, with that school's attestation."""
    number = build_id_number("510104", date(1985, 5, 5), 31)
    staff = hire_at(school, {"id_number": number, "name": "钱进", "education": "senior_high", "phone": "13800000001", "cadre": False},
                    user("hr"))
    return staff


def other_data(number):
    # What the second school typed: another spelling of the name, another education, cadre.
    return {"id_number": number, "name": "钱近", "education": "bachelor", "phone": "13900000009", "cadre": True}


def snapshot(person):
    person = Person.objects.get(pk=person.pk)
    return (person.name, person.education, person.phone, person.cadre, person.history.count())


def test_a_known_id_number_asks_how_to_link_and_changes_nothing(employed, other_school, user):
    before = snapshot(employed.person)
    with pytest.raises(services.PersonExists) as exists:
        hire_at(other_school, other_data(employed.person.id_number), user("hr2"))
    assert exists.value.person == employed.person and [s.pk for s in exists.value.current] == [employed.pk]
    assert snapshot(employed.person) == before
    assert not Staff.objects.filter(school=other_school, person=employed.person).exists()


def test_a_second_current_employment_is_refused_by_default(employed, other_school, user):
    before = snapshot(employed.person)
    with pytest.raises(ValidationError) as refused:
        hire_at(other_school, other_data(employed.person.id_number), user("hr2"), link="new")
    assert "link" in refused.value.message_dict
    assert snapshot(employed.person) == before
    assert Staff.objects.filter(person=employed.person).count() == 1


def test_part_time_at_two_schools_when_allowed_and_flagged_on_both(employed, school, other_school, user, settings):
    settings.HRFLOW = {**settings.HRFLOW, "ALLOW_CONCURRENT_EMPLOYMENT": True}
    second = hire_at(other_school, other_data(employed.person.id_number), user("hr2"), link="new")
    assert second.status == "active" and Staff.objects.get(pk=employed.pk).status == "active"
    assert snapshot(employed.person)[:4] == ("钱进", "senior_high", "13800000001", False)
    for here, there in ((school, other_school), (other_school, school)):
        flags = multiple_employments(here)
        assert [(f.person_id, [s.school_id for s in f.elsewhere]) for f in flags] == [(employed.person_id, [there.pk])]


def test_a_transfer_begins_the_exit_at_the_old_school(employed, school, other_school, user):
    before = snapshot(employed.person)
    new = hire_at(other_school, other_data(employed.person.id_number), user("hr2"), link="transfer")
    old = Staff.objects.get(pk=employed.pk)
    assert old.status == "exiting" and other_school.unit.name in old.history.latest("history_date").history_change_reason
    assert new.status == "active" and new.person_id == employed.person_id
    assert snapshot(employed.person)[:4] == before[:4]
    # The old school cannot undo its half and leave the person with two employments.
    with pytest.raises(services.TransitionNotAllowed):
        services.staff_transition(staff=old, name="cancel_exit", acting_user=user("hr"), reason="撤销")


def test_each_school_reads_only_its_own_attestation(employed, school, other_school, user):
    new = hire_at(other_school, other_data(employed.person.id_number), user("hr2"), link="transfer",
                  attestation={**CLEAN, "criminal_record": True})
    hr, hr2 = user("hr"), user("hr2")
    assert selectors.attestation_for(hr, employed).criminal_record is False
    assert selectors.attestation_for(hr2, new).criminal_record is True
    assert selectors.attestation_for(hr2, employed) is None
    assert selectors.attestation_for(hr, new) is None
    # The first school's later correction never reaches the second school's record, and back.
    services.attestation_record(staff=employed, data={**CLEAN, "infectious_disease": True}, acting_user=hr, reason="更正")
    assert Attestation.objects.get(staff=new).infectious_disease is False
    # Once the person has left, their old school no longer reads what it recorded.
    services.staff_transition(staff=employed, name="complete_exit", acting_user=hr, reason="调离")
    assert selectors.attestation_for(hr, Staff.objects.get(pk=employed.pk)) is None
    assert not selectors.can_see_sensitive(hr, employed.person)
    assert selectors.can_see_sensitive(hr2, employed.person)


@pytest.mark.parametrize("role", ["leader", "auditor", "bureau"])
def test_oversight_never_reads_attestations(role, employed, user):
    assert selectors.attestation_for(user(role), employed) is None


def test_hire_dates_in_the_future_or_before_sixteen_are_refused(school, user):
    born = date(2010, 6, 1)
    number = build_id_number("510104", born, 41)
    data = {"id_number": number, "name": "少年", "education": "junior_high", "phone": "", "cadre": False}
    with pytest.raises(ValidationError) as young:
        hire_at(school, data, user("hr"), hired_on=date(2026, 5, 31))  # one day before the 16th birthday
    assert "hired_on" in young.value.message_dict
    with pytest.raises(ValidationError) as future:
        hire_at(school, data, user("hr"), hired_on=date(2099, 1, 1))
    assert "hired_on" in future.value.message_dict
    assert not Person.objects.filter(id_number=number).exists()
    staff = hire_at(school, data, user("hr"), hired_on=date(2026, 6, 1))  # the 16th birthday itself
    assert staff.pk


def test_a_transfer_cannot_be_backdated_to_overlap(employed, other_school, user):
    with pytest.raises(ValidationError) as refused:
        hire_at(other_school, other_data(employed.person.id_number), user("hr2"), link="transfer", hired_on=date(2025, 3, 1))
    assert "hired_on" in refused.value.message_dict
    assert Staff.objects.get(pk=employed.pk).status == "active"


def test_the_same_school_is_told_at_once_that_the_person_works_there(employed, school, user):
    with pytest.raises(ValidationError) as refused:
        hire_at(school, other_data(employed.person.id_number), user("hr"))
    assert "__all__" in refused.value.message_dict


def test_names_and_phones_follow_the_same_rules_as_the_application_form(school):
    from hrflow.people.forms import PersonForm

    base = {"id_number": build_id_number("510104", date(1985, 5, 5), 33), "education": "senior_high", "cadre": False}
    hostile = ("王\u202e明", "王😀", "=1+1", "李\u3164测", "李\uffa0测", "李\ufe0f测", "李\u3000测", "李\t测", "李" + "\u0301" * 50 + "测", "-李")
    for name, phone, bad in [*((n, "", "name") for n in hostile), ("王明", "NaN", "phone")]:
        form = PersonForm({**base, "name": name, "phone": phone})
        assert not form.is_valid() and bad in form.errors, (name, phone)
    assert PersonForm({**base, "name": "买买提·艾力", "phone": "028-85551234"}).is_valid()


def test_an_edit_cannot_move_a_transfer_into_the_past(employed, other_school, user):
    new = hire_at(other_school, other_data(employed.person.id_number), user("hr2"), link="transfer")
    with pytest.raises(ValidationError) as refused:
        services.staff_update(staff=new, data={"hired_on": date(2020, 1, 1)}, acting_user=user("hr2"), reason="更正")
    assert "hired_on" in refused.value.message_dict
    assert Staff.objects.get(pk=new.pk).hired_on == timezone.localdate()


def test_a_corrected_id_number_must_still_make_the_hire_lawful(employed, user):
    child = build_id_number("510104", date(2012, 6, 1), 31)  # 7 years old on the hire date
    with pytest.raises(ValidationError) as refused:
        services.person_update(person=employed.person, data={"id_number": child}, acting_user=user("hr"), reason="更正")
    assert "id_number" in refused.value.message_dict
    assert Person.objects.get(pk=employed.person_id).id_number == employed.person.id_number
