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
import json
import logging
import secrets
import threading
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_fsm import can_proceed

from hrflow.contracts.models import Contract, DispatchAgreement
from hrflow.core import clock
from hrflow.core.bulk import ANALYZE_AFTER_ROWS, insert_rows, insert_rows_returning_ids, refresh_statistics, snapshot_ids
from hrflow.core.history import save_audited
from hrflow.core.xlsx import FormulaCells, UploadRefused, read_sheets
from hrflow.org import scope
from hrflow.org.models import OrgUnit, Role
from hrflow.people.models import Person, PostCategoryChoices, Staff

from .columns import CONTRACT_SHEET, DISPATCH, MAX_ROWS, STAFF_SHEET, contract_columns, staff_columns
from .models import RosterImport, RosterRow
from .plan import CHUNK_ROWS, Planner, dump_readings, load_readings, no_contract_note, value_chunks

log = logging.getLogger(__name__)
A = RosterRow.Action
S = RosterImport.State


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


def _analyze_later(labels: list[str]):
    """Refresh the planner's statistics of the tables a job filled (hrflow.core.bulk.refresh_statistics)
    off the job: its officer is not kept waiting for housekeeping."""
    if settings.CELERY_BROKER_URL:
        from .tasks import analyze_tables

        analyze_tables.delay(labels)
    elif settings.HRFLOW["ROSTER_JOBS_IN_THREAD"]:
        threading.Thread(target=_analyze_in_thread, args=(labels,), daemon=True).start()
    else:
        refresh_statistics([apps.get_model(label) for label in labels])


def _analyze_in_thread(labels):
    try:
        refresh_statistics([apps.get_model(label) for label in labels])
    finally:
        connection.close()


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

def plan_roster(batch: RosterImport, planner: Planner, write, *, vetted: bool = False) -> list:
    """Read the file and decide its rows with `planner`, handing each decided chunk of rows to
    `write(chunk)`; returns the file's problems (then what `write` kept must be dropped). The staff
    sheet is read and decided before the contracts sheet is read, so a province's file holds one
    sheet's cells at a time, and a chunk of decided rows. `vetted`: the commit reads the file its
    preview checked (the same checksum) and skips the checks it passed."""
    specs = {STAFF_SHEET: staff_columns(batch.bureau), CONTRACT_SHEET: contract_columns(batch.bureau)}
    problems, total = [], 0
    try:
        with open(import_dir() / batch.stored_name, "rb") as stream:
            vetted = vetted and _sha256(stream) == batch.file_sha256
            sheets = read_sheets(stream, {name: (len(columns), MAX_ROWS) for name, columns in specs.items()}, max_bytes=max_bytes(),
                                 vetted=vetted, lazy=True)
        if STAFF_SHEET not in sheets and CONTRACT_SHEET not in sheets:
            problems.append({"row": 0, "column": "", "message": _(
                "The workbook has neither a sheet “%(staff)s” nor a sheet “%(contracts)s”: use the template.")
                % {"staff": STAFF_SHEET, "contracts": CONTRACT_SHEET}})
        for name, columns in specs.items():
            if name not in sheets or problems:
                continue
            opened = sheets.open(name)
            rows = iter(opened)
            problem = _header_problem(batch, name, columns, next(rows, ()))
            if problem:
                problems.append(problem)
                continue
            # The progress counts against the rows the sheet spans until it has been read.
            RosterImport.objects.filter(pk=batch.pk).update(rows_total=total + max(opened.span - 1, 0))
            fields = [f for _h, f in columns]
            cells = ((number, dict(zip(fields, values))) for number, values in enumerate(rows, start=2) if not _blank(values))
            sheet = "staff" if name == STAFF_SHEET else "contract"
            plans = planner.read_rows(cells, sheet)
            for chunk in planner.plan_staff(plans) if sheet == "staff" else planner.plan_contracts(plans):
                write(chunk)
            total = planner.done
            RosterImport.objects.filter(pk=batch.pk).update(rows_total=total)
            # The sheet's rows are all read: its generator has ended and let calamine's grid go.
    except FileNotFoundError:
        problems = [{"row": 0, "column": "", "message": _("The uploaded file is no longer kept; upload it again.")}]
    except FormulaCells as refused:
        columns = specs.get(refused.sheet) or []
        problems = [{"row": row, "column": f"{refused.sheet} · {columns[col - 1][0] if col <= len(columns) else col}",
                     "message": _("The cell holds a formula; type the value itself.")} for row, col in refused.cells]
    except UploadRefused as refused:
        problems = [{"row": refused.row, "column": "", "message": refused.message}]
    if not problems and not total:
        problems.append({"row": 0, "column": "", "message": _("The file has no rows to import.")})
    return problems


