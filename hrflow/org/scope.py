"""Who holds which role over which part of the tree.

A grant covers its unit and everything below it: a county bureau officer sees every school of
the county, a school's HR officer only that school. Grants are read once per request and
cached on the user object.

A superuser is a system administrator (Django admin), not a role: without a grant they see
no school's data here, and giving themselves a grant is itself audit-logged.
"""

from dataclasses import dataclass

from django.db.models import Q

from .models import Role, RoleAssignment

ALL_ROLES = frozenset(Role.values)


def _role(value: str) -> str:
    """The Role member (a str that also carries its label, for the templates), or the raw
    value of a role that is no longer among the choices."""
    try:
        return Role(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Grant:
    role: str  # a Role where the value is known
    unit_id: int
    path: str
    kind: str
    unit_name: str
    school_id: int | None


def grants(user) -> tuple[Grant, ...]:
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_hrflow_grants", None)
    if cached is None:
        rows = RoleAssignment.objects.filter(user=user).order_by("role", "unit__path").values_list(
            "role", "unit_id", "unit__path", "unit__kind", "unit__name", "unit__school__id"
        )
        cached = tuple(Grant(_role(role), *rest) for role, *rest in rows)
        user._hrflow_grants = cached
    return cached


def roles(user) -> set[str]:
    return {g.role for g in grants(user)}


def has_role(user, *wanted) -> bool:
    return bool(roles(user) & set(wanted))


def scope_paths(user, wanted=ALL_ROLES) -> list[str]:
    return [g.path for g in grants(user) if g.role in wanted]


def covers(user, path: str, wanted=ALL_ROLES) -> bool:
    """True if one of the user's grants in `wanted` roles covers the node at `path`."""
    return any(path.startswith(p) for p in scope_paths(user, wanted))


def scope_q(user, wanted=ALL_ROLES, field="unit__path") -> Q:
    """A filter keeping the rows whose `field` (a unit path) lies in the user's scope."""
    paths = scope_paths(user, wanted)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def school_ids(user, wanted) -> set[int]:
    """Schools where the user holds one of `wanted` as a school role (HR officer, leader, staff)."""
    return {g.school_id for g in grants(user) if g.role in wanted and g.school_id}
