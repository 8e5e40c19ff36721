"""Reads for organisation pages: schools in scope and their staffing compliance (三(一)2).

Staff "in post" are those active or exiting (still working their notice); suspended staff
do not count towards the ratios.
"""

from dataclasses import dataclass

import pandas as pd
from django.db.models import Count, Q, Sum

from hrflow.people.models import PostCategoryChoices, Staff
from hrflow.policy import DormitoryFacts, check_staffing, dormitory_gender_frame, staffing_frame

from . import scope
from .models import Dormitory, OrgUnit, Role, School

IN_POST = (Staff.Status.ACTIVE, Staff.Status.EXITING)
OVERSIGHT_ROLES = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR}


def schools_visible_to(user, roles=OVERSIGHT_ROLES):
    return School.objects.filter(scope.scope_q(user, roles)).select_related("unit", "unit__parent", "unit__parent__parent")


def units_visible_to(user, roles=OVERSIGHT_ROLES):
    """Units at or below the user's grants (for scope filters and roll-ups)."""
    return OrgUnit.objects.filter(scope.scope_q(user, roles, field="path"))


def staff_by_category(school: School) -> list[tuple[str, int]]:
    """(category label, staff in post) for every post category, in the notice's order."""
    counts = dict(
        Staff.objects.filter(school=school, status__in=IN_POST).values_list("post_category").annotate(n=Count("id"))
    )
    return [(label, counts.get(value, 0)) for value, label in PostCategoryChoices.choices]


def school_staffing_lines(school: School):
    """One line per rule of 三(一)2 for `school`."""
    in_post = Staff.objects.filter(school=school, status__in=IN_POST)
    counts = in_post.aggregate(
        canteen=Count("id", filter=Q(post_category=PostCategoryChoices.CANTEEN)),
        dormitory=Count("id", filter=Q(post_category=PostCategoryChoices.DORMITORY)),
        food_safety=Count("id", filter=Q(food_safety_manager=True)),
    )
    managers = {}
    for dorm_id, sex, n in in_post.filter(dormitory__isnull=False).values_list("dormitory_id", "person__sex").annotate(n=Count("id")):
        managers.setdefault(dorm_id, {})[sex] = n
    dorms = [
        DormitoryFacts(d.name, d.residents_gender, d.boarders, managers.get(d.pk, {}))
        for d in Dormitory.objects.filter(school=school).order_by("name")
    ]
    return check_staffing(
        level=school.level,
        diners=school.diners,
        canteen_staff=counts["canteen"],
        dormitory_staff=counts["dormitory"],
        food_safety_managers=counts["food_safety"],
        dormitories=dorms,
    )


@dataclass(frozen=True)
class MultipleEmployment:
    """A person who holds a current employment here and at another school at the same time."""

    person_id: int
    name: str
    masked_id_number: str
    here: Staff
    elsewhere: tuple


def _multi_employed_persons():
    current = Staff.objects.exclude(status=Staff.Status.LEFT)
    return current.values("person_id").annotate(n=Count("id")).filter(n__gt=1).values("person_id")


def multiple_employments(school: School) -> list[MultipleEmployment]:
    """Persons working here who also work at another school now (part-time, or a transfer
    not yet completed): flagged on both schools' pages."""
    here = list(Staff.objects.filter(school=school, person_id__in=_multi_employed_persons()).exclude(status=Staff.Status.LEFT)
                .select_related("person").order_by("person__name", "id"))
    elsewhere = {}
    for staff in (Staff.objects.filter(person_id__in=[s.person_id for s in here]).exclude(school=school)
                  .exclude(status=Staff.Status.LEFT).select_related("school__unit").order_by("school__unit__path")):
        elsewhere.setdefault(staff.person_id, []).append(staff)
    return [MultipleEmployment(s.person_id, s.person.name, s.person.masked_id_number, s, tuple(elsewhere.get(s.person_id, ())))
            for s in here]


