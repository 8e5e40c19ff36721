"""Change history across every audited model: who, when, object, field, from → to, reason."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from hrflow.org import scope
from hrflow.org.models import Role
from hrflow.people.selectors import sensitive_school_ids
from hrflow.policy import mask_id_number

from .labels import CODED_VALUES, describe, finding_text, labels_for, plain_value, users_labels
from .registry import AuditedModel, audited_models

AUDIT_ROLES = {Role.AUDITOR}
MASK = "***"
EXPORT_LIMIT = 100_000


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
    when: datetime
    action: str
    user: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def action_label(self):
        return {"+": _("created"), "~": _("changed"), "-": _("deleted")}[self.action]


@dataclass(frozen=True)
class AuditFilter:
    school_path: str | None = None
    username: str | None = None
    model_key: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    round_id: int | None = None  # replay one selection round


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


def change_rows(*, user, flt: AuditFilter, offset=0, limit=50) -> tuple[list[ChangeRow], bool]:
    """A page of changes, newest first; the bool says whether more follow."""
    paths = audit_paths(user, flt.school_path)
    if not paths:
        return [], False
    registry = audited_models()
    entries = [registry[flt.model_key]] if flt.model_key in registry else list(registry.values())
    if flt.round_id is not None:
        entries = [e for e in entries if e.round_field]
    heads = []
    for entry in entries:
        qs = _filtered(entry, paths, flt).order_by("-history_date", "-history_id")
        for hid, when in qs.values_list("history_id", "history_date")[: offset + limit + 1]:
            heads.append((when, hid, entry.key))
    heads.sort(reverse=True)
    page = heads[offset : offset + limit]
    return _rows(user, page), len(heads) > offset + limit


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
        object_ids = {r.id for r in records}
        latest = max(r.history_date for r in records)
        # All versions of those objects up to the newest on the page, to find each one's predecessor.
        versions = history.objects.filter(id__in=object_ids, history_date__lte=latest).order_by("id", "history_date", "history_id")
        previous = {}
        last_by_object = {}
        for version in versions:
            previous[version.history_id] = last_by_object.get(version.id)
            last_by_object[version.id] = version
        records_by_model[key] = (entry, records, previous)
        user_ids |= {r.history_user_id for r in records if r.history_user_id}
    users = users_labels(user_ids)
    display = _Display()
    for key, (entry, records, previous) in records_by_model.items():
        masked = _masked_objects(user, entry, records)
        labels = describe(entry.model, records)
        for record in records:
            prev = previous.get(record.history_id)
            row = ChangeRow(
                history_id=record.history_id,
                model_key=key,
                model_label=str(entry.label),
                object_id=record.id,
                object_repr=labels.get(record.id) or f"{entry.label} #{record.id}",
                when=record.history_date,
                action=record.history_type,
                user=users.get(record.history_user_id, _("(unknown)")),
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
        return plain_value(model_field, value)

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
    fields = [f for f in entry.model._meta.concrete_fields if _shown(f) and f.name not in entry.hidden_fields]
    names = {f.name for f in fields}
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
        label = str(model_field.verbose_name)
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

