"""Issue 9's figure: the daily job (contract states and reminders) over a province of 200,000 staff.

Measured inside a transaction that is rolled back, so every run starts from the same province:
1. the bulk job (hrflow.contracts.jobs.daily, and the training reminders when registered) for a day
   on which a realistic share of contracts is due — time, queries and peak memory;
2. the same work done the per-row way (each contract locked, moved and saved with its history, each
   reminder sent with notify()) on a sample, scaled to the rows the bulk job handled: the baseline.
"""

import time
import tracemalloc
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


def _hr_everywhere():
    """One HR officer per school of the province (the generator makes one login only), created inside
    the measured transaction before the clock starts, so the reminders have their real recipients."""
    from django.contrib.auth import get_user_model

    from hrflow.org.models import Role, RoleAssignment, School

    User = get_user_model()
    units = list(School.objects.values_list("unit_id", flat=True))
    users = User.objects.bulk_create([User(username=f"bench_hr_{u}", email=f"hr{u}@example.edu.cn") for u in units], batch_size=2000)
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=Role.HR_OFFICER, unit_id=u) for user, u in zip(users, units)],
                                       batch_size=2000)


def _bulk(as_of, user):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from hrflow.notifications import daily

    counts = {}
    with CaptureQueriesContext(connection) as captured:
        try:
            with transaction.atomic():
                _hr_everywhere()
                captured.initial_queries = len(connection.queries_log)
                started = time.perf_counter()
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
    try:
        with transaction.atomic():
            _hr_everywhere()
            moving = notifying = 0.0
            for pk in ids:
                started = time.perf_counter()
                contract = Contract.objects.select_for_update().select_related("staff__person", "staff__school").get(pk=pk)
                contract.approach_end()
                save_audited(contract, user=user, reason="daily job")
                middle = time.perf_counter()
                officers = hr_officers_by_school_unit([contract.staff.school.unit_id]).get(contract.staff.school.unit_id, ())
                notify(recipients=list(User.objects.filter(pk__in=officers)), event_key=f"bench.ending:{pk}",
                       subject=f"Contract ending: {contract.staff.person.name}", url=f"/contracts/{pk}/")
                moving += middle - started
                notifying += time.perf_counter() - middle
            raise Rollback
    except Rollback:
        pass
    n = max(1, len(ids))
    return moving / n, notifying / n, len(ids)


def ensure_records(province_code):
    """A province generated before contracts existed gets its contracts, dispatch agreements and
    certificates now (the generator's own step), once."""
    import numpy as np

    from hrflow.contracts.models import Contract
    from hrflow.core import clock
    from hrflow.core.bulk import refresh_statistics
    from hrflow.core.history import system_user
    from hrflow.demo.records import bulk_records
    from hrflow.org.models import School
    from hrflow.training.models import Certificate

    if Contract.objects.filter(staff__school__unit__path__startswith=f"{province_code}/").exists():
        return
    started = time.perf_counter()
    schools = list(School.objects.filter(unit__path__startswith=f"{province_code}/").values_list("pk", flat=True))
    counts = bulk_records(np.random.default_rng(2021), school_ids=schools, as_of=clock.today(), user=system_user(),
                          reason="Scale data (records)")
    refresh_statistics([Contract, Certificate])
    print(f"# reminders: generated {counts} for province {province_code} in {time.perf_counter() - started:.0f} s", flush=True)


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
    from django.urls import reverse

    reverse("contracts:contract_detail", args=[1])  # the URL resolver loads once per process, not per job
    bulk_s, queries, counts = _bulk(as_of, user)
    per_move_s, per_notify_s, sampled = _per_row(as_of, user)
    # Memory in a run of its own: tracemalloc slows Python down, so the timing above runs without it.
    tracemalloc.start()
    _bulk(as_of, user)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    moved = sum(v for c in counts.values() if isinstance(c, dict) for k, v in c.items() if k != "notified")
    notified = sum(c.get("notified", 0) for c in counts.values() if isinstance(c, dict))
    print(f"# reminders on {connection.vendor}: {total} contracts, as of {as_of}; due {due}; job counts {counts}", flush=True)
    # The per-row way: each contract moved and each reminder sent one at a time, timed on a sample and
    # scaled to what the bulk job did (its moves and its notifications).
    rows = max(moved, 1)
    baseline_s = per_move_s * rows + per_notify_s * notified
    report("reminders_daily_job", bulk_s, "s", baseline_s / bulk_s,
           f"per-row ORM {per_move_s * 1000:.1f} ms/contract x {rows} + {per_notify_s * 1000:.1f} ms/notification x {notified} "
           f"(timed on {sampled})")
    report("reminders_daily_job_queries", queries, "queries", queries / max(1, rows), f"{rows} contracts moved, {notified} notifications")
    report("reminders_daily_job_peak_memory", peak / 2**20, "MiB", peak / max(1, rows) / 1024, f"KiB per contract moved ({rows}), Python allocations (tracemalloc)")
