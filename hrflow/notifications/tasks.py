from celery import shared_task

from .daily import run_daily


@shared_task
def run_daily_jobs() -> dict:
    """Celery beat's daily entry (settings.CELERY_BEAT_SCHEDULE)."""
    run = run_daily()
    return run.counts if run else {}
