"""Appraisal: the composite of self, peer and leadership evaluation (川教函〔2021〕569号 三(四)2:
自评、互评、综合测评), grades under the 优秀 quota (INST-GRADES, 事业单位人事管理条例 art. 21), the
one-vote veto's grade (VETO-GRADE, 四(二)) and the reward pool split to the fen (三(四)2, 按劳分配).

Signatures pinned by issue 11. Arithmetic is exact: scores are whole hundredths of a point and
money whole fen (Python ints), so nothing is rounded before the one rounding the rule asks for.
`appraisal_bulk` applies the very same rules to DataFrames; property tests hold the two together.
"""

import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .errors import PolicyInputError, whole_count
from .i18n import gettext_noop as _


class Grade(StrEnum):
    """INST-GRADES (事业单位人事管理条例 art. 21). The codes are the glossary's."""

    EXCELLENT = "excellent"  # 优秀
    COMPETENT = "competent"  # 合格
    BASIC = "basic"  # 基本合格
    INCOMPETENT = "incompetent"  # 不合格


# Local practice (POLICY.md): settings of the cycle with these defaults, never hard-coded rules.
DEFAULT_WEIGHTS = (10, 30, 60)  # self / peer / leadership, per cent
DEFAULT_EXCELLENT_SHARE = Decimal("0.20")  # 优秀 at most 20% of a unit
DEFAULT_TRIM_FROM = 5
MIN_TRIM_FROM = 3  # dropping the highest and the lowest must leave a score
SCORE_PLACES = 2  # scores and composites: whole hundredths of a point
MONEY_PLACES = 2  # yuan to the fen
SHARE_PLACES = 6  # pay-share weights and the 优秀 share: enough for coefficient × days, and bounded
MAX_SCORE = 100
# Far above any school's reward pool (and keeps a pool in fen within a 64-bit integer); a bound,
# so a Decimal such as 1E+999999999 is refused instead of exhausting memory.
MONEY_LIMIT = 10**15
SHARE_LIMIT = 10**15

# No sign, exponent, NaN or Infinity: text such as "1e3" or "Infinity" is a typo, not a score.
PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)

SCORE_MESSAGE = _("%(field)s must be a score from 0 to 100 with at most 2 decimal places, got %(value)r.")
MONEY_MESSAGE = _("%(field)s must be an amount in yuan from 0 to 10^15, with at most 2 decimal places, got %(value)r.")
SHARE_MESSAGE = _("The share of %(key)r must be a number from 0 to 10^15 with at most 6 decimal places, got %(value)r.")


def _exact(value) -> Decimal | int | None:
    """The exact number an int, a Decimal or plain decimal text stands for; None for anything else.

    A float is refused: 0.1 is not exact, and money and scores never pass through one.
    """
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and PLAIN_NUMBER.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


def _units(value, *, places: int, upper: int, inclusive: bool) -> int | None:
    """`value` in whole units of 10**-places, or None when it is not a number from 0 to `upper`
    with at most `places` decimal places."""
    amount = _exact(value)
    if amount is None or amount < 0 or amount > upper or (amount == upper and not inclusive):
        return None
    if isinstance(amount, int):
        return amount * 10**places
    _sign, digits, exponent = amount.as_tuple()
    coefficient = int("".join(map(str, digits)))
    shift = exponent + places
    if coefficient == 0:
        return 0
    if shift >= 0:  # bounded: the value is at most `upper`
        return coefficient * 10**shift
    if -shift > len(digits):  # more places than digits: a fraction of a unit remains
        return None
    units, rest = divmod(coefficient, 10**-shift)
    return None if rest else units


def score_hundredths(value, field: str = "score", label: str | None = None) -> int:
    """A score of 0–100 (int, plain decimal text or Decimal, at most 2 places) in hundredths.
    `label` names the score in the message (e.g. "peer_scores[3]"); `field` is the input field."""
    units = _units(value, places=SCORE_PLACES, upper=MAX_SCORE, inclusive=True)
    if units is None:
        raise PolicyInputError(SCORE_MESSAGE, {"field": label or field, "value": value}, field=field)
    return units


def money_fen(value, field: str = "pool") -> int:
    """An amount in yuan (int, plain decimal text or Decimal, at most 2 places) in fen."""
    units = _units(value, places=MONEY_PLACES, upper=MONEY_LIMIT, inclusive=False)
    if units is None:
        raise PolicyInputError(MONEY_MESSAGE, {"field": field, "value": value}, field=field)
    return units


