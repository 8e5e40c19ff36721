from celery import shared_task
from django.contrib.auth import get_user_model

from .screening import screen_round


@shared_task
def screen_round_task(round_id: int, user_id: int) -> dict:
    """The screening of a closed round, off the request when a Celery broker is configured."""
    return screen_round(round_id=round_id, acting_user=get_user_model().objects.get(pk=user_id))
