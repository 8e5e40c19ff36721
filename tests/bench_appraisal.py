"""`make bench BENCH_ARGS="--only appraisal"` (PostgreSQL): issue 11's province cycle.

A bureau's cycle over the generated province G51 (200,000 staff at scale 1), 10 peer raters each
(2,000,000 ratings). Setup, not timed as the figure: enrolment through the service (reported),
then self scores, ratings and leadership scores filled by SQL. Measured, each in a child process
of its own (peak memory is its own): the composite and grades with the quota through
`cycle_grade`, then every school's pay run through `compute_many`, writes and history included.

Against, in the same run: the per-row ORM way (each person's ratings read, the scalar composite,
a save with history; the grades of their schools; a pay line saved with history), measured on a
sample and scaled; and the floor, PostgreSQL's COPY alone: the ratings read out and the pay lines
written in.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal

CYCLE_NAME = "BENCH 省级年度考核"
SAMPLE = 300


def run_child(step: str, **options) -> dict:
    from tests.bench import BASE

    command = [sys.executable, "-m", "tests.bench_appraisal", step]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    done = subprocess.run(command, cwd=BASE, env={**os.environ, "DEBUG": "0"}, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{step} child failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


TABLES = ("appraisal_appraisal", "appraisal_historicalappraisal", "appraisal_peerrating", "appraisal_peerassignment",
          "appraisal_payline", "appraisal_historicalpayline", "appraisal_payrun", "appraisal_schoolcycle")


def vacuum():
    """What autovacuum does in the weeks between a cycle's steps (it is off on the bench machines):
    dead rows of the bulk set-up reclaimed, statistics fresh. Without it, every run measures the
    bloat the previous runs left."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def clean_up():
    """Remove what an earlier run left (its cycle's rows; their history stays, as it would)."""
    from django.db import connection, transaction

    from hrflow.appraisal.models import Cycle

    ids = list(Cycle.objects.filter(name=CYCLE_NAME).values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in (
            "DELETE FROM appraisal_payline WHERE run_id IN (SELECT id FROM appraisal_payrun WHERE cycle_id = ANY(%s))",
            "DELETE FROM appraisal_payrun WHERE cycle_id = ANY(%s)",
            "DELETE FROM appraisal_peerrating WHERE appraisal_id IN (SELECT id FROM appraisal_appraisal WHERE cycle_id = ANY(%s))",
            "DELETE FROM appraisal_peerassignment WHERE appraisal_id IN (SELECT id FROM appraisal_appraisal WHERE cycle_id = ANY(%s))",
            "DELETE FROM appraisal_appraisal WHERE cycle_id = ANY(%s)",
            "DELETE FROM appraisal_schoolcycle WHERE cycle_id = ANY(%s)",
            "UPDATE appraisal_cycle SET process_id = NULL WHERE id = ANY(%s)",
            "DELETE FROM appraisal_cycle WHERE id = ANY(%s)",
        ):
            cursor.execute(sql, [ids])
    return len(ids)


def setup() -> dict:
    """The cycle through leadership evaluation, ready to grade. Returns ids for the measured steps."""
    from django.db import connection

    from hrflow.appraisal import services
    from hrflow.appraisal.models import Appraisal, Cycle
    from hrflow.core.history import system_user
    from hrflow.org.models import OrgUnit
    from tests.bench import LOAD_PROVINCE

    user = system_user()
    province = OrgUnit.objects.get(code=LOAD_PROVINCE)
    config = services.CycleSettings.defaults()
    cycle = services.cycle_create(unit=province, name=CYCLE_NAME, kind=Cycle.Kind.ANNUAL, period_start=date(2026, 1, 1),
                                  period_end=date(2026, 12, 31), config=config, acting_user=user)
    started = time.perf_counter()
    enrolled = services.cycle_open(cycle=cycle, acting_user=user)
    enrol_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        # Self scores 60–99.5, then every rater answers 60–99.99, leadership 55–99: spread enough for every grade.
        cursor.execute("UPDATE appraisal_appraisal SET self_score = 60 + (id %% 80) / 2.0 WHERE cycle_id = %s", [cycle.pk])
    services.cycle_close_self(cycle=cycle, acting_user=user)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO appraisal_peerrating (appraisal_id, token, score) SELECT s.appraisal_id, md5(s.id::text || 'bench'), "
            "60 + ((s.id * 7919) %% 4000) / 100.0 FROM appraisal_peerassignment s JOIN appraisal_appraisal a ON a.id = s.appraisal_id "
            "WHERE a.cycle_id = %s", [cycle.pk])
        ratings = cursor.rowcount
        cursor.execute("UPDATE appraisal_peerassignment s SET answered = TRUE FROM appraisal_appraisal a "
                       "WHERE a.id = s.appraisal_id AND a.cycle_id = %s", [cycle.pk])
    services.cycle_close_peer(cycle=cycle, acting_user=user)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE appraisal_appraisal SET leader_score = 55 + (id * 31 %% 4400) / 100.0 WHERE cycle_id = %s", [cycle.pk])
        # Those in a post group too small for enough raters: the committee's decision, as it would record it.
        cursor.execute("UPDATE appraisal_appraisal a SET scoring = 'renormalised', scoring_note = '同组人数不足，按自评和领导评价折算' "
                       "WHERE a.cycle_id = %s AND (SELECT COUNT(*) FROM appraisal_peerrating r WHERE r.appraisal_id = a.id) < %s",
                       [cycle.pk, config.min_raters])
        decided = cursor.rowcount
    services.cycle_close_leader(cycle=cycle, acting_user=user)
    vacuum()
    print(f"# appraisal: {decided} people with too few raters scored over the other parts (the committee's decision, by SQL)", flush=True)
    print(f"# appraisal: enrolled {enrolled} staff with {ratings} peer ratings; enrolment (cycle_open: appraisals, "
          f"rater assignments and their history) took {enrol_s:.1f} s", flush=True)
    return {"cycle": cycle.pk, "user": user.pk, "enrolled": enrolled, "ratings": ratings, "enrol_s": enrol_s}