def share_units(value, key=None) -> int:
    """A pay-share weight in millionths."""
    units = _units(value, places=SHARE_PLACES, upper=SHARE_LIMIT, inclusive=False)
    if units is None:
        raise PolicyInputError(SHARE_MESSAGE, {"key": key, "value": value}, field="shares")
    return units


def check_weights(weights) -> tuple[int, int, int]:
    """(self, peer, leadership) per cent: three whole numbers of 0 or more adding up to 100."""
    if (
        isinstance(weights, (tuple, list))
        and len(weights) == 3
        and all(isinstance(w, numbers.Integral) and not isinstance(w, bool) and w >= 0 for w in weights)
        and sum(weights) == 100
    ):
        return tuple(int(w) for w in weights)
    raise PolicyInputError(
        _("The weights must be three whole numbers of 0 or more (self, peer, leadership) adding up to 100, got %(value)r."),
        {"value": weights}, field="weights",
    )


def check_trim_from(trim_from) -> int:
    if isinstance(trim_from, bool) or not isinstance(trim_from, numbers.Integral) or trim_from < MIN_TRIM_FROM:
        raise PolicyInputError(
            _("%(field)s must be a whole number of 3 or more, got %(value)r."),
            {"field": "trim_from", "value": trim_from}, field="trim_from",
        )
    return int(trim_from)


NO_PEER_MESSAGE = _("There is no peer score: the committee decides how this person is scored, never as zero.")


def composite_hundredths(self_h: int, peer_sum: int, peer_count: int, leader_h: int, weights) -> int:
    """The composite in hundredths, rounded half up (四舍五入) once, at the end.

    (w_self·self + w_peer·(peer_sum / n) + w_leader·leader) / 100, put over the common denominator
    100·n so that it stays an exact integer fraction. Everything is ≥ 0, so half up is floor(x + ½).
    """
    w_self, w_peer, w_leader = weights
    numerator = peer_count * (w_self * self_h + w_leader * leader_h) + w_peer * peer_sum
    denominator = 100 * peer_count
    return (2 * numerator + denominator) // (2 * denominator)


def from_hundredths(units: int) -> Decimal:
    """Whole hundredths (of a point, or fen of a yuan) as a Decimal with 2 places: 8533 → 85.33."""
    return Decimal(units).scaleb(-2)


def composite_score(*, self_score, peer_scores, leader_score, weights=DEFAULT_WEIGHTS,
                    trim_from=DEFAULT_TRIM_FROM) -> Decimal:
    """The composite evaluation (综合测评, 川教函〔2021〕569号 三(四)2) of one person, 0–100, 2 places.

    `weights` are the cycle's (self, peer, leadership) per cent (POLICY.md local practice, default
    10/30/60). The peer part is the mean of `peer_scores` after dropping one highest and one lowest
    when there are at least `trim_from` of them (≥ 3, so a score is always left). Scores are ints,
    plain decimal text or Decimals from 0 to 100 with at most 2 places; floats, NaN, Infinity,
    exponents ("1e3") and bools are refused. A part of weight 0 must still be given: a missing
    part is the committee's decision (the caller passes the weights it recorded), never a zero.
    """
    weights = check_weights(weights)
    trim_from = check_trim_from(trim_from)
    self_h = score_hundredths(self_score, "self_score")
    leader_h = score_hundredths(leader_score, "leader_score")
    if isinstance(peer_scores, (str, bytes, Mapping)) or not isinstance(peer_scores, Iterable):
        raise PolicyInputError(_("%(field)s must be a list of scores, got %(value)r."),
                               {"field": "peer_scores", "value": peer_scores}, field="peer_scores")
    peers = [score_hundredths(s, "peer_scores", f"peer_scores[{i}]") for i, s in enumerate(peer_scores)]
    if not peers:
        raise PolicyInputError(NO_PEER_MESSAGE, field="peer_scores")
    total, n = sum(peers), len(peers)
    if n >= trim_from:
        total, n = total - max(peers) - min(peers), n - 2
    return from_hundredths(composite_hundredths(self_h, total, n, leader_h, weights))


NO_PART_MESSAGE = _("No part with a weight is present: this person cannot be scored; the committee may decide not to grade them.")