def _header_problem(batch, name: str, columns, first_row) -> dict | None:
    header = [str(v).strip() if v is not None else "" for v in first_row]
    expected = [h for h, _f in columns]
    if header == expected:
        return None
    hint = ""
    if not batch.bureau and header[:1] == ["学校"]:
        hint = _(" This looks like a bureau's roster: for one school, use the school's template (it has no school column); "
                 "for several, upload it for their county or city.")
    elif batch.bureau and header[:1] != ["学校"]:
        hint = _(" A bureau's roster begins with the school column: download the bureau template.")
    return {"row": 1, "column": name, "message": _("The header row of the sheet “%(sheet)s” differs from the template: %(expected)s.")
            % {"sheet": name, "expected": "、".join(expected)} + hint}


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


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


def _store_rows(batch: RosterImport, chunk: list):
    # The details as JSON text: both databases take it for a JSON column, and most rows have none.
    insert_rows(RosterRow, ["batch", "sheet", "row", "action", "school", "name", "id_number", "details", "readings"], (
        (batch.pk, p.sheet, p.row, p.action, p.school_id, p.name[:100], p.id_number[:32],
         json.dumps(details, ensure_ascii=False) if (details := p.details()) else "{}", dump_readings(p))
        for p in chunk
    ))


def _note_rows(batch: RosterImport, rows: list[int], note: str):
    """Add `note` to the stored staff rows numbered `rows`: the few with details of their own one by
    one, then the others (nearly all) in one UPDATE per chunk."""
    staff = RosterRow.objects.filter(batch=batch, sheet=RosterRow.Sheet.STAFF)
    for numbers in value_chunks(rows):
        noted = list(staff.filter(row__any=numbers).exclude(details={}).only("pk", "details"))
        for stored in noted:
            stored.details.setdefault("notes", []).append(note)
        RosterRow.objects.bulk_update(noted, ["details"], batch_size=500)
        staff.filter(row__any=numbers, details={}).update(details={"notes": [note]})


def _stored_readings(batch: RosterImport, sheet: str):
    """The preview's rows of a sheet as the planner read them, a page at a time, for a commit on
    the same day: the file and the day decide the readings; the records are read again, under
    locks, by the commit's decisions."""
    shared, last = {}, 0
    rows = RosterRow.objects.filter(batch=batch, sheet=sheet).order_by("pk").values_list(
        "pk", "row", "school_id", "name", "id_number", "readings", "action", "details__changes")
    while page := list(rows.filter(pk__gt=last)[:CHUNK_ROWS]):
        last = page[-1][0]
        for _pk, row, school_id, name, id_number, text, action, changes in page:
            yield load_readings(sheet, row, school_id, name, id_number, text, shared, previewed=(action, changes))
        del page


def _previewed(batch: RosterImport, chunk: list) -> dict:
    """(sheet, row) -> (action, changes) of the preview, for a chunk read from the file again."""
    found = {}
    for sheet in {p.sheet for p in chunk}:
        for numbers in value_chunks([p.row for p in chunk if p.sheet == sheet]):
            rows = RosterRow.objects.filter(batch=batch, sheet=sheet, row__any=numbers)
            for row, action, changes in rows.values_list("row", "action", "details__changes"):
                found[(sheet, row)] = (action, changes)
    return found


