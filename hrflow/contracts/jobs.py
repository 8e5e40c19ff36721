"""The contracts' daily job: move every contract whose day has come, and remind HR of what is due.

A whole province in a constant number of queries: each step selects its rows with one indexed
range scan (state, date), moves them in Python and writes them back with their history in bulk;
reminders go through notify_many (one query per 2,000 events to skip what was already sent).
Every step is idempotent: a state already moved is not selected again and a notification already
sent is not sent twice, so a failed run is simply run again.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from hrflow.notifications.services import Event, notify_many
from hrflow.org.models import Role, RoleAssignment

from .models import Contract, DispatchAgreement, RenewalCase

C = Contract.State
BATCH = 2000


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT")


def _save(rows, fields, user):
    if rows:
        bulk_update_with_history(rows, Contract, fields, batch_size=BATCH, default_user=user,
                                 default_change_reason=_("Daily job"))
    return len(rows)


def _locked(qs):
    return list(qs.select_for_update().order_by("pk"))


def start_signed(as_of: date, user) -> int:
    """Signed contracts whose first day has come begin: in probation, or active."""
    rows = _locked(Contract.objects.filter(state=C.SIGNED, starts_on__lte=as_of))
    for c in rows:
        if c.probation_months:
            c.begin_probation()
            c._change_reason = _("The contract began on %(day)s; probation until %(end)s") % {
                "day": _day(c.starts_on), "end": _day(c.probation_ends_on)}
        else:
            c.begin()
            c._change_reason = _("The contract began on %(day)s") % {"day": _day(c.starts_on)}
    return _save(rows, ["state"], user)


def end_probations(as_of: date, user) -> int:
    """A probation that ran to its last day without a dismissal is passed (劳动合同法 art. 21 allows
    ending it only during the probation)."""
    rows = _locked(Contract.objects.filter(state=C.PROBATION, probation_ends_on__lt=as_of))
    for c in rows:
        c.confirm()
        c.confirmed_on = c.probation_ends_on + timedelta(days=1)
        c._change_reason = _("Probation ended on %(day)s; the contract continues") % {"day": _day(c.probation_ends_on)}
    return _save(rows, ["state", "confirmed_on"], user)


def mark_expiring(as_of: date, user) -> int:
    """Fixed terms ending within the renewal notice come up for renewal (HR's inbox)."""
    horizon = as_of + timedelta(days=settings.HRFLOW["RENEWAL_NOTICE_DAYS"])
    rows = _locked(Contract.objects.filter(state__in=(C.PROBATION, C.ACTIVE), ends_on__isnull=False, ends_on__lte=horizon))
    for c in rows:
        c.approach_end()
        c._change_reason = _("The term ends on %(day)s: up for renewal") % {"day": _day(c.ends_on)}
    return _save(rows, ["state"], user)


def end_not_renewed(as_of: date, user) -> int:
    """A contract that leaders approved not to renew ends after its last day (劳动合同法 art. 44(1))."""
    rows = _locked(Contract.objects.filter(state=C.EXPIRING, ends_on__lt=as_of, renewal_case__state=RenewalCase.State.APPROVED,
                                           renewal_case__renew=False))
    for c in rows:
        c.end()
        c.ended_on = c.ends_on
        c.end_reason = _("Term ended; not renewed")
        c._change_reason = _("The term ended on %(day)s and was not renewed") % {"day": _day(c.ends_on)}
    return _save(rows, ["state", "ended_on", "end_reason"], user)


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
            "day": _day(ends_on), "person": name}, reverse("contracts:contract_detail", args=[pk])))
    probations = (Contract.objects.filter(state=C.PROBATION, probation_ends_on__gte=as_of, probation_ends_on__lte=remind)
                  .values_list("pk", "probation_ends_on", "staff__person__name", "staff__school__unit_id"))
    for pk, day, name, unit in probations:
        items.append((unit, f"contracts.probation_ending:{pk}:{day}", _("Probation ends on %(day)s: %(person)s") % {
            "day": _day(day), "person": name}, reverse("contracts:contract_detail", args=[pk])))
    dispatches = (DispatchAgreement.objects.filter(ends_on__gte=as_of, ends_on__lte=renew).exclude(staff__status="left")
                  .values_list("pk", "ends_on", "agency", "staff__person__name", "staff__school__unit_id", "staff_id"))
    for pk, day, agency, name, unit, staff_id in dispatches:
        items.append((unit, f"contracts.dispatch_ending:{pk}:{day}", _("Dispatch agreement with %(agency)s ends on %(day)s: %(person)s") % {
            "agency": agency, "day": _day(day), "person": name}, reverse("people:staff_detail", args=[staff_id])))
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
