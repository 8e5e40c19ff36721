"""Change history across every audited model: who, when, object, field, from → to, reason."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection
from django.db.models import CharField, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from hrflow.core.paging import KeysetPage
from hrflow.org import scope
from hrflow.org.models import Role
from hrflow.people.selectors import sensitive_school_ids
from hrflow.policy import mask_id_number

from .labels import CODED_VALUES, describe, finding_text, labels_for, plain_value, users_labels
from hrflow.core.audited import AuditedModel, audited_models

AUDIT_ROLES = {Role.AUDITOR}
MASK = "***"


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class ChangeRow:
    history_id: int
    model_key: str
    model_label: str
    object_id: int
    object_repr: str
    when: datetime | date  # a date where the record keeps the day only
    action: str
    user: str
    reason: str
    action_label: str = ""
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class AuditFilter:
    school_path: str | None = None
    username: str | None = None
    model_key: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    round_id: int | None = None  # replay one selection round

    def as_params(self) -> dict:
        """JSON for an export job; from_params reads it back."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_params(cls, params: dict) -> "AuditFilter":
        values = dict(params)
        for key in ("date_from", "date_to"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def audit_paths(user, school_path=None) -> list[str]:
    """The unit paths whose changes `user` may read, narrowed to one school if asked."""
    paths = scope.scope_paths(user, AUDIT_ROLES)
    if school_path:
        paths = [school_path] if any(school_path.startswith(p) for p in paths) else []
    return paths


def _filtered(entry: AuditedModel, paths, flt: AuditFilter):
    qs = entry.model.history.filter(entry.scope(paths))
    if flt.round_id is not None:
        qs = qs.filter(**{entry.round_field: flt.round_id})
    if flt.username:
        qs = qs.filter(history_user__username=flt.username)
    tz = timezone.get_current_timezone()
    if flt.date_from:
        qs = qs.filter(history_date__gte=datetime.combine(flt.date_from, time.min, tz))
    if flt.date_to:
        qs = qs.filter(history_date__lte=datetime.combine(flt.date_to, time.max, tz))
    return qs


# Changes are listed newest first in the order (history_date, model key, history_id), all three
# descending: a total order across the audited models' history tables, so a page is "the next
# `limit` after this change" (keyset paging) and never sorts the scope to skip what came before.
Head = tuple  # (history_date, model key, history_id)
CURSOR_SALT = "hrflow.audit.changes"


def _after(entry: AuditedModel, head: Head, older: bool) -> Q:
    """This model's rows strictly older (or newer) than `head` in the total order."""
    when, key, hid = head
    if key == entry.key:
        return Q(history_date__lt=when) | Q(history_date=when, history_id__lt=hid) if older else \
            Q(history_date__gt=when) | Q(history_date=when, history_id__gt=hid)
    if (entry.key < key) == older:  # same instant: a smaller key comes after in a descending order
        return Q(history_date__lte=when) if older else Q(history_date__gte=when)
    return Q(history_date__lt=when) if older else Q(history_date__gt=when)


def _heads(user, flt: AuditFilter, *, start: Head | None, older=True, limit=50) -> list[Head]:
    """Up to `limit` heads after `start` (older, newest first) or before it (newer, oldest first)."""
    paths = audit_paths(user, flt.school_path)
    if not paths:
        return []
    registry = audited_models()
    entries = [registry[flt.model_key]] if flt.model_key in registry else list(registry.values())
    if flt.round_id is not None:
        entries = [e for e in entries if e.round_field]
    order = ("-history_date", "-history_id") if older else ("history_date", "history_id")
    parts = []
    for entry in entries:
        qs = _filtered(entry, paths, flt)
        if start is not None:
            qs = qs.filter(_after(entry, start, older))
        qs = qs.order_by(*order).annotate(model_key=Value(entry.key, output_field=CharField()))
        parts.append(qs.values_list("history_date", "model_key", "history_id")[:limit])
    if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
        # One round trip for every history table (PostgreSQL); SQLite cannot order inside a UNION.
        heads = list(parts[0].union(*parts[1:], all=True))
    else:
        heads = [head for part in parts for head in part]
    heads.sort(reverse=older)
    return heads[:limit]


def _list_key(user, flt: AuditFilter) -> str:
    """A cursor belongs to one filter in one scope: pasted under another, it is not applied."""
    scope_paths = sorted(audit_paths(user, flt.school_path))
    return hashlib.sha256(repr((sorted(flt.as_params().items()), scope_paths)).encode()).hexdigest()[:16]


def _cursor(head: Head, direction: str, list_key: str) -> str:
    when, key, hid = head
    return signing.dumps([when.isoformat(), key, hid, direction, list_key], salt=CURSOR_SALT)


def _read_cursor(token, list_key: str) -> tuple[Head, str] | None:
    if not token or not isinstance(token, str) or len(token) > 500:
        return None
    try:
        when, key, hid, direction, made_for = signing.loads(token, salt=CURSOR_SALT)
        when = datetime.fromisoformat(when)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if made_for != list_key:
        return None
    if key not in audited_models() or not isinstance(hid, int) or direction not in ("older", "newer") or when.tzinfo is None:
        return None
    return (when, key, hid), direction


def change_page(*, user, flt: AuditFilter, cursor=None, limit=50) -> KeysetPage:
    """A page of changes, newest first, after (or before) the change a cursor names."""
    list_key = _list_key(user, flt)
    parsed = _read_cursor(cursor, list_key)
    if parsed is None or parsed[1] == "older":
        start = parsed[0] if parsed else None
        heads = _heads(user, flt, start=start, older=True, limit=limit + 1)
        more_older, more_newer = len(heads) > limit, start is not None
        heads = heads[:limit]
    else:
        heads = _heads(user, flt, start=parsed[0], older=False, limit=limit + 1)
        more_newer, more_older = len(heads) > limit, True
        heads = list(reversed(heads[:limit]))
    page = KeysetPage(rows=_rows(user, [(w, hid, key) for w, key, hid in heads]), size=limit, is_first=not more_newer)
    if heads and more_older:
        page.next_cursor = _cursor(heads[-1], "older", list_key)
    if heads and more_newer:
        page.previous_cursor = _cursor(heads[0], "newer", list_key)
    return page


def change_rows(*, user, flt: AuditFilter, limit=50) -> tuple[list[ChangeRow], bool]:
    """The newest `limit` changes; the bool says whether more follow."""
    page = change_page(user=user, flt=flt, limit=limit)
    return page.rows, page.has_next


def iter_changes(*, user, flt: AuditFilter, batch=5000):
    """Every change in scope, newest first, built a batch at a time (exports)."""
    start = None
    while True:
        heads = _heads(user, flt, start=start, older=True, limit=batch)
        if not heads:
            return
        yield from _rows(user, [(w, hid, key) for w, key, hid in heads])
        if len(heads) < batch:
            return
        start = heads[-1]


def _rows(user, page) -> list[ChangeRow]:
    registry = audited_models()
    by_model: dict[str, list[int]] = {}
    for _when, hid, key in page:
        by_model.setdefault(key, []).append(hid)
    built: dict[tuple[str, int], ChangeRow] = {}
    user_ids = set()
    records_by_model = {}
    for key, hids in by_model.items():
        entry = registry[key]
        history = entry.model.history.model
        records = list(history.objects.filter(history_id__in=hids))
        # A creation has no predecessor: only changes and deletions need the versions before them
        # (bulk-loaded provinces are mostly creations, so an export skips most of this query).
        changed = [r for r in records if r.history_type != "+"]
        previous = {}
        if changed:
            latest = max(r.history_date for r in changed)
            # All versions of those objects up to the newest on the page, to find each one's predecessor.
            versions = history.objects.filter(id__in={r.id for r in changed}, history_date__lte=latest).order_by(
                "id", "history_date", "history_id")
            last_by_object = {}
            for version in versions:
                previous[version.history_id] = last_by_object.get(version.id)
                last_by_object[version.id] = version
        records_by_model[key] = (entry, records, previous)
        user_ids |= {r.history_user_id for r in records if r.history_user_id}
    users = users_labels(user_ids)
    display = _Display()
    unknown = _("(unknown)")
    for key, (entry, records, previous) in records_by_model.items():
        masked = _masked_objects(user, entry, records)
        labels = describe(entry.model, records)
        model_label = str(entry.label)
        for record in records:
            prev = previous.get(record.history_id)
            row = ChangeRow(
                history_id=record.history_id,
                model_key=key,
                model_label=model_label,
                object_id=record.id,
                object_repr=labels.get(record.id) or f"{model_label} #{record.id}",
                # A peer rating's record keeps the day only: a time would point at the rater who answered then.
                when=timezone.localtime(record.history_date).date() if entry.anonymous_as else record.history_date,
                action=record.history_type,
                action_label=display.actions[record.history_type],
                user=str(entry.anonymous_as) if entry.anonymous_as else users.get(record.history_user_id, unknown),
                reason=record.history_change_reason or "",
            )
            row.changes = _diff(entry, prev, record, display, record.id in masked)
            built[(key, record.history_id)] = row
    display.resolve()
    return [built[(key, hid)] for _when, hid, key in page]


def _masked_objects(user, entry: AuditedModel, records) -> set[int]:
    """Ids of the objects whose sensitive fields this viewer must not read."""
    if not entry.sensitive_fields:
        return set()
    allowed_schools = sensitive_school_ids(user)
    own_person = getattr(getattr(user, "person", None), "pk", None) if user.is_authenticated else None
    schools_of = entry.person_of([r.id for r in records])  # object id -> set of school ids
    return {
        r.id for r in records
        if r.id != own_person and not (schools_of.get(r.id, set()) & allowed_schools)
    }


class _Display:
    """Renders field values for a person; referenced records are named once per related model."""

    def __init__(self):
        self.pending: dict[type, set] = {}
        self.cells: list[tuple[FieldChange, str, type, object]] = []
        # Translations and formatted values are looked up once per batch, not once per cell:
        # an export of a province writes millions of cells from a few hundred distinct words.
        self.actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
        self.labels: dict[tuple, str] = {}
        self.fields: dict[str, tuple] = {}
        self.plain: dict[tuple, str] = {}

    def label(self, entry: AuditedModel, model_field) -> str:
        key = (entry.key, model_field.name)
        if key not in self.labels:
            self.labels[key] = str(model_field.verbose_name)
        return self.labels[key]

    def shown_fields(self, entry: AuditedModel):
        if entry.key not in self.fields:
            fields = [f for f in entry.model._meta.concrete_fields if _shown(f) and f.name not in entry.hidden_fields]
            self.fields[entry.key] = (fields, {f.name for f in fields})
        return self.fields[entry.key]

    def value(self, entry: AuditedModel, model_field, value, version=None):
        if model_field.is_relation:
            if value in (None, ""):
                return "—"
            self.pending.setdefault(model_field.related_model, set()).add(value)
            return value
        coded = CODED_VALUES.get((entry.key, model_field.name))
        if coded and value in coded:
            return str(coded[value]())
        if model_field.name == "template" and version is not None and hasattr(version, "params"):
            # A finding stores its message as a template and parameters: show the filled message.
            return finding_text(value, version.params) if value else "—"
        if isinstance(value, (list, dict)):
            return plain_value(model_field, value)
        key = (entry.key, model_field.name, type(value), value)
        if key not in self.plain:
            self.plain[key] = plain_value(model_field, value)
        return self.plain[key]

    def defer(self, change: FieldChange, attr: str, model_field, raw):
        if model_field.is_relation and raw not in (None, ""):
            self.cells.append((change, attr, model_field.related_model, raw))

    def resolve(self):
        lookups = {model: labels_for(model, ids) for model, ids in self.pending.items()}
        for change, attr, model, raw in self.cells:
            setattr(change, attr, lookups.get(model, {}).get(raw) or f"#{raw}")


def _shown(model_field) -> bool:
    """Fields an auditor reads: not the primary key, and no link into workflow machinery
    (a relation to a model that is neither audited nor a user, e.g. viewflow's process)."""
    if model_field.primary_key:
        return False
    if model_field.is_relation:
        related = model_field.related_model
        return related is get_user_model() or f"{related._meta.app_label}.{related._meta.model_name}" in audited_models()
    return True


def _diff(entry: AuditedModel, prev, record, display: _Display, masked: bool) -> list[FieldChange]:
    changes = []
    fields, names = display.shown_fields(entry)
    for model_field in fields:
        attname = model_field.attname
        new = getattr(record, attname, None)
        old = getattr(prev, attname, None) if prev is not None else None
        if model_field.name == "params" and "template" in names:
            continue  # shown inside the filled message
        if model_field.name == "template" and "params" in names and prev is not None:
            changed = old != new or getattr(prev, "params", None) != getattr(record, "params", None)
        else:
            changed = old != new
        if record.history_type == "~" and not changed:
            continue
        if record.history_type == "+" and new in (None, "", [], {}):
            continue
        if record.history_type == "-":
            continue
        label = display.label(entry, model_field)
        if masked and model_field.name in entry.sensitive_fields:
            hide = mask_id_number if model_field.name == "id_number" else (lambda v: MASK)
            changes.append(FieldChange(label, hide(old) if prev is not None else "—", hide(new)))
            continue
        change = FieldChange(
            label,
            display.value(entry, model_field, old, prev) if prev is not None else "—",
            display.value(entry, model_field, new, record),
        )
        if prev is not None:
            display.defer(change, "old", model_field, old)
        display.defer(change, "new", model_field, new)
        changes.append(change)
    return changes


def audit_model_choices():
    return sorted(((key, str(entry.label)) for key, entry in audited_models().items()), key=lambda kv: kv[1])

