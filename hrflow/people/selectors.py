"""Reads the people pages need, scoped to the user."""

import re

import rules

from hrflow.org import scope
from hrflow.org.models import Role

from .models import Attestation, Staff

OVERSIGHT_ROLES = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR}


def staff_visible_to(user):
    return Staff.objects.filter(scope.scope_q(user, OVERSIGHT_ROLES, field="school__unit__path")).select_related(
        "person", "school__unit", "dormitory"
    )


# Newest employment first. The primary key is the one order the database can walk by an index
# in any scope: the province walks staff's primary key backwards and stops after a page; a
# school, county or city first finds its rows through the school index and sorts only those.
STAFF_ORDER = ("-pk",)
NAME_PREFIX_MAX = 2  # 1-2 characters: a surname, or surname and given name, match the start
ID_QUERY_MIN = 4
_ID_QUERY = re.compile(r"[0-9]+[Xx]?")


def is_id_query(text: str) -> bool:
    """Digits (and a final X) of at least four characters search ID numbers, not names."""
    return len(text) >= ID_QUERY_MIN and _ID_QUERY.fullmatch(text) is not None


def staff_list(*, user, school_id=None, category=None, status=None, search=None):
    """The staff in the user's scope, filtered, unordered: the view pages it in STAFF_ORDER.

    Name search: 3+ characters match anywhere in the name (a pg_trgm GIN index on PostgreSQL);
    1-2 characters match the start of the name (a btree prefix index), since trigrams cannot
    serve a 2-character substring and a rare one would scan every row. ID-number search: only
    where the user may see ID numbers (HR of the school, current employments), as a search by
    number would otherwise tell anyone whether an ID is on file.
    """
    qs = staff_visible_to(user)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if category:
        qs = qs.filter(post_category=category)
    if status:
        qs = qs.filter(status=status)
    if search:
        if is_id_query(search):
            qs = qs.filter(school_id__in=sensitive_school_ids(user), person__id_number__contains=search.upper()).exclude(
                status=Staff.Status.LEFT)
        elif len(search) <= NAME_PREFIX_MAX:
            qs = qs.filter(person__name__istartswith=search)
        else:
            qs = qs.filter(person__name__icontains=search)
    return qs


def sensitive_school_ids(user) -> set[int]:
    """Schools whose people's sensitive data the user may see in full: where they are HR.

    Deliberately not widened for superusers: administering the system is not a need to know.
    """
    return scope.school_ids(user, {Role.HR_OFFICER})


def can_see_sensitive(user, person) -> bool:
    """The full ID number and birth date: HR of a school that employs the person now, or the person.
    rules.has_perm tests the rule itself; user.has_perm would let a superuser through."""
    return rules.has_perm("people.view_sensitive_person", user, person)


def may_see_attestation(user, staff) -> bool:
    """HR of this employment's school while the person works there, or the person themself."""
    own = staff.person.user_id is not None and staff.person.user_id == getattr(user, "pk", None)
    return own or (staff.is_current and staff.school_id in sensitive_school_ids(user))


def attestation_for(user, staff):
    """The attestations this employment's school recorded, or None for anyone else (PIPL arts. 6,
    28): the one way pages read them, so another school's record is never within reach."""
    if not may_see_attestation(user, staff):
        return None
    return Attestation.objects.filter(staff=staff).first()


def employed_elsewhere(staff) -> list:
    """The person's other current employments (another school's record of the same person)."""
    return list(Staff.objects.filter(person_id=staff.person_id).exclude(pk=staff.pk).exclude(status=Staff.Status.LEFT)
                .select_related("school__unit"))
