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



def numbered_name(prefix: str, i: int) -> str:
    """A distinct name per row that passes the name rule (letters only): 导入一〇三."""
    return prefix + "".join("〇一二三四五六七八九"[int(d)] for d in str(i))

def setup_django(url, migrate=True):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrflow.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    if migrate:
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


def _applications(round, posts, n, rng, start=0):
    """n applications spread over the round's posts; a few fail each kind of rule."""
    from datetime import date, timedelta

    from hrflow.hiring.models import Application
    from hrflow.policy import build_id_number

    levels = ["primary", "junior_high", "senior_high", "secondary_vocational", "associate", "bachelor"]
    rows = []
    for i in range(start, start + n):
        post = posts[i % len(posts)]
        birth = date(1960, 1, 1) + timedelta(days=int(rng.integers(0, 16000)))
        sex = "F" if rng.random() < 0.55 else "M"
        rows.append(Application(
            round=round, post=post, name=f"考生{i}", gender=sex, birth_date=birth,
            id_number=build_id_number("510104", birth, (i % 499) * 2 + (1 if sex == "M" else 0)),
            education=levels[int(rng.integers(0, len(levels)))], certificates=["电工证"] if rng.random() < 0.7 else [],
            cadre=bool(rng.random() < 0.05), criminal_record=bool(rng.random() < 0.01),
            infectious_disease=bool(rng.random() < 0.01), mental_illness_history=bool(rng.random() < 0.005),
        ))
    # One application per ID number and round, as the constraint wants.
    unique = {a.id_number: a for a in rows}
    return list(unique.values())


def _round(user, title):
    from datetime import date

    from hrflow.hiring.models import RoundPost, SelectionRound
    from hrflow.org.models import School

    school = School.objects.order_by("pk").first()
    if school is None:
        from hrflow.core.demo import generate_province

        generate_province(scale=0.0005, user=user, code="GB")
        school = School.objects.order_by("pk").first()
    round = SelectionRound.objects.create(
        school=school, title=title, procedure="-", pay_and_treatment="-", opens_on=date(2026, 6, 1),
        closes_on=date(2026, 6, 12), created_by=user, state="screening",
    )
    posts = [
        RoundPost.objects.create(round=round, title="厨师", category="canteen", headcount=5),
        RoundPost.objects.create(round=round, title="女生宿管", category="dormitory", headcount=2, dorm_gender="F"),
        RoundPost.objects.create(round=round, title="电工", category="technical", headcount=1, certificate="电工证"),
        RoundPost.objects.create(round=round, title="后勤管理", category="management", headcount=1),
    ]
    return round, posts


def bench_screening(n):
    import numpy as np
    from simple_history.utils import bulk_create_with_history

    from hrflow.core.history import save_audited, system_user
    from hrflow.hiring.models import Application, Finding
    from hrflow.hiring.screening import screen_round
    from hrflow.policy import screen

    user = system_user()
    rng = np.random.default_rng(569)
    round, posts = _round(user, "bench bulk")
    applications = _applications(round, posts, n, rng)
    bulk_create_with_history(applications, Application, batch_size=5000, default_user=user, default_change_reason="bench")
    started = time.perf_counter()
    result = screen_round(round_id=round.pk, acting_user=user)
    bulk_seconds = time.perf_counter() - started

    # Baseline: the same work one application at a time through the ORM.
    base_round, base_posts = _round(user, "bench per-row")
    sample = _applications(base_round, base_posts, 1000, rng, start=n)
    bulk_create_with_history(sample, Application, batch_size=5000, default_user=user, default_change_reason="bench")
    started = time.perf_counter()
    for application in Application.objects.filter(round=base_round).select_related("post"):
        outcome = screen(application.policy_applicant(), application.post.policy_post(), base_round.as_of)
        for f in outcome.findings:
            save_audited(Finding(application=application, rule=f.rule, clause=f.clause, hard=f.hard, template=f.template,
                                 params=dict(f.params)), user=user, reason="bench")
        (application.exclude if outcome.excluded else application.flag if outcome.findings else application.mark_eligible)()
        save_audited(application, user=user, reason="bench")
    per_row = (time.perf_counter() - started) / len(sample)
    baseline_seconds = per_row * result["screened"]
    report("screen_applications", bulk_seconds, "s", baseline_seconds / bulk_seconds,
           f"per-row screen()+ORM save with history ({per_row * 1000:.2f} ms/application x {result['screened']} "
           f"= {baseline_seconds:.0f} s; bulk wrote {result['findings']} findings)")
    report("screen_applications_rate", result["screened"] / bulk_seconds, "applications/s", baseline_seconds / bulk_seconds,
           "per-row baseline above")