def composite_of_parts_hundredths(*, weights, self_h: int | None, peer: tuple[int, int] | None, leader_h: int | None) -> int:
    """The composite over the parts present, their weights re-normalised to their sum, in hundredths
    rounded half up once: what the committee records for someone lacking a part (issue 11: never
    scored as zero, never divided by a part they lack). `peer` is (sum, count) of the peer scores
    used. With all three parts present this is `composite_hundredths`."""
    w_self, w_peer, w_leader = check_weights(weights)
    peer_sum, peer_count = peer if peer is not None and peer[1] > 0 else (0, 1)
    present = (w_self if self_h is not None else 0) + (w_peer if peer is not None and peer[1] > 0 else 0) + (w_leader if leader_h is not None else 0)
    if present == 0:
        raise PolicyInputError(NO_PART_MESSAGE, field="weights")
    numerator = peer_count * ((w_self * self_h if self_h is not None else 0) + (w_leader * leader_h if leader_h is not None else 0))
    if peer is not None and peer[1] > 0:
        numerator += w_peer * peer_sum
    denominator = present * peer_count
    return (2 * numerator + denominator) // (2 * denominator)


def trimmed_peer(total: int, count: int, lowest: int, highest: int, trim_from: int) -> tuple[int, int]:
    """(sum, count) of the peer scores used: one highest and one lowest dropped from `trim_from` answers."""
    if count >= check_trim_from(trim_from):
        return total - lowest - highest, count - 2
    return total, count


def share_fraction(share) -> tuple[int, int]:
    """The 优秀 share as (numerator, denominator) of an exact fraction from 0 to 1."""
    units = _units(share, places=SHARE_PLACES, upper=1, inclusive=True)
    if units is None:
        raise PolicyInputError(_("%(field)s must be a share from 0 to 1 with at most 6 decimal places, got %(value)r."),
                               {"field": "share", "value": share}, field="share")
    return units, 10**SHARE_PLACES


def excellent_quota(enrolled, *, share=DEFAULT_EXCELLENT_SHARE) -> int:
    """Places for 优秀 in a unit of `enrolled` people: enrolled × share, rounded down (a unit of 4
    at 20% has none). The share is the unit's setting (POLICY.md, default at most 20%)."""
    enrolled = whole_count(enrolled, "enrolled")
    numerator, denominator = share_fraction(share)
    return enrolled * numerator // denominator


def check_thresholds(excellent_min, pass_min, basic_min) -> tuple[int, int, int]:
    """The thresholds in hundredths; basic_min ≤ pass_min ≤ excellent_min. Equal ones are allowed:
    basic_min = pass_min grades 合格 / 不合格 only, as a term evaluation (聘期考核) does."""
    ex = score_hundredths(excellent_min, "excellent_min")
    ok = score_hundredths(pass_min, "pass_min")
    basic = score_hundredths(basic_min, "basic_min")
    if not basic <= ok <= ex:
        raise PolicyInputError(
            _("The thresholds must satisfy basic_min ≤ pass_min ≤ excellent_min, got %(basic)s, %(pass)s and %(excellent)s."),
            {"basic": basic_min, "pass": pass_min, "excellent": excellent_min}, field="pass_min",
        )
    return ex, ok, basic


def grade_by_threshold(composite_h: int, pass_h: int, basic_h: int) -> str:
    """合格 from pass_min, 基本合格 from basic_min, 不合格 below: "from" includes the number (以上)."""
    if composite_h >= pass_h:
        return Grade.COMPETENT.value
    if composite_h >= basic_h:
        return Grade.BASIC.value
    return Grade.INCOMPETENT.value


@dataclass(frozen=True)
class GradeResult:
    """`grades`: every key → a Grade code, or None for those tied at the cut (leadership decides).
    `tied`: those keys, in the input's order. `places_left`: the 优秀 places not given; when `tied`
    is not empty, the number leadership gives among them (0 < places_left < len(tied)); otherwise
    places nobody qualified for."""

    grades: dict = field(default_factory=dict)
    tied: tuple = ()
    places_left: int = 0


