"""Reads of the organisation tree: the schools and units in a user's scope, school search and
labels. Staffing figures (who works where) live in hrflow.staffing, above hrflow.people."""

import re

from django.db.models import Q
from django.utils.translation import gettext as _

from . import scope
from .models import OrgUnit, Role, School

OVERSIGHT_ROLES = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR}


def schools_visible_to(user, roles=OVERSIGHT_ROLES):
    return School.objects.filter(scope.scope_q(user, roles)).select_related("unit", "unit__parent", "unit__parent__parent")


def units_visible_to(user, roles=OVERSIGHT_ROLES):
    """Units at or below the user's grants (for scope filters and roll-ups)."""
    return OrgUnit.objects.filter(scope.scope_q(user, roles, field="path"))


SEARCH_MAX_CHARS = 100  # longer than any school's name or code; a longer query is cut, not refused
SEARCH_RESULTS = 20
SCHOOL_ORDER = ["unit__path", "pk"]  # tree order (city, county, school code); keyset pages seek on it
# "成都市第七中学（锦江区）" or "Name (County)": the label the chooser shows, read back without JavaScript.
LABEL = re.compile(r"^(?P<name>.+?)\s*[（(](?P<county>[^（）()]+)[）)]$")


def school_label(name: str, county: str) -> str:
    return _("%(school)s (%(county)s)") % {"school": name, "county": county}


def school_labels(schools) -> dict[int, str]:
    """id -> label for the schools of a queryset (one query)."""
    rows = schools.order_by().values_list("pk", "unit__name", "unit__parent__name")
    return {pk: school_label(name, county) for pk, name, county in rows}


def matching(schools, text: str):
    """The schools whose name contains `text` or whose code starts with it. Django escapes % and _,
    so they match themselves; both lookups are indexed on PostgreSQL (pg_trgm on the name, the
    code's pattern index; migration org 0003)."""
    return schools.filter(Q(unit__name__contains=text) | Q(unit__code__startswith=text))


def school_choices(user, text: str) -> list[dict]:
    """The chooser's options: up to 20 schools visible to the user in any oversight role whose
    name contains `text` or whose code starts with it, in tree order (all of them for no text)."""
    schools = schools_visible_to(user)
    text = text.strip()[:SEARCH_MAX_CHARS]
    if text:
        schools = matching(schools, text)
    rows = schools.order_by(*SCHOOL_ORDER).values_list("pk", "unit__name", "unit__parent__name")[:SEARCH_RESULTS]
    return [{"id": pk, "label": school_label(name, county)} for pk, name, county in rows]


def schools_matching_text(schools, text: str) -> list[School]:
    """At most two schools of `schools` that `text` names: a chooser label, else an exact name or
    code, else a part of the name or the start of the code. Two means the text is ambiguous."""
    schools = schools.select_related("unit__parent").order_by(*SCHOOL_ORDER)
    label = LABEL.match(text)
    if label:
        found = list(schools.filter(unit__name=label["name"].strip(), unit__parent__name=label["county"].strip())[:2])
        if found:
            return found
    found = list(schools.filter(Q(unit__name=text) | Q(unit__code=text))[:2])
    return found or list(matching(schools, text)[:2])


def scope_root(user) -> OrgUnit | None:
    """The deepest unit above all of the user's oversight grants (their province, city, county
    or school), where the compliance page starts; None when the grants share no root."""
    paths = [p.strip("/").split("/") for p in scope.scope_paths(user, OVERSIGHT_ROLES)]
    if not paths:
        return None
    common = []
    for codes in zip(*paths):
        if len(set(codes)) > 1:
            break
        common.append(codes[0])
    return OrgUnit.objects.filter(path="".join(f"{code}/" for code in common)).first() if common else None


def filter_units(user) -> list[tuple]:
    """(pk, kind, name, city name, path) of the cities and counties in the user's scope, in tree order."""
    units = units_visible_to(user).filter(kind__in=[OrgUnit.Kind.CITY, OrgUnit.Kind.COUNTY])
    return list(units.order_by("path").values_list("pk", "kind", "name", "parent__name", "path"))
