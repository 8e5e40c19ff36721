"""The appraisal's reads: scoped lists, a school's progress, what waits for a staff member.

No read here returns a single peer rating with anything that could name its rater; the peer result
leaves only as aggregates, and only with at least the cycle's fewest answers.
"""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from hrflow.org import scope
from hrflow.org.models import Role

from .models import Appraisal, CommitteeMember, Cycle, GradeChoices, Incident, PayRun, PeerAssignment, Responsibility, SchoolCycle

OVERSIGHT = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR}
LIST_ORDER = ["-pk"]
APPRAISAL_ORDER = ["staff__person__name", "pk"]


def cycles_visible_to(user):
    """Cycles of a unit in the user's scope, and bureaus' cycles that hold one of the user's schools."""
    own = scope.scope_q(user, OVERSIGHT, field="unit__path")
    holds = Exists(SchoolCycle.objects.filter(scope.scope_q(user, OVERSIGHT, field="school__unit__path"), cycle=OuterRef("pk")))
    return Cycle.objects.filter(own | Q(holds)).select_related("unit")


def school_cycles_of(cycle, user):
    """The cycle's schools this user sees: all of them from the cycle's unit or above, else their own."""
    qs = SchoolCycle.objects.filter(cycle=cycle).select_related("school__unit")
    if scope.covers(user, cycle.unit.path, OVERSIGHT):
        return qs
    return qs.filter(scope.scope_q(user, OVERSIGHT, field="school__unit__path"))


SCHOOL_ORDER = ["school__unit__path", "pk"]


def progress(school_cycles) -> dict:
    """Per school cycle of a page: self-evaluations in, peer ratings answered and owed, leadership
    scores in, ties open. A fixed number of grouped queries for the whole page."""
    ids = {sc.cycle_id for sc in school_cycles}
    schools = [sc.school_id for sc in school_cycles]
    if not schools:
        return {}
    base = Appraisal.objects.filter(cycle_id__in=ids, school_id__in=schools)
    counts = {(r["cycle_id"], r["school_id"]): r for r in base.values("cycle_id", "school_id").annotate(
        self_done=Count("id", filter=Q(self_score__isnull=False)), leader_done=Count("id", filter=Q(leader_score__isnull=False)),
        tied_n=Count("id", filter=Q(tied=True))).order_by()}
    peers = {(r["appraisal__cycle_id"], r["appraisal__school_id"]): r for r in PeerAssignment.objects.filter(
        appraisal__cycle_id__in=ids, appraisal__school_id__in=schools).values("appraisal__cycle_id", "appraisal__school_id").annotate(
        owed=Count("id"), answered_n=Count("id", filter=Q(answered=True)), excused_n=Count("id", filter=~Q(excused_reason=""))).order_by()}
    out = {}
    for sc in school_cycles:
        c = counts.get((sc.cycle_id, sc.school_id), {})
        p = peers.get((sc.cycle_id, sc.school_id), {})
        out[sc.pk] = {"self_done": c.get("self_done", 0), "leader_done": c.get("leader_done", 0), "tied": c.get("tied_n", 0),
                      "peer_owed": p.get("owed", 0), "peer_answered": p.get("answered_n", 0), "peer_excused": p.get("excused_n", 0)}
    return out


FILTERS = {
    "all": Q(),
    "no_self": Q(self_score__isnull=True),
    "no_leader": Q(leader_score__isnull=True),
    "tied": Q(tied=True),
    "decided": ~Q(scoring=Appraisal.Scoring.STANDARD),
    "excellent": Q(grade="excellent"),
}


def appraisals_of(school_cycle, which="all"):
    return (Appraisal.objects.filter(cycle_id=school_cycle.cycle_id, school_id=school_cycle.school_id)
            .filter(FILTERS.get(which, Q())).select_related("staff__person"))


