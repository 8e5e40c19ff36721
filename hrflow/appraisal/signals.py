"""What the appraisal tells the workflows above it (the exit issue builds the exit review):
sent after the transaction commits, so a listener never sees a rolled-back veto.

`exit_review_due(sender, appraisal, rule, reason, acting_user)`: an exit review (人员退出机制) is due
for the appraisal's person: rule "VETO-EXIT" (a final veto) or "INST-EXIT-GRADE" (不合格 two years
running, 条例 art. 16). Leadership decides the outcome, citing the legal ground.
"""

from django.dispatch import Signal

exit_review_due = Signal()
