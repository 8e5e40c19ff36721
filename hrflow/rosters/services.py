"""Upload, preview and commit of a roster import, each a job with progress.

The upload stores the file and queues its preview; the preview (hrflow.rosters.plan) writes one
RosterRow per row of the file and writes nothing else; the commit plans the file again inside one
transaction, with the people it links locked, and writes it all or nothing: when the records have
changed since the preview so that a row would now be refused or do something else, nothing is
written and the new preview is shown. Rows are written in bulk with their history rows
(hrflow.core.bulk), the importing user and the file's name as the reason.

A job runs on Celery when a broker is configured, else in a thread of the web process (the
embedded default), or inline in tests (HRFLOW["ROSTER_JOBS_IN_THREAD"] off).
"""

import hashlib
import logging
import secrets
import threading
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_fsm import can_proceed

from hrflow.contracts.models import Contract, DispatchAgreement
from hrflow.core import clock
from hrflow.core.bulk import ANALYZE_AFTER_ROWS, insert_rows, refresh_statistics, snapshot_history
from hrflow.core.history import save_audited
from hrflow.core.xlsx import FormulaCells, UploadRefused, read_sheets
from hrflow.org import scope
from hrflow.org.models import OrgUnit, Role
from hrflow.people.models import Person, PostCategoryChoices, Staff
from hrflow.policy import parse_id_number

from .columns import CONTRACT_SHEET, DISPATCH, MAX_ROWS, STAFF_SHEET, contract_columns, staff_columns
from .models import RosterImport, RosterRow
from .plan import Plan, Planner, _chunks

log = logging.getLogger(__name__)
A = RosterRow.Action
S = RosterImport.State
PROGRESS_EVERY = 5000


class RosterError(Exception):
    """A refused action on an import, with a message for the user."""


