"""Pages: who sees the full ID number and attestations, and HR's writes through the browser forms."""

from datetime import date

import pytest
from django.utils import timezone

from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number


def test_hr_of_the_school_sees_the_full_id_number(login, staff_member):
    html = login("hr").get(f"/people/staff/{staff_member.pk}/").content.decode()
    assert staff_member.person.id_number in html
    assert 'data-testid="attestations-masked"' not in html


@pytest.mark.parametrize("role", ["leader", "auditor", "bureau"])
def test_others_see_the_id_number_masked(role, login, staff_member):
    html = login(role).get(f"/people/staff/{staff_member.pk}/").content.decode()
    assert staff_member.person.id_number not in html
    assert staff_member.person.masked_id_number in html
    assert 'data-testid="attestations-masked"' in html


@pytest.mark.parametrize("role,full", [("hr", True), ("leader", False), ("bureau", False), ("auditor", False)])
def test_staff_list_masks_by_scope(role, full, login, staff_member):
    html = login(role).get("/people/staff/", {"school": staff_member.school_id, "q": staff_member.person.name}).content.decode()
    assert f'data-staff="{staff_member.pk}"' in html
    assert (staff_member.person.id_number in html) is full
    assert staff_member.person.masked_id_number in html or full


def test_a_person_sees_their_own_data(login, user):
    person = user("staff").person
    html = login("staff").get("/people/me/").content.decode()
    assert person.id_number in html


def test_hr_suspends_with_a_reason(login, staff_member):
    client = login("hr")
    response = client.post(f"/people/staff/{staff_member.pk}/suspend/", {"reason": "涉嫌违规，停职调查"})
    assert response.status_code == 302
    staff = Staff.objects.get(pk=staff_member.pk)
    assert staff.status == "suspended"
    assert staff.history.latest("history_date").history_user.username == "hr"


def test_transition_without_a_reason_is_refused(login, staff_member):
    response = login("hr").post(f"/people/staff/{staff_member.pk}/suspend/", {"reason": ""})
    assert response.status_code == 200
    assert Staff.objects.get(pk=staff_member.pk).status == "active"


def test_impossible_transition_shows_an_error(login, staff_member):
    response = login("hr").post(f"/people/staff/{staff_member.pk}/complete_exit/", {"reason": "x"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Staff.objects.get(pk=staff_member.pk).status == "active"


def new_staff_post(school, number, **overrides):
    data = {
        "school": school.pk,
        "person-name": "吴敏", "person-id_number": number, "person-phone": "13800000000",
        "person-education": "senior_high",
        "staff-post_category": "dormitory", "staff-employment_type": "contract", "staff-title": "宿管员",
        "staff-hired_on": "2025-09-01",
        "reason": "公开遴选聘用",
    }
    data.update(overrides)
    return data


def test_hr_adds_a_staff_member(login, school):
    number = build_id_number("510104", date(1990, 3, 3), 88)
    response = login("hr").post("/people/staff/new/", new_staff_post(school, number))
    assert response.status_code == 302
    person = Person.objects.get(id_number=number)
    assert (person.sex, person.birth_date) == ("F", date(1990, 3, 3))
    staff = person.employments.get()
    assert staff.school == school and staff.history.get().history_change_reason == "公开遴选聘用"


def test_bad_id_number_names_the_field_and_writes_nothing(login, school):
    count = Person.objects.count()
    valid = build_id_number("510104", date(1990, 3, 3), 88)
    wrong_check = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    response = login("hr").post("/people/staff/new/", new_staff_post(school, wrong_check))
    assert response.status_code == 200
    assert response.context["forms"][0].errors["id_number"]
    assert Person.objects.count() == count


def test_hr_cannot_add_staff_to_another_school(login, other_school):
    number = build_id_number("510104", date(1990, 3, 3), 88)
    response = login("hr").post("/people/staff/new/", new_staff_post(other_school, number))
    assert response.status_code == 403
    assert not Person.objects.filter(id_number=number).exists()


def test_hr_edits_with_a_reason_and_history_has_from_and_to(login, staff_member):
    client = login("hr")
    page = client.get(f"/people/staff/{staff_member.pk}/edit/")
    data = {}
    for form in page.context["forms"]:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = getattr(value, "pk", value)
    data["person-phone"] = "13912345678"
    data["reason"] = "职工更换手机号"
    assert client.post(f"/people/staff/{staff_member.pk}/edit/", data).status_code == 302
    record = staff_member.person.history.latest("history_date")
    assert record.phone == "13912345678" and record.prev_record.phone != "13912345678"
    assert record.history_change_reason == "职工更换手机号"


@pytest.mark.parametrize("role", ["leader", "auditor", "bureau"])
def test_where_the_id_is_masked_the_age_replaces_the_birth_date(role, login, staff_member):
    person = staff_member.person
    html = login(role).get(f"/people/staff/{person.employments.first().pk}/").content.decode()
    assert 'data-testid="age"' in html and 'data-testid="birth-date"' not in html
    for shown in (person.birth_date.isoformat(), f"{person.birth_date.year}年{person.birth_date.month}月{person.birth_date.day}日"):
        assert shown not in html


def test_another_school_entering_a_known_id_sees_it_masked_and_changes_nothing(login, staff_member, other_school):
    person = staff_member.person
    before = (person.name, person.education, person.phone, person.history.count())
    client = login("hr2")
    data = new_staff_post(other_school, person.id_number, **{"person-name": "改名", "person-education": "doctorate",
                                                               "staff-post_category": "canteen", "staff-title": ""})
    page = client.post("/people/staff/new/", data)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="existing-person"' in html
    assert person.masked_id_number in html
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.name, fresh.education, fresh.phone, fresh.history.count()) == before
    assert not Staff.objects.filter(school=other_school, person=person).exists()
    # A second employment is refused here; the transfer is taken, and the person stays as recorded.
    refused = client.post("/people/staff/new/", {**data, "link": "new"})
    assert refused.status_code == 200 and 'data-testid="existing-person"' in refused.content.decode()
    assert not Staff.objects.filter(school=other_school, person=person).exists()
    done = client.post("/people/staff/new/", {**data, "link": "transfer", "reason": "调入本校",
                                               "staff-hired_on": timezone.localdate().isoformat()})
    assert done.status_code == 302
    assert Staff.objects.get(pk=staff_member.pk).status == "exiting"
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.name, fresh.education, fresh.phone) == before[:3]


def test_a_person_employed_by_two_schools_is_edited_by_neither(login, staff_member, other_school, user):
    from hrflow.people import services

    services.staff_create(school=other_school, person_data={"id_number": staff_member.person.id_number, "name": "x",
                                                            "education": "senior_high", "phone": "", "cadre": False},
                          staff_data={"post_category": "canteen", "employment_type": "contract", "title": "", "dormitory": None,
                                      "food_safety_manager": False, "hired_on": timezone.localdate()},
                          attestation_data={}, acting_user=user("hr2"), reason="调入", link="transfer")
    new = Staff.objects.get(school=other_school, person=staff_member.person)
    page = login("hr2").get(f"/people/staff/{new.pk}/edit/")
    assert 'data-testid="person-locked"' in page.content.decode()
    assert not any(f.prefix == "person" for f in page.context["forms"])
