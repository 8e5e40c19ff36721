"""Writes on people and staff: one function per business action, each audited."""

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from hrflow.core.history import save_audited

from .models import Person, Staff

# The status transitions an HR officer may take from the staff page, by method name.
STAFF_TRANSITIONS = ("suspend", "reinstate", "begin_exit", "cancel_exit", "complete_exit")


class TransitionNotAllowed(Exception):
    pass


@transaction.atomic
def staff_create(*, school, person_data: dict, staff_data: dict, acting_user, reason: str) -> Staff:
    """Employ a person at `school`; the person is created, or found by ID number and updated."""
    person = Person.objects.select_for_update().filter(id_number=person_data["id_number"]).first()
    if person is None:
        person = Person(**person_data)
    else:
        for field, value in person_data.items():
            setattr(person, field, value)
    save_audited(person, user=acting_user, reason=reason)
    staff = Staff(person=person, school=school, **staff_data)
    staff.full_clean(exclude=["status"])
    return save_audited(staff, user=acting_user, reason=reason)


@transaction.atomic
def person_update(*, person: Person, data: dict, acting_user, reason: str) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    for field, value in data.items():
        setattr(person, field, value)
    person.full_clean()
    return save_audited(person, user=acting_user, reason=reason)


@transaction.atomic
def staff_update(*, staff: Staff, data: dict, acting_user, reason: str) -> Staff:
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    for field, value in data.items():
        setattr(staff, field, value)
    staff.full_clean(exclude=["status"])
    return save_audited(staff, user=acting_user, reason=reason)


@transaction.atomic
def staff_transition(*, staff: Staff, name: str, acting_user, reason: str) -> Staff:
    """Move a staff member's status by the transition `name`, with a written reason.

    The row is locked first, so two officers acting at once see each other's result; the
    second one's transition is then refused instead of silently overwriting the first.
    """
    if name not in STAFF_TRANSITIONS:
        raise TransitionNotAllowed(name)
    if not reason or not reason.strip():
        raise ValueError("a status change needs a written reason")
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    method = getattr(staff, name)
    if not can_proceed(method):
        raise TransitionNotAllowed(
            _("%(name)s is not possible from status %(status)s.") % {"name": name, "status": staff.get_status_display()}
        )
    previous = staff.get_status_display()
    method()
    return save_audited(staff, user=acting_user, reason=f"{previous} → {staff.get_status_display()}: {reason}")