def import_dir() -> Path:
    path = Path(settings.HRFLOW["IMPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return int(settings.HRFLOW["ROSTER_UPLOAD_MAX_BYTES"])


# --- who may import where ----------------------------------------------------------------------

def import_units(user):
    """The units `user` may import a roster for: their schools as HR officer (a school's roster) and
    the units where they are a bureau officer (a roster of the schools below, with a school column)."""
    hr = scope.school_ids(user, {Role.HR_OFFICER})
    schools = list(OrgUnit.objects.filter(school__pk__in=hr).order_by("path")) if hr else []
    bureau_paths = scope.scope_paths(user, {Role.BUREAU_OFFICER})
    bureaus = list(OrgUnit.objects.filter(path__in=bureau_paths).exclude(kind=OrgUnit.Kind.SCHOOL).order_by("path")) if bureau_paths else []
    return schools + bureaus


def may_import(user, unit) -> bool:
    if unit.kind == OrgUnit.Kind.SCHOOL:
        return scope.covers(user, unit.path, {Role.HR_OFFICER})
    return scope.covers(user, unit.path, {Role.BUREAU_OFFICER})


# --- upload ------------------------------------------------------------------------------------

def roster_upload(*, user, unit, upload, language: str | None = None) -> RosterImport:
    """Store the file and queue its preview. Nothing else is written until the officer commits."""
    if not may_import(user, unit):
        raise RosterError(_("You may not import staff for %(unit)s.") % {"unit": unit.name})
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise RosterError(_("The file is %(size)s; at most %(limit)s are accepted.") % {
            "size": f"{size / 2**20:.1f} MiB", "limit": f"{max_bytes() / 2**20:.1f} MiB"})
    stored = f"{secrets.token_hex(12)}.xlsx"
    digest = hashlib.sha256()
    written = 0
    with open(import_dir() / stored, "wb") as out:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
            written += len(chunk)
            if written > max_bytes():
                out.close()
                (import_dir() / stored).unlink(missing_ok=True)
                raise RosterError(_("The file is larger than %(limit)s.") % {"limit": f"{max_bytes() / 2**20:.1f} MiB"})
            digest.update(chunk)
            out.write(chunk)
    name = (Path(getattr(upload, "name", "") or "roster.xlsx").name or "roster.xlsx")[:200]
    with transaction.atomic():
        batch = RosterImport(owner=user, unit=unit, bureau=unit.kind != OrgUnit.Kind.SCHOOL, file_name=name,
                             file_sha256=digest.hexdigest(), stored_name=stored,
                             language=language or translation.get_language() or settings.LANGUAGE_CODE)
        save_audited(batch, user=user, reason=_("Uploaded %(file)s") % {"file": name})
        dispatch(batch.pk, "preview")
    return batch


def dispatch(batch_id: int, step: str):
    if settings.CELERY_BROKER_URL:
        from .tasks import run_roster_step

        transaction.on_commit(lambda: run_roster_step.delay(batch_id, step))
    elif settings.HRFLOW["ROSTER_JOBS_IN_THREAD"]:
        transaction.on_commit(lambda: threading.Thread(target=_in_thread, args=(batch_id, step), daemon=True).start())
    else:
        transaction.on_commit(lambda: run_step(batch_id, step))


def _in_thread(batch_id, step):
    try:
        run_step(batch_id, step)
    finally:
        connection.close()


def run_step(batch_id: int, step: str):
    batch = RosterImport.objects.select_related("owner", "unit").get(pk=batch_id)
    with translation.override(batch.language):
        if step == "preview":
            return run_preview(batch)
        return run_commit(batch)


# --- reading the file --------------------------------------------------------------------------

def read_roster(batch: RosterImport) -> tuple[list, list, list]:
    """(staff rows, contract rows, file problems); rows as (row number, {field: value})."""
    specs = {STAFF_SHEET: staff_columns(batch.bureau), CONTRACT_SHEET: contract_columns(batch.bureau)}
    try:
        with open(import_dir() / batch.stored_name, "rb") as stream:
            sheets = read_sheets(stream, {name: (len(columns), MAX_ROWS) for name, columns in specs.items()}, max_bytes=max_bytes())
    except FileNotFoundError:
        return [], [], [{"row": 0, "column": "", "message": _("The uploaded file is no longer kept; upload it again.")}]
    except FormulaCells as refused:
        columns = specs.get(refused.sheet) or []
        return [], [], [{"row": row, "column": f"{refused.sheet} · {columns[col - 1][0] if col <= len(columns) else col}",
                         "message": _("The cell holds a formula; type the value itself.")} for row, col in refused.cells]
    except UploadRefused as refused:
        return [], [], [{"row": refused.row, "column": "", "message": refused.message}]
    problems = []
    if STAFF_SHEET not in sheets and CONTRACT_SHEET not in sheets:
        problems.append({"row": 0, "column": "", "message": _("The workbook has neither a sheet “%(staff)s” nor a sheet “%(contracts)s”: use the template.")
                         % {"staff": STAFF_SHEET, "contracts": CONTRACT_SHEET}})
    out = {}
    for name, columns in specs.items():
        rows = sheets.get(name) or []
        if name in sheets:
            header = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else ())]
            expected = [h for h, _f in columns]
            if header != expected:
                hint = "" if batch.bureau or header[:1] != ["学校"] else _(" This looks like a bureau's roster: choose the county or city when you upload it.")
                if batch.bureau and header[:1] != ["学校"]:
                    hint = _(" A bureau's roster begins with the school column: download the bureau template.")
                problems.append({"row": 1, "column": name, "message": _("The header row of the sheet “%(sheet)s” differs from the template: %(expected)s.")
                                 % {"sheet": name, "expected": "、".join(expected)} + hint})
                continue
        fields = [f for _h, f in columns]
        out[name] = [(number, dict(zip(fields, values))) for number, values in enumerate(rows[1:], start=2)
                     if not all(v is None or (isinstance(v, str) and not v.strip()) for v in values)]
    if not problems and not out.get(STAFF_SHEET) and not out.get(CONTRACT_SHEET):
        problems.append({"row": 0, "column": "", "message": _("The file has no rows to import.")})
    return out.get(STAFF_SHEET, []), out.get(CONTRACT_SHEET, []), problems


