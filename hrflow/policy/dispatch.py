"""LAW-DISPATCH: dispatched workers (被派遣劳动者) at most 10% of the workforce (用工总量).

劳动合同法 art. 66 keeps dispatch to temporary, auxiliary or substitute posts and leaves the
share to the labour ministry; 劳务派遣暂行规定 art. 4 sets it: the dispatched workers an employer
uses may not exceed (不得超过) 10% of its 用工总量, defined there as the people under a contract
with the employer plus the dispatched workers it uses. 不超过 includes the number itself (Civil
Code art. 1259): exactly 10% is allowed, anything above is flagged. A hard rule (不得).

Who counts, as HRflow reads it (the compliance page says so):
- the school's current staff (any status but left) of the types in WORKFORCE_TYPES: establishment
  staff (their 聘用合同 is the institution's contract, 劳动合同法 art. 96), contract staff (劳动合同)
  and the dispatched staff themselves;
- not purchased-service staff (政府购买服务): the service company employs them, the school holds no
  contract with them (STAFF-PURCHASE), so they are in nobody's 用工总量 here;
- HRflow records logistics staff only. Teachers and other staff of the school are outside it, so
  the share is of the logistics workforce: stricter than the whole school's, a flag to look at.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .catalogue import RULES
from .errors import PolicyInputError, whole_count
from .i18n import gettext_noop as _
from .staffing import StaffingLine

DISPATCH_RULE = "LAW-DISPATCH"
DISPATCHED = "dispatched"
# 劳务派遣暂行规定 art. 4: 订立劳动合同人数 + 使用的被派遣劳动者人数.
WORKFORCE_TYPES = ("establishment", "contract", DISPATCHED)
OUTSIDE_WORKFORCE = ("purchased_service",)
MAX_SHARE_PERCENT = 10


def dispatch_limit(workforce: int) -> int:
    """The most dispatched workers a workforce of `workforce` (dispatched included) may hold."""
    return whole_count(workforce, "workforce") * MAX_SHARE_PERCENT // 100


def dispatch_ok(*, dispatched: int, workforce: int) -> bool:
    """True when `dispatched` is at most 10% of `workforce` (exact: no rounding of a share)."""
    dispatched, workforce = whole_count(dispatched, "dispatched"), whole_count(workforce, "workforce")
    if dispatched > workforce:
        raise PolicyInputError(
            _("The dispatched staff (%(dispatched)d) are part of the workforce (%(workforce)d) and cannot exceed it."),
            {"dispatched": dispatched, "workforce": workforce}, field="dispatched",
        )
    return dispatched * 100 <= workforce * MAX_SHARE_PERCENT


def dispatch_share(*, dispatched: int, workforce: int) -> float | None:
    """The dispatched share of the workforce (0.125 for 12.5%), None without any workforce."""
    dispatch_ok(dispatched=dispatched, workforce=workforce)  # validates
    return dispatched / workforce if workforce else None


def workforce_counts(staff_by_type: Mapping[str, int]) -> tuple[int, int]:
    """(dispatched, workforce) from current staff counted per employment type."""
    dispatched = workforce = 0
    for kind, n in staff_by_type.items():
        n = whole_count(n, kind)
        if kind in WORKFORCE_TYPES:
            workforce += n
            dispatched += n if kind == DISPATCHED else 0
        elif kind not in OUTSIDE_WORKFORCE:
            raise PolicyInputError(
                _("Unknown employment type %(value)r."), {"value": kind}, field="employment_type",
            )
    return dispatched, workforce


def check_dispatch(staff_by_type: Mapping[str, int]) -> StaffingLine:
    """The school's LAW-DISPATCH line: `required` is the most dispatched staff allowed, `actual`
    the dispatched staff; `params` add the workforce and the share in per cent (one decimal)."""
    dispatched, workforce = workforce_counts(staff_by_type)
    rule = RULES[DISPATCH_RULE]
    ok = dispatch_ok(dispatched=dispatched, workforce=workforce)
    if workforce:
        template = _("%(actual)d of %(workforce)d staff are dispatched (%(share)s%%); at most %(required)d (10%%) may be.")
    else:
        template = _("No staff employed by the school or dispatched to it: there is no share to check.")
    share = dispatch_share(dispatched=dispatched, workforce=workforce)
    params = {
        "required": dispatch_limit(workforce), "actual": dispatched, "workforce": workforce,
        "share": f"{share * 100:.1f}" if share is not None else "",
    }
    return StaffingLine(
        rule=rule.id, clause=rule.clause, hard=rule.hard, required=params["required"], actual=dispatched, ok=ok,
        template=template, params=params,
    )


def dispatch_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Per school (columns `dispatched`, `workforce`): `dispatch_share` (NaN without a workforce)
    and `dispatch_ok`, the same test as dispatch_ok() in whole numbers."""
    dispatched = frame["dispatched"].to_numpy(dtype=np.int64)
    workforce = frame["workforce"].to_numpy(dtype=np.int64)
    if (dispatched < 0).any() or (dispatched > workforce).any():
        raise PolicyInputError(_("Dispatched staff must be between 0 and the workforce."), {}, field="dispatched")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(workforce > 0, dispatched / np.where(workforce > 0, workforce, 1), np.nan)
    return frame.assign(dispatch_share=share, dispatch_ok=dispatched * 100 <= workforce * MAX_SHARE_PERCENT)


def area_dispatch_share(dispatched: int, workforce: int) -> float | None:
    """An area's share: its schools' dispatched over their workforce (not a mean of shares)."""
    return dispatched / workforce if workforce else None
