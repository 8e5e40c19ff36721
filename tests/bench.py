"""`make bench`: timings reported as ratios against a baseline measured in the same run.

The database: BENCH_DATABASE_URL if set, else DATABASE_URL, else var/bench.sqlite3 (recreated
each run). The bench fills whatever it is given, so name a database it may fill. The load
section (issue 8) needs PostgreSQL: it generates the province G51 with seed_scale if missing,
serves it with gunicorn as in production and measures each page against a trivial signed-in
page (/ping/) on the same server in the same run. One line per figure:
BENCH <name> <value> <unit> ratio=<r> baseline=<what>
"""

import argparse
import html
import http.client
import io
import math
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urljoin

BASE = Path(__file__).resolve().parent.parent
LOAD_PROVINCE = "G51"  # seed_scale's default code: the province the load section measures


def numbered_name(prefix: str, i: int) -> str:
    """A distinct name per row that passes the name rule (letters only): 导入一〇三."""
    return prefix + "".join("〇一二三四五六七八九"[int(d)] for d in str(i))

def setup_django(url, migrate=True):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrflow.settings")
    os.environ.setdefault("DEBUG", "1")
    # The load section signs sessions here that gunicorn must accept: one key for both.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
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
    from datetime import date, timedelta


    from hrflow.demo.data import generate_province
    from hrflow.core.history import save_audited, system_user
    from hrflow.org.models import OrgUnit, School
    from hrflow.org.scope import Grant
    from hrflow.staffing.selectors import school_staffing_lines, staffing_rollup
    from hrflow.people.models import Person, Staff
    from hrflow.policy import build_id_number

    user = system_user()
    # A province of its own per run: a kept database (PostgreSQL) already holds earlier runs' and G51.
    code = f"BF{time.strftime('%y%m%d%H%M%S')}"
    started = time.perf_counter()
    result = generate_province(scale=scale, user=user, code=code)
    bulk_seconds = time.perf_counter() - started
    bulk_rate = result["staff"] / bulk_seconds

    # Baseline: the same rows saved one by one through the ORM with history.
    province = OrgUnit.objects.get(code=code)
    school = School.objects.filter(unit__path__startswith=province.path).order_by("pk").first()
    birth = date(1980, 1, 1)
    while Person.objects.filter(id_number__startswith=f"650102{birth:%Y%m%d}").exists():
        birth += timedelta(days=1)  # a day no earlier run used, so the ID numbers are new
    n = 300
    started = time.perf_counter()
    for i in range(n):
        person = Person(id_number=build_id_number("650102", birth, i), name="基准", education="senior_high")
        save_audited(person, user=user, reason="bench baseline")
        save_audited(Staff(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=date(2020, 1, 1)), user=user, reason="bench baseline")
    row_rate = n / (time.perf_counter() - started)
    report("generate_staff", bulk_rate, "rows/s", bulk_rate / row_rate,
           f"per-row ORM save with history ({row_rate:.0f} rows/s over {n}; bulk made {result['staff']} staff "
           f"in {result['schools']} schools in {bulk_seconds:.1f} s)")

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

    # A school of the bench's own, never one of the province the load section measures.
    school = School.objects.filter(unit__path__startswith="GB/").order_by("pk").first()
    if school is None:
        from hrflow.demo.data import generate_province

        generate_province(scale=0.0005, user=user, code="GB")
        school = School.objects.filter(unit__path__startswith="GB/").order_by("pk").first()
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
    # The bench rounds' window is fixed in the past: a late import, which needs its reason.
    late = "bench: paper applications received in time"
    imported = applications_import(round=rounds[0], stream=io.BytesIO(data), acting_user=user, reason=late)
    seconds = time.perf_counter() - started
    # Memory in a second run: tracemalloc slows Python down, so it stays out of the timing.
    tracemalloc.start()
    applications_import(round=rounds[1], stream=io.BytesIO(data), acting_user=user, reason=late)
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


# --- Load: gunicorn as in production, closed-loop clients over loopback (issue 8) ---

NEXT_LINK = re.compile(r'<a\b[^>]*\bdata-testid="pager-next"[^>]*>')
HREF = re.compile(r'\bhref="([^"]*)"')


