import rules

from hrflow.org import scope
from hrflow.org.models import Role

OVERSIGHT = (Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR)


@rules.predicate
def has_oversight(user):
    return scope.has_role(user, *OVERSIGHT)


@rules.predicate
def owns_export(user, job):
    return job is not None and job.owner_id == user.pk


# Each user sees only the exports they asked for: a file holds what its requester may read.
rules.add_perm("exports.view_exports", has_oversight)
rules.add_perm("exports.view_export", has_oversight & owns_export)
