"""Keyset (seek) paging: a deep page costs what the first one does.

OFFSET paging makes the database sort and skip every row before the page; at province scale
(200,000 staff, millions of history rows) page 2,000 sorts the whole scope. Here a page is "the
next `size` rows after this one" in a fixed order ending with the primary key, so the database
walks an index from the cursor and stops after `size + 1` rows. Rows inserted between two
requests never shift a page: page N+1 starts right after the last row shown on page N.

The cursor in the URL is signed, so a crafted one is refused (the first page is shown) rather
than turned into an arbitrary filter. Counting the whole scope is a scan as well: `capped_count`
counts up to a cap and the page says "more than" when it is reached.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import hashlib

from django.core import signing
from django.core.exceptions import EmptyResultSet
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime

SALT = "hrflow.paging"
COUNT_CAP = 1000


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first: bool = True
    count: int = 0
    count_capped: bool = False
    size: int = 50
    links: dict = field(default_factory=dict)

    @property
    def has_next(self):
        return self.next_cursor is not None

    @property
    def has_previous(self):
        return self.previous_cursor is not None


def _field_path(term: str) -> tuple[str, bool]:
    return (term[1:], True) if term.startswith("-") else (term, False)


def _value(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part)
    if hasattr(obj, "pk"):
        obj = obj.pk
    return obj


def _encode(value):
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    return ["v", value]


def _decode(item):
    kind, value = item
    if kind == "dt":
        return parse_datetime(value)
    if kind == "d":
        return parse_date(value)
    return value


def list_key(qs) -> str:
    """What a cursor belongs to: the list's query, filters and scope included. A cursor taken from
    another list, another filter or another user's scope is then not applied (the first page is)."""
    try:
        sql, params = qs.order_by().query.sql_with_params()
    except EmptyResultSet:
        return "empty"
    return hashlib.sha256(repr((sql, params)).encode()).hexdigest()[:16]


def make_cursor(obj, order, direction: str, key: str = "") -> str:
    values = [_encode(_value(obj, _field_path(term)[0])) for term in order]
    return signing.dumps({"o": list(order), "d": direction, "v": values, "k": key}, salt=SALT, compress=True)


def read_cursor(token, order, key: str = ""):
    """(direction, values) of a cursor made for this order and list, or None for anything else."""
    if not token or not isinstance(token, str) or len(token) > 2000:
        return None
    try:
        data = signing.loads(token, salt=SALT)
        if data.get("o") != list(order) or data.get("d") not in ("after", "before") or data.get("k", "") != key:
            return None
        values = [_decode(item) for item in data["v"]]
    except (signing.BadSignature, ValueError, TypeError, KeyError, AttributeError):
        return None
    if len(values) != len(order) or any(v is None for v in values):
        return None
    return data["d"], values


def _seek(order, values, forward: bool) -> Q:
    """Rows strictly after (forward) or before the cursor in `order`: (a, b, pk) > (x, y, z)."""
    condition = Q(pk__in=[])
    equal = Q()
    for term, value in zip(order, values):
        path, descending = _field_path(term)
        smaller = descending == forward  # in a descending order the rows after the cursor are smaller
        condition |= equal & Q(**{f"{path}__{'lt' if smaller else 'gt'}": value})
        equal &= Q(**{path: value})
    if len(order) > 1:
        # The OR alone makes the database read every index entry before the cursor; a bound on
        # the first column lets it start the index scan at the cursor.
        first, descending = _field_path(order[0])
        condition &= Q(**{f"{first}__{'lte' if descending == forward else 'gte'}": values[0]})
    return condition


def _reverse(order):
    return [term[1:] if term.startswith("-") else f"-{term}" for term in order]


def capped_count(qs, cap=COUNT_CAP) -> tuple[int, bool]:
    """The number of rows, counted up to `cap` (a bounded scan); True when there are more."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def keyset_page(qs, *, order, cursor=None, size=50, count=True) -> KeysetPage:
    """One page of `qs` in `order` (which must end with a unique field, "pk" or "-pk", and name no
    nullable field). `cursor` is a token from a previous page's `next_cursor`/`previous_cursor`."""
    order = list(order)
    assert _field_path(order[-1])[0] in ("pk", "id"), "the order must end with the primary key"
    key = list_key(qs)
    parsed = read_cursor(cursor, order, key)
    if parsed is None:
        rows = list(qs.order_by(*order)[: size + 1])
        more_after, more_before, from_cursor = len(rows) > size, False, False
        rows = rows[:size]
    else:
        direction, values = parsed
        from_cursor = True
        if direction == "after":
            rows = list(qs.filter(_seek(order, values, forward=True)).order_by(*order)[: size + 1])
            more_after, more_before = len(rows) > size, True
            rows = rows[:size]
        else:
            rows = list(qs.filter(_seek(order, values, forward=False)).order_by(*_reverse(order))[: size + 1])
            more_before, more_after = len(rows) > size, True
            rows = list(reversed(rows[:size]))
    page = KeysetPage(rows=rows, size=size, is_first=not (from_cursor and more_before))
    if rows and more_after:
        page.next_cursor = make_cursor(rows[-1], order, "after", key)
    if rows and more_before:
        page.previous_cursor = make_cursor(rows[0], order, "before", key)
    if count:
        page.count, page.count_capped = capped_count(qs)
    return page