def database_label(connection) -> str:
    """Vendor, name and server of the database; never the password."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite {settings['NAME']}"
    server = settings.get("HOST") or "local socket"
    if settings.get("PORT"):
        server += f":{settings['PORT']}"
    return f"{connection.vendor} {settings['NAME']} on {server}"


def ensure_province(scale):
    """The load province with its logins: generated by seed_scale only if its unit is missing."""
    from django.core.management import call_command
    from django.db import connection

    from hrflow.core.bulk import refresh_statistics
    from hrflow.org.models import OrgUnit, School
    from hrflow.people.models import Person, Staff

    out = io.StringIO()
    if OrgUnit.objects.filter(code=LOAD_PROVINCE).exists():
        staff = Staff.objects.filter(school__unit__path__startswith=f"{LOAD_PROVINCE}/").count()
        print(f"# load: province {LOAD_PROVINCE} exists ({staff} staff), not regenerated; --load-scale applies when it is missing",
              flush=True)
        call_command("seed_scale", code=LOAD_PROVINCE, logins_only=True, stdout=out)
    else:
        started = time.perf_counter()
        call_command("seed_scale", code=LOAD_PROVINCE, scale=scale, stdout=out)
        print(f"# load: generated province {LOAD_PROVINCE} at scale {scale} in {time.perf_counter() - started:.0f} s "
              f"(seed_scale, ANALYZE included)", flush=True)
    for line in out.getvalue().splitlines():
        print(f"#   {line.strip()}", flush=True)
    # A province loaded before seed_scale ran ANALYZE, on a server without autovacuum, leaves the
    # planner blind: the pages would be measured on plans production never sees. Say so and fix it.
    models = [OrgUnit, School, Person, Staff]
    tables = [m._meta.db_table for m in models] + [m.history.model._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
                       "AND last_analyze IS NULL AND last_autoanalyze IS NULL", [tables])
        blind = sorted(row[0] for row in cursor.fetchall())
    if blind:
        started = time.perf_counter()
        refresh_statistics(blind)
        print(f"# load: {', '.join(blind)} had no planner statistics: ANALYZE ran ({time.perf_counter() - started:.1f} s)",
              flush=True)


def session_cookie(user) -> tuple[str, str]:
    """A signed-in session made as Client.force_login makes it: no login form, so neither the
    lockout (axes) nor the login rate limit sees the bench. Returns (cookie header, session key)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}", store.session_key


