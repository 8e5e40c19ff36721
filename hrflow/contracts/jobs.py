"""The contracts' daily job: move every contract whose day has come, and remind HR of what is due.

A whole province in a constant number of statements per 900 rows: each step locks its rows with one
indexed range scan (state, date) and moves them with a guarded UPDATE and an INSERT ... SELECT into
the history (hrflow.core.bulk.bulk_transition), each row's reason naming its own date;
reminders go through notify_many (one query per 2,000 events to skip what was already sent).
Every step is idempotent: a state already moved is not selected again and a notification already
sent is not sent twice, so a failed run is simply run again.
"""

from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import DateField, ExpressionWrapper, F
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hrflow.core.bulk import bulk_transition
from hrflow.notifications.services import Event, notify_many
from hrflow.policy import probation_end
from hrflow.org.models import Role, RoleAssignment

from .models import Contract, DispatchAgreement, RenewalCase

C = Contract.State
BATCH = 2000


def day_text(value) -> str:
    return _day_in(get_language(), value)


@lru_cache(maxsize=4096)
def _day_in(language, value) -> str:
    return date_format(value, "DATE_FORMAT")


def page_url(name, pk) -> str:
    # reverse() once per page name, not once per row: a province has thousands of rows a day.
    return _url_prefix(name) + f"{pk}/"


@lru_cache(maxsize=16)
def _url_prefix(name) -> str:
    return reverse(name, args=[0])[: -len("0/")]


def _move(qs, method, source, user, day_field, reason, **fields) -> int:
    """Take `method` from `source` for every row of `qs`, locked first (two runs, or a user acting at
    once, wait for each other): one guarded UPDATE and one INSERT ... SELECT into the history per 900
    rows (hrflow.core.bulk), each history row with `reason(date)` for its date of `day_field` (a CASE
    in the same statement); `fields` are set first in the same transaction."""
    rows = list(qs.filter(state=source).select_for_update().order_by("pk").values_list("pk", day_field))
    if not rows:
        return 0
    ids = [pk for pk, _day in rows]
    if fields:
        for start in range(0, len(ids), BATCH):
            Contract.objects.filter(pk__in=ids[start:start + BATCH]).update(**fields)
    reasons = {day: reason(day) for day in {day for _pk, day in rows}}
    return bulk_transition(Contract, ids, method, source=source, user=user, reason=_("Daily job"), reasons_by=(day_field, reasons))


def start_signed(as_of: date, user) -> int:
    """Signed contracts whose first day has come begin: in probation, or active."""
    due = Contract.objects.filter(starts_on__lte=as_of)
    # The probation's end follows from the start and the months: one date per (start, months).
    with_probation = 0
    for months in due.filter(state=C.SIGNED, probation_months__gt=0).order_by().values_list("probation_months", flat=True).distinct():
        with_probation += _move(due.filter(probation_months=months), "begin_probation", C.SIGNED, user, "starts_on",
                                lambda day, m=months: _("The contract began on %(day)s; probation until %(end)s") % {
                                    "day": day_text(day), "end": day_text(probation_end(day, m))})
    return with_probation + _move(due.filter(probation_months=0), "begin", C.SIGNED, user, "starts_on",
                                  lambda day: _("The contract began on %(day)s") % {"day": day_text(day)})


def end_probations(as_of: date, user) -> int:
    """A probation that ran to its last day without a dismissal is passed (劳动合同法 art. 21 allows
    ending it only during the probation)."""
    day_after = ExpressionWrapper(F("probation_ends_on") + timedelta(days=1), output_field=DateField())
    return _move(Contract.objects.filter(probation_ends_on__lt=as_of), "confirm", C.PROBATION, user, "probation_ends_on",
                 lambda day: _("Probation ended on %(day)s; the contract continues") % {"day": day_text(day)}, confirmed_on=day_after)


def mark_expiring(as_of: date, user) -> int:
    """Fixed terms ending within the renewal notice come up for renewal (HR's inbox)."""
    horizon = as_of + timedelta(days=settings.HRFLOW["RENEWAL_NOTICE_DAYS"])
    due = Contract.objects.filter(ends_on__isnull=False, ends_on__lte=horizon)

    def reason(day):
        return _("The term ends on %(day)s: up for renewal") % {"day": day_text(day)}

    return (_move(due, "approach_end", C.PROBATION, user, "ends_on", reason)
            + _move(due, "approach_end", C.ACTIVE, user, "ends_on", reason))


