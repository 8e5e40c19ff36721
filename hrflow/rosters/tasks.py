from celery import shared_task

from django.apps import apps

from hrflow.core.bulk import refresh_statistics

from .services import run_step


@shared_task
def run_roster_step(batch_id: int, step: str) -> str:
    batch = run_step(batch_id, step)
    return batch.state if batch else ""


@shared_task
def analyze_tables(labels: list[str]) -> list[str]:
    return refresh_statistics([apps.get_model(label) for label in labels])