def fetch(port, path, cookie="", timeout=90):
    """GET over loopback on a fresh connection (sync workers close each one): (status, seconds, body).
    A refused or reset connection gives the exception's name as the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, body
    except OSError as error:
        return type(error).__name__, time.perf_counter() - started, b""
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(url, secret_key, log_path):
    """gunicorn as in production (hrflow.wsgi, 3 sync workers, DEBUG off) on a free loopback port;
    stopped however the block ends."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "HRFLOW_TESTING")}
    env.update(DATABASE_URL=url, SECRET_KEY=secret_key, ALLOWED_HOSTS="127.0.0.1", DJANGO_SETTINGS_MODULE="hrflow.settings",
               # Static files from the apps instead of a collectstatic folder: pages render the same URLs.
               HRFLOW_STATIC_FINDERS="1")
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            # No control socket: its default path is shared by every gunicorn of the account.
            [sys.executable, "-m", "gunicorn", "hrflow.wsgi", "--workers", "3", "--worker-class", "sync",
             "--bind", f"127.0.0.1:{port}", "--no-control-socket"],
            cwd=BASE, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            status, _seconds, _body = fetch(port, "/ping/", timeout=5)
            if status in (200, 302):  # anonymous: the login redirect means it answers
                break
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"gunicorn did not answer on port {port} (last: {status}); {log_path}:\n{tail}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def closed_loop(port, path, cookies, *, total, clients, budget):
    """`clients` threads, each sending its next request when its last one is answered, until
    `total` have been sent or `budget` seconds have passed. Returns ([(status, seconds)], wall seconds)."""
    lock = threading.Lock()
    results = []
    sent = 0
    started = time.perf_counter()

    def client(cookie):
        nonlocal sent
        while True:
            with lock:
                if sent >= total or time.perf_counter() - started > budget:
                    return
                sent += 1
            status, seconds, _body = fetch(port, path, cookie)
            with lock:
                results.append((status, seconds))

    threads = [threading.Thread(target=client, args=(cookies[i % len(cookies)],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def deep_path(port, cookie, path, hops):
    """The page `hops` "next" links after `path` (data-testid="pager-next"); where a list has no
    such link yet, ?page=2000 of the old pager. Returns (path, how it was reached)."""
    current = path
    for hop in range(hops):
        status, _seconds, body = fetch(port, current, cookie)
        if status != 200:
            return current, f"HTTP {status} after {hop} next links"
        tag = NEXT_LINK.search(body.decode("utf-8", "replace"))
        href = HREF.search(tag.group(0)) if tag else None
        if href is None:
            if hop == 0:
                joiner = "&" if "?" in path else "?"
                return f"{path}{joiner}page=2000", "no pager-next link on the first page: ?page=2000 (OFFSET paging)"
            return current, f"the list ended after {hop} next links"
        current = urljoin(current, html.unescape(href.group(1)))
    return current, f"{hops} next links from the first page"


def bench_load(url, *, scale, single, total, clients, budget):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.db.models.functions import Length

    from hrflow.demo.data import SCALE_USERS
    from hrflow.people.models import Person

    if connection.vendor != "postgresql":
        print(f"# load: skipped: it needs PostgreSQL and this run is on {connection.vendor}; set DATABASE_URL "
              "(or BENCH_DATABASE_URL) to a PostgreSQL database the bench may fill", flush=True)
        return
    section_started = time.perf_counter()
    ensure_province(scale)
    User = get_user_model()
    accounts = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in SCALE_USERS])}
    sessions = {}
    cookies = {}
    for username, account in accounts.items():
        for _i in range(clients):
            cookie, key = session_cookie(account)
            cookies.setdefault(username, []).append(cookie)
            sessions[key] = username
    province_path = f"{LOAD_PROVINCE}/"
    three = (Person.objects.filter(employments__school__unit__path__startswith=province_path)
             .annotate(length=Length("name")).filter(length=3).order_by("pk").values_list("name", flat=True).first())
    log_path = BASE / "var" / "bench-gunicorn.log"
    print(f"# load: gunicorn hrflow.wsgi, 3 sync workers, DEBUG off, CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '0')}, "
          f"log {log_path.relative_to(BASE)}; per page {single} sequential requests of one client, then {total} "
          f"requests from {clients} concurrent clients; at most {budget:.0f} s per page", flush=True)
    try:
        with gunicorn(url, settings.SECRET_KEY, log_path) as port:
            bureau, auditor = cookies["scale_bureau"][0], cookies["scale_auditor"][0]
            status, _seconds, _body = fetch(port, "/ping/", bureau)
            if status != 200:
                raise RuntimeError(f"GET /ping/ answered {status} for a signed-in user: mount hrflow.core.views.PingView "
                                   "at ping/ in hrflow/urls.py")
            started = time.perf_counter()
            staff_deep, staff_how = deep_path(port, bureau, "/people/staff/", 50)
            audit_deep, audit_how = deep_path(port, auditor, "/audit/changes/", 50)
            print(f"# load: staff_deep = {staff_deep[:90]} ({staff_how}); audit_deep = {audit_deep[:90]} ({audit_how}); "
                  f"found in {time.perf_counter() - started:.0f} s", flush=True)
            pages = [
                # name, login, path: what the bureau, the auditor, HR and a leader open most
                ("bureau_home", "scale_bureau", "/"),
                ("staff_list", "scale_bureau", "/people/staff/"),
                ("staff_deep", "scale_bureau", staff_deep),
                ("staff_search", "scale_bureau", "/people/staff/?q=" + quote("王")),
                ("staff_search3", "scale_bureau", "/people/staff/?q=" + quote(three or "王伟芳")),
                ("school_list", "scale_bureau", "/org/schools/"),
                ("compliance", "scale_bureau", "/org/compliance/"),
                ("audit", "scale_auditor", "/audit/changes/"),
                ("audit_deep", "scale_auditor", audit_deep),
                ("hr_staff_list", "scale_hr", "/people/staff/"),
                ("hr_rounds", "scale_hr", "/hiring/rounds/"),
                ("hr_tasks", "scale_hr", "/hiring/tasks/"),
                ("leader_tasks", "scale_leader", "/hiring/tasks/"),
            ]
            floor = measure_page(port, "/ping/", cookies["scale_bureau"], single=single, total=total, clients=clients,
                                 budget=budget)
            report("load_floor_single", floor["single"], "ms", 1,
                   f"itself: GET /ping/ (session and user lookups only), median of {floor['single_n']} sequential requests")
            report("load_floor_p95", floor["p95"], "ms", 1,
                   f"itself: p95 of {floor['n']} requests at {clients} clients rps={floor['rps']:.1f}")
            met = {"single": 0, "concurrent": 0}
            for name, username, path in pages:
                m = measure_page(port, path, cookies[username], single=single, total=total, clients=clients, budget=budget)
                notes = ""
                if m["failures"]:
                    notes += f" failures={m['failures']}/{m['sent']} ({m['statuses']})"
                if m["single_n"] < single or m["n"] < total:
                    notes += f" n={m['single_n']}+{m['n']} (stopped at the {budget:.0f} s budget)"
                report(f"load_{name}_single", m["single"], "ms", m["single"] / floor["single"],
                       f"floor {floor['single']:.1f} ms (GET /ping/, same server){notes}")
                report(f"load_{name}_p95", m["p95"], "ms", m["p95"] / floor["p95"],
                       f"floor p95 {floor['p95']:.1f} ms rps={m['rps']:.1f}{notes}")
                met["single"] += m["single"] <= 150 and not m["failures"]
                met["concurrent"] += m["p95"] <= 1000 and m["rps"] >= 40 and not m["failures"]
            print(f"# load targets (issue 8): one client <= 150 ms: {met['single']}/{len(pages)} pages; "
                  f"{clients} clients p95 <= 1 s and >= 40 requests/s: {met['concurrent']}/{len(pages)} pages", flush=True)
    finally:
        Session.objects.filter(session_key__in=list(sessions)).delete()
    print(f"# load: the section took {time.perf_counter() - section_started:.0f} s", flush=True)


