"""Reads for the hiring pages, scoped to the user."""

from dataclasses import dataclass

import rules
from django.db.models import Count, Q, Value
from django.db.models.functions import Coalesce
from django.utils import formats
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from hrflow.core import clock
from hrflow.org import scope
from hrflow.org.models import Role

from . import steps
from .models import Application, Publicity, SelectionRound

S = SelectionRound.State
OVERSIGHT_ROLES = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR}
# Which role takes a node's task, by the permission the node asks for.
ROLE_OF_PERMISSION = {"hiring.manage_round": Role.HR_OFFICER, "hiring.lead_round": Role.SCHOOL_LEADER}
PUBLIC_STATES = (S.OPEN, S.PUBLICITY)
# The 公示 page stays up from the publicity through the hire (public_views.PublicityView).
PUBLICITY_PAGE_STATES = (S.PUBLICITY, S.HIRING, S.CLOSED)


# Newest window first. An index on (opens_on, id) (migration 0005) lets the province walk it;
# a school's few rounds are found through the school index and sorted.
ROUND_ORDER = ("-opens_on", "-pk")
# The inbox, oldest step first: what has waited longest comes first.
TASK_ORDER = ("created", "pk")
# A round's applications by post, then rank (unranked last), then arrival; a round can hold
# 50,000: the index (round, post, COALESCE(rank, ...), id) of migration 0005 serves each page.
APPLICATION_ORDER = ("post_id", "rank_order", "pk")
UNRANKED = 2**31 - 1  # after every rank; the largest value of the rank column
# The score sheet: one post after another, applications in the order they came.
SCORE_SHEET_ORDER = ("post_id", "pk")


def rounds_visible_to(user):
    return SelectionRound.objects.filter(scope.scope_q(user, OVERSIGHT_ROLES, field="school__unit__path")).select_related("school__unit")


def round_counts(round_ids) -> dict[int, tuple[int, int]]:
    """{round id: (applicants, hired)} of one page of rounds, in one grouped query."""
    rows = (Application.objects.filter(round_id__in=round_ids).order_by().values("round_id")
            .annotate(n=Count("id"), hired=Count("id", filter=Q(state=Application.State.HIRED))))
    return {row["round_id"]: (row["n"], row["hired"]) for row in rows}


def open_tasks_for(user):
    """Open steps of rounds in the user's scope that the user's role takes (the inbox).

    viewflow's own queue trusts model permissions and ignores the organisation; this one
    filters by the school of the task's round for each role.
    """
    q = Q(pk__in=[])
    for permission, role in ROLE_OF_PERMISSION.items():
        paths = scope.scope_paths(user, {role})
        if paths:
            q |= Q(owner_permission=permission) & scope.scope_q(user, {role}, field="process__selection_round__school__unit__path")
    return (
        Task.objects.filter(q, status__in=steps.OPEN, process__selection_round__isnull=False)
        .select_related("process__selection_round__school__unit")
        .order_by("created")
    )


def task_count(user) -> int:
    return open_tasks_for(user).count()


@dataclass
class InboxTask:
    task: Task
    round: SelectionRound
    title: str
    ready: bool  # the step's action can be taken now
    note: str  # when it can, if not now; or what it waits for


def tasks_for(user, tasks) -> list[InboxTask]:
    """The inbox rows of one page of `tasks` (from open_tasks_for): whether each step's action can
    be taken today or from when."""
    rounds = [t.process.selection_round for t in tasks]
    ends = {}
    for publicity in Publicity.objects.filter(round__in=rounds).order_by("round_id", "starts_on", "id"):
        ends[publicity.round_id] = publicity.ends_on  # the latest publicity of each round wins
    today = clock.today()
    return [_inbox_task(task, task.process.selection_round, today, ends) for task in tasks]


def _inbox_task(task, round, today, publicity_ends) -> InboxTask:
    name = task.flow_task.name
    ready, note = True, ""
    # Dates mirror the services' refusals: applications close after the end of closes_on,
    # the publicity ends after the end of its last day.
    if name == "close_applications" and today <= round.closes_on:
        ready, note = False, _("Can be done after %(day)s") % {"day": formats.date_format(round.closes_on)}
    elif name == "finish_publicity" and round.pk in publicity_ends and today <= publicity_ends[round.pk]:
        ready, note = False, _("Can be done after %(day)s") % {"day": formats.date_format(publicity_ends[round.pk])}
    elif name == "review_screening" and round.screening_status in ("queued", "running"):
        ready, note = False, _("The screening job is still running")
    elif name == "review_screening" and round.screening_status == "failed":
        note = _("The screening job failed: re-run it from the round's page")
    return InboxTask(task=task, round=round, title=str(task.flow_task.task_title), ready=ready, note=note)


def public_rounds():
    return SelectionRound.objects.filter(state__in=PUBLIC_STATES).select_related("school__unit").prefetch_related("posts").order_by("closes_on", "id")


def application_rows(round, state=None):
    """The round's applications, unordered: pages walk them in APPLICATION_ORDER."""
    qs = (round.applications.select_related("post").prefetch_related("findings")
          .annotate(rank_order=Coalesce("rank", Value(UNRANKED))))
    return qs.filter(state=state) if state else qs


def application_state_counts(round) -> list[tuple[str, int]]:
    """(state label, number) of the round's applications, in one grouped query."""
    counts = dict(round.applications.order_by().values_list("state").annotate(n=Count("id")))
    return [(label, counts[value]) for value, label in Application.State.choices if counts.get(value)]


def score_sheet_rows(round):
    return round.applications.filter(state=Application.State.ELIGIBLE).select_related("post")


def can_see_applicant_sensitive(user, round) -> bool:
    return rules.has_perm("hiring.view_applicant_sensitive", user, round)
