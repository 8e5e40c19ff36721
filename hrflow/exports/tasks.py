from celery import shared_task

from .services import run_export


@shared_task
def run_export_task(job_id: int) -> int:
    job = run_export(job_id)
    return job.rows_written if job else 0
