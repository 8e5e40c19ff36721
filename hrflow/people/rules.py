import rules

from hrflow.org import scope
from hrflow.org.models import Role
from hrflow.org.predicates import is_hr_officer, is_staff_member, oversees


@rules.predicate
def is_hr_of_person(user, person):
    if person is None:
        return scope.has_role(user, Role.HR_OFFICER)
    return any(scope.covers(user, path, {Role.HR_OFFICER}) for path in person.scope_paths)


@rules.predicate
def is_the_person(user, person):
    # PIPL art. 45: a person may see their own data.
    return person is not None and person.user_id is not None and person.user_id == user.pk


rules.add_perm("people.view_staff", oversees)
rules.add_perm("people.add_staff", is_hr_officer)
rules.add_perm("people.change_staff", is_hr_officer)
rules.add_perm("people.change_person", is_hr_of_person)
rules.add_perm("people.view_sensitive_person", is_hr_of_person | is_the_person)
rules.add_perm("people.view_own_profile", is_staff_member)
