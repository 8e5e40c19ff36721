"""Seams for the workflows above contracts.

`contract_not_renewed` is sent after the commit that approves not renewing a contract, with
`case` (the RenewalCase) and `acting_user`: the exit workflow (issue 12) connects to it and opens
the exit case (ground: contract not renewed). Until then the contract simply ends on its last day.
"""

from django.dispatch import Signal

contract_not_renewed = Signal()
