from datetime import date

from hrflow.core.history import save_audited
from hrflow.people.models import EmploymentType, Staff
from hrflow.policy import INSTITUTIONAL, LABOUR, probation_max_months
from hrflow.policy.contracts import EMPLOYMENT_TYPE_OF_KIND

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
    # One probation per employer and person (LAW-PROBATION); 初次就业 is taken as "no contract on
    # record anywhere" until contracts record earlier employment (issue 9 lets HR correct it at signing).
    earlier = Contract.objects.filter(staff__person=staff.person)
    with_employer = earlier.filter(staff__school=staff.school).exists()
    probation = 0 if with_employer else probation_max_months(
        employment_type=EMPLOYMENT_TYPE_OF_KIND[kind], term_months=term_months, first_employment=not earlier.exists(),
    )
    contract = Contract(staff=staff, kind=kind, starts_on=starts_on, term_months=term_months, probation_months=probation)
    return save_audited(contract, user=acting_user, reason=reason)
