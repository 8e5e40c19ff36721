"""The contracts' reads: scoped querysets for lists and the renewal inbox, a contract's timeline."""

from django.db.models import Q

from hrflow.org import scope
from hrflow.org.models import Role

from .models import Contract, RenewalCase

OVERSIGHT = {Role.HR_OFFICER, Role.SCHOOL_LEADER, Role.BUREAU_OFFICER, Role.AUDITOR}
LIST_ORDER = ["-pk"]


def contracts_visible_to(user, state: str = ""):
    qs = Contract.objects.filter(scope.scope_q(user, OVERSIGHT, field="staff__school__unit__path"))
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("staff__person", "staff__school__unit")


def renewal_inbox(user):
    """What waits for this user: for HR, contracts up for renewal without a proposal and proposals
    returned to them; for leaders, proposals awaiting a decision — in the schools of the role."""
    q = Q(pk__in=[])
    hr = scope.scope_q(user, {Role.HR_OFFICER}, field="staff__school__unit__path")
    if scope.has_role(user, Role.HR_OFFICER):
        q |= hr & (Q(state=Contract.State.EXPIRING, renewal_case__isnull=True)
                   | Q(renewal_case__state=RenewalCase.State.RETURNED))
    if scope.has_role(user, Role.SCHOOL_LEADER):
        q |= (scope.scope_q(user, {Role.SCHOOL_LEADER}, field="staff__school__unit__path")
              & Q(renewal_case__state=RenewalCase.State.PROPOSED))
    return Contract.objects.filter(q).select_related("staff__person", "staff__school__unit", "renewal_case")


INBOX_ORDER = ["ends_on", "pk"]


def timeline(contract: Contract) -> list:
    """The contract's and its renewal's history, oldest first: what happened, who, why."""
    records = list(contract.history.select_related("history_user"))
    for r in records:
        r.record = "contract"
    case = RenewalCase.objects.filter(contract=contract).first()
    if case is not None:
        renewal = list(case.history.select_related("history_user"))
        for r in renewal:
            r.record = "renewal"
        records += renewal
    return sorted(records, key=lambda r: (r.history_date, r.record == "renewal", r.history_id))


def staff_section(staff, user) -> dict | None:
    """The staff page's contracts section (hrflow.core.sections), for those who may see the contracts."""
    import rules

    from .models import DispatchAgreement

    own = staff.person.user_id is not None and staff.person.user_id == user.pk
    if not (own or scope.covers(user, staff.school.unit.path, OVERSIGHT)):
        return None
    contracts = list(Contract.objects.filter(staff=staff).order_by("-starts_on", "-pk")[:20])
    manage = rules.has_perm("contracts.manage_contract", user, staff)
    return {
        "contracts": contracts,
        "dispatch": list(DispatchAgreement.objects.filter(staff=staff).order_by("-starts_on", "-pk")[:20]),
        "manage": manage,
        # Staff recorded without a contract (added by hand, or whose last one ended) get one drafted here.
        "can_draft": manage and staff.is_current and staff.employment_type in ("establishment", "contract")
        and all(c.state in (Contract.State.ENDED, Contract.State.RENEWED) for c in contracts),
    }
