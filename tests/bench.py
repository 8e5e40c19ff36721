"""`make bench`: timings reported as ratios against a baseline measured in the same run.

Runs on its own database: var/bench.sqlite3 (recreated) unless BENCH_DATABASE_URL names
another (e.g. a PostgreSQL database it may fill). One line per figure:
BENCH <name> <value> <unit> ratio=<r> baseline=<what>
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrflow.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def report(name, value, unit, ratio, baseline):
    print(f"BENCH {name} {value:.4g} {unit} ratio={ratio:.3g} baseline={baseline}", flush=True)


class ProvinceOfficer:
    """A bureau officer of the whole generated province, without a login."""

    is_authenticated = True
    is_superuser = False


def bench_foundation(scale):
    from datetime import date


    from hrflow.core.demo import generate_province
    from hrflow.core.history import save_audited, system_user
    from hrflow.org.models import OrgUnit, School
    from hrflow.org.scope import Grant
    from hrflow.org.selectors import school_staffing_lines, staffing_rollup
    from hrflow.people.models import Person, Staff
    from hrflow.policy import build_id_number

    user = system_user()
    started = time.perf_counter()
    result = generate_province(scale=scale, user=user)
    bulk_seconds = time.perf_counter() - started
    bulk_rate = result["staff"] / bulk_seconds

    # Baseline: the same rows saved one by one through the ORM with history.
    school = School.objects.order_by("pk").first()
    n = 300
    started = time.perf_counter()
    for i in range(n):
        person = Person(id_number=build_id_number("650102", date(1980, 1, 1 + i % 28), i), name="基准", education="senior_high")
        save_audited(person, user=user, reason="bench baseline")
        save_audited(Staff(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=date(2020, 1, 1)), user=user, reason="bench baseline")
    row_rate = n / (time.perf_counter() - started)
    report("generate_staff", bulk_rate, "rows/s", bulk_rate / row_rate,
           f"per-row ORM save with history ({row_rate:.0f} rows/s over {n}; bulk made {result['staff']} staff "
           f"in {result['schools']} schools in {bulk_seconds:.1f} s)")

    province = OrgUnit.objects.get(code="G51")
    viewer = ProvinceOfficer()
    viewer._hrflow_grants = (Grant("bureau_officer", province.pk, province.path, "province", province.name, None),)
    started = time.perf_counter()
    frame = staffing_rollup(viewer)
    rollup_seconds = time.perf_counter() - started
    sample = list(School.objects.filter(unit__path__startswith=province.path).select_related("unit")[:100])
    started = time.perf_counter()
    for s in sample:
        school_staffing_lines(s)
    per_school = (time.perf_counter() - started) / len(sample)
    baseline_seconds = per_school * len(frame)
    report("staffing_rollup", rollup_seconds, "s", baseline_seconds / rollup_seconds,
           f"per-school queries ({per_school * 1000:.1f} ms/school x {len(frame)} schools = {baseline_seconds:.1f} s)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 200,000 staff (default 0.1)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        path = BASE / "var" / "bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    setup_django(url)
    from django.db import connection

    print(f"# machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database {connection.vendor}, scale {args.scale}", flush=True)
    bench_foundation(args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
