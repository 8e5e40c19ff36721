"""Reads of who works where against the staffing rules: 三(一)2 (ratios, food safety,
dormitory managers) and LAW-DISPATCH (the dispatched share), per school and rolled up per county
and city. Above hrflow.people (it counts Staff) and hrflow.org (schools, scope).

Staff "in post" are those active or exiting (still working their notice); suspended staff
do not count towards the ratios. The dispatched share counts every current employment (any
status but left): a suspended employee is still in the school's workforce (hrflow.policy.dispatch).
"""

import hashlib
from dataclasses import dataclass

import pandas as pd
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from hrflow.org import scope
from hrflow.org.models import Dormitory, OrgUnit, School
from hrflow.org.selectors import OVERSIGHT_ROLES, schools_visible_to
from hrflow.people.models import EmploymentType, Person, PostCategoryChoices, Staff
from hrflow.policy import DormitoryFacts, check_staffing, dormitory_gender_frame, staffing_frame
from hrflow.policy.dispatch import WORKFORCE_TYPES, area_dispatch_share, check_dispatch, dispatch_frame

IN_POST = (Staff.Status.ACTIVE, Staff.Status.EXITING)
ROLLUP_CACHE_SECONDS = 3600


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


def school_dispatch_line(school: School):
    """The school's LAW-DISPATCH line: its dispatched staff against its workforce (one query)."""
    by_type = dict(
        Staff.objects.filter(school=school).exclude(status=Staff.Status.LEFT)
        .values_list("employment_type").annotate(n=Count("id")).order_by()
    )
    return check_dispatch(by_type)


@dataclass(frozen=True)
class MultipleEmployment:
    """A person who holds a current employment here and at another school at the same time."""

    person_id: int
    name: str
    masked_id_number: str
    here: Staff
    elsewhere: tuple


def _current_elsewhere():
    """True for a current employment whose person holds another current one."""
    return Exists(Staff.objects.filter(person_id=OuterRef("person_id")).exclude(status=Staff.Status.LEFT).exclude(pk=OuterRef("pk")))


def multiple_employments(school: School) -> list[MultipleEmployment]:
    """Persons working here who also work at another school now (part-time, or a transfer
    not yet completed): flagged on both schools' pages."""
    here = list(Staff.objects.filter(_current_elsewhere(), school=school).exclude(status=Staff.Status.LEFT)
                .select_related("person").order_by("person__name", "id"))
    elsewhere = {}
    for staff in (Staff.objects.filter(person_id__in=[s.person_id for s in here]).exclude(school=school)
                  .exclude(status=Staff.Status.LEFT).select_related("school__unit").order_by("school__unit__path")):
        elsewhere.setdefault(staff.person_id, []).append(staff)
    return [MultipleEmployment(s.person_id, s.person.name, s.person.masked_id_number, s, tuple(elsewhere.get(s.person_id, ())))
            for s in here]


# Per school: the unit's names for the tables, its city and county for the roll-ups.
SCHOOL_COLUMNS = {
    "school_id": "id", "name": "unit__name", "code": "unit__code", "path": "unit__path", "level": "level", "diners": "diners",
    "county_id": "unit__parent_id", "county": "unit__parent__name", "city_id": "unit__parent__parent_id", "city": "unit__parent__parent__name",
}
FIGURES = ("boarders", "canteen_staff", "dormitory_staff", "food_safety_managers", "dorms_gender_mismatch", "dorms_male_in_female",
           "multiple_employments", "dispatched", "workforce")


def school_frame(rows) -> pd.DataFrame:
    """A frame of schools (SCHOOL_COLUMNS) from School objects loaded with unit, county and city."""
    return pd.DataFrame(
        [(s.pk, s.unit.name, s.unit.code, s.unit.path, s.level, s.diners, s.unit.parent_id, s.unit.parent.name,
          s.unit.parent.parent_id, s.unit.parent.parent.name) for s in rows],
        columns=list(SCHOOL_COLUMNS),
    )


