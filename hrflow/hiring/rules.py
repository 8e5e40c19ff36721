import rules

from hrflow.org.predicates import is_hr_officer, is_school_leader, oversees

rules.add_perm("hiring.view_round", oversees)
rules.add_perm("hiring.add_round", is_hr_officer)  # object: the school
rules.add_perm("hiring.manage_round", is_hr_officer)  # object: the round
rules.add_perm("hiring.lead_round", is_school_leader)
rules.add_perm("hiring.view_applicant_sensitive", is_hr_officer)  # HR of the round's school only
