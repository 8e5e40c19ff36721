"""Writes on people and staff: one function per business action, each audited."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from hrflow.core import clock
from hrflow.core.history import save_audited
from hrflow.policy import MIN_WORKING_AGE, age_on

from .models import Attestation, Person, Staff

# The status transitions an HR officer may take from the staff page, by method name.
STAFF_TRANSITIONS = ("suspend", "reinstate", "begin_exit", "cancel_exit", "complete_exit")
# Checks the apps above register at start-up (exits: an exit goes through its case):
# (staff, transition name) -> the refusal in words, or None.
TRANSITION_GUARDS: list = []
# Employments that count as "working there" for the one-current-employment rule.
HOLDING = (Staff.Status.ACTIVE, Staff.Status.SUSPENDED)


class TransitionNotAllowed(Exception):
    pass


class PersonExists(Exception):
    """The ID number belongs to a person on record: the officer must say how to link."""

    def __init__(self, person: Person, current: list[Staff]):
        self.person = person
        self.current = current
        super().__init__(person.pk)


class LinkMode:
    NEW = "new"
    TRANSFER = "transfer"


def check_hire_date(*, hired_on: date, birth_date: date, field: str = "hired_on"):
    """A hire is recorded on or after its first day, never in the future, and never before the
    person's 16th birthday (LAW-MIN-AGE, 劳动法 art. 15). Past dates are allowed: existing staff
    are entered with the day they were really hired."""
    day = date_format(hired_on, "DATE_FORMAT")
    if hired_on > clock.today():
        raise ValidationError({field: _("The hire date %(day)s is in the future; record the employment from its first day.") % {"day": day}})
    if hired_on < birth_date or age_on(birth_date, hired_on) < MIN_WORKING_AGE:
        raise ValidationError({field: _("On %(day)s the person was not yet 16 full years old (劳动法 art. 15).") % {"day": day}})


def current_employments(person: Person):
    return person.employments.exclude(status=Staff.Status.LEFT).select_related("school__unit")


@transaction.atomic
def employment_link(*, person: Person, school, mode: str, acting_user, reason: str, starts_on: date | None = None) -> list[Staff]:
    """Check that `person` may take an employment at `school` in `mode`; for a transfer, begin the
    exit of their current employments elsewhere. Returns the employments the transfer ends.

    Two current employments are refused unless ALLOW_CONCURRENT_EMPLOYMENT (part-time work).
    The existing person's data is never changed here.
    """
    current = list(Staff.objects.select_for_update().filter(person=person).exclude(status=Staff.Status.LEFT).select_related("school__unit"))
    if any(s.school_id == school.pk for s in current):
        raise ValidationError({"__all__": _("This person already works at this school.")})
    holding = [s for s in current if s.status in HOLDING]
    if mode == LinkMode.TRANSFER:
        if not holding:
            raise ValidationError({"link": _("The person holds no current employment to transfer from; link a new employment instead.")})
        if starts_on is not None and starts_on < clock.today():
            # The exit at the old school begins today: an earlier start would claim both posts at once.
            raise ValidationError({"hired_on": _("A transfer starts today at the earliest, when the exit at the other school begins.")})
        for staff in holding:
            for guard in TRANSITION_GUARDS:
                refusal = guard(staff, "transfer")
                if refusal:
                    raise ValidationError({"link": refusal})
        for staff in holding:
            staff.begin_exit()
            save_audited(staff, user=acting_user, reason=_("Transfer to %(school)s: %(reason)s") % {"school": school.unit.name, "reason": reason})
        return holding
    if mode != LinkMode.NEW:
        raise ValidationError({"link": _("Choose how to link the new employment.")})
    if holding and not settings.HRFLOW["ALLOW_CONCURRENT_EMPLOYMENT"]:
        raise ValidationError({"link": _(
            "The person already works at %(schools)s; a second employment at the same time is not allowed here. "
            "Choose a transfer, or ask that school to end the employment first."
        ) % {"schools": "、".join(s.school.unit.name for s in holding)}})
    return []


@transaction.atomic
def staff_create(*, school, person_data: dict, staff_data: dict, attestation_data: dict, acting_user, reason: str,
                 link: str | None = None) -> Staff:
    """Employ a person at `school`.

    A new ID number creates the person. A known one raises PersonExists until the officer says
    how to link (`link`: a new employment or a transfer); the existing person's record is never
    changed by another school's entry.
    """
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the record.")})
    person = Person.objects.select_for_update().filter(id_number=person_data["id_number"]).first()
    if person is None:
        person = Person(**person_data)
        person.full_clean(exclude=["user"])
        check_hire_date(hired_on=staff_data["hired_on"], birth_date=person.birth_date)
        save_audited(person, user=acting_user, reason=reason)
    else:
        current = list(current_employments(person))
        if any(s.school_id == school.pk for s in current):
            raise ValidationError({"__all__": _("This person already works at this school.")})
        if link is None:
            raise PersonExists(person, current)
        check_hire_date(hired_on=staff_data["hired_on"], birth_date=person.birth_date)
        employment_link(person=person, school=school, mode=link, acting_user=acting_user, reason=reason, starts_on=staff_data["hired_on"])
    staff = Staff(person=person, school=school, **staff_data)
    staff.full_clean(exclude=["status"])
    save_audited(staff, user=acting_user, reason=reason)
    attestation_record(staff=staff, data=attestation_data, acting_user=acting_user, reason=reason)
    return staff


def attestation_record(*, staff: Staff, data: dict, acting_user, reason: str) -> Attestation:
    """Record or correct the attestations this school holds for this employment."""
    attestation = Attestation.objects.select_for_update().filter(staff=staff).first() or Attestation(staff=staff, recorded_on=clock.today())
    for field, value in data.items():
        setattr(attestation, field, bool(value))
    return save_audited(attestation, user=acting_user, reason=reason)


@transaction.atomic
def person_update(*, person: Person, data: dict, acting_user, reason: str) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    for field, value in data.items():
        setattr(person, field, value)
    person.full_clean(exclude=["user"])
    if "id_number" in data:
        # A corrected ID number carries another birth date: every current employment must still
        # have begun at 16 or later (LAW-MIN-AGE).
        for staff in person.employments.exclude(status=Staff.Status.LEFT):
            try:
                check_hire_date(hired_on=staff.hired_on, birth_date=person.birth_date)
            except ValidationError as error:
                raise ValidationError({"id_number": error.message_dict["hired_on"]}) from None
    return save_audited(person, user=acting_user, reason=reason)


@transaction.atomic
def staff_update(*, staff: Staff, data: dict, acting_user, reason: str) -> Staff:
    staff = Staff.objects.select_for_update().select_related("person").get(pk=staff.pk)
    for field, value in data.items():
        setattr(staff, field, value)
    if "hired_on" in data:
        check_hire_date(hired_on=staff.hired_on, birth_date=staff.person.birth_date)
        elsewhere = Staff.objects.filter(person_id=staff.person_id).exclude(pk=staff.pk).exclude(status=Staff.Status.LEFT)
        if elsewhere.exists() and staff.hired_on < clock.today() and staff.hired_on < staff.history.earliest("history_date").hired_on:
            # Moving the start into the past while another school employs the person would claim
            # both posts at once (a transfer starts on the day it is recorded at the earliest).
            raise ValidationError({"hired_on": _("While another school employs the person too, the hire date cannot be moved earlier.")})
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
            _("This change is not possible while the status is “%(status)s”.") % {"status": staff.get_status_display()}
        )
    for guard in TRANSITION_GUARDS:
        refusal = guard(staff, name)
        if refusal:
            raise TransitionNotAllowed(refusal)
    if name == "cancel_exit" and not settings.HRFLOW["ALLOW_CONCURRENT_EMPLOYMENT"]:
        elsewhere = Staff.objects.filter(person_id=staff.person_id, status__in=HOLDING).exclude(pk=staff.pk).select_related("school__unit")
        if elsewhere:
            raise TransitionNotAllowed(_("The person now works at %(schools)s; cancelling the exit would give them two employments.")
                                       % {"schools": "、".join(s.school.unit.name for s in elsewhere)})
    previous = staff.get_status_display()
    method()
    return save_audited(staff, user=acting_user, reason=f"{previous} → {staff.get_status_display()}: {reason}")
