"""Today's date in the school's time zone. One place, so that tests can move time forward."""

from django.utils import timezone


def today():
    return timezone.localdate()


def now():
    return timezone.now()