def measure_page(port, path, cookies, *, single, total, clients, budget):
    """One client's median, then p95 and throughput at `clients`; every answer not 200 counted."""
    sequential, _wall = closed_loop(port, path, cookies[:1], total=single, clients=1, budget=budget / 3)
    concurrent, wall = closed_loop(port, path, cookies, total=total, clients=clients, budget=budget * 2 / 3)
    statuses = {}
    for status, _seconds in sequential + concurrent:
        if status != 200:
            statuses[status] = statuses.get(status, 0) + 1
    return {
        "single": statistics.median(s for _status, s in sequential) * 1000, "single_n": len(sequential),
        "p95": p95([s for _status, s in concurrent]) * 1000, "n": len(concurrent), "rps": len(concurrent) / wall,
        "failures": sum(statuses.values()), "sent": len(sequential) + len(concurrent),
        "statuses": ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 200,000 staff (default 0.1)")
    parser.add_argument("--applications", type=int, default=50_000, help="applications screened in bulk")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--load-scale", type=float, default=1.0, help="scale of the load province if it must be generated")
    parser.add_argument("--load-clients", type=int, default=20, help="concurrent clients per page")
    parser.add_argument("--load-requests", type=int, default=200, help="requests per page at --load-clients")
    parser.add_argument("--load-single", type=int, default=30, help="sequential requests per page of one client")
    parser.add_argument("--load-budget", type=float, default=24, help="seconds per page at most (a third for one client)")
    parser.add_argument("--roster-rows", type=int, default=200_000, help="staff rows of the roster import (each with its contract)")
    parser.add_argument("--only", choices=["load", "export", "reminders", "roster", "appraisal", "exits", "foundation", "screening",
                                           "import", "crafted"])
    args = parser.parse_args()
    url, source = os.environ.get("BENCH_DATABASE_URL"), "BENCH_DATABASE_URL"
    if not url:
        url, source = os.environ.get("DATABASE_URL"), "DATABASE_URL"
    if not url:
        path = BASE / "var" / "bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        url, source = f"sqlite:///{path}", "default, recreated; set DATABASE_URL for PostgreSQL"
    setup_django(url, migrate=args.only != "crafted")  # the crafted uploads need no database
    from django.db import connection

    print(f"# machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}, database {database_label(connection)} ({source}), "
          f"scale {args.scale} (foundation), load scale {args.load_scale} (if generated)", flush=True)
    if args.only in (None, "load"):
        bench_load(url, scale=args.load_scale, single=args.load_single, total=args.load_requests,
                   clients=args.load_clients, budget=args.load_budget)
    if args.only in (None, "export"):
        if connection.vendor != "postgresql":
            print("# export: skipped (the province-scale export runs on PostgreSQL; set DATABASE_URL)", flush=True)
        else:
            from tests.bench_export import bench_audit_export

            ensure_province(args.load_scale)
            bench_audit_export(report)
    if args.only in (None, "reminders"):
        if connection.vendor != "postgresql":
            print("# reminders: skipped (the province-scale daily job runs on PostgreSQL; set DATABASE_URL)", flush=True)
        else:
            from tests.bench_reminders import bench_reminders, ensure_records

            ensure_province(args.load_scale)
            ensure_records(LOAD_PROVINCE)
            bench_reminders(report)
    if args.only in (None, "roster"):
        if connection.vendor != "postgresql":
            print("# roster: skipped (the province roster imports on PostgreSQL; set DATABASE_URL)", flush=True)
        else:
            from tests.bench_roster import bench_roster

            ensure_province(args.load_scale)
            bench_roster(report, args.roster_rows)
    if args.only in (None, "appraisal"):
        if connection.vendor != "postgresql":
            print("# appraisal: skipped (the province cycle runs on PostgreSQL; set DATABASE_URL)", flush=True)
        else:
            from tests.bench_appraisal import bench_appraisal

            ensure_province(args.load_scale)
            bench_appraisal(report)
    if args.only in (None, "exits"):
        if connection.vendor != "postgresql":
            print("# exits: skipped (the province's case list is measured on PostgreSQL; set DATABASE_URL)", flush=True)
        else:
            from tests.bench_exits import bench_exits

            ensure_province(args.load_scale)
            bench_exits(report, LOAD_PROVINCE)
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
