from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from hrflow.people.models import Person, Staff
from hrflow.policy import InvalidIdNumber, build_id_number


def test_birth_date_and_sex_come_from_the_id_number(db):
    person = Person(id_number=build_id_number("510104", date(1975, 2, 28), 42).lower(), name="李华", education="bachelor")
    person.save()
    person.refresh_from_db()
    assert (person.birth_date, person.sex) == (date(1975, 2, 28), "F")
    assert person.id_number.endswith(person.id_number[-1].upper())


def test_a_bad_id_number_is_refused(db):
    with pytest.raises(ValidationError) as info:
        Person(id_number="510104197502280420", name="x", education="bachelor").full_clean()
    assert "id_number" in info.value.message_dict
    with pytest.raises(InvalidIdNumber):
        Person(id_number="510104197502280420", name="x", education="bachelor").save()


def test_status_cannot_be_set_by_hand(staff_member):
    with pytest.raises(AttributeError):
        staff_member.status = "left"


def test_status_follows_its_transitions(staff_member):
    staff_member.suspend()
    assert staff_member.status == Staff.Status.SUSPENDED
    with pytest.raises(TransitionNotAllowed):
        staff_member.complete_exit()
    staff_member.begin_exit()
    staff_member.complete_exit()
    assert staff_member.status == Staff.Status.LEFT


def test_masked_id_keeps_four_and_four(staff_member):
    masked = staff_member.person.masked_id_number
    assert masked[:4] == staff_member.person.id_number[:4] and masked[-4:] == staff_member.person.id_number[-4:]
    assert masked[4:14] == "*" * 10