def prepare_pay(cycle_id: int, user_id: int) -> list[int]:
    """Every school approves, the results are published, each school sets a pay-table rate and a
    budget, and its run is queued: the state a province is in when its schools start their runs."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from hrflow.appraisal import services
    from hrflow.appraisal.models import Appraisal, BasePayRate, Cycle, PayRun, SchoolCycle
    from hrflow.appraisal.pay import defaults
    from hrflow.core.bulk import bulk_transition, insert_rows, insert_rows_returning_ids, refresh_statistics

    user = get_user_model().objects.get(pk=user_id)
    cycle = Cycle.objects.get(pk=cycle_id)
    with connection.cursor() as cursor:  # the leaders' tie decisions, as if taken: the tied are 合格
        cursor.execute("UPDATE appraisal_appraisal SET tied = FALSE, grade = 'competent', grade_source = 'tie', "
                       "grade_reason = '基准测试' WHERE cycle_id = %s AND tied", [cycle_id])
    school_cycles = list(SchoolCycle.objects.filter(cycle=cycle).values_list("pk", "school_id", "enrolled"))
    bulk_transition(SchoolCycle, [pk for pk, _s, _n in school_cycles], "approve", source="graded", user=user, reason="基准测试：学校领导审批")
    started = time.perf_counter()
    services.cycle_publish(cycle=cycle, acting_user=user)
    publish_s = time.perf_counter() - started
    values = defaults(cycle)
    rated = set(BasePayRate.objects.filter(post_category="", title="", education="").values_list("school_id", flat=True))
    insert_rows(BasePayRate, ["school", "post_category", "title", "education", "monthly"],
                ((school, "", "", "", Decimal("800.00")) for _pk, school, _n in school_cycles if school not in rated))
    fields = ["cycle", "school", "budget", "reward_share", "months", "coef_excellent", "coef_competent", "coef_basic", "coef_incompetent",
              "lines_total", "lines_done", "lines_flagged", "message", "created_by", "state"]
    run_ids = insert_rows_returning_ids(PayRun, fields, (
        (cycle_id, school, Decimal(n * 12000), values["reward_share"], values["months"], values["coef_excellent"], values["coef_competent"],
         values["coef_basic"], values["coef_incompetent"], 0, 0, 0, "", user_id, "queued") for _pk, school, n in school_cycles), len(school_cycles))
    refresh_statistics([BasePayRate])
    vacuum()
    print(f"# appraisal: publication (consequences of {cycle.appraisals.count()} grades, with history) took {publish_s:.1f} s", flush=True)
    return run_ids


def per_row_baseline(cycle_id: int, user_id: int) -> dict:
    """The ORM way, a row at a time, on SAMPLE people of whole schools, rolled back: seconds per person."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Count

    from hrflow.appraisal.models import Appraisal, BasePayRate, Cycle, PayLine, PayRun, PeerRating
    from hrflow.core.history import save_audited
    from hrflow.policy import allocate_pool, assign_grades, composite_of_parts_hundredths, composite_score, excellent_quota

    user = get_user_model().objects.get(pk=user_id)
    cycle = Cycle.objects.get(pk=cycle_id)
    schools, picked = [], 0
    for school_id, n in Appraisal.objects.filter(cycle=cycle).values_list("school_id").annotate(n=Count("id")).order_by("school_id"):
        schools.append(school_id)
        picked += n
        if picked >= SAMPLE:
            break

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            started = time.perf_counter()
            people = 0
            for school_id in schools:
                composites = {}
                rows = list(Appraisal.objects.filter(cycle=cycle, school_id=school_id).order_by("pk"))
                for a in rows:
                    scores = list(PeerRating.objects.filter(appraisal=a).values_list("score", flat=True))
                    if len(scores) >= cycle.min_raters:
                        a.composite = composite_score(self_score=a.self_score, peer_scores=scores, leader_score=a.leader_score,
                                                      weights=cycle.weights, trim_from=cycle.trim_from)
                    else:  # the committee's re-normalised weights
                        a.composite = Decimal(composite_of_parts_hundredths(
                            weights=cycle.weights, self_h=int(a.self_score * 100), peer=None, leader_h=int(a.leader_score * 100))).scaleb(-2)
                    composites[a.pk] = a.composite
                result = assign_grades(composites, quota=excellent_quota(len(rows), share=cycle.excellent_share),
                                       excellent_min=cycle.excellent_min, pass_min=cycle.pass_min, basic_min=cycle.basic_min)
                for a in rows:
                    a.grade, a.tied = result.grades[a.pk] or "", result.grades[a.pk] is None
                    save_audited(a, user=user, reason="逐条计算")
                run = PayRun.objects.filter(cycle=cycle, school_id=school_id).first()
                run.pk = None
                run.cycle = Cycle.objects.create(unit=cycle.unit, name="逐条", period_start=cycle.period_start, period_end=cycle.period_end,
                                                 created_by=user, **{k: getattr(cycle, k) for k in (
                                                     "weight_self", "weight_peer", "weight_leader", "excellent_share", "excellent_min", "pass_min",
                                                     "basic_min", "peers_per_person", "min_raters", "trim_from", "appeal_days")})
                save_audited(run, user=user, reason="逐条计算")
                amounts = allocate_pool((run.budget * run.reward_share).quantize(Decimal("0.01")),
                                        {a.pk: Decimal("1.0") for a in rows})
                for a in rows:
                    rate = BasePayRate.objects.filter(school_id=school_id).first()
                    line = PayLine(run=run, appraisal=a, base_monthly=rate.monthly, base_amount=rate.monthly * 12, grade=a.grade,
                                   coefficient=Decimal(1), reward_amount=amounts[a.pk])
                    save_audited(line, user=user, reason="逐条计算")
                people += len(rows)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return {"people": people, "seconds": elapsed}