# --- preview -----------------------------------------------------------------------------------

def _claim(batch: RosterImport) -> bool:
    """Begin the preview if no one else has (an atomic claim: a job runs once)."""
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if not can_proceed(locked.begin_preview):
            return False
        locked.begin_preview()
        locked.started_at, locked.rows_done = timezone.now(), 0
        cache.delete(progress_key(batch.pk))
        save_audited(locked, user=batch.owner, reason=_("Preview started"))
    batch.refresh_from_db()
    return True


def progress_key(batch_id: int) -> str:
    return f"roster-progress:{batch_id}"


def _progress(batch_id):
    """Rows done, told through the cache: a commit's own transaction would hide a row update from the
    page until the end (the cache is shared by the web processes and the workers, REDIS_URL)."""
    def report(done):
        cache.set(progress_key(batch_id), done, timeout=24 * 3600)
    return report


def rows_done(batch: RosterImport) -> int:
    if batch.state in RosterImport.RUNNING:
        return cache.get(progress_key(batch.pk), batch.rows_done)
    return batch.rows_done


def _store_rows(batch: RosterImport, plan: Plan):
    RosterRow.objects.filter(batch=batch).delete()
    insert_rows(RosterRow, ["batch", "sheet", "row", "action", "school", "name", "id_number", "details"], [
        (batch.pk, p.sheet, p.row, p.action, p.school_id, p.name[:100], p.id_number[:32], _json(p.details()))
        for p in plan.rows
    ])


def _json(value):
    return RosterRow._meta.get_field("details").get_db_prep_save(value, connection)


def run_preview(batch: RosterImport) -> RosterImport:
    if not _claim(batch):
        return batch
    try:
        staff_rows, contract_rows, problems = read_roster(batch)
        RosterImport.objects.filter(pk=batch.pk).update(rows_total=len(staff_rows) + len(contract_rows))
        plan = Plan([], [])
        if not problems:
            planner = Planner(batch.unit, bureau=batch.bureau, today=clock.today(), progress=_progress(batch.pk))
            plan = planner.plan(staff_rows, contract_rows)
        with transaction.atomic():
            _store_rows(batch, plan)
            batch = RosterImport.objects.select_for_update().get(pk=batch.pk)
            batch.counts, batch.file_problems = plan.counts(), problems
            batch.rows_done = batch.rows_total
            batch.finished_at = timezone.now()
            batch.outcome = ""
            batch.finish_preview()
            save_audited(batch, user=batch.owner, reason=_("Preview: %(summary)s") % {"summary": summary(batch)})
    except Exception:  # the job says it failed and can be run again; the server log has the rest
        log.exception("roster preview %s failed", batch.pk)
        _fail(batch, _("The preview failed; nothing was written. Run it again, or tell the administrator if it fails again."))
    if len(batch.counts) and sum(batch.counts.values()) >= ANALYZE_AFTER_ROWS:
        refresh_statistics([RosterRow])
    return RosterImport.objects.get(pk=batch.pk)


def _fail(batch, outcome: str):
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if can_proceed(locked.fail):
            locked.fail()
            locked.outcome, locked.finished_at = outcome, timezone.now()
            save_audited(locked, user=batch.owner, reason=outcome)


