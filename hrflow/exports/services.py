"""Starting, running and cleaning up exports.

A job runs on Celery when a broker is configured (production), else in a thread of the web
process (the embedded default, so the page can show progress), or inline when
HRFLOW["EXPORTS_IN_THREAD"] is off (tests). Rows are streamed from the database into a
workbook (hrflow.core.xlsx) in constant_memory mode, so memory stays flat whatever the row count.
"""

import logging
import secrets
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from hrflow.core.xlsx import Writer

from . import registry
from .models import ExportJob

log = logging.getLogger(__name__)

# Excel holds 1,048,576 rows per sheet; the header takes one. Beyond, the export goes on in a new sheet.
SHEET_ROWS = 1_048_575
PROGRESS_EVERY = 2000


def export_dir() -> Path:
    path = Path(settings.HRFLOW["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


class ExportRefused(Exception):
    """The user already has as many exports under way as HRFLOW["EXPORT_MAX_RUNNING"] allows."""


def start_export(*, user, kind: str, params: dict, language: str | None = None) -> ExportJob:
    """Record the job and hand it to a worker, or return the same export already under way (a
    double click starts one job). ValidationError for a bad filter, PermissionDenied for a user the
    kind refuses, ExportRefused past the per-user limit of exports under way."""
    export = registry.get(kind)
    if export is None or not export.allowed(user):
        raise PermissionDenied
    params = export.clean(user, dict(params))
    params["_language"] = language or get_language() or settings.LANGUAGE_CODE
    purge_expired()
    with transaction.atomic():
        # Two clicks at once: the owner's row serialises them, so the second finds the first's job.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        stale = timezone.now() - timedelta(minutes=settings.HRFLOW["EXPORT_STALE_MINUTES"])
        under_way = list(ExportJob.objects.filter(
            owner=user, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING], created_at__gte=stale,
        ))
        for job in under_way:
            if job.kind == kind and job.params == params:
                return job
        if len(under_way) >= settings.HRFLOW["EXPORT_MAX_RUNNING"]:
            raise ExportRefused
        job = ExportJob.objects.create(
            owner=user, kind=kind, params=params, title=export.describe(params)[:200],
            rows_expected=export.estimate(user, params),
        )
        dispatch(job.pk)
    return job


def start_export_response(request, *, kind: str, params: dict, back: str):
    """A view's answer to "export this": the job's page, or `back` with the reason it was refused."""
    try:
        job = start_export(user=request.user, kind=kind, params=params)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    except ExportRefused:
        messages.error(request, _(
            "You already have %(n)s exports under way. Wait until one of them finishes (My exports) and start this one again."
        ) % {"n": settings.HRFLOW["EXPORT_MAX_RUNNING"]})
        return redirect(back)
    return redirect(job.get_absolute_url())


def dispatch(job_id: int):
    if settings.CELERY_BROKER_URL:
        from .tasks import run_export_task

        transaction.on_commit(lambda: run_export_task.delay(job_id))
    elif settings.HRFLOW["EXPORTS_IN_THREAD"]:
        transaction.on_commit(lambda: threading.Thread(target=_run_in_thread, args=(job_id,), daemon=True).start())
    else:
        transaction.on_commit(lambda: run_export(job_id))


def _run_in_thread(job_id):
    try:
        run_export(job_id)
    finally:
        connection.close()


def run_export(job_id: int) -> ExportJob | None:
    """Write the job's file. Safe to call twice: only a queued job is taken (an atomic claim)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    export = registry.get(job.kind)
    name = f"{job.pk}-{secrets.token_hex(8)}.xlsx"
    path = export_dir() / name
    limit = settings.HRFLOW["EXPORT_MAX_ROWS"]
    written, stopped = 0, False
    try:
        with override(job.params.get("_language") or settings.LANGUAGE_CODE):
            if export is None or not export.allowed(job.owner):
                raise PermissionDenied
            with Writer(str(path), constant_memory=True) as book:
                for title, headers, rows in export.sheets(job.owner, job.params):
                    written, stopped = _write_sheet(book, title, headers, rows, written=written, limit=limit, job_id=job.pk,
                                                    setup=lambda book, sheet, title: export.setup_sheet(book, sheet, title, job.params))
                    if stopped:
                        break
                export.finish(book, job.params)
    except Exception as error:  # a failed export says so; the worker goes on with the next job
        path.unlink(missing_ok=True)
        log.exception("export %s failed", job.pk)
        problem = ExportJob.Problem.DENIED if isinstance(error, PermissionDenied) else ExportJob.Problem.FAILED
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, problem=problem, finished_at=timezone.now())
        return ExportJob.objects.get(pk=job.pk)
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, rows_written=written, file_name=name, file_size=path.stat().st_size,
        limit_reached=stopped, finished_at=now, expires_at=now + timedelta(days=settings.HRFLOW["EXPORT_KEEP_DAYS"]),
    )
    return ExportJob.objects.get(pk=job.pk)


def _write_sheet(book, title, headers, rows, *, written: int, limit: int, job_id: int, setup=None) -> tuple[int, bool]:
    """Rows into a sheet, going on in "title (2)", … past Excel's row limit, with the job's progress
    saved as it goes. Returns the rows written so far and whether the row limit stopped the export."""
    sheet, line, part = None, 0, 0
    for row in rows:
        if sheet is None or line == SHEET_ROWS:
            part += 1
            sheet = book.sheet(title if part == 1 else f"{title} ({part})")
            if setup:
                setup(book, sheet, title)
            book.header(sheet, headers)
            line = 0
        if limit and written >= limit:
            book.row(sheet, line + 1, [_(
                "The export stops here: more rows than the limit of %(limit)s were in scope (setting HRFLOW_EXPORT_MAX_ROWS)."
            ) % {"limit": limit}])
            return written, True
        line += 1
        book.row(sheet, line, row)
        written += 1
        if written % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job_id).update(rows_written=written)
    if sheet is None:  # no rows: the sheet still says what it would hold
        sheet = book.sheet(title)
        if setup:
            setup(book, sheet, title)
        book.header(sheet, headers)
    return written, False


def file_path(job: ExportJob) -> Path | None:
    if job.status != ExportJob.Status.DONE or not job.file_name or (job.expires_at and job.expires_at <= timezone.now()):
        return None
    path = export_dir() / job.file_name
    return path if path.is_file() else None


def purge_expired() -> int:
    """Delete the files of expired exports (the job rows stay as the record of who exported what)."""
    now = timezone.now()
    expired = list(ExportJob.objects.filter(expires_at__lte=now).exclude(file_name="").values_list("pk", "file_name")[:500])
    for _pk, name in expired:
        (export_dir() / name).unlink(missing_ok=True)
    ExportJob.objects.filter(pk__in=[pk for pk, _n in expired]).update(file_name="", file_size=0)
    return len(expired)