def bench_import(n):
    import io
    import tracemalloc
    from datetime import date, timedelta

    import numpy as np
    import openpyxl

    from hrflow.core.history import system_user
    from hrflow.core.xlsx import Writer
    from hrflow.hiring.imports import COLUMNS, applications_import
    from hrflow.hiring.models import SelectionRound
    from hrflow.policy import build_id_number

    user = system_user()
    rounds = []
    for title in ("bench import (timed)", "bench import (memory)"):
        round, posts = _round(user, title)
        SelectionRound.objects.filter(pk=round.pk).update(state="open")  # bench set-up, not a business action
        round.refresh_from_db()
        rounds.append(round)
    rng = np.random.default_rng(12)
    buffer = io.BytesIO()
    with Writer(buffer, constant_memory=True) as book:
        sheet = book.sheet("Sheet1")
        book.header(sheet, [h for h, _f in COLUMNS])
        for i in range(n):
            birth = date(1965, 1, 1) + timedelta(days=int(rng.integers(0, 12000)))
            sex = "女" if i % 2 else "男"
            number = build_id_number("510105", birth, (i % 499) * 2 + (0 if i % 2 else 1))
            book.row(sheet, i + 1, [posts[0].title, numbered_name("导入", i), number, sex, "高中", "", "否", "否", "否", "否", "13800000000"])
    data = buffer.getvalue()

    started = time.perf_counter()
    read = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = sum(1 for _ in read.worksheets[0].iter_rows(values_only=True))
    read.close()
    read_seconds = time.perf_counter() - started

    started = time.perf_counter()
    imported = applications_import(round=rounds[0], stream=io.BytesIO(data), acting_user=user)
    seconds = time.perf_counter() - started
    # Memory in a second run: tracemalloc slows Python down, so it stays out of the timing.
    tracemalloc.start()
    applications_import(round=rounds[1], stream=io.BytesIO(data), acting_user=user)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report("import_applicants", seconds, "s", seconds / read_seconds,
           f"openpyxl read of the same {rows - 1} rows alone ({read_seconds:.2f} s); imported {imported}")
    report("import_applicants_peak_memory", peak / 2**20, "MiB", peak / max(len(data), 1),
           f"the xlsx file's size ({len(data) / 2**20:.1f} MiB); Python heap peak by tracemalloc")


def bench_crafted_upload():
    """Hostile xlsx uploads (issue 7): the slowest rejection and the largest peak, against
    reading a normal 100-row template file in the same run. Peak memory is the Python heap
    measured by tracemalloc (expat's and zlib's C buffers are not in it; both stream)."""
    import io
    import random
    import tracemalloc
    from datetime import date

    from hrflow.core.xlsx import UploadRefused, Writer, read_upload
    from hrflow.hiring.imports import COLUMNS, MAX_ROWS
    from hrflow.policy import build_id_number
    from tests.core.test_xlsx import crafted_xlsx, long_bomb, wide_bomb

    def measure(data, refused):
        started = time.perf_counter()
        try:
            read_upload(io.BytesIO(data), columns=len(COLUMNS), max_rows=MAX_ROWS)
        except UploadRefused:
            assert refused, "a normal file was refused"
        else:
            assert not refused, "a crafted file was read"
        seconds = time.perf_counter() - started
        tracemalloc.start()
        try:
            read_upload(io.BytesIO(data), columns=len(COLUMNS), max_rows=MAX_ROWS)
        except UploadRefused:
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return seconds, peak

    buffer = io.BytesIO()
    with Writer(buffer) as book:
        sheet = book.sheet("报名人员")
        book.header(sheet, [h for h, _f in COLUMNS])
        for i in range(100):
            number = build_id_number("510104", date(1980, 1, 1 + i % 28), i * 2 + 1)
            book.row(sheet, i + 1, ["食堂厨师", numbered_name("考生", i), number, "男", "高中", "健康证", "否", "否", "否", "否", "13800000000"])
    base_seconds, base_peak = measure(buffer.getvalue(), refused=False)

    rng = random.Random(569)
    crafted = {
        "one row of 3,000,000 cells": wide_bomb(),
        "1,048,576 rows of one cell": long_bomb(),
        # Random values compress like a real sheet: past the zip checks, stopped by the row scan.
        "one row of 300,000 random cells": crafted_xlsx([b'<row r="1">'] + [f"<c><v>{rng.random()}</v></c>".encode() for _ in range(300_000)] + [b"</row>"]),
        "200,000 rows of random cells": crafted_xlsx([f"<row><c><v>{rng.random()}</v></c></row>".encode() for _ in range(200_000)]),
    }
    results = {name: (len(data),) + measure(data, refused=True) for name, data in crafted.items()}
    slowest = max(results, key=lambda k: results[k][1])
    largest = max(results, key=lambda k: results[k][2])
    size, seconds, _peak = results[slowest]
    report("crafted_upload_reject", seconds, "s", seconds / base_seconds,
           f"reading a normal 100-row template file ({base_seconds * 1000:.1f} ms); worst of {len(crafted)} crafted files: "
           f"{slowest} ({size / 1000:.0f} KB)")
    size, _seconds, peak = results[largest]
    report("crafted_upload_peak_mem", peak / 2**20, "MiB", peak / base_peak,
           f"reading a normal 100-row template file ({base_peak / 2**20:.2f} MiB); Python heap peak by tracemalloc; "
           f"worst: {largest} ({size / 1000:.0f} KB)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 200,000 staff (default 0.1)")
    parser.add_argument("--applications", type=int, default=50_000, help="applications screened in bulk")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--only", choices=["foundation", "screening", "import", "crafted"])
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        path = BASE / "var" / "bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    setup_django(url, migrate=args.only != "crafted")  # the crafted uploads need no database
    from django.db import connection

    print(f"# machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database {connection.vendor}, scale {args.scale}", flush=True)
    if args.only in (None, "foundation"):
        bench_foundation(args.scale)
    if args.only in (None, "screening"):
        bench_screening(args.applications)
    if args.only in (None, "import"):
        bench_import(args.import_rows)
    if args.only in (None, "crafted"):
        bench_crafted_upload()
    return 0


if __name__ == "__main__":
    sys.exit(main())
