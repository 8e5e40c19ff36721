import rules

from hrflow.org.predicates import is_auditor

# Auditors read the history of everything in their scope and change nothing.
rules.add_perm("audit.view_history", is_auditor)