def with_figures(schools: pd.DataFrame, school_ids) -> pd.DataFrame:
    """`schools` (SCHOOL_COLUMNS) with their staffing compliance (三(一)2), in the same order.

    `school_ids` picks the same schools in the database: a School queryset's `values("pk")` (a
    whole scope, sent as a subquery) or a list of ids (one page). Three aggregate queries, whatever
    the number of schools; the ratios and the dispatched share are applied by hrflow.policy.
    """
    if schools.empty:
        frame = dispatch_frame(staffing_frame(schools.assign(**{column: pd.Series(dtype="int64") for column in FIGURES})))
        return frame.assign(dispatch_percent=frame["dispatch_share"])
    frame = (
        schools.merge(_staff_counts(school_ids), on="school_id", how="left")
        .merge(_dormitory_figures(school_ids), on="school_id", how="left")
    )
    frame = frame.fillna({column: 0 for column in FIGURES}).astype({column: "int64" for column in FIGURES})
    frame = dispatch_frame(staffing_frame(frame))
    return frame.assign(dispatch_percent=(frame["dispatch_share"] * 100).round(1))


def _staff_counts(school_ids) -> pd.DataFrame:
    # One grouped query over the current employments: the ratios count those in post, the
    # dispatched share (LAW-DISPATCH) every current one of the workforce's types.
    current = Staff.objects.filter(school_id__in=school_ids).exclude(status=Staff.Status.LEFT)
    in_post = Q(status__in=IN_POST)
    columns = ["school_id", "staff_in_post", "canteen_staff", "dormitory_staff", "food_safety_managers", "dispatched", "workforce"]
    counts = pd.DataFrame(
        list(
            current.values("school_id")
            .annotate(
                staff_in_post=Count("id", filter=in_post),
                canteen_staff=Count("id", filter=in_post & Q(post_category=PostCategoryChoices.CANTEEN)),
                dormitory_staff=Count("id", filter=in_post & Q(post_category=PostCategoryChoices.DORMITORY)),
                food_safety_managers=Count("id", filter=in_post & Q(food_safety_manager=True)),
                dispatched=Count("id", filter=Q(employment_type=EmploymentType.DISPATCHED)),
                workforce=Count("id", filter=Q(employment_type__in=WORKFORCE_TYPES)),
            )
            .values_list(*columns)
            .order_by()
        ),
        columns=columns,
    )
    # Its own query, so that the database may choose: a hash join over a whole scope, one probe
    # of the person index per row for a page of 50 schools.
    multiple = pd.DataFrame(
        list(
            Staff.objects.filter(_current_elsewhere(), school_id__in=school_ids).exclude(status=Staff.Status.LEFT)
            .values("school_id").annotate(n=Count("id")).values_list("school_id", "n").order_by()
        ),
        columns=["school_id", "multiple_employments"],
    )
    return counts.merge(multiple, on="school_id", how="outer")


def _dormitory_figures(school_ids) -> pd.DataFrame:
    """Boarders and the dormitory gender rules (STAFF-DORM-GENDER, STAFF-DORM-FEMALE) per school."""
    in_post = Q(managers__status__in=IN_POST)
    dorms = pd.DataFrame(
        list(
            Dormitory.objects.filter(school_id__in=school_ids)
            .annotate(
                managers_M=Count("managers", filter=in_post & Q(managers__person__sex="M")),
                managers_F=Count("managers", filter=in_post & Q(managers__person__sex="F")),
            )
            .values_list("school_id", "residents_gender", "boarders", "managers_M", "managers_F")
            .order_by()
        ),
        columns=["school_id", "residents_gender", "boarders", "managers_M", "managers_F"],
    )
    flags = dormitory_gender_frame(dorms)
    return (
        flags.groupby("school_id")
        .agg(boarders=("boarders", "sum"), dorms_gender_mismatch=("gender_mismatch", "sum"), dorms_male_in_female=("male_in_female", "sum"))
        .reset_index()
    )


def staffing_rollup(user, *, under: OrgUnit | None = None) -> pd.DataFrame:
    """Compliance of every school in the user's scope (optionally below `under`), one row each,
    in tree order. Four queries whatever the number of schools."""
    schools_qs = schools_visible_to(user)
    if under is not None:
        schools_qs = schools_qs.filter(unit__path__startswith=under.path)
    schools = pd.DataFrame(list(schools_qs.order_by("unit__path").values_list(*SCHOOL_COLUMNS.values())), columns=list(SCHOOL_COLUMNS))
    return with_figures(schools, schools_qs.values("pk"))


ROLLUP_KEYS = {"city": ["city_id", "city"], "county": ["county_id", "county", "city"]}