def unanswered_of(school_cycle):
    """Who has not rated whom yet: names, never scores."""
    return (PeerAssignment.objects.filter(appraisal__cycle_id=school_cycle.cycle_id, appraisal__school_id=school_cycle.school_id,
                                          answered=False, excused_reason="")
            .select_related("rater__person", "appraisal__staff__person"))


UNANSWERED_ORDER = ["rater__person__name", "pk"]


def committee_of(school):
    return CommitteeMember.objects.filter(committee__school=school).select_related("staff__person").order_by("staff__person__name", "pk")


def my_appraisals(user):
    """The staff member's own appraisals in open or published cycles (most recent first)."""
    return (Appraisal.objects.filter(staff__person__user=user).exclude(cycle__state=Cycle.State.DRAFT)
            .select_related("cycle", "school__unit").order_by("-cycle__period_end", "-pk")[:10])


def my_ratings(user, cycle_ids):
    """What this rater owes in cycles under peer evaluation: colleagues' names only."""
    return (PeerAssignment.objects.filter(rater__person__user=user, appraisal__cycle_id__in=cycle_ids,
                                          appraisal__cycle__state=Cycle.State.PEER)
            .select_related("appraisal__staff__person", "appraisal__cycle").order_by("appraisal__cycle_id", "appraisal__staff__person__name", "pk"))


def peer_result(appraisal) -> dict | None:
    """The peer part as the rated person and their leaders may see it: count and mean, and only
    with at least the cycle's fewest answers (issue 11: anonymity needs a crowd)."""
    if appraisal.peer_score is None or appraisal.peer_count < appraisal.cycle.min_raters:
        return None
    return {"count": appraisal.peer_count, "score": appraisal.peer_score}


INCIDENT_ORDER = ["-occurred_on", "-pk"]


def incidents_visible_to(user):
    return Incident.objects.filter(scope.scope_q(user, OVERSIGHT, field="school__unit__path")).select_related("school__unit")


def my_statements(user):
    """Incidents naming this person whose responsibility is not final yet: they may state their case."""
    return (Responsibility.objects.filter(staff__person__user=user, incident__state__in=(Incident.State.RECORDED, Incident.State.INVESTIGATED))
            .select_related("incident__school__unit").order_by("-incident__occurred_on", "pk")[:20])


GRADES = [g for g, _label in GradeChoices.choices]


def _shares(counts: dict, ungraded_label) -> list[dict]:
    """Counts per grade as bars: each grade's count and its width in per cent of the row's total;
    last, those without a grade (not yet graded, or 不定等次 once published)."""
    total = sum(counts.values())
    bars, offset = [], 0.0
    for g, label in [(g, GradeChoices(g).label) for g in GRADES] + [("", ungraded_label)]:
        percent = round(100 * counts.get(g, 0) / total, 1) if total else 0
        bars.append({"grade": g or "none", "label": label, "count": counts.get(g, 0), "percent": percent, "offset": round(offset, 1)})
        offset += percent
    return bars


def report(cycle, user, school_cycles) -> dict:
    """The grade distribution per school of the page, the roll-up per county and per city of what
    the user sees, and pay against the pool: grouped queries, never a row per person."""
    published = cycle.state in (Cycle.State.PUBLISHED, Cycle.State.CLOSED)
    ungraded = _("Not graded (不定等次)") if published else _("Not graded yet")
    visible = Appraisal.objects.filter(cycle=cycle)
    if not scope.covers(user, cycle.unit.path, OVERSIGHT):
        visible = visible.filter(scope.scope_q(user, OVERSIGHT, field="school__unit__path"))
    per_school = {}
    for row in visible.filter(school_id__in=[sc.school_id for sc in school_cycles]).values("school_id", "grade").annotate(n=Count("id")).order_by():
        per_school.setdefault(row["school_id"], {})[row["grade"]] = row["n"]
    runs = {r.school_id: r for r in PayRun.objects.filter(cycle=cycle, school_id__in=[sc.school_id for sc in school_cycles])}
    schools = [{"sc": sc, "bars": _shares(per_school.get(sc.school_id, {}), ungraded), "run": runs.get(sc.school_id)} for sc in school_cycles]
    rollups = {}
    for level, unit in (("county", "school__unit__parent"), ("city", "school__unit__parent__parent")):
        # Grouped by the unit, not its name: two counties of the same name in two cities stay apart.
        groups, names = {}, {}
        for row in visible.values(f"{unit}_id", f"{unit}__name", "grade").annotate(n=Count("id")).order_by(f"{unit}__name", f"{unit}_id")[:5000]:
            groups.setdefault(row[f"{unit}_id"], {})[row["grade"]] = row["n"]
            names[row[f"{unit}_id"]] = row[f"{unit}__name"]
        rollups[level] = [{"name": names[key], "bars": _shares(counts, ungraded), "total": sum(counts.values())}
                          for key, counts in list(groups.items())[:300]]
    return {"schools": schools, "rollups": rollups, "grades": GRADES}


