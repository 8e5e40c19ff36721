"""Writes of the training app: one function per business action, atomic and audited."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hrflow.core import clock
from hrflow.core.history import save_audited

from .models import Attendance, Certificate, Course, RequiredCertificate, TrainingPlan

PLAN_FIELDS = ("kind", "title", "first_year", "last_year", "description")
COURSE_FIELDS = ("title", "mode", "category", "layer", "starts_on", "ends_on", "hours")
CERTIFICATE_FIELDS = ("kind", "name", "number", "issuer", "issued_on", "valid_until")


def _apply(obj, data: dict, fields):
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


def _save(obj, *, acting_user, reason, duplicate_message=None):
    obj.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            save_audited(obj, user=acting_user, reason=reason)
    except IntegrityError:
        # A unique row written by someone else in the meantime, or the same form sent twice.
        raise ValidationError(duplicate_message or _("Someone else changed this record; reload and try again.")) from None
    return obj


@transaction.atomic
def plan_create(*, unit, data: dict, acting_user, reason: str) -> TrainingPlan:
    plan = TrainingPlan(unit=unit)
    _apply(plan, data, PLAN_FIELDS)
    return _save(plan, acting_user=acting_user, reason=reason)


@transaction.atomic
def plan_update(*, plan: TrainingPlan, data: dict, acting_user, reason: str) -> TrainingPlan:
    plan = TrainingPlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
    _apply(plan, data, PLAN_FIELDS)
    outside = plan.courses.exclude(starts_on__gte=plan.starts, ends_on__lte=plan.ends).exists() if plan.first_year and plan.last_year else False
    if outside:
        raise ValidationError({"first_year": _("Some of the plan's courses lie outside these years; change them first.")})
    return _save(plan, acting_user=acting_user, reason=reason)


@transaction.atomic
def course_create(*, plan: TrainingPlan, data: dict, acting_user, reason: str) -> Course:
    course = Course(plan=plan)
    _apply(course, data, COURSE_FIELDS)
    return _save(course, acting_user=acting_user, reason=reason)


@transaction.atomic
def course_update(*, course: Course, data: dict, acting_user, reason: str) -> Course:
    course = Course.objects.select_for_update().select_related("plan__unit").get(pk=course.pk)
    _apply(course, data, COURSE_FIELDS)
    if "hours" in data and course.attendances.filter(hours__gt=course.hours).exists():
        raise ValidationError({"hours": _("Some attendees are recorded with more hours than this.")})
    return _save(course, acting_user=acting_user, reason=reason)


@transaction.atomic
def attendance_record(*, course: Course, staff, hours, passed: bool, acting_user, reason: str) -> tuple[Attendance, str]:
    """Record (or correct) one staff member's attendance of `course`. Returns the row and
    "created", "updated" or "unchanged"."""
    course = Course.objects.select_for_update().get(pk=course.pk)  # one writer per course at a time
    if course.starts_on > clock.today():
        raise ValidationError({"hours": _("The course starts on %(day)s: attendance is recorded once it has begun.") % {
            "day": date_format(course.starts_on, "DATE_FORMAT")}})
    attendance = Attendance.objects.filter(course=course, staff=staff).first()
    if attendance is not None and attendance.hours == hours and attendance.passed == passed:
        return attendance, "unchanged"
    outcome = "updated" if attendance is not None else "created"
    attendance = attendance or Attendance(course=course, staff=staff)
    attendance.hours, attendance.passed = hours, passed
    return _save(attendance, acting_user=acting_user, reason=reason), outcome


@transaction.atomic
def certificate_add(*, person, data: dict, acting_user, reason: str) -> Certificate:
    certificate = Certificate(person=person)
    _apply(certificate, data, CERTIFICATE_FIELDS)
    certificate.full_clean(validate_constraints=False)
    if Certificate.objects.filter(person=person, kind=certificate.kind, name=certificate.name, number=certificate.number).exists():
        raise ValidationError({"number": _("This person already has this certificate on record.")})
    return _save(certificate, acting_user=acting_user, reason=reason, duplicate_message=_("This person already has this certificate on record."))


@transaction.atomic
def certificate_update(*, certificate: Certificate, data: dict, acting_user, reason: str) -> Certificate:
    certificate = Certificate.objects.select_for_update().select_related("person").get(pk=certificate.pk)
    _apply(certificate, data, CERTIFICATE_FIELDS)
    certificate.full_clean(validate_constraints=False)
    if Certificate.objects.filter(person=certificate.person, kind=certificate.kind, name=certificate.name,
                                  number=certificate.number).exclude(pk=certificate.pk).exists():
        raise ValidationError({"number": _("This person already has this certificate on record.")})
    return _save(certificate, acting_user=acting_user, reason=reason, duplicate_message=_("This person already has this certificate on record."))


@transaction.atomic
def requirement_add(*, staff, kind: str, name: str = "", acting_user, reason: str) -> RequiredCertificate:
    requirement = RequiredCertificate(staff=staff, kind=kind, name=name)
    requirement.full_clean(validate_constraints=False)
    if RequiredCertificate.objects.filter(staff=staff, kind=requirement.kind, name=requirement.name).exists():
        raise ValidationError({"kind": _("This requirement is already recorded.")})
    return _save(requirement, acting_user=acting_user, reason=reason, duplicate_message=_("This requirement is already recorded."))


@transaction.atomic
def requirement_remove(*, requirement: RequiredCertificate, acting_user, reason: str) -> None:
    requirement._history_user = acting_user
    requirement._change_reason = reason
    requirement.delete()