def rollup_by(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """Summary per city or county, in tree order: schools, staff against the ratios, and how many
    schools fail each rule. `unit_id` and `unit_name` name the city or county."""
    key = ROLLUP_KEYS[level]
    failing = frame.assign(
        canteen_failing=~frame["canteen_ok"], dormitory_failing=~frame["dormitory_ok"], food_safety_failing=~frame["food_safety_ok"],
        dorm_gender_failing=~frame["dorm_gender_ok"], dorm_female_failing=~frame["dorm_female_ok"],
        hard_schools=frame["hard_failures"] > 0, soft_schools=frame["soft_failures"] > 0,
        dispatch_failing=~frame["dispatch_ok"],
    )
    summary = (
        failing.groupby(key, dropna=False)
        .agg(
            path=("path", "min"),
            schools=("school_id", "count"),
            required_canteen=("required_canteen", "sum"),
            canteen_staff=("canteen_staff", "sum"),
            canteen_failing=("canteen_failing", "sum"),
            required_dormitory=("required_dormitory", "sum"),
            dormitory_staff=("dormitory_staff", "sum"),
            dormitory_failing=("dormitory_failing", "sum"),
            food_safety_failing=("food_safety_failing", "sum"),
            dorm_gender_failing=("dorm_gender_failing", "sum"),
            dorm_female_failing=("dorm_female_failing", "sum"),
            hard_schools=("hard_schools", "sum"),
            soft_schools=("soft_schools", "sum"),
            dispatched=("dispatched", "sum"),
            workforce=("workforce", "sum"),
            dispatch_failing=("dispatch_failing", "sum"),
        )
        .reset_index()
        .sort_values("path")
    )
    # The area's share is its dispatched staff over its workforce, not a mean of the schools' shares.
    share = [area_dispatch_share(int(d), int(w)) for d, w in zip(summary["dispatched"], summary["workforce"])]
    percent = [None if x is None else round(x * 100, 1) for x in share]
    return summary.assign(
        unit_id=summary[key[0]], unit_name=summary[key[1]], dispatch_share=share, dispatch_percent=percent,
    ).drop(columns="path")


def rollup_totals(frame: pd.DataFrame) -> dict:
    return {
        "schools": len(frame),
        "staff": int(frame["staff_in_post"].fillna(0).sum()) if "staff_in_post" in frame else 0,
        "hard": int((frame["hard_failures"] > 0).sum()),
        "soft": int((frame["soft_failures"] > 0).sum()),
        "dispatch": int((~frame["dispatch_ok"]).sum()) if "dispatch_ok" in frame else 0,
    }


def _data_version() -> tuple:
    """The newest history row of each table the figures read. Every audited write (bulk ones too)
    adds one, so a cached roll-up keyed by it is never stale; a primary-key lookup each."""
    tables = [model.history.model._meta.db_table for model in (Staff, Person, Dormitory, School)]
    sql = "SELECT " + ", ".join(f"(SELECT MAX(history_id) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def compliance_rollup(user, *, under: OrgUnit | None, level: str) -> dict:
    """The roll-up per city or county of the user's schools below `under`: {"rows", "totals"}.

    At province scale this reads every staff row in scope (0.3-0.5 s for 200,000 staff), so
    it is cached, shared by users of the same scope and keyed by the data's latest change
    (`_data_version`): a page shows what the database holds, and pays the aggregation once
    per change instead of once per request.
    """
    scope_key = "|".join(sorted(scope.scope_paths(user, OVERSIGHT_ROLES)))
    raw = f"{scope_key}#{under.path if under else ''}#{level}#{_data_version()}"
    key = "staffing:rollup:" + hashlib.sha256(raw.encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        frame = staffing_rollup(user, under=under)
        cached = {"rows": rollup_by(frame, level).to_dict("records") if not frame.empty else [], "totals": rollup_totals(frame)}
        cache.set(key, cached, ROLLUP_CACHE_SECONDS)
    return cached


def iter_school_figures(schools, chunk: int = 1000):
    """Every school of `schools` with its figures (dicts, as `with_figures` rows), in tree order,
    read `chunk` schools at a time: an export of a province holds one chunk in memory, not 5,000."""
    schools = schools.select_related("unit__parent__parent")
    last_path = None
    while True:
        batch = schools.filter(unit__path__gt=last_path) if last_path is not None else schools
        rows = list(batch.order_by("unit__path")[:chunk])
        if not rows:
            return
        yield from with_figures(school_frame(rows), [s.pk for s in rows]).to_dict("records")
        last_path = rows[-1].unit.path
