import rules

from hrflow.org.predicates import is_hr_officer, is_school_leader, oversees


@rules.predicate
def is_own_contract(user, contract):
    # PIPL art. 45: a person may see their own contract and its history.
    return contract is not None and contract.staff.person.user_id is not None and contract.staff.person.user_id == user.pk


rules.add_perm("contracts.view_contract", oversees | is_own_contract)
rules.add_perm("contracts.view_contracts", oversees)
rules.add_perm("contracts.manage_contract", is_hr_officer)
rules.add_perm("contracts.approve_renewal", is_school_leader)
rules.add_perm("contracts.view_renewals", is_hr_officer | is_school_leader)