def run_preview(batch: RosterImport, *, outcome: str = "") -> RosterImport:
    """Decide every row of the file and store the decisions (RosterRow); nothing else is written.
    `outcome`: what the page says above the preview (why it was run again)."""
    if not _claim(batch):
        return batch
    try:
        planner_day = clock.today()
        planner = Planner(batch.unit, bureau=batch.bureau, today=planner_day, progress=_progress(batch.pk))
        with transaction.atomic():
            RosterRow.objects.filter(batch=batch).delete()
            problems = plan_roster(batch, planner, lambda chunk: _store_rows(batch, chunk))
            if problems:  # the rows read before the file was refused are not shown
                RosterRow.objects.filter(batch=batch).delete()
            else:
                _note_rows(batch, planner.without_contract(), no_contract_note())
            batch = RosterImport.objects.select_for_update().get(pk=batch.pk)
            batch.counts, batch.file_problems, batch.previewed_on = ({} if problems else dict(planner.counts)), problems, planner_day
            batch.rows_done = batch.rows_total
            batch.finished_at = timezone.now()
            batch.outcome = outcome
            batch.finish_preview()
            save_audited(batch, user=batch.owner, reason=_("Preview: %(summary)s") % {"summary": summary(batch)})
        if problems:  # a file refused whole is never committed: it is not kept
            (import_dir() / batch.stored_name).unlink(missing_ok=True)
    except Exception:  # the job says it failed and can be run again; the server log has the rest
        log.exception("roster preview %s failed", batch.pk)
        _fail(batch, _("The preview failed; nothing was written. Run it again, or tell the administrator if it fails again."))
    if len(batch.counts) and sum(batch.counts.values()) >= ANALYZE_AFTER_ROWS:
        _analyze_later(["rosters.RosterRow"])
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
    # Read afresh (a protected FSM field refuses refresh_from_db).
    batch = RosterImport.objects.select_related("owner", "unit").get(pk=batch.pk)
    if not may_import(batch.owner, batch.unit):
        _back_to_preview(batch, _("You may no longer import staff for %(unit)s; nothing was written.") % {"unit": batch.unit.name})
        return RosterImport.objects.get(pk=batch.pk)
    try:
        today = clock.today()
        planner = Planner(batch.unit, bureau=batch.bureau, today=today, lock=True, progress=_progress(batch.pk))
        writer = RosterWriter(batch, planner)
        with transaction.atomic():
            if batch.previewed_on == today:
                for sheet, chunks in ((RosterRow.Sheet.STAFF, planner.plan_staff), (RosterRow.Sheet.CONTRACT, planner.plan_contracts)):
                    for chunk in chunks(_stored_readings(batch, sheet)):
                        writer.write(chunk)
            else:  # a day later, dates read otherwise (a hire date no longer in the future): the file again
                problems = plan_roster(batch, planner, writer.write, vetted=not batch.file_problems)
                if problems:
                    raise _Unreadable(problems)
            if dict(planner.counts) != dict(batch.counts):
                raise _Changed()
            locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
            locked.finish_commit()
            locked.finished_at, locked.rows_done = timezone.now(), locked.rows_total
            locked.outcome = _("Imported: %(summary)s") % {"summary": summary(locked)}
            save_audited(locked, user=batch.owner, reason=locked.outcome)
        # The file is no longer needed: what it wrote is in the records, with the file's name as their reason.
        (import_dir() / batch.stored_name).unlink(missing_ok=True)
        if writer.written >= ANALYZE_AFTER_ROWS:
            _analyze_later(["people.Person", "people.Staff", "contracts.Contract", "contracts.DispatchAgreement"])
    except _Unreadable as unreadable:
        _back_to_preview(batch, _("The file can no longer be read; nothing was written."), problems=unreadable.problems)
    except _Changed:
        # The records changed since the preview (a row would now be refused or do something else):
        # nothing was written; the preview is run again, in this job, to show what the file does now.
        message = _("The records changed since the preview, so nothing was written: here is the preview again. "
                    "Check it and import again.")
        if _back_to_preview(batch, message, requeue=True):
            return run_preview(RosterImport.objects.select_related("owner", "unit").get(pk=batch.pk), outcome=message)
    except IntegrityError:
        log.warning("roster commit %s met a concurrent write", batch.pk, exc_info=True)
        _back_to_preview(batch, _("Someone recorded some of these people at the same moment, so nothing was written. Run the preview again."))
    except Exception:
        log.exception("roster commit %s failed", batch.pk)
        _back_to_preview(batch, _("The import failed; nothing was written. Try again, or tell the administrator if it fails again."))
    return RosterImport.objects.get(pk=batch.pk)


class _Changed(Exception):
    pass


class _Unreadable(Exception):
    def __init__(self, problems):
        self.problems = problems


def _back_to_preview(batch, outcome: str, *, problems=None, requeue: bool = False) -> bool:
    """The commit ends without writing: back to the preview, or, with `requeue`, to the queue of a
    new preview. False when the import is no longer being committed."""
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if locked.state != S.COMMITTING:
            return False
        locked.commit_refused()
        locked.outcome, locked.finished_at = outcome, timezone.now()
        if problems is not None:
            locked.file_problems = problems
        if requeue:
            locked.queue_again()
        save_audited(locked, user=batch.owner, reason=outcome)
    return True


class RosterWriter:
    """Writes each chunk of decided rows the commit hands it, with history rows: staff rows
    (people, employments, updates) and then contract rows (contracts, dispatch agreements)."""

    def __init__(self, batch: RosterImport, planner: Planner):
        self.batch, self.planner, self.user, self.written = batch, planner, batch.owner, 0
        self.reason = _("Imported from %(file)s") % {"file": batch.file_name}
        self.update_reason = _("Updated from %(file)s") % {"file": batch.file_name}
        self.posts = {value: str(label) for value, label in PostCategoryChoices.choices}

    def write(self, chunk: list):
        # Every row must do what the preview showed, changes included (from → to): counts that agree
        # would not catch an update someone else made meanwhile, which this file would undo unseen.
        stored = _previewed(self.batch, chunk) if any(p.previewed is None for p in chunk) else None
        for p in chunk:
            action, changes = p.previewed if stored is None else stored.get((p.sheet, p.row), (None, None))
            if p.action != action or p.action == A.REFUSED or [list(c) for c in p.changes or ()] != (changes or []):
                raise _Changed()
        if chunk[0].sheet == "staff":
            write_staff(self, chunk)
        else:
            write_contracts(self, chunk)


