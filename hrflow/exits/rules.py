"""Who may do what in an exit case: role and organisational scope on the object."""

import rules

from hrflow.org.predicates import is_hr_officer, is_school_leader, oversees


@rules.predicate
def is_case_person(user, case):
    # The person sees their own case, states their case and may withdraw their own resignation.
    return case is not None and case.staff.person.user_id is not None and case.staff.person.user_id == user.pk


@rules.predicate
def is_item_owner(user, item):
    return item is not None and item.owner_id == user.pk


@rules.predicate
def owner_gone(user, item):
    # Whoever checks an item confirms it; HR stands in only for an owner whose login is disabled.
    return item is not None and not item.owner.is_active


rules.add_perm("exits.view_cases", oversees)
rules.add_perm("exits.view_case", oversees | is_case_person)
rules.add_perm("exits.manage_case", is_hr_officer)
rules.add_perm("exits.decide_case", is_school_leader)
rules.add_perm("exits.state_case", is_case_person)
rules.add_perm("exits.confirm_handover", is_item_owner | (is_hr_officer & owner_gone))
# Health and family statuses (art. 42): the school's HR records them; its HR and leaders read them.
rules.add_perm("exits.view_protections", is_hr_officer | is_school_leader)
rules.add_perm("exits.manage_protections", is_hr_officer)