# Filters the apps above register at start-up: (queryset of contracts due to end, as_of) -> those that
# end today. The exit workflow keeps a contract whose exit case is open: the case ends it at its
# settlement, once the protections of 劳动合同法 art. 42 allow (art. 45).
END_HOLDS: list = []


def end_not_renewed(as_of: date, user) -> int:
    """A contract that leaders approved not to renew ends after its last day (劳动合同法 art. 44(1))."""
    due = Contract.objects.filter(ends_on__lt=as_of, renewal_case__state=RenewalCase.State.APPROVED, renewal_case__renew=False)
    for hold in END_HOLDS:
        due = hold(due, as_of)
    return _move(due, "end", C.EXPIRING, user, "ends_on",
                 lambda day: _("The term ended on %(day)s and was not renewed") % {"day": day_text(day)},
                 ended_on=F("ends_on"), end_reason=_("Term ended; not renewed"))


def hr_officers_by_school_unit(unit_ids) -> dict[int, tuple[int, ...]]:
    """{school's org unit id: (HR officer user ids)} in one query per 2,000 schools."""
    unit_ids = sorted(set(unit_ids))
    officers = {}
    for start in range(0, len(unit_ids), BATCH):
        for unit_id, user_id in (RoleAssignment.objects.filter(role=Role.HR_OFFICER, unit_id__in=unit_ids[start:start + BATCH],
                                                               user__is_active=True).values_list("unit_id", "user_id")):
            officers.setdefault(unit_id, set()).add(user_id)
    return {unit: tuple(sorted(users)) for unit, users in officers.items()}


def reminder_events(as_of: date) -> list[Event]:
    """What HR must hear about today: contracts up for renewal without a proposal, probations ending
    within REMINDER_DAYS, dispatch agreements ending within RENEWAL_NOTICE_DAYS. One event per thing
    and date (the key), so a changed date is a new event and an unchanged one is never repeated."""
    remind = as_of + timedelta(days=settings.HRFLOW["REMINDER_DAYS"])
    renew = as_of + timedelta(days=settings.HRFLOW["RENEWAL_NOTICE_DAYS"])
    items = []
    ending = (Contract.objects.filter(state=C.EXPIRING, renewal_case__isnull=True)
              .values_list("pk", "ends_on", "staff__person__name", "staff__school__unit_id"))
    for pk, ends_on, name, unit in ending:
        items.append((unit, f"contracts.ending:{pk}:{ends_on}", _("Contract ending on %(day)s: %(person)s — propose renewal or not") % {
            "day": day_text(ends_on), "person": name}, page_url("contracts:contract_detail", pk)))
    probations = (Contract.objects.filter(state=C.PROBATION, probation_ends_on__gte=as_of, probation_ends_on__lte=remind)
                  .values_list("pk", "probation_ends_on", "staff__person__name", "staff__school__unit_id"))
    for pk, day, name, unit in probations:
        items.append((unit, f"contracts.probation_ending:{pk}:{day}", _("Probation ends on %(day)s: %(person)s") % {
            "day": day_text(day), "person": name}, page_url("contracts:contract_detail", pk)))
    dispatches = (DispatchAgreement.objects.filter(ends_on__gte=as_of, ends_on__lte=renew).exclude(staff__status="left")
                  .values_list("pk", "ends_on", "agency", "staff__person__name", "staff__school__unit_id", "staff_id"))
    for pk, day, agency, name, unit, staff_id in dispatches:
        items.append((unit, f"contracts.dispatch_ending:{pk}:{day}", _("Dispatch agreement with %(agency)s ends on %(day)s: %(person)s") % {
            "agency": agency, "day": day_text(day), "person": name}, page_url("people:staff_detail", staff_id)))
    officers = hr_officers_by_school_unit(unit for unit, *_rest in items)
    return [Event(recipient_ids=officers[unit], event_key=key, subject=subject, url=url)
            for unit, key, subject, url in items if unit in officers]


def daily(*, as_of: date, user) -> dict:
    with transaction.atomic():
        counts = {
            "started": start_signed(as_of, user),
            "probations_passed": end_probations(as_of, user),
            "up_for_renewal": mark_expiring(as_of, user),
            "ended": end_not_renewed(as_of, user),
        }
    with transaction.atomic():
        counts["notified"] = notify_many(reminder_events(as_of))
    return counts