def summary(batch: RosterImport) -> str:
    """The counts in words, e.g. "职工：新建人员及聘用 3、拒绝 1；合同：新增合同 2"."""
    parts = []
    for sheet, sheet_label in RosterRow.Sheet.choices:
        items = [_("%(action)s %(count)d") % {"action": label, "count": batch.counts[f"{sheet}:{action}"]}
                 for action, label in RosterRow.Action.choices if batch.counts.get(f"{sheet}:{action}")]
        if items:
            parts.append(_("%(sheet)s: %(items)s") % {"sheet": sheet_label, "items": pgettext("list separator", ", ").join(items)})
    if batch.file_problems:
        parts.append(_("the file is refused"))
    return pgettext("list of clauses", "; ").join(parts) or _("no rows")


# --- commit ------------------------------------------------------------------------------------

def roster_commit_request(*, batch: RosterImport, user):
    """Queue the commit of a previewed import with no refused row. Two clicks queue one commit."""
    with transaction.atomic():
        batch = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if batch.owner_id != user.pk:
            raise RosterError(_("Only the officer who uploaded the file commits it."))
        if not may_import(user, batch.unit):
            raise RosterError(_("You may not import staff for %(unit)s.") % {"unit": batch.unit.name})
        if batch.state == S.COMMITTING:
            return batch
        if not batch.can_commit:
            raise RosterError(_("Only a preview without refused rows is imported: correct the file and upload it again."))
        batch.begin_commit()
        batch.rows_done, batch.started_at = 0, None
        cache.delete(progress_key(batch.pk))
        save_audited(batch, user=user, reason=_("Import requested"))
        dispatch(batch.pk, "commit")
    return batch


def run_commit(batch: RosterImport) -> RosterImport:
    # An atomic claim: a commit queued twice (a retried task) runs once.
    if not RosterImport.objects.filter(pk=batch.pk, state=S.COMMITTING, started_at__isnull=True).update(started_at=timezone.now()):
        return batch
    batch.refresh_from_db()
    if not may_import(batch.owner, batch.unit):
        _back_to_preview(batch, _("You may no longer import staff for %(unit)s; nothing was written.") % {"unit": batch.unit.name})
        return RosterImport.objects.get(pk=batch.pk)
    try:
        staff_rows, contract_rows, problems = read_roster(batch)
        if problems:
            _back_to_preview(batch, _("The file can no longer be read; nothing was written."), problems=problems)
            return RosterImport.objects.get(pk=batch.pk)
        previewed = dict(batch.counts)
        with transaction.atomic():
            planner = Planner(batch.unit, bureau=batch.bureau, today=clock.today(), lock=True, progress=_progress(batch.pk))
            plan = planner.plan(staff_rows, contract_rows)
            if plan.counts() != previewed or any(p.action == A.REFUSED for p in plan.rows):
                # The records changed since the preview: show what the file would do now, write nothing.
                raise _Changed(plan)
            written = write_plan(plan, batch)
            locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
            locked.finish_commit()
            locked.finished_at, locked.rows_done = timezone.now(), locked.rows_total
            locked.outcome = _("Imported: %(summary)s") % {"summary": summary(locked)}
            save_audited(locked, user=batch.owner, reason=locked.outcome)
        # The file is no longer needed: what it wrote is in the records, with the file's name as their reason.
        (import_dir() / batch.stored_name).unlink(missing_ok=True)
        if written >= ANALYZE_AFTER_ROWS:
            refresh_statistics([Person, Staff, Contract, DispatchAgreement])
    except _Changed as changed:
        with transaction.atomic():
            _store_rows(batch, changed.plan)
            _back_to_preview(batch, _("The records changed since the preview, so nothing was written: here is the preview again. "
                                      "Check it and import again."), counts=changed.plan.counts())
    except IntegrityError:
        log.warning("roster commit %s met a concurrent write", batch.pk, exc_info=True)
        _back_to_preview(batch, _("Someone recorded some of these people at the same moment, so nothing was written. Run the preview again."))
    except Exception:
        log.exception("roster commit %s failed", batch.pk)
        _back_to_preview(batch, _("The import failed; nothing was written. Try again, or tell the administrator if it fails again."))
    return RosterImport.objects.get(pk=batch.pk)


