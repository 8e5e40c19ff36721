"""Probation limits for a new contract: 劳动合同法 art. 19 and 事业单位人事管理条例 art. 13."""

from .errors import PolicyInputError
from .i18n import gettext_noop as _

INSTITUTIONAL = "institutional"  # 聘用合同 (establishment staff)
LABOUR = "labour"  # 劳动合同 (contract and dispatched staff)


def probation_months_allowed(kind: str, term_months: int | None, *, first_with_employer: bool = True) -> int:
    """The longest probation, in months, for a contract of `term_months` (None = open-ended).

    INST-PROBATION: a first institutional contract of 3 years or more has 12 months' probation.
    LAW-PROBATION: ≥3 months and <1 year: 1 month; 1 to <3 years: 2 months; ≥3 years or
    open-ended: 6 months; under 3 months: none; one probation per employer and person.
    """
    if kind not in (INSTITUTIONAL, LABOUR):
        raise PolicyInputError(_("Unknown contract kind %(kind)r."), {"kind": kind}, field="kind")
    if term_months is not None and (isinstance(term_months, bool) or not isinstance(term_months, int) or term_months < 0):
        raise PolicyInputError(_("term_months must be a whole number of months."), field="term_months")
    if not first_with_employer:
        return 0
    if kind == INSTITUTIONAL:
        if term_months is None or term_months >= 36:
            return 12
        # The 条例 speaks only of terms of 3 years or more; shorter ones fall back to art. 19
        # (劳动合同法 art. 96).
    if term_months is None or term_months >= 36:
        return 6
    if term_months >= 12:
        return 2
    if term_months >= 3:
        return 1
    return 0
