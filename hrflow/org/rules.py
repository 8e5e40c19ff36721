import rules

from .predicates import oversees

rules.add_perm("org.view_school", oversees)
rules.add_perm("org.view_compliance", oversees)
