"""Reads for the hiring pages, scoped to the user."""

import rules
from django.db.models import Count, Q
from viewflow.workflow.models import Task

from hrflow.org import scope
from hrflow.org.models import Role

from . import steps
from .models import Application, SelectionRound

S = SelectionRound.State
OVERSIGHT_ROLES = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR}
# Which role takes a node's task, by the permission the node asks for.
ROLE_OF_PERMISSION = {"hiring.manage_round": Role.HR_OFFICER, "hiring.lead_round": Role.SCHOOL_LEADER}
PUBLIC_STATES = (S.OPEN, S.PUBLICITY)


def rounds_visible_to(user):
    return (
        SelectionRound.objects.filter(scope.scope_q(user, OVERSIGHT_ROLES, field="school__unit__path"))
        .select_related("school__unit")
        .annotate(
            applicants=Count("applications", distinct=True),
            hired=Count("applications", filter=Q(applications__state=Application.State.HIRED), distinct=True),
        )
        .order_by("-opens_on", "-id")
    )


def tasks_for(user):
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


def public_rounds():
    return SelectionRound.objects.filter(state__in=PUBLIC_STATES).select_related("school__unit").prefetch_related("posts").order_by("closes_on", "id")


def application_rows(round):
    return round.applications.select_related("post").prefetch_related("findings").order_by("post_id", "rank", "id")


def can_see_applicant_sensitive(user, round) -> bool:
    return rules.has_perm("hiring.view_applicant_sensitive", user, round)