class _Changed(Exception):
    def __init__(self, plan):
        self.plan = plan


def _back_to_preview(batch, outcome: str, *, problems=None, counts=None):
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if locked.state != S.COMMITTING:
            return
        locked.commit_refused()
        locked.outcome, locked.finished_at = outcome, timezone.now()
        if problems is not None:
            locked.file_problems = problems
        if counts is not None:
            locked.counts = counts
        save_audited(locked, user=batch.owner, reason=outcome)


def _ids_in(model, where_column: str, values: list, columns: tuple) -> list[tuple]:
    out = []
    for chunk in _chunks(values):
        out.extend(model.objects.filter(**{f"{where_column}__in": chunk}).values_list(*columns))
    return out


def _snapshot(model, ids: list[int], *, user, reason: str, history_type: str):
    for chunk in _chunks(ids, 900):
        snapshot_history(model, "id IN ({})".format(", ".join(["%s"] * len(chunk))), list(chunk), user=user, reason=reason,
                         history_type=history_type)


def write_plan(plan: Plan, batch: RosterImport) -> int:
    """Write every row the plan says to write, with history rows; returns how many rows were written."""
    user = batch.owner
    reason = _("Imported from %(file)s") % {"file": batch.file_name}
    update_reason = _("Updated from %(file)s") % {"file": batch.file_name}
    written = 0
    # People new to HRflow.
    new_people = [p for p in plan.staff if p.action == A.CREATE]
    person_rows = []
    for p in new_people:
        identity = parse_id_number(p.id_number)
        person = p.data["person"]
        person_rows.append((identity.number, person["name"], identity.sex, identity.birth_date, person["phone"] or "",
                            person["education"], bool(person["cadre"])))
    insert_rows(Person, ["id_number", "name", "sex", "birth_date", "phone", "education", "cadre"], person_rows)
    person_ids = dict(_ids_in(Person, "id_number", [r[0] for r in person_rows], ("id_number", "pk")))
    _snapshot(Person, list(person_ids.values()), user=user, reason=reason, history_type="+")
    written += len(person_rows)
    # New employments: of the new people, and of people on record.
    employments = [p for p in plan.staff if p.action in (A.CREATE, A.LINK)]
    staff_rows = []
    for p in employments:
        person_id = person_ids[p.id_number] if p.action == A.CREATE else p.data["person_id"]
        p.data["person_id"] = person_id
        staff_rows.append((person_id, p.school_id, p.data["category"], p.data["employment_type"], p.data["title"], p.data["dormitory_id"],
                           bool(p.data["food_safety_manager"]), p.data["hired_on"], Staff.Status.ACTIVE))
    insert_rows(Staff, ["person", "school", "post_category", "employment_type", "title", "dormitory", "food_safety_manager", "hired_on",
                        "status"], staff_rows)
    new_staff = {}
    for chunk in _chunks(sorted({r[0] for r in staff_rows})):
        current = Staff.objects.filter(person_id__in=chunk).exclude(status=Staff.Status.LEFT)
        new_staff.update({(person_id, school_id): pk for person_id, school_id, pk in current.values_list("person_id", "school_id", "pk")})
    created_staff = [new_staff[(r[0], r[1])] for r in staff_rows]
    _snapshot(Staff, created_staff, user=user, reason=reason, history_type="+")
    written += len(staff_rows)
    # Updates of employments and of records the school alone holds.
    updated_staff, updated_people = [], []
    for p in plan.staff:
        if p.action != A.UPDATE:
            continue
        if p.data["staff_changes"]:
            Staff.objects.filter(pk=p.data["staff_id"]).update(**p.data["staff_changes"])
            updated_staff.append(p.data["staff_id"])
        if p.data["person_changes"]:
            Person.objects.filter(pk=p.data["person_id"]).update(**p.data["person_changes"])
            updated_people.append(p.data["person_id"])
    _snapshot(Staff, updated_staff, user=user, reason=update_reason, history_type="~")
    _snapshot(Person, updated_people, user=user, reason=update_reason, history_type="~")
    written += len(updated_staff) + len(updated_people)
    # Contracts and dispatch agreements.
    key_to_staff = {}
    for p in plan.staff:
        if p.action in (A.CREATE, A.LINK):
            key_to_staff[(p.school_id, p.id_number)] = new_staff[(p.data["person_id"], p.school_id)]
    contract_rows, agreement_rows = [], []
    for p in plan.contracts:
        if p.action != A.ADD:
            continue
        d = p.data
        staff_id = d["staff_id"] or key_to_staff[d["staff_key"]]
        if d["kind"] == DISPATCH:
            agreement_rows.append((staff_id, d["agency"], "", d["post_nature"], d["starts_on"], d["ends_on"]))
        else:
            contract_rows.append((staff_id, d["kind"], str(PostCategoryChoices(d["category"]).label), d["starts_on"], d["term_months"],
                                  d["ends_on"], False, d["first_employment"], d["probation_months"], d["probation_ends_on"], d["agreed_pay"],
                                  d["probation_pay"] if d["probation_months"] else None, "", "", "", "", d["state"]))
    before = _max_id(Contract)
    insert_rows(Contract, ["staff", "kind", "post", "starts_on", "term_months", "ends_on", "task_based", "first_employment", "probation_months",
                           "probation_ends_on", "agreed_pay", "probation_pay", "evaluation_method", "term_grade", "term_grade_note",
                           "end_reason", "state"], contract_rows)
    contract_ids = _new_ids(Contract, before, [r[0] for r in contract_rows])
    _snapshot(Contract, contract_ids, user=user, reason=reason, history_type="+")
    before = _max_id(DispatchAgreement)
    insert_rows(DispatchAgreement, ["staff", "agency", "agency_code", "post_nature", "starts_on", "ends_on"], agreement_rows)
    agreement_ids = _new_ids(DispatchAgreement, before, [r[0] for r in agreement_rows])
    _snapshot(DispatchAgreement, agreement_ids, user=user, reason=reason, history_type="+")
    written += len(contract_rows) + len(agreement_rows)
    return written


