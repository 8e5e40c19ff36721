"""Who may do what in an appraisal: role and organisational scope on the object."""

import rules

from hrflow.org import scope
from hrflow.org.models import OrgUnit, Role
from hrflow.org.predicates import is_auditor, is_hr_officer, is_school_leader, oversees


@rules.predicate
def owns_cycle(user, cycle):
    """The school's HR officer runs a school's cycle; a bureau officer a bureau's."""
    if cycle is None:
        return scope.has_role(user, Role.HR_OFFICER, Role.BUREAU_OFFICER)
    role = Role.HR_OFFICER if cycle.unit.kind == OrgUnit.Kind.SCHOOL else Role.BUREAU_OFFICER
    return scope.covers(user, cycle.unit.path, {role})


@rules.predicate
def is_appraised_person(user, appraisal):
    return appraisal is not None and appraisal.staff.person.user_id is not None and appraisal.staff.person.user_id == user.pk


@rules.predicate
def is_rater(user, assignment):
    return assignment is not None and assignment.rater.person.user_id is not None and assignment.rater.person.user_id == user.pk


rules.add_perm("appraisal.view_cycles", oversees)
rules.add_perm("appraisal.create_cycle", owns_cycle)
rules.add_perm("appraisal.manage_cycle", owns_cycle)
# The cycle's page: its owner and whoever oversees its unit (bureau officers, auditors above it).
rules.add_perm("appraisal.view_cycle", owns_cycle | oversees)
# A school's part: its HR, leaders, the bureaus and auditors above it.
rules.add_perm("appraisal.view_school_cycle", oversees)
rules.add_perm("appraisal.manage_school_cycle", is_hr_officer)
rules.add_perm("appraisal.lead_school_cycle", is_school_leader)
rules.add_perm("appraisal.view_appraisal", oversees)
rules.add_perm("appraisal.self_evaluate", is_appraised_person)
rules.add_perm("appraisal.rate_peer", is_rater)
rules.add_perm("appraisal.manage_committee", is_hr_officer)
rules.add_perm("appraisal.view_committee", oversees)


@rules.predicate
def is_responsible_person(user, responsibility):
    return responsibility is not None and responsibility.staff.person.user_id is not None and responsibility.staff.person.user_id == user.pk


@rules.predicate
def is_appraised_person_of_line(user, line):
    return line is not None and line.appraisal.staff.person.user_id == user.pk


# The incident register and its decisions (四(二)): the school's HR records, its leaders decide.
rules.add_perm("appraisal.view_incidents", oversees)
rules.add_perm("appraisal.manage_incident", is_hr_officer)
rules.add_perm("appraisal.decide_incident", is_school_leader)
rules.add_perm("appraisal.state_case", is_responsible_person | is_hr_officer)
rules.add_perm("appraisal.appeal", is_appraised_person)
# Performance pay: HR keeps the pay table and computes; the school's leaders approve.
rules.add_perm("appraisal.view_pay", oversees)
rules.add_perm("appraisal.manage_pay", is_hr_officer)
rules.add_perm("appraisal.approve_pay", is_school_leader)


@rules.predicate
def holds_reveal_right(user):
    from .services import holds_reveal_right as held

    return held(user)


# Who rated whom: an auditor of the school, with the explicit right; each use is logged (RaterReveal).
rules.add_perm("appraisal.reveal_raters", is_auditor & holds_reveal_right)
