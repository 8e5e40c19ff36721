"""The appraisal rules of `appraisal` for a whole cycle at once: composites, grades per unit and
the reward pool per school, as DataFrames.

Vectorised integer arithmetic (scores in hundredths, money in fen, shares in millionths), so the
result is exactly the scalar functions' one, row by row (tests/policy/test_appraisal_bulk.py holds
them together). Values the vectorised path cannot read (a Decimal in exponent form, text with
spaces, a float, NaN) go one by one through the scalar parser, so every error is the scalar's own;
every bad row is reported at once, with its key and field.
"""

from collections.abc import Mapping
from functools import cache

import numpy as np
import pandas as pd

from .appraisal import (
    DEFAULT_EXCELLENT_SHARE,
    DEFAULT_TRIM_FROM,
    DEFAULT_WEIGHTS,
    MAX_SCORE,
    NO_PEER_MESSAGE,
    SCORE_PLACES,
    SHARE_LIMIT,
    SHARE_PLACES,
    ZERO_SHARES_MESSAGE,
    Grade,
    check_thresholds,
    check_trim_from,
    check_weights,
    from_hundredths,
    money_fen,
    score_hundredths,
    share_fraction,
    share_units,
)
from .bulk import BulkInputError, RowError
from .errors import PolicyInputError, whole_count
from .i18n import gettext_noop as _

_INT64_SAFE = 2**62


