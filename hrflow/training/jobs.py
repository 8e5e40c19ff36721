"""Training's daily job: HR officers hear of each certificate expiring within REMINDER_DAYS, once."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from hrflow.contracts.jobs import day_text, hr_officers_by_school_unit, page_url
from hrflow.notifications.services import Event, notify_many

from .models import CertificateKind
from .selectors import certificates_expiring


def reminder_events(as_of: date) -> list[Event]:
    rows = list(certificates_expiring(settings.HRFLOW["REMINDER_DAYS"], as_of)
                .values_list("pk", "kind", "name", "valid_until", "person__name", "school_unit_id", "staff_id"))
    officers = hr_officers_by_school_unit(row[5] for row in rows)
    labels = dict(CertificateKind.choices)
    events = []
    for pk, kind, name, valid_until, person, unit, staff_id in rows:
        if unit not in officers:
            continue
        events.append(Event(
            recipient_ids=officers[unit], event_key=f"training.certificate_expiring:{pk}:{valid_until}",
            subject=_("%(certificate)s of %(person)s expires on %(day)s") % {
                "certificate": name or str(labels.get(kind, kind)), "person": person, "day": day_text(valid_until)},
            url=page_url("people:staff_detail", staff_id)))
    return events


def daily(*, as_of: date, user) -> dict:
    with transaction.atomic():
        return {"notified": notify_many(reminder_events(as_of))}
