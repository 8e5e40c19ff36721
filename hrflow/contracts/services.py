from datetime import date

from hrflow.core.history import save_audited
from hrflow.people.models import EmploymentType, Staff
from hrflow.policy import INSTITUTIONAL, LABOUR, probation_months_allowed

from .models import Contract

# STAFF-PURCHASE: purchased-service staff are employed by the service company; no contract here.
KIND_BY_EMPLOYMENT = {
    EmploymentType.ESTABLISHMENT: INSTITUTIONAL,
    EmploymentType.CONTRACT: LABOUR,
    EmploymentType.DISPATCHED: LABOUR,
}


def contract_create_draft(*, staff: Staff, starts_on: date, term_months: int | None, acting_user, reason: str) -> Contract | None:
    """A draft contract for a new hire, with the longest probation the law allows as a proposal."""
    kind = KIND_BY_EMPLOYMENT.get(staff.employment_type)
    if kind is None:
        return None
    first = not Contract.objects.filter(staff__person=staff.person, staff__school=staff.school).exists()
    contract = Contract(
        staff=staff, kind=kind, starts_on=starts_on, term_months=term_months,
        probation_months=probation_months_allowed(kind, term_months, first_with_employer=first),
    )
    return save_audited(contract, user=acting_user, reason=reason)