def assign_grades(composites, *, quota, vetoed=(), excellent_min=85, pass_min=60, basic_min=50) -> GradeResult:
    """Grades of one grading unit (INST-GRADES: 优秀 / 合格 / 基本合格 / 不合格).

    - VETO-GRADE (一票否决, 四(二)): a vetoed key is 不合格 whatever its composite, and takes no
      优秀 place. A vetoed key needs no composite: it is graded even when absent from `composites`.
    - 优秀 goes from the top, among those at or above `excellent_min`, a whole group of equal
      composites at a time, while places remain. A group larger than the places left is never
      broken silently: each of its keys gets None and is listed in `tied`; those below it get the
      grade their thresholds give (from excellent_min they are 合格).
    - The others: from `pass_min` 合格, from `basic_min` 基本合格, below 不合格.
    `quota` is the unit's number of 优秀 places (see `excellent_quota`). Composites are Decimals
    (ints or plain text accepted) from 0 to 100 with at most 2 places, as composite_score gives.
    """
    if not isinstance(composites, Mapping):
        raise PolicyInputError(_("%(field)s must be a mapping of keys to composite scores, got %(value)r."),
                               {"field": "composites", "value": composites}, field="composites")
    quota = whole_count(quota, "quota")
    excellent_h, pass_h, basic_h = check_thresholds(excellent_min, pass_min, basic_min)
    if isinstance(vetoed, (str, bytes)) or not isinstance(vetoed, Iterable):
        raise PolicyInputError(_("%(field)s must be a collection of keys, got %(value)r."),
                               {"field": "vetoed", "value": vetoed}, field="vetoed")
    vetoed = list(dict.fromkeys(vetoed))
    vetoed_set = set(vetoed)
    scores = {key: score_hundredths(value, "composites", f"composites[{key!r}]") for key, value in composites.items()}

    by_score: dict[int, list] = {}
    for key, h in scores.items():
        if h >= excellent_h and key not in vetoed_set:
            by_score.setdefault(h, []).append(key)
    grades: dict = {}
    tied: list = []
    places = quota
    for h in sorted(by_score, reverse=True):
        group = by_score[h]
        if len(group) > places:
            if places:  # a group that would overflow the places: leadership decides
                tied = group
            break
        for key in group:
            grades[key] = Grade.EXCELLENT.value
        places -= len(group)
    tied_set = set(tied)
    result = {}
    for key, h in scores.items():
        if key in vetoed_set:
            result[key] = Grade.INCOMPETENT.value  # VETO-GRADE, no override
        elif key in tied_set:
            result[key] = None
        else:
            result[key] = grades.get(key) or grade_by_threshold(h, pass_h, basic_h)
    for key in vetoed:
        result.setdefault(key, Grade.INCOMPETENT.value)
    return GradeResult(grades=result, tied=tuple(tied), places_left=places)


ZERO_SHARES_MESSAGE = _("The pool of %(pool)s yuan cannot be split: every share is zero.")


def split_fen(fen: int, weights: list[int]) -> list[int]:
    """`fen` split in proportion to integer `weights`: each its share rounded down, then the fen
    left over one each to the largest remainders, ties in list order. Sums to `fen` exactly."""
    total = sum(weights)
    floors, remainders = [], []
    for w in weights:
        q, r = divmod(fen * w, total)
        floors.append(q)
        remainders.append(r)
    leftover = fen - sum(floors)  # < len(weights): each remainder is under one fen
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
        floors[i] += 1
    return floors


def allocate_pool(pool, shares) -> dict:
    """A school's reward pool (奖励性绩效工资, 三(四)2 按劳分配) split by `shares`, to the fen.

    `pool` is yuan (Decimal, int or plain text; at most 2 places; floats refused: money is never a
    float). `shares` maps a key to a weight of 0 or more, e.g. grade coefficient × days worked
    (at most 6 places). Each key gets its share rounded down to the fen; the fen left over go one
    each to the largest remainders, ties in the mapping's order; the amounts sum to the pool
    exactly. A vetoed person's weight is 0 (VETO-PAY): the caller sets it. Shares that are all 0
    (or none) cannot split a non-zero pool: PolicyInputError, since handing it out equally would
    pay people the rule gives nothing; a zero pool gives everyone 0.00.
    """
    fen = money_fen(pool, "pool")
    if not isinstance(shares, Mapping):
        raise PolicyInputError(_("%(field)s must be a mapping of keys to shares, got %(value)r."),
                               {"field": "shares", "value": shares}, field="shares")
    keys = list(shares)
    weights = [share_units(shares[key], key) for key in keys]
    if not any(weights):
        if fen:
            raise PolicyInputError(ZERO_SHARES_MESSAGE, {"pool": from_hundredths(fen)}, field="shares")
        return {key: from_hundredths(0) for key in keys}
    return {key: from_hundredths(amount) for key, amount in zip(keys, split_fen(fen, weights))}
