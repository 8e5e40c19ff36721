"""Reads the training pages, the staff pages and the reminder job need (constant queries each)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hrflow.core import clock
from hrflow.org import scope
from hrflow.org.models import Role
from hrflow.people.models import Staff
from hrflow.policy import certificates as policy

from . import rules as training_rules
from .models import Certificate, CertificateKind, RequiredCertificate, TrainingPlan

PLAN_ORDER = ("-first_year", "-pk")
COURSE_ORDER = ("starts_on", "pk")
ATTENDANCE_ORDER = ("-pk",)
ALERT_ORDER = ("-pk",)
STAFF_SECTION_ATTENDANCES = 50
CURRENT = ~Q(status=Staff.Status.LEFT)
CURRENT_STATUSES = [s for s in Staff.Status.values if s != Staff.Status.LEFT]


# --- Plans and courses --------------------------------------------------------------------

def plans_visible_to(user, *, level: str | None = None, kind: str | None = None):
    """Plans of the user's units, of the units above them and of those below (三(五) four levels)."""
    paths = scope.scope_paths(user, training_rules.OVERSIGHT)
    if not paths:
        return TrainingPlan.objects.none()
    above = {a for p in paths for a in training_rules.ancestor_paths(p)}
    q = Q(unit__path__in=sorted(above))
    for path in paths:
        q |= Q(unit__path__startswith=path)
    qs = TrainingPlan.objects.filter(q).select_related("unit")
    if level:
        qs = qs.filter(unit__kind=level)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def plan_courses(plan):
    return plan.courses.all()


def course_attendances(course, user):
    """The course's attendance the user may read: staff of schools in their oversight scope."""
    return (course.attendances.filter(scope.scope_q(user, training_rules.OVERSIGHT, field="staff__school__unit__path"))
            .select_related("staff__person", "staff__school__unit"))


def attendance_staff(course, user, id_number: str):
    """The current employment under `id_number` where `user` may record `course`'s attendance."""
    paths = training_rules.attendance_paths(user, course)
    if not paths:
        return None
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(school__unit__path__startswith=path)
    return (Staff.objects.filter(q, CURRENT, person__id_number=id_number).select_related("person", "school__unit").order_by("pk").first())


# --- Certificates -------------------------------------------------------------------------

def certificates_expiring(within_days: int, as_of: date):
    """Certificates of current staff whose last valid day lies from `as_of` to `as_of +
    within_days` (inclusive), for the daily reminder job. One query, no per-row work.

    Returns a queryset of `Certificate` with one row per certificate *and* current employment of
    its holder (a person employed at two schools gives two rows, one for each school's HR), with
    `person` selected and these annotations:
      - `staff_id`: the current employment (people.Staff id),
      - `school_id`: its school (org.School id),
      - `school_name`: the school's name,
      - `school_unit_id`: the school's OrgUnit id (where the school's HR officers hold their role).
    Ordered by `valid_until`, then certificate id and school id. Certificates already expired on
    `as_of` are not included, nor those without an expiry date, nor those of people who have left.
    """
    if within_days < 0:
        raise ValueError("within_days must not be negative")
    last = as_of + timedelta(days=within_days)
    return (
        Certificate.objects.filter(valid_until__gte=as_of, valid_until__lte=last)
        # One join to the employments, filtered and read alike: each row is a current employment.
        .filter(person__employments__status__in=CURRENT_STATUSES)
        .annotate(
            staff_id=F("person__employments__id"),
            school_id=F("person__employments__school_id"),
            school_name=F("person__employments__school__unit__name"),
            school_unit_id=F("person__employments__school__unit_id"),
        )
        .select_related("person")
        .order_by("valid_until", "pk", "school_id")
    )


def _held(certificates) -> list[policy.HeldCertificate]:
    return [policy.HeldCertificate(kind=c.kind, valid_until=c.valid_until, name=c.name) for c in certificates]


@dataclass(frozen=True)
class FindingView:
    status: str
    text: str
    rule: str  # "ELIG-CERT-TECH 专业技术岗位须持上岗证 · 川教函〔2021〕569号 三(三)"
    hard: bool


def _certificate_label(kind: str, name: str) -> str:
    if kind == policy.OTHER and name:
        return name
    try:
        return str(CertificateKind(kind).label)
    except ValueError:
        return kind


def finding_view(finding: policy.CertificateFinding) -> FindingView:
    rule = policy.CERTIFICATE_RULES[finding.rule]
    params = {"certificate": _certificate_label(finding.kind, finding.name)}
    if finding.valid_until is not None:
        params["valid_until"] = date_format(finding.valid_until, "DATE_FORMAT")
    return FindingView(
        status=finding.status, text=_(finding.template) % params, hard=finding.hard,
        rule=f"{rule.id} {_(rule.title)} · {rule.source} {rule.clause}",
    )


def certificate_findings(staff, certificates, requirements, *, as_of: date, warn_days: int = policy.DEFAULT_WARN_DAYS) -> list[FindingView]:
    """The requirements of `staff`'s post not met (hrflow.policy.certificates.check_certificates),
    from certificates and requirements already read."""
    findings = policy.check_certificates(
        post_category=staff.post_category, required=[(r.kind, r.name) for r in requirements],
        held=_held(certificates), as_of=as_of, warn_days=warn_days,
    )
    return [finding_view(f) for f in findings]


