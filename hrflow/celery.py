"""Celery for long jobs in production (CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0).

Without a broker the tasks run eagerly in the calling process: the embedded default.
Start a worker with: celery -A hrflow worker -l info
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrflow.settings")

app = Celery("hrflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