TASK_LIMIT = 50


def tasks_for(user) -> dict:
    """What waits for this user in appraisal, each list capped (the pages behind them are paged):
    cycles they run with an open step, schools whose leaders must score or approve, appeals and
    incidents their school's HR or leaders must act on."""
    from viewflow.workflow.models import Task

    from hrflow.core.flowsteps import OPEN

    out = {}
    owned = Cycle.objects.filter(scope.scope_q(user, {Role.HR_OFFICER}, field="unit__path"), unit__kind="school") | Cycle.objects.filter(
        scope.scope_q(user, {Role.BUREAU_OFFICER}, field="unit__path")).exclude(unit__kind="school")
    cycles = list(owned.exclude(state__in=(Cycle.State.CLOSED,)).select_related("unit").order_by("-pk")[:TASK_LIMIT])
    titles = {}
    for task in Task.objects.filter(process_id__in=[c.process_id for c in cycles if c.process_id], status__in=OPEN):
        titles[task.process_id] = task.flow_task.task_title
    out["cycles"] = [(c, titles.get(c.process_id, "")) for c in cycles if c.process_id in titles]
    leader_q = scope.scope_q(user, {Role.SCHOOL_LEADER}, field="school__unit__path")
    scoring = Q(cycle__state=Cycle.State.LEADER) | Q(cycle__state=Cycle.State.APPROVAL, state=SchoolCycle.State.RETURNED)
    out["to_score"] = list(SchoolCycle.objects.filter(leader_q, scoring).select_related("cycle", "school__unit")
                           .order_by("-pk")[:TASK_LIMIT]) if scope.has_role(user, Role.SCHOOL_LEADER) else []
    out["to_approve"] = list(SchoolCycle.objects.filter(leader_q, cycle__state=Cycle.State.APPROVAL, state=SchoolCycle.State.GRADED)
                             .select_related("cycle", "school__unit").order_by("-pk")[:TASK_LIMIT]) if scope.has_role(user, Role.SCHOOL_LEADER) else []
    hr_q = scope.scope_q(user, {Role.HR_OFFICER}, field="school__unit__path")
    out["appeals"] = list(Appraisal.objects.filter(hr_q, appeal_state="lodged").select_related("staff__person", "cycle")
                          .order_by("appeal_due_on", "pk")[:TASK_LIMIT]) if scope.has_role(user, Role.HR_OFFICER) else []
    out["incidents_hr"] = list(Incident.objects.filter(hr_q, state=Incident.State.RECORDED).select_related("school__unit")
                               .order_by("-pk")[:TASK_LIMIT]) if scope.has_role(user, Role.HR_OFFICER) else []
    out["incidents_leader"] = list(Incident.objects.filter(leader_q, state=Incident.State.INVESTIGATED).select_related("school__unit")
                                   .order_by("-pk")[:TASK_LIMIT]) if scope.has_role(user, Role.SCHOOL_LEADER) else []
    return out