def _max_id(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _new_ids(model, before: int, staff_ids: list[int]) -> list[int]:
    """The rows this commit inserted for `staff_ids`: their staff rows are locked by the insert's
    employments or by this transaction, so no one else adds to them meanwhile."""
    ids = []
    for chunk in _chunks(sorted(set(staff_ids))):
        ids.extend(model.objects.filter(pk__gt=before, staff_id__in=chunk).values_list("pk", flat=True))
    return ids


def roster_discard(*, batch: RosterImport, user) -> RosterImport:
    with transaction.atomic():
        batch = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if batch.owner_id != user.pk or not can_proceed(batch.discard):
            raise RosterError(_("This import cannot be discarded now."))
        batch.discard()
        save_audited(batch, user=user, reason=_("Discarded"))
        RosterRow.objects.filter(batch=batch).delete()
    (import_dir() / batch.stored_name).unlink(missing_ok=True)
    return batch


def roster_rerun(*, batch: RosterImport, user) -> RosterImport:
    """Run the preview again: after a failure, after a job whose worker died (its transaction died
    with it: nothing was written), or to see the records as they are now."""
    with transaction.atomic():
        batch = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if batch.owner_id != user.pk or not (batch.state in (S.PREVIEWED, S.FAILED) or batch.lost):
            raise RosterError(_("The preview cannot be run again now."))
        if batch.lost:
            batch.fail()
        batch.queue_again()
        batch.outcome, batch.rows_done = "", 0
        save_audited(batch, user=user, reason=_("Preview run again"))
        dispatch(batch.pk, "preview")
    return batch