def floor(cycle_id: int, lines: int) -> dict:
    """COPY alone: the cycle's ratings read out, then as many pay lines written into a table like pay lines'."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.cursor.copy("COPY (SELECT r.appraisal_id, r.score FROM appraisal_peerrating r JOIN appraisal_appraisal a "
                                "ON a.id = r.appraisal_id WHERE a.cycle_id = %s) TO STDOUT", [cycle_id]) as copy:
            read = sum(len(block) for block in copy)
        read_s = time.perf_counter() - started
        cursor.execute("CREATE TEMPORARY TABLE floor_payline (LIKE appraisal_payline INCLUDING DEFAULTS) ON COMMIT DROP")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY floor_payline (id, run_id, appraisal_id, base_monthly, base_amount, grade, coefficient, work_units, "
                                "reward_amount, note, flagged) FROM STDIN") as copy:
            for i in range(lines):
                copy.write_row((i, 1, i, Decimal("800.00"), Decimal("9600.00"), "competent", Decimal("1.0000"), Decimal("1.00"),
                                Decimal("1234.56"), "", False))
        write_s = time.perf_counter() - started
    return {"read_s": read_s, "read_bytes": read, "write_s": write_s}


def bench_appraisal(report):
    removed = clean_up()
    vacuum()
    if removed:
        print(f"# appraisal: removed {removed} cycle(s) an earlier run left", flush=True)
    info = setup()
    grade = run_child("grade", cycle=info["cycle"], user=info["user"])
    print(f"# appraisal: grade step {grade}", flush=True)
    run_ids = prepare_pay(info["cycle"], info["user"])
    pay = run_child("pay", cycle=info["cycle"], user=info["user"], runs=",".join(map(str, run_ids)))
    print(f"# appraisal: pay step {pay}", flush=True)
    baseline = per_row_baseline(info["cycle"], info["user"])
    low = floor(info["cycle"], pay["lines"])
    n = info["enrolled"]
    ours = grade["seconds"] + pay["seconds"]
    per_row = baseline["seconds"] / baseline["people"] * n
    floor_s = low["read_s"] + low["write_s"]
    rss = max(grade["rss_peak_kb"], pay["rss_peak_kb"]) / 1024
    print(f"# appraisal: grade {grade['seconds']:.1f} s ({grade['rows']} appraisals), pay {pay['seconds']:.1f} s ({pay['lines']} lines in "
          f"{len(run_ids)} runs); per-row sample {baseline['people']} people in {baseline['seconds']:.1f} s; floor: COPY out of "
          f"{info['ratings']} ratings {low['read_s']:.1f} s, COPY in of {pay['lines']} lines {low['write_s']:.1f} s", flush=True)
    report("appraisal_grade", grade["seconds"], "s", per_row / 2 / grade["seconds"] if grade["seconds"] else 0,
           "per-row ORM composite+grade (half the sampled per-row time, scaled)")
    report("appraisal_pay", pay["seconds"], "s", per_row / 2 / pay["seconds"] if pay["seconds"] else 0,
           "per-row ORM pay lines (half the sampled per-row time, scaled)")
    report("appraisal_grade_and_pay", ours, "s", per_row / ours, f"per-row ORM way {per_row:.0f} s (sample of {baseline['people']}, scaled to {n})")
    report("appraisal_vs_floor", ours, "s", ours / floor_s, f"COPY floor {floor_s:.1f} s (ratings out + pay lines in); target <= 3")
    report("appraisal_peak_rss", rss, "MiB", rss / 500, "500 MiB")


def _grade(args):
    from django.contrib.auth import get_user_model

    from hrflow.appraisal import services
    from hrflow.appraisal.models import Cycle

    user = get_user_model().objects.get(pk=args.user)
    started = time.perf_counter()
    rows = services.cycle_grade(cycle=Cycle.objects.get(pk=args.cycle), acting_user=user)
    return {"seconds": time.perf_counter() - started, "rows": rows}


def _pay(args):
    from hrflow.appraisal.pay import compute_many

    started = time.perf_counter()
    lines = compute_many([int(x) for x in args.runs.split(",")], args.user)
    return {"seconds": time.perf_counter() - started, "lines": lines}


def main(argv=None):
    parser = argparse.ArgumentParser(description="One measured step of the appraisal bench, in a process of its own.")
    parser.add_argument("step", choices=["grade", "pay"])
    parser.add_argument("--cycle", type=int)
    parser.add_argument("--user", type=int)
    parser.add_argument("--runs", default="")
    args = parser.parse_args(argv)
    from tests.bench import setup_django

    setup_django(os.environ["DATABASE_URL"], migrate=False)
    start_kb = peak_rss_kb()
    result = {"grade": _grade, "pay": _pay}[args.step](args)
    result.update(rss_start_kb=start_kb, rss_peak_kb=peak_rss_kb())
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
