"""The daily jobs: each app registers one function at start-up; one runner runs them all once a day.

Runs come from Celery beat in production (hrflow.notifications.tasks.run_daily_jobs), from
`manage.py run_daily_jobs` under cron, or, on the embedded default without a broker, from a thread
the first request of the day starts (DailyJobsMiddleware). Whichever comes first claims the day by
inserting its DailyRun row; a job that failed leaves the error on the row and is re-run with
`run_daily_jobs --force` (every job is idempotent: a state already moved is not moved again, a
notification already sent is not sent again).
"""

import logging
import threading
from datetime import date
from typing import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from hrflow.core import clock
from hrflow.core.history import system_user

from .models import DailyRun

log = logging.getLogger(__name__)
_jobs: dict[str, Callable] = {}


def register(name: str, job: Callable):
    """`job(as_of=date, user=User) -> dict` of counts; it opens its own transactions."""
    _jobs[name] = job


def jobs() -> dict[str, Callable]:
    return dict(_jobs)


def _claim(day: date, force: bool) -> DailyRun | None:
    try:
        with transaction.atomic():
            return DailyRun.objects.create(day=day)
    except IntegrityError:
        if not force:
            return None
        run = DailyRun.objects.get(day=day)
        run.finished_at, run.error = None, ""
        run.save(update_fields=["finished_at", "error"])
        return run


def run_daily(*, as_of: date | None = None, force: bool = False) -> DailyRun | None:
    """Run every registered job for `as_of` (today) unless that day has run; returns the run, or None."""
    day = as_of or clock.today()
    run = _claim(day, force)
    if run is None:
        return None
    user = system_user()
    counts, errors = {}, []
    with translation.override(settings.LANGUAGE_CODE):
        for name, job in _jobs.items():
            try:
                counts[name] = job(as_of=day, user=user)
            except Exception as error:  # one failing job never stops the others; the run records it
                log.exception("daily job %s failed", name)
                errors.append(f"{name}: {error!r}")
    run.counts, run.error, run.finished_at = counts, "\n".join(errors), timezone.now()
    run.save(update_fields=["counts", "error", "finished_at"])
    return run


_checked = {"day": None}
_lock = threading.Lock()


class DailyJobsMiddleware:
    """Without a Celery broker, the first request of the day starts the daily jobs in a thread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.HRFLOW["DAILY_JOBS_IN_PROCESS"] and not settings.CELERY_BROKER_URL:
            today = clock.today()
            if _checked["day"] != today:
                with _lock:
                    if _checked["day"] != today:
                        _checked["day"] = today
                        threading.Thread(target=_run_in_thread, name="hrflow-daily", daemon=True).start()
        return self.get_response(request)


def _run_in_thread():
    from django.db import connection

    try:
        run_daily()
    except Exception:
        log.exception("daily jobs failed")
    finally:
        connection.close()
