from celery import shared_task

from .services import run_step


@shared_task
def run_roster_step(batch_id: int, step: str) -> str:
    batch = run_step(batch_id, step)
    return batch.state if batch else ""
