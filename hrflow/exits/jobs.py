"""The exits' daily reminders: a hearing whose statement deadline has passed may be closed, an
approved exit whose last day has come is to be settled. One event per case and date (the key), so a
reminder is never repeated and a run that failed is simply run again."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from hrflow.contracts.jobs import day_text, hr_officers_by_school_unit, page_url
from hrflow.notifications.services import Event, notify_many

from .models import ExitCase

S = ExitCase.State


def reminder_events(as_of: date) -> list[Event]:
    items = []
    hearings = (ExitCase.objects.filter(state=S.HEARING, statement_due__lt=as_of)
                .values_list("pk", "statement_due", "staff__person__name", "staff__school__unit_id"))
    for pk, due, name, unit in hearings:
        items.append((unit, f"exits.hearing_due:{pk}:{due}", _("The statement period of %(person)s's exit case ended on %(day)s: close the hearing") % {
            "person": name, "day": day_text(due)}, page_url("exits:case_detail", pk)))
    leaving = (ExitCase.objects.filter(state=S.NOTICE, last_day__lte=as_of)
               .values_list("pk", "last_day", "staff__person__name", "staff__school__unit_id"))
    for pk, day, name, unit in leaving:
        items.append((unit, f"exits.settle_due:{pk}:{day}", _("%(person)s's last day is %(day)s: complete the handover and settle") % {
            "person": name, "day": day_text(day)}, page_url("exits:case_detail", pk)))
    officers = hr_officers_by_school_unit(unit for unit, *_rest in items)
    return [Event(recipient_ids=officers[unit], event_key=key, subject=subject, url=url)
            for unit, key, subject, url in items if unit in officers]


def daily(*, as_of: date, user) -> dict:
    with transaction.atomic():
        return {"notified": notify_many(reminder_events(as_of))}


def hold_contracts_in_open_cases(contracts, as_of):
    """A contract not renewed whose non-renewal case is open ends with the case's settlement, which
    applies 劳动合同法 art. 45 (hrflow.contracts.jobs.END_HOLDS); other cases do not hold a term."""
    return contracts.exclude(exit_cases__state__in=ExitCase.OPEN, exit_cases__ground="not_renewed")
