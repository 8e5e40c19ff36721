from celery import shared_task

from .pay import compute


@shared_task
def compute_pay_run(run_id: int, user_id: int) -> str:
    run = compute(run_id, user_id)
    return run.state if run else ""
