"""rules predicates for role and scope; permissions are declared in each app's rules.py."""

import rules

from . import scope
from .models import Role


def role_in_scope(*wanted):
    """Holds one of `wanted` roles; with an object, a grant that covers the object's unit."""
    wanted = frozenset(wanted)

    @rules.predicate(name=f"role_in_scope({','.join(sorted(wanted))})")
    def predicate(user, obj=None):
        if obj is None:
            return scope.has_role(user, *wanted)
        return scope.covers(user, obj.scope_path, wanted)

    return predicate


is_hr_officer = role_in_scope(Role.HR_OFFICER)
is_school_leader = role_in_scope(Role.SCHOOL_LEADER)
is_auditor = role_in_scope(Role.AUDITOR)
is_bureau_officer = role_in_scope(Role.BUREAU_OFFICER)
is_staff_member = role_in_scope(Role.STAFF)
oversees = role_in_scope(Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR)