class FrameInputError(BulkInputError):
    """Some rows of an appraisal frame cannot be used; `errors` lists every one of them."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        fields = {e.field for e in errors}
        PolicyInputError.__init__(self, _("%(count)d rows cannot be used as they are."), {"count": len(errors)},
                                  field=fields.pop() if len(fields) == 1 else None)


def _require(frame: pd.DataFrame, columns, name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise PolicyInputError(_("%(field)s must be a DataFrame."), {"field": name}, field=name)
    for column in columns:
        if column not in frame.columns:
            raise PolicyInputError(_("%(field)s has no column %(column)s."), {"field": name, "column": column}, field=column)


def _row_error(errors: list, key, error: PolicyInputError) -> None:
    errors.append(RowError(key, error.field, error.template, error.params))


def _read_units(values: pd.Series, keys: np.ndarray, errors: list, *, places: int, upper: int,
                parse) -> tuple[np.ndarray, np.ndarray]:
    """`values` in whole units of 10**-places, and a mask of the rows read. int64, or Python ints
    in an object array when one does not fit. `parse(value, key)` is the scalar reader: rows the
    vectorised path cannot read (out of range, a float, NaN, exponent form) go through it."""
    n = len(values)
    units = np.zeros(n, dtype=np.int64)
    slow = np.ones(n, dtype=bool)
    scale = 10**places
    # In units, inclusive (scores go to 100; a share of 10^15 needs more digits than the fast path reads).
    fast_upper = min(upper * scale, _INT64_SAFE)
    dtype = values.dtype
    raw_ints = None
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype) and not values.isna().any():
        raw_ints = values.to_numpy(dtype=np.int64)
    elif dtype == object or pd.api.types.is_string_dtype(dtype):
        kind = pd.api.types.infer_dtype(values, skipna=False)
        if kind == "integer":
            try:
                raw_ints = values.to_numpy().astype(np.int64)
            except OverflowError:
                pass
        elif kind in ("decimal", "string"):
            read, readable = _read_plain(values.to_numpy(dtype=object), places)
            inside = readable & (read <= fast_upper)  # out of range: the scalar reader words the error
            units = np.where(inside, read, 0)
            slow = ~inside
    if raw_ints is not None:
        fits = (raw_ints >= 0) & (raw_ints <= fast_upper // scale)
        units = np.where(fits, raw_ints, 0) * scale
        slow = ~fits
    return _read_slow(values, keys, errors, units, slow, parse)


_WIDTH = 24  # characters the fast path reads; longer text goes to the scalar parser
_CHUNK = 1 << 18  # rows at a time: bounds the character matrix's memory


def _read_plain(texts: np.ndarray, places: int) -> tuple[np.ndarray, np.ndarray]:
    """Plain decimal text (or Decimals, as str() writes them) in units of 10**-places, read as a
    matrix of characters, and the mask of the rows read: digits with at most one point inside
    them, no sign, exponent or space, at most 18 - places whole digits, and no non-zero digit
    beyond `places` decimals. Anything else is left to the scalar parser."""
    n = len(texts)
    units = np.zeros(n, dtype=np.int64)
    readable = np.zeros(n, dtype=bool)
    pow10 = 10 ** np.arange(19, dtype=np.int64)
    for start in range(0, n, _CHUNK):
        chunk = texts[start:start + _CHUNK].astype(f"U{_WIDTH}")  # str() of each; longer is cut, so refused below
        length = np.strings.str_len(chunk)
        width = max(int(length.max(initial=1)), 1)
        chars = chunk.view(np.uint32).reshape(len(chunk), _WIDTH)[:, :width].astype(np.int64)
        position = np.arange(width)
        inside = position < length[:, None]
        digit = (chars >= 48) & (chars <= 57) & inside
        point = (chars == 46) & inside
        points = point.sum(axis=1)
        point_at = np.where(points == 1, point.argmax(axis=1), length)
        power = np.where(position < point_at[:, None], places + point_at[:, None] - 1 - position,
                         places - (position - point_at[:, None]))
        ok = ((digit | point | ~inside).all(axis=1) & (points <= 1) & digit[:, 0] & (length < _WIDTH)
              & ((point_at < length - 1) | (points == 0)) & (point_at <= 18 - places)
              & ~(digit & (power < 0) & (chars != 48)).any(axis=1))
        values = np.where(digit & (power >= 0), (chars - 48) * pow10[np.clip(power, 0, 18)], 0).sum(axis=1)
        units[start:start + len(chunk)] = np.where(ok, values, 0)
        readable[start:start + len(chunk)] = ok
    return units, readable


def _read_slow(values: pd.Series, keys, errors: list, units: np.ndarray, slow: np.ndarray, parse):
    ok = np.ones(len(values), dtype=bool)
    idx = np.flatnonzero(slow)
    if len(idx):
        raw = values.to_numpy(dtype=object)
        read = {}
        for i in idx:  # only values the vectorised path cannot read: errors, mostly
            try:
                read[i] = parse(raw[i], keys[i])
            except PolicyInputError as error:
                _row_error(errors, keys[i], error)
                ok[i] = False
        if any(v >= _INT64_SAFE for v in read.values()):
            units = units.astype(object)
        for i, v in read.items():
            units[i] = v
    return units, ok


def _duplicates(keys: pd.Series, errors: list, field: str = "key") -> None:
    for key in keys[keys.duplicated()].unique():
        errors.append(RowError(key, field, _("%(key)r appears more than once."), {"key": key}))


def _decimals(units: np.ndarray) -> np.ndarray:
    """Whole hundredths as Decimals with 2 places, the form the ORM writes."""
    return np.array([from_hundredths(u) for u in units.tolist()], dtype=object)


@cache
def _score_decimals() -> np.ndarray:
    """Every score from 0.00 to 100.00 as a Decimal: a composite is one of them (Decimals are immutable)."""
    return _decimals(np.arange(MAX_SCORE * 10**SCORE_PLACES + 1))


def composite_frame(people: pd.DataFrame, peers: pd.DataFrame, *, weights=DEFAULT_WEIGHTS,
                    trim_from=DEFAULT_TRIM_FROM) -> pd.DataFrame:
    """`composite_score` for every person of a cycle (综合测评, 三(四)2).

    `people`: one row per person, columns key, self_score, leader_score. `peers`: the peer ratings
    as a long frame, one row per rating, columns key (the rated person) and score. Scores as in
    composite_score; an integer column is whole points, the fast form.
    Returns `people` with: composite (Decimal, 2 places), composite_hundredths (int64, the same),
    peer_count (ratings received) and peers_used (after dropping the highest and the lowest).
    Raises FrameInputError listing every bad row: a bad score, a person without a peer score, a
    rating for someone not in `people`, a key twice.
    """
    weights = check_weights(weights)
    trim_from = check_trim_from(trim_from)
    _require(people, ("key", "self_score", "leader_score"), "people")
    _require(peers, ("key", "score"), "peers")
    errors: list[RowError] = []
    person_keys = people["key"]
    keys = person_keys.to_numpy(dtype=object)
    _duplicates(person_keys, errors)
    index = pd.Index(person_keys).unique()
    self_h, _ok = _read_units(people["self_score"], keys, errors, places=SCORE_PLACES, upper=MAX_SCORE,
                              parse=lambda v, k: score_hundredths(v, "self_score"))
    leader_h, _ok = _read_units(people["leader_score"], keys, errors, places=SCORE_PLACES, upper=MAX_SCORE,
                                parse=lambda v, k: score_hundredths(v, "leader_score"))
    rated = peers["key"].to_numpy(dtype=object)
    peer_h, _ok = _read_units(peers["score"], rated, errors, places=SCORE_PLACES, upper=MAX_SCORE,
                              parse=lambda v, k: score_hundredths(v, "peer_scores"))
    codes = index.get_indexer(peers["key"])  # a row of `people` once its keys are unique
    for key in pd.unique(rated[codes < 0]):
        errors.append(RowError(key, "peer_scores", _("A peer score for %(key)r, who is not among the people."), {"key": key}))
    for key in index[np.bincount(codes[codes >= 0], minlength=len(index)) == 0]:
        errors.append(RowError(key, "peer_scores", NO_PEER_MESSAGE, {}))
    if errors:
        raise FrameInputError(errors)
    stats = (pd.DataFrame({"code": codes, "score": peer_h.astype(np.int64)})
             .groupby("code", sort=False)["score"].agg(["count", "sum", "max", "min"])
             .reindex(range(len(people)), fill_value=0))
    n = stats["count"].to_numpy(dtype=np.int64)
    trim = (n >= trim_from).astype(np.int64)
    highest, lowest = stats["max"].to_numpy(dtype=np.int64), stats["min"].to_numpy(dtype=np.int64)
    total = stats["sum"].to_numpy(dtype=np.int64) - trim * (highest + lowest)
    used = n - 2 * trim
    w_self, w_peer, w_leader = weights
    # composite_hundredths(), vectorised: at most 2·10^6 ratings × 10^6 stays far inside int64.
    numerator = used * (w_self * self_h.astype(np.int64) + w_leader * leader_h.astype(np.int64)) + w_peer * total
    denominator = 100 * used
    composite = (2 * numerator + denominator) // (2 * denominator)
    return people.assign(composite=_score_decimals()[composite], composite_hundredths=composite, peer_count=n, peers_used=used)


def excellent_quota_frame(enrolled: pd.Series, *, share=DEFAULT_EXCELLENT_SHARE) -> pd.Series:
    """`excellent_quota` for each unit: `enrolled` maps a unit to its head count."""
    numerator, denominator = share_fraction(share)
    if not isinstance(enrolled, pd.Series):
        raise PolicyInputError(_("%(field)s must map each unit to its head count."), {"field": "enrolled"}, field="enrolled")
    for value in enrolled.to_numpy(dtype=object):  # one per unit: a few thousand at most
        whole_count(value, "enrolled")
    return pd.Series(enrolled.to_numpy(dtype=np.int64) * numerator // denominator, index=enrolled.index, name="quota")


def assign_grades_frame(frame: pd.DataFrame, *, quotas, excellent_min=85, pass_min=60, basic_min=50) -> pd.DataFrame:
    """`assign_grades` for every grading unit at once (INST-GRADES; VETO-GRADE for vetoed rows).

    `frame`: columns unit, key, composite, and optionally vetoed (bool; absent means none). A
    vetoed row may lack its composite (None/NaN); any other may not. `quotas` maps each unit to its
    优秀 places (a Mapping or Series, e.g. from excellent_quota_frame). A key appears once.
    Returns `frame` with grade (a Grade code, or None where tied at the cut), tied (bool) and
    places_left (the unit's, on each of its rows).
    """
    excellent_h, pass_h, basic_h = check_thresholds(excellent_min, pass_min, basic_min)
    _require(frame, ("unit", "key", "composite"), "frame")
    if not isinstance(quotas, (Mapping, pd.Series)):
        raise PolicyInputError(_("%(field)s must map each unit to its number of places."), {"field": "quotas"}, field="quotas")
    quota_of = {unit: whole_count(q, "quota") for unit, q in quotas.items()}
    errors: list[RowError] = []
    keys = frame["key"].to_numpy(dtype=object)
    _duplicates(frame["key"], errors)
    n = len(frame)
    if "vetoed" in frame.columns:
        vetoed_col = frame["vetoed"]
        if pd.api.types.is_bool_dtype(vetoed_col.dtype) and not vetoed_col.isna().any():
            vetoed = vetoed_col.to_numpy(dtype=bool)
        else:
            raw = vetoed_col.to_numpy(dtype=object)
            is_bool = np.array([isinstance(v, (bool, np.bool_)) for v in raw], dtype=bool)
            for i in np.flatnonzero(~is_bool):
                errors.append(RowError(keys[i], "vetoed", _("%(field)s must be true or false, got %(value)r."),
                                       {"field": "vetoed", "value": raw[i]}))
            vetoed = np.where(is_bool, raw, False).astype(bool)
    else:
        vetoed = np.zeros(n, dtype=bool)
    composite_col = frame["composite"]
    missing = composite_col.isna().to_numpy()
    for i in np.flatnonzero(missing & ~vetoed):
        errors.append(RowError(keys[i], "composites", _("The composite is missing; only a vetoed appraisal may lack one."), {}))
    present = ~missing
    h = np.zeros(n, dtype=np.int64)
    read, ok = _read_units(composite_col[present], keys[present], errors, places=SCORE_PLACES, upper=MAX_SCORE,
                           parse=lambda v, k: score_hundredths(v, "composites", f"composites[{k!r}]"))
    h[present] = read.astype(np.int64) * ok
    unit_codes, units = pd.factorize(frame["unit"], use_na_sentinel=False)
    unit_quota = np.zeros(len(units), dtype=np.int64)
    for code, unit in enumerate(units):
        if unit not in quota_of:
            errors.append(RowError(unit, "quotas", _("There is no quota for unit %(unit)r."), {"unit": unit}))
        else:
            unit_quota[code] = quota_of[unit]
    if errors:
        raise FrameInputError(errors)

    grade = np.full(n, Grade.INCOMPETENT.value, dtype=object)
    grade[h >= basic_h] = Grade.BASIC.value
    grade[h >= pass_h] = Grade.COMPETENT.value
    # 优秀 candidates: a group of equal composites in a unit is excellent when the groups above it and
    # itself fit in the quota; the first group that does not fit, with places still left, is tied.
    candidate = np.flatnonzero(present & ~vetoed & (h >= excellent_h))
    tied = np.zeros(n, dtype=bool)
    excellent_count = np.zeros(len(units), dtype=np.int64)
    if len(candidate):
        groups = pd.DataFrame({"unit": unit_codes[candidate], "h": h[candidate]})
        sizes = groups.groupby(["unit", "h"], sort=True).size()
        sizes = sizes.iloc[::-1]  # within a unit, the highest composite first
        through = sizes.groupby(level="unit", sort=False).cumsum()  # this group and those above it
        quota = unit_quota[sizes.index.get_level_values("unit")]
        before = through.to_numpy() - sizes.to_numpy()
        is_excellent = pd.Series(through.to_numpy() <= quota, index=sizes.index)
        is_tied = pd.Series((before < quota) & (through.to_numpy() > quota), index=sizes.index)
        row_index = pd.MultiIndex.from_arrays([unit_codes[candidate], h[candidate]])
        row_excellent = is_excellent.reindex(row_index).to_numpy(dtype=bool)
        row_tied = is_tied.reindex(row_index).to_numpy(dtype=bool)
        grade[candidate[row_excellent]] = Grade.EXCELLENT.value
        grade[candidate[row_tied]] = None
        tied[candidate[row_tied]] = True
        excellent_count = np.bincount(unit_codes[candidate[row_excellent]], minlength=len(units)).astype(np.int64)
    grade[vetoed] = Grade.INCOMPETENT.value  # VETO-GRADE: whatever the scores, no override
    places_left = (unit_quota - excellent_count)[unit_codes]
    # object, not str: a tied row's grade stays None (pandas would make it NaN)
    return frame.assign(grade=pd.Series(grade, index=frame.index, dtype=object), tied=tied, places_left=places_left)


def allocate_pool_frame(pools, shares: pd.DataFrame) -> pd.DataFrame:
    """`allocate_pool` for every school at once (奖励性绩效工资, 三(四)2).

    `pools` maps a school to its reward pool in yuan (a Mapping or Series); `shares` has columns
    school, key, share, and the rows of a school in the order whose ties the scalar breaks by
    mapping order. Returns `shares` with amount (Decimal yuan, 2 places) and amount_fen (int64).
    A school with a pool and no share rows is an error unless its pool is zero, as in the scalar.
    """
    _require(shares, ("school", "key", "share"), "shares")
    if not isinstance(pools, (Mapping, pd.Series)):
        raise PolicyInputError(_("%(field)s must map each school to its pool."), {"field": "pools"}, field="pools")
    errors: list[RowError] = []
    fen_of = {}
    for school, pool in pools.items():
        try:
            fen_of[school] = money_fen(pool, "pool")
        except PolicyInputError as error:
            _row_error(errors, school, error)
    keys = shares["key"].to_numpy(dtype=object)
    twice = shares[shares.duplicated(["school", "key"])]
    for school, key in dict.fromkeys(zip(twice["school"], twice["key"])):
        errors.append(RowError((school, key), "key", _("%(key)r appears more than once."), {"key": (school, key)}))
    w, read_ok = _read_units(shares["share"], keys, errors, places=SHARE_PLACES, upper=SHARE_LIMIT,
                             parse=lambda v, k: share_units(v, k))
    school_codes, schools = pd.factorize(shares["school"], use_na_sentinel=False)
    fen = np.zeros(len(schools), dtype=object)
    pool_schools = set(pools.keys())
    for code, school in enumerate(schools):
        if school not in fen_of:
            if school not in pool_schools:
                errors.append(RowError(school, "pool", _("There is no pool for school %(school)r."), {"school": school}))
        else:
            fen[code] = fen_of[school]
    w = np.asarray(w)
    if w.dtype == np.int64 and len(w):
        # Millionths shrink by their common factor (whole-number weights become themselves again).
        g = int(np.gcd.reduce(w))
        if g > 1:
            w = w // g
        if int(w.max()) * len(w) >= _INT64_SAFE:  # the totals might not fit: Python ints
            w = w.astype(object)
    total = pd.Series(w).groupby(school_codes).sum().reindex(range(len(schools)), fill_value=0).to_numpy(dtype=object)
    with_bad_rows = set(school_codes[~read_ok])
    for code, school in enumerate(schools):
        if total[code] == 0 and fen[code] and code not in with_bad_rows:
            errors.append(RowError(school, "shares", ZERO_SHARES_MESSAGE, {"pool": from_hundredths(fen[code])}))
    with_rows = set(schools)
    for school, pool_fen in fen_of.items():  # a pool with no share rows: the scalar's empty mapping
        if pool_fen and school not in with_rows:
            errors.append(RowError(school, "shares", ZERO_SHARES_MESSAGE, {"pool": from_hundredths(pool_fen)}))
    if errors:
        raise FrameInputError(errors)

    max_w = max((int(x) for x in w), default=0) if w.dtype == object else int(w.max(initial=0))
    max_fen = max((int(f) for f in fen), default=0)
    max_total = max((int(t) for t in total), default=0)
    exact_int64 = max_w * max_fen < _INT64_SAFE and max_total < _INT64_SAFE
    as_type = np.int64 if exact_int64 else object  # else Python ints: slower, still exact
    row_fen = fen.astype(as_type)[school_codes]
    row_total = np.where(total == 0, 1, total).astype(as_type)[school_codes]  # zero pool, zero shares: all get 0
    product = w.astype(as_type) * row_fen
    floor, remainder = product // row_total, product % row_total
    allotted = pd.Series(floor).groupby(school_codes).sum().reindex(range(len(schools)), fill_value=0).to_numpy(dtype=object)
    leftover = (fen - allotted).astype(np.int64)  # fewer than the school's rows: fits
    # The leftover fen, one each, to the largest remainders; ties in the rows' order within a school.
    if exact_int64:
        order = np.lexsort((-remainder, school_codes))  # stable: equal remainders keep the rows' order
    else:
        order = pd.DataFrame({"school": school_codes, "remainder": remainder}) \
            .sort_values(["school", "remainder"], ascending=[True, False], kind="stable").index.to_numpy()
    sorted_codes = school_codes[order]
    first = np.searchsorted(sorted_codes, sorted_codes, side="left")
    rank = np.arange(len(order)) - first
    extra = np.zeros(len(w), dtype=np.int64)
    extra[order] = (rank < leftover[sorted_codes]).astype(np.int64)
    amount_fen = floor.astype(np.int64) + extra
    return shares.assign(amount=_decimals(amount_fen), amount_fen=amount_fen)


def composite_of_parts_frame(frame: pd.DataFrame, *, weights=DEFAULT_WEIGHTS) -> pd.Series:
    """`composite_of_parts_hundredths` for every row at once (the committee's re-normalised weights
    over the parts present; with all three parts, the cycle's composite). Columns: self_h and
    leader_h (whole hundredths, NA where the part is missing), peer_sum and peer_count (the peer
    scores used; a count of 0 means no peer part). Returns int64 hundredths, -1 where no part
    with a weight is present (the scalar raises there)."""
    w_self, w_peer, w_leader = check_weights(weights)
    _require(frame, ("self_h", "leader_h", "peer_sum", "peer_count"), "frame")
    has_self = frame["self_h"].notna().to_numpy()
    has_leader = frame["leader_h"].notna().to_numpy()
    self_h = frame["self_h"].fillna(0).to_numpy(dtype=np.int64)
    leader_h = frame["leader_h"].fillna(0).to_numpy(dtype=np.int64)
    count = frame["peer_count"].fillna(0).to_numpy(dtype=np.int64)
    has_peer = count > 0
    peer_sum = np.where(has_peer, frame["peer_sum"].fillna(0).to_numpy(dtype=np.int64), 0)
    count = np.where(has_peer, count, 1)
    present = w_self * has_self + w_peer * has_peer + w_leader * has_leader
    numerator = count * (w_self * self_h * has_self + w_leader * leader_h * has_leader) + w_peer * peer_sum
    denominator = np.where(present > 0, present * count, 1)
    out = np.where(present > 0, (2 * numerator + denominator) // (2 * denominator), -1)
    return pd.Series(out, index=frame.index, dtype=np.int64, name="composite_hundredths")
