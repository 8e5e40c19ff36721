"""Issue 9's figure: the daily job (contract states and reminders) over a province of 200,000 staff.

Measured inside a transaction that is rolled back, so every run starts from the same province:
1. the bulk job (hrflow.contracts.jobs.daily, and the training reminders when registered) for a day
   on which a realistic share of contracts is due — time, queries and peak memory;
2. the same work done the per-row way (each contract locked, moved and saved with its history, each
   reminder sent with notify()) on a sample, scaled to the rows the bulk job handled: the baseline.
"""

import resource
import time
from datetime import timedelta

SAMPLE = 300


class Rollback(Exception):
    pass


def _due_rows(as_of):
    from django.conf import settings

    from hrflow.contracts.models import Contract

    C = Contract.State
    horizon = as_of + timedelta(days=settings.HRFLOW["RENEWAL_NOTICE_DAYS"])
    return {
        "start": Contract.objects.filter(state=C.SIGNED, starts_on__lte=as_of).count(),
        "probation": Contract.objects.filter(state=C.PROBATION, probation_ends_on__lt=as_of).count(),
        "expiring": Contract.objects.filter(state__in=(C.PROBATION, C.ACTIVE), ends_on__isnull=False, ends_on__lte=horizon).count(),
    }


def _bulk(as_of, user):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from hrflow.notifications import daily

    counts = {}
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                for name, job in daily.jobs().items():
                    counts[name] = job(as_of=as_of, user=user)
                elapsed = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
    return elapsed, len(captured), counts


def _per_row(as_of, user):
    """The per-row way on a sample of due contracts: lock, move, save with history, notify per row."""
    from django.conf import settings
    from django.db import transaction

    from hrflow.contracts.jobs import hr_officers_by_school_unit
    from hrflow.contracts.models import Contract
    from hrflow.core.history import save_audited
    from hrflow.notifications.services import notify
    from django.contrib.auth import get_user_model

    C = Contract.State
    horizon = as_of + timedelta(days=settings.HRFLOW["RENEWAL_NOTICE_DAYS"])
    ids = list(Contract.objects.filter(state__in=(C.PROBATION, C.ACTIVE), ends_on__isnull=False, ends_on__lte=horizon)
               .order_by("pk").values_list("pk", flat=True)[:SAMPLE])
    User = get_user_model()
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for pk in ids:
                contract = Contract.objects.select_for_update().select_related("staff__person", "staff__school").get(pk=pk)
                contract.approach_end()
                save_audited(contract, user=user, reason="daily job")
                officers = hr_officers_by_school_unit([contract.staff.school.unit_id]).get(contract.staff.school.unit_id, ())
                notify(recipients=list(User.objects.filter(pk__in=officers)), event_key=f"bench.ending:{pk}",
                       subject=f"Contract ending: {contract.staff.person.name}", url=f"/contracts/{pk}/")
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed / max(1, len(ids)), len(ids)


def bench_reminders(report, as_of=None):
    from django.db import connection

    from hrflow.contracts.models import Contract
    from hrflow.core.history import system_user

    user = system_user()
    total = Contract.objects.count()
    if not total:
        print("# reminders: no contracts in this database (seed_scale generates them)", flush=True)
        return
    if as_of is None:
        from hrflow.core import clock

        as_of = clock.today()
    due = _due_rows(as_of)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    bulk_s, queries, counts = _bulk(as_of, user)
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    per_row_s, sampled = _per_row(as_of, user)
    moved = sum(v for c in counts.values() if isinstance(c, dict) for k, v in c.items() if k != "notified")
    notified = sum(c.get("notified", 0) for c in counts.values() if isinstance(c, dict))
    print(f"# reminders on {connection.vendor}: {total} contracts, as of {as_of}; due {due}; job counts {counts}", flush=True)
    # The per-row way moves and notifies one contract per row: scale it to what the bulk job did.
    rows = max(moved, due["expiring"], 1)
    baseline_s = per_row_s * rows
    report("reminders_daily_job", bulk_s, "s", baseline_s / bulk_s, f"per-row ORM {per_row_s * 1000:.1f} ms/row x {rows} rows (sample {sampled})")
    report("reminders_daily_job_queries", queries, "queries", queries / max(1, rows), f"{rows} contracts moved, {notified} notifications")
    report("reminders_daily_job_peak_rss", rss_peak / 1024, "MiB", rss_peak / max(1, rss_before), "process peak before the job")