def write_staff(writer: RosterWriter, chunk: list):
    user, reason = writer.user, writer.reason
    # People new to HRflow (validated: the gender is the ID's, the birth date read from it).
    new_people = [p for p in chunk if p.action == A.CREATE]
    person_ids = insert_rows_returning_ids(Person, ["id_number", "name", "sex", "birth_date", "phone", "education", "cadre"], (
        (p.id_number, p.data.name, p.data.gender, p.data.birth_date, p.data.phone or "", p.data.education, bool(p.data.cadre))
        for p in new_people), len(new_people))
    for p, pk in zip(new_people, person_ids):
        p.data.person_id = pk
    snapshot_ids(Person, person_ids, user=user, reason=reason, history_type="+")
    # New employments: of the new people, and of people on record.
    employments = [p for p in chunk if p.action in (A.CREATE, A.LINK)]
    staff_ids = insert_rows_returning_ids(Staff, ["person", "school", "post_category", "employment_type", "title", "dormitory",
                                                  "food_safety_manager", "hired_on", "status"], (
        (p.data.person_id, p.school_id, p.data.category, p.data.employment_type, p.data.title, p.data.dormitory_id,
         bool(p.data.food_safety_manager), p.data.hired_on, Staff.Status.ACTIVE) for p in employments), len(employments))
    snapshot_ids(Staff, staff_ids, user=user, reason=reason, history_type="+")
    for p, pk in zip(employments, staff_ids):  # their contract rows are decided next, with these ids
        writer.planner.in_file[p.id_number].staff_id = pk
    # Updates of employments and of records the school alone holds.
    updates = [p for p in chunk if p.action == A.UPDATE]
    updated_staff = _bulk_update(Staff, [(p.data.staff_id, p.data.staff_changes) for p in updates])
    updated_people = _bulk_update(Person, [(p.data.person_id, p.data.person_changes) for p in updates])
    snapshot_ids(Staff, updated_staff, user=user, reason=writer.update_reason)
    snapshot_ids(Person, updated_people, user=user, reason=writer.update_reason)
    writer.written += len(person_ids) + len(staff_ids) + len(updated_staff) + len(updated_people)


def write_contracts(writer: RosterWriter, chunk: list):
    """Contracts and dispatch agreements, of employments on record or just created."""
    user, reason, posts = writer.user, writer.reason, writer.posts
    contracts = [p for p in chunk if p.action == A.ADD and p.data.kind != DISPATCH]
    agreements = [p for p in chunk if p.action == A.ADD and p.data.kind == DISPATCH]
    contract_ids = insert_rows_returning_ids(Contract, [
        "staff", "kind", "post", "starts_on", "term_months", "ends_on", "task_based", "first_employment", "probation_months",
        "probation_ends_on", "agreed_pay", "probation_pay", "evaluation_method", "term_grade", "term_grade_note", "end_reason", "state",
    ], ((d.staff_id, d.kind, posts[d.category], d.starts_on, d.term_months, d.ends_on, False, d.first_employment,
         d.probation_months, d.probation_ends_on, d.agreed_pay, d.probation_pay if d.probation_months else None,
         "", "", "", "", d.state) for d in (p.data for p in contracts)), len(contracts))
    snapshot_ids(Contract, contract_ids, user=user, reason=reason, history_type="+")
    agreement_ids = insert_rows_returning_ids(DispatchAgreement, ["staff", "agency", "agency_code", "post_nature", "starts_on", "ends_on"], (
        (p.data.staff_id, p.data.agency, "", p.data.post_nature, p.data.starts_on, p.data.ends_on) for p in agreements), len(agreements))
    snapshot_ids(DispatchAgreement, agreement_ids, user=user, reason=reason, history_type="+")
    writer.written += len(contract_ids) + len(agreement_ids)


def _bulk_update(model, changes: list[tuple[int, dict]]) -> list[int]:
    """Each row's changed fields, as a few UPDATE statements (bulk_update, one per set of changed
    fields) rather than one per row: a bureau's corrected file may touch thousands. Returns the ids."""
    by_fields = {}
    for pk, fields in changes:
        if fields:
            by_fields.setdefault(tuple(sorted(fields)), []).append(model(pk=pk, **fields))
    for fields, rows in by_fields.items():
        model.objects.bulk_update(rows, fields, batch_size=500)
    return [row.pk for rows in by_fields.values() for row in rows]


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
