"""The exits' reads: scoped case lists with their next deadline, a case's replay, the staff page's section."""

from django.db.models import Q

from hrflow.org import scope
from hrflow.org.models import Role

from .models import ExitCase, HandoverItem, Protection

OVERSIGHT = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR}
LIST_ORDER = ["-pk"]
S = ExitCase.State


def cases_visible_to(user, state: str = "", waiting: bool = False):
    """Cases in the user's scope; `waiting`: only those whose next step is this user's role's."""
    qs = ExitCase.objects.filter(scope.scope_q(user, OVERSIGHT, field="staff__school__unit__path"))
    if state:
        qs = qs.filter(state=state)
    if waiting:
        q = Q(pk__in=[])
        if scope.has_role(user, Role.HR_OFFICER):
            q |= scope.scope_q(user, {Role.HR_OFFICER}, field="staff__school__unit__path") & Q(state__in=(S.HEARING, S.NOTICE))
        if scope.has_role(user, Role.SCHOOL_LEADER):
            q |= scope.scope_q(user, {Role.SCHOOL_LEADER}, field="staff__school__unit__path") & Q(state__in=(S.REVIEW, S.DECIDING))
        qs = qs.filter(q)
    return qs.select_related("staff__person", "staff__school__unit")


def deadline(case):
    """The next date the case waits for: the statement's deadline, or the last day."""
    if case.state == S.HEARING:
        return case.statement_due
    if case.state == S.NOTICE:
        return case.last_day
    return None


def own_cases(user):
    return (ExitCase.objects.filter(staff__person__user=user).select_related("staff__school__unit", "staff__person")
            .order_by("-pk")[:20])


def timeline(case: ExitCase) -> list:
    """The case's replay, oldest first: the case, its handover, and the employment and contract it
    changed since it opened — who, when, what, why."""
    records = []
    for record in case.history.select_related("history_user"):
        record.record = "case"
        records.append(record)
    for record in HandoverItem.history.filter(case_id=case.pk).select_related("history_user"):
        record.record = "handover"
        records.append(record)
    since = min((r.history_date for r in records), default=None)
    if since is not None:
        for record in case.staff.history.filter(history_date__gte=since).select_related("history_user"):
            record.record = "staff"
            records.append(record)
        if case.contract_id:
            for record in case.contract.history.filter(history_date__gte=since).select_related("history_user"):
                record.record = "contract"
                records.append(record)
    return sorted(records, key=lambda r: (r.history_date, r.history_id))


def staff_section(staff, user) -> dict | None:
    """The staff page's exit section (hrflow.core.sections): the cases, and the art. 42 statuses for
    the school's HR and leaders."""
    import rules

    own = staff.person.user_id is not None and staff.person.user_id == user.pk
    if not (own or scope.covers(user, staff.school.unit.path, OVERSIGHT)):
        return None
    protections = own or rules.has_perm("exits.view_protections", user, staff)
    return {
        "cases": list(ExitCase.objects.filter(staff=staff).order_by("-pk")[:20]),
        "manage": rules.has_perm("exits.manage_case", user, staff),
        "can_open": rules.has_perm("exits.manage_case", user, staff) and staff.status in ("active", "suspended")
        and not ExitCase.objects.filter(staff=staff, state__in=ExitCase.OPEN).exists(),
        "protections": list(Protection.objects.filter(staff=staff)[:50]) if protections else None,
        "manage_protections": rules.has_perm("exits.manage_protections", user, staff),
        "own": own,
    }