def staffing_rollup(user, *, under: OrgUnit | None = None) -> pd.DataFrame:
    """Compliance of every school in the user's scope (optionally below `under`), one row each.

    A handful of aggregate queries whatever the number of schools, then pandas.
    """
    schools_qs = schools_visible_to(user)
    if under is not None:
        schools_qs = schools_qs.filter(unit__path__startswith=under.path)
    schools = pd.DataFrame(
        list(schools_qs.values_list("id", "unit__name", "unit__path", "level", "diners")),
        columns=["school_id", "name", "path", "level", "diners"],
    )
    if schools.empty:
        return schools
    ids = schools["school_id"].tolist()
    boarders = pd.DataFrame(
        list(Dormitory.objects.filter(school_id__in=ids).values("school_id").annotate(boarders=Sum("boarders")).values_list("school_id", "boarders")),
        columns=["school_id", "boarders"],
    )
    counts = pd.DataFrame(
        list(
            Staff.objects.filter(school_id__in=ids, status__in=IN_POST)
            .values("school_id")
            .annotate(
                canteen_staff=Count("id", filter=Q(post_category=PostCategoryChoices.CANTEEN)),
                dormitory_staff=Count("id", filter=Q(post_category=PostCategoryChoices.DORMITORY)),
                food_safety_managers=Count("id", filter=Q(food_safety_manager=True)),
            )
            .values_list("school_id", "canteen_staff", "dormitory_staff", "food_safety_managers")
        ),
        columns=["school_id", "canteen_staff", "dormitory_staff", "food_safety_managers"],
    )
    dorm_flags = _dormitory_flags(ids)
    multi = pd.DataFrame(
        list(Staff.objects.filter(school_id__in=ids, person_id__in=_multi_employed_persons()).exclude(status=Staff.Status.LEFT)
             .values("school_id").annotate(n=Count("id")).values_list("school_id", "n")),
        columns=["school_id", "multiple_employments"],
    )
    frame = (
        schools.merge(boarders, on="school_id", how="left")
        .merge(counts, on="school_id", how="left")
        .merge(dorm_flags, on="school_id", how="left")
        .merge(multi, on="school_id", how="left")
        .fillna({"boarders": 0, "canteen_staff": 0, "dormitory_staff": 0, "food_safety_managers": 0, "dorms_gender_mismatch": 0,
                 "dorms_male_in_female": 0, "multiple_employments": 0})
    )
    for column in ("boarders", "canteen_staff", "dormitory_staff", "food_safety_managers", "dorms_gender_mismatch", "dorms_male_in_female",
                   "multiple_employments"):
        frame[column] = frame[column].astype("int64")
    frame = staffing_frame(frame)
    parts = frame["path"].str.strip("/").str.split("/")
    frame["city_code"] = parts.str[1]
    frame["county_code"] = parts.str[2]
    names = dict(OrgUnit.objects.filter(code__in=set(frame["city_code"]) | set(frame["county_code"])).values_list("code", "name"))
    frame["city"] = frame["city_code"].map(names)
    frame["county"] = frame["county_code"].map(names)
    return frame.sort_values("path").reset_index(drop=True)


def _dormitory_flags(school_ids) -> pd.DataFrame:
    dorms = pd.DataFrame(
        list(Dormitory.objects.filter(school_id__in=school_ids).values_list("id", "school_id", "residents_gender")),
        columns=["dormitory_id", "school_id", "residents_gender"],
    )
    columns = ["school_id", "dorms_gender_mismatch", "dorms_male_in_female"]
    if dorms.empty:
        return pd.DataFrame(columns=columns)
    managers = pd.DataFrame(
        list(
            Staff.objects.filter(dormitory__school_id__in=school_ids, status__in=IN_POST)
            .values("dormitory_id", "person__sex")
            .annotate(n=Count("id"))
            .values_list("dormitory_id", "person__sex", "n")
        ),
        columns=["dormitory_id", "sex", "n"],
    )
    by_sex = managers.pivot_table(index="dormitory_id", columns="sex", values="n", aggfunc="sum", fill_value=0)
    by_sex = by_sex.reindex(columns=["M", "F"], fill_value=0).add_prefix("managers_").reset_index()
    dorms = dorms.merge(by_sex, on="dormitory_id", how="left").fillna({"managers_M": 0, "managers_F": 0})
    flags = dormitory_gender_frame(dorms)
    return (
        flags.groupby("school_id")
        .agg(dorms_gender_mismatch=("gender_mismatch", "sum"), dorms_male_in_female=("male_in_female", "sum"))
        .reset_index()
    )


def rollup_by(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """Summary per city or county: schools, and how many fail each rule."""
    key = {"city": ["city_code", "city"], "county": ["county_code", "county", "city"]}[level]
    return (
        frame.groupby(key, dropna=False)
        .agg(
            schools=("school_id", "count"),
            required_canteen=("required_canteen", "sum"),
            canteen_staff=("canteen_staff", "sum"),
            canteen_failing=("canteen_ok", lambda s: int((~s).sum())),
            required_dormitory=("required_dormitory", "sum"),
            dormitory_staff=("dormitory_staff", "sum"),
            dormitory_failing=("dormitory_ok", lambda s: int((~s).sum())),
            food_safety_failing=("food_safety_ok", lambda s: int((~s).sum())),
            dorm_gender_failing=("dorm_gender_ok", lambda s: int((~s).sum())),
            dorm_female_failing=("dorm_female_ok", lambda s: int((~s).sum())),
        )
        .reset_index()
        .sort_values(key[0])
    )
