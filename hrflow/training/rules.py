"""Who may see and change training plans, courses, attendance and certificates.

- A plan belongs to its unit (省/市/县/校). It is created and edited by the matching unit: HR
  officers of the school for a school plan, bureau officers of the province, city or county for
  theirs. Everyone in oversight sees the plans of their unit, of the units above it (the
  province's plan reaches every school) and of the units below it.
- Attendance is recorded by HR officers of the attendee's school (for a course whose plan covers
  the school), and by the plan's own managers for the schools the plan covers.
- Certificates belong to the person: HR officers of a school that employs the person now manage
  them; oversight roles in scope read them; a staff member reads their own.
"""

import rules

from hrflow.org import scope
from hrflow.org.models import OrgUnit, Role
from hrflow.org.predicates import is_hr_officer, oversees
from hrflow.people.rules import is_hr_of_person, is_the_person

OVERSIGHT = (Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR)


def plan_of(obj):
    """The plan of a plan or of a course."""
    return getattr(obj, "plan", obj)


def manager_role(unit_kind: str) -> str:
    return Role.HR_OFFICER if unit_kind == OrgUnit.Kind.SCHOOL else Role.BUREAU_OFFICER


def managed_units(user) -> list[int]:
    """Units whose plans the user creates and edits: HR officers' schools, bureau officers' units."""
    return [g.unit_id for g in scope.grants(user)
            if (g.role == Role.HR_OFFICER and g.kind == OrgUnit.Kind.SCHOOL)
            or (g.role == Role.BUREAU_OFFICER and g.kind != OrgUnit.Kind.SCHOOL)]


def ancestor_paths(path: str) -> list[str]:
    """"51/5101/510104/" -> ["51/", "51/5101/", "51/5101/510104/"]: the unit and those above it."""
    codes = [c for c in path.split("/") if c]
    return ["".join(f"{c}/" for c in codes[: i + 1]) for i in range(len(codes))]


@rules.predicate
def sees_plan(user, obj=None):
    if obj is None:
        return scope.has_role(user, *OVERSIGHT)
    path = plan_of(obj).unit.path
    return any(path.startswith(p) or p.startswith(path) for p in scope.scope_paths(user, OVERSIGHT))


@rules.predicate
def manages_plan(user, obj=None):
    if obj is None:
        return bool(managed_units(user))
    plan = plan_of(obj)
    role = manager_role(plan.unit.kind)
    return any(g.role == role and g.unit_id == plan.unit_id for g in scope.grants(user))


def attendance_paths(user, course) -> list[str]:
    """Unit paths under which `user` records attendance of `course`: their HR schools that the
    plan covers, and the whole plan's unit for its managers."""
    plan_path = course.plan.unit.path
    paths = [p for p in scope.scope_paths(user, {Role.HR_OFFICER}) if p.startswith(plan_path)]
    if manages_plan(user, course):
        paths.append(plan_path)
    return paths


@rules.predicate
def records_attendance(user, course=None):
    if course is None:
        return scope.has_role(user, Role.HR_OFFICER, Role.BUREAU_OFFICER)
    return bool(attendance_paths(user, course))


@rules.predicate
def manages_staff_certificates(user, staff=None):
    """HR of the staff member's school, while the person works there."""
    if staff is None:
        return scope.has_role(user, Role.HR_OFFICER)
    return staff.is_current and scope.covers(user, staff.scope_path, {Role.HR_OFFICER})


@rules.predicate
def manages_certificate(user, certificate=None):
    return is_hr_of_person(user, certificate.person if certificate is not None else None)


@rules.predicate
def is_own_staff_record(user, staff=None):
    return staff is not None and is_the_person(user, staff.person)


rules.add_perm("training.view_plan", sees_plan)
rules.add_perm("training.add_plan", manages_plan)
rules.add_perm("training.change_plan", manages_plan)
rules.add_perm("training.record_attendance", records_attendance)
rules.add_perm("training.view_staff_training", oversees | is_own_staff_record)
rules.add_perm("training.manage_staff_certificates", manages_staff_certificates)
rules.add_perm("training.change_certificate", manages_certificate)
rules.add_perm("training.view_certificate_list", oversees)
rules.add_perm("training.import_certificates", is_hr_officer)