def staff_certificate_check(staff, *, as_of: date | None = None) -> list[FindingView]:
    """The requirement check of one staff member (two queries)."""
    return certificate_findings(staff, staff.person.certificates.all(), staff.required_certificates.all(),
                                as_of=as_of or clock.today())


def staff_section(staff, user, *, as_of: date | None = None) -> dict:
    """What templates/training/_staff_section.html shows for `staff`: certificates (with status),
    the post's unmet requirements with the rule cited, training attended. Three queries.

    Keys: `certificates` (list of (Certificate, status: "valid" / "expiring" / "expired")),
    `findings` (list of FindingView: the post's requirements missing / expired / expiring, rule
    cited), `requirements` (RequiredCertificate list), `attendances` (the newest
    STAFF_SECTION_ATTENDANCES, with course and plan), `can_manage` (HR of the school while the
    person works there: shows the add/edit links), `is_technical`, `as_of`.
    The caller checks "training.view_staff_training" (oversight in scope, or the person)."""
    import rules

    as_of = as_of or clock.today()
    certificates = list(staff.person.certificates.all())
    requirements = list(staff.required_certificates.all())
    attendances = list(staff.training_attendances.select_related("course__plan__unit").order_by("-course__starts_on", "-pk")[:STAFF_SECTION_ATTENDANCES])
    return {
        "certificates": [(c, c.status(as_of)) for c in certificates],
        "findings": certificate_findings(staff, certificates, requirements, as_of=as_of),
        "requirements": requirements,
        "attendances": attendances,
        "can_manage": rules.has_perm("training.manage_staff_certificates", user, staff),
        "is_technical": staff.post_category == "technical",
        "as_of": as_of,
    }


def certificate_alerts(user, *, school=None, as_of: date, warn_days: int = policy.DEFAULT_WARN_DAYS):
    """Current staff in the user's scope (or of `school`) with a certificate to act on: a canteen
    post without a health certificate valid past the warning window (LAW-FOOD-HEALTH), a recorded
    requirement not so met (ELIG-CERT-TECH), or any certificate expiring within the window and
    not renewed by a later one of its kind. Unordered; the view pages it in ALERT_ORDER."""
    horizon = as_of + timedelta(days=warn_days)
    lasting = Q(valid_until__isnull=True) | Q(valid_until__gt=horizon)
    health_ok = Certificate.objects.filter(lasting, person=OuterRef("person"), kind=policy.HEALTH)
    requirement_unmet = RequiredCertificate.objects.filter(staff=OuterRef("pk")).exclude(
        Exists(Certificate.objects.filter(lasting, person=OuterRef("staff__person"), kind=OuterRef("kind"), name=OuterRef("name"))))
    renewed = Certificate.objects.filter(lasting, person=OuterRef("person"), kind=OuterRef("kind"), name=OuterRef("name"))
    expiring = Certificate.objects.filter(person=OuterRef("person"), valid_until__gte=as_of, valid_until__lte=horizon).exclude(Exists(renewed))
    qs = Staff.objects.filter(CURRENT)
    qs = qs.filter(school=school) if school is not None else qs.filter(scope.scope_q(user, training_rules.OVERSIGHT, field="school__unit__path"))
    return qs.filter(
        (Q(post_category="canteen") & ~Exists(health_ok)) | Exists(requirement_unmet) | Exists(expiring)
    ).select_related("person", "school__unit")


def alert_rows(staff_rows, *, as_of: date, warn_days: int = policy.DEFAULT_WARN_DAYS) -> list[dict]:
    """For a page of `certificate_alerts`: each staff member's unmet requirements and certificates
    expiring, from two queries for the whole page."""
    people = {s.person_id for s in staff_rows}
    certificates, requirements = {}, {}
    for c in Certificate.objects.filter(person_id__in=people):
        certificates.setdefault(c.person_id, []).append(c)
    for r in RequiredCertificate.objects.filter(staff__in=[s.pk for s in staff_rows]):
        requirements.setdefault(r.staff_id, []).append(r)
    rows = []
    for staff in staff_rows:
        held = certificates.get(staff.person_id, [])
        horizon = as_of + timedelta(days=warn_days)
        lasting = {(c.kind, c.name) for c in held if c.valid_until is None or c.valid_until > horizon}
        expiring = [c for c in held if c.status(as_of, warn_days) == policy.EXPIRING and (c.kind, c.name) not in lasting]
        rows.append({"staff": staff, "findings": certificate_findings(staff, held, requirements.get(staff.pk, []), as_of=as_of, warn_days=warn_days),
                     "expiring": expiring})
    return rows


def certificate_import_schools(user):
    """Schools whose HR officer the user is: where certificates may be imported."""
    from hrflow.org.models import School

    return School.objects.filter(pk__in=scope.school_ids(user, {Role.HR_OFFICER})).select_related("unit").order_by("unit__path")



def home_staff(user, person):
    """A current employment of `person` at a school where `user` is an HR officer (where to go back to)."""
    return (Staff.objects.filter(scope.scope_q(user, {Role.HR_OFFICER}, field="school__unit__path"), CURRENT, person=person)
            .order_by("pk").first())


def staff_page_section(staff, user) -> dict | None:
    """The staff page's certificates-and-training section (hrflow.core.sections), or None for a user
    who may not see it."""
    import rules

    if staff is None or not rules.has_perm("training.view_staff_training", user, staff):
        return None
    return staff_section(staff, user)
