"""Issue 10's figures: preview and commit of a province roster (bureau template, 200,000 staff rows
and a current contract or dispatch agreement for each) against the per-row form path.

1. the file: written with Writer(constant_memory=True) for the province's bureau officer, its
   rows spread over the load province's schools, with ID numbers of the bench's own region code
   (BENCH_REGION, which no generator uses); its size;
2. the floor: read_sheets alone, with openpyxl and with calamine; the faster is the floor;
3. preview (roster_upload + run_preview) and commit (roster_commit_request + run_commit), each in a
   child process of its own (`python -m tests.bench_roster preview|commit ...`) with the jobs run
   inline, so each one's peak RSS is its own;
4. the baseline: the same job done the per-row ORM way on a sample of SAMPLE more staff members,
   scaled to the file's rows: a per-row preview (the same cell readings and rules, the lookups a
   per-row importer runs, one RosterRow saved per row) and a per-row commit (the form path:
   staff_create, then the contract or agreement saved with save_audited after full_clean).
Every person with an ID number of BENCH_REGION, their records, history rows and the bench's
imports (the sample's included) are deleted before and after, so a run starts clean whatever an
earlier one left.
"""

import argparse
import cProfile
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BENCH_REGION = "659001"  # the bench's own region code: no generator or fixture uses it
SAMPLE = 300
TARGET_MIB = 500e6 / 2**20  # the 500 MB
FIRST_BIRTH = date(1970, 1, 1)
EDUCATIONS = [("高中", "senior_high"), ("初中", "junior_high"), ("大专", "associate"), ("中专/职高/技校", "secondary_vocational")]
CATEGORIES = ["canteen", "property", "greening", "energy", "management", "technical"]
AGENCY = "四川蜀才人力资源有限公司"
HIRED_ON = date(2019, 9, 1)
STARTS_ON = date(2024, 9, 1)
CONTRACT_ENDS = date(2027, 8, 31)  # current (after today) and a 36-month term
AGREEMENT_ENDS = date(2027, 12, 31)


def id_numbers(count: int, skip: set[str]):
    """`count` valid ID numbers of BENCH_REGION not in `skip`, in a fixed order (1,000 per birth date)."""
    from hrflow.policy import build_id_number

    out, day = [], 0
    while len(out) < count:
        birth = FIRST_BIRTH + timedelta(days=day)
        for sequence in range(1000):
            number = build_id_number(BENCH_REGION, birth, sequence)
            if number not in skip:
                out.append(number)
                if len(out) == count:
                    break
        day += 1
    return out


def row_facts(i: int, number: str, school: tuple):
    """The i-th staff member: (school pk, school cell, name, number, sex, education pair, category,
    dispatched). One in ten is dispatched (a dispatch agreement), the rest hold a labour contract."""
    from tests.bench import numbered_name

    sex = "M" if int(number[16]) % 2 else "F"
    return {"school_id": school[0], "school": school[1], "name": numbered_name("导入", i), "id_number": number, "sex": sex,
            "education": EDUCATIONS[i % len(EDUCATIONS)], "category": CATEGORIES[i % len(CATEGORIES)], "dispatched": i % 10 == 9}


def staff_cells(f: dict, category_word: dict) -> list:
    """The staff sheet's cells of one staff member, as the bureau template lays them out."""
    return [f["school"], f["name"], f["id_number"], "男" if f["sex"] == "M" else "女", f["education"][0], "否", "13800138000",
            category_word[f["category"]], "", "劳务派遣" if f["dispatched"] else "合同制", HIRED_ON.isoformat(), "", "否",
            "健康证明" if f["category"] == "canteen" else ""]


def contract_cells(f: dict) -> list:
    """The contract sheet's cells of one staff member: a dispatch agreement or a labour contract."""
    if f["dispatched"]:
        cells = ["派遣协议", STARTS_ON.isoformat(), AGREEMENT_ENDS.isoformat(), None, None, None, AGENCY, "辅助性"]
    else:
        cells = ["劳动合同", STARTS_ON.isoformat(), CONTRACT_ENDS.isoformat(), 0, 3500, None, "", ""]
    return [f["school"], f["name"], f["id_number"], *cells]


def write_roster(path: Path, facts: list[dict]):
    from hrflow.core.xlsx import Writer
    from hrflow.rosters.columns import CATEGORY_VALUES, CONTRACT_SHEET, STAFF_SHEET, contract_columns, label_of, staff_columns

    category_word = label_of(CATEGORY_VALUES)
    with Writer(str(path), constant_memory=True) as book:
        sheet = book.sheet(STAFF_SHEET)
        book.header(sheet, [h for h, _f in staff_columns(True)])
        for line, f in enumerate(facts, start=1):
            book.row(sheet, line, staff_cells(f, category_word))
        sheet = book.sheet(CONTRACT_SHEET)
        book.header(sheet, [h for h, _f in contract_columns(True)])
        for line, f in enumerate(facts, start=1):
            book.row(sheet, line, contract_cells(f))


def province_schools(province_path: str) -> list[tuple[int, str]]:
    """(pk, the school cell): its name where the name is unique in the province, else its code."""
    from collections import Counter

    from hrflow.org.models import School

    schools = list(School.objects.filter(unit__path__startswith=province_path).order_by("pk").values_list("pk", "unit__name", "unit__code"))
    names = Counter(name for _pk, name, _code in schools)
    return [(pk, name if names[name] == 1 else code) for pk, name, code in schools]


def clean_up() -> tuple[int, int]:
    """Delete every record of a BENCH_REGION person and the bench's roster imports, with their history
    rows (raw SQL: the ORM's cascade collection would load every row), then VACUUM ANALYZE the tables:
    the server runs without autovacuum. Returns (people, imports) deleted."""
    from django.db import connection

    from hrflow.contracts.models import Contract, DispatchAgreement
    from hrflow.people.models import Attestation, Person, Staff
    from hrflow.rosters.models import RosterImport, RosterRow
    from hrflow.rosters.services import import_dir

    def table(model):
        return connection.ops.quote_name(model._meta.db_table)

    with connection.cursor() as cursor:
        def ids(sql, params):
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

        people = ids(f"SELECT id FROM {table(Person)} WHERE id_number LIKE %s", [BENCH_REGION + "%"])
        staff = ids(f"SELECT id FROM {table(Staff)} WHERE person_id = ANY(%s)", [people])
        batches = ids(f"SELECT id FROM {table(RosterImport)} WHERE file_name LIKE %s", ["bench-roster%"])
        stored = ids(f"SELECT stored_name FROM {table(RosterImport)} WHERE id = ANY(%s)", [batches])
        doomed = [(model, ids(f"SELECT id FROM {table(model)} WHERE staff_id = ANY(%s)", [staff]))
                  for model in (Contract, DispatchAgreement, Attestation)]
        cursor.execute(f"DELETE FROM {table(RosterRow)} WHERE batch_id = ANY(%s)", [batches])
        for model, values in [*doomed, (Staff, staff), (Person, people), (RosterImport, batches)]:
            cursor.execute(f"DELETE FROM {table(model)} WHERE id = ANY(%s)", [values])
            cursor.execute(f"DELETE FROM {table(model.history.model)} WHERE id = ANY(%s)", [values])
    for name in filter(None, stored):
        (import_dir() / name).unlink(missing_ok=True)
    if people or batches:
        models = (Person, Staff, Contract, DispatchAgreement, Attestation, RosterImport)
        with connection.cursor() as cursor:
            for name in [table(m) for m in models] + [table(m.history.model) for m in models] + [table(RosterRow)]:
                cursor.execute(f"VACUUM ANALYZE {name}")
    return len(people), len(batches)


def per_row_preview(facts: list[dict], user, unit) -> float:
    """The preview done one row at a time on the ORM, for a sample the file does not hold: each
    staff row's and contract row's cells read and checked as the planner reads them
    (validate_person, check_hire_date, the cells.read_* readings), then the lookups a per-row
    importer runs for the row (the person by ID number, their current employments, their
    contracts), then a RosterRow saved for each row. The lookups are keyed on the ID number, so
    they run for a new person too. All rows in one transaction, as the bulk preview stores its
    rows; the file's read is not included (the bulk preview's time includes it). Seconds."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import translation

    from hrflow.contracts.models import Contract
    from hrflow.core import clock
    from hrflow.people.models import Person, Staff
    from hrflow.people.services import check_hire_date
    from hrflow.people.validation import validate_person
    from hrflow.rosters import cells
    from hrflow.rosters.columns import (CATEGORY_VALUES, DISPATCH, EMPLOYMENT_VALUES, KIND_VALUES, NATURE_VALUES, contract_columns,
                                        label_of, staff_columns)
    from hrflow.rosters.models import RosterImport, RosterRow

    category_word = label_of(CATEGORY_VALUES)
    staff_fields = [f for _h, f in staff_columns(True)]
    contract_fields = [f for _h, f in contract_columns(True)]
    today = clock.today()
    with transaction.atomic():  # ConcurrentTransitionMixin saves only inside a transaction
        batch = RosterImport.objects.create(owner=user, unit=unit, bureau=True, file_name="bench-roster-sample.xlsx", file_sha256="")
    with override_settings(DEBUG=False), translation.override("zh-hans"):
        started = time.perf_counter()
        with transaction.atomic():
            for line, f in enumerate(facts, start=2):
                staff = dict(zip(staff_fields, staff_cells(f, category_word)))
                person, problems = validate_person(staff, today=today, phone_required=False)
                for name, choices in (("category", CATEGORY_VALUES), ("employment_type", EMPLOYMENT_VALUES)):
                    problems[name] = cells.read_choice(staff[name], choices)[1]
                for name in ("cadre", "food_safety_manager"):
                    problems[name] = cells.read_flag(staff[name])[1]
                problems["title"] = cells.read_text(staff["title"], 100)[1]
                hired_on, problems["hired_on"] = cells.read_date(staff["hired_on"])
                try:
                    check_hire_date(hired_on=hired_on, birth_date=person["birth_date"])
                except ValidationError as error:
                    problems["hired_on"] = " ".join(error.message_dict["hired_on"])
                contract = dict(zip(contract_fields, contract_cells(f)))
                kind, problems["kind"] = cells.read_choice(contract["kind"], KIND_VALUES)
                for name in ("starts_on", "ends_on"):
                    problems[name] = cells.read_date(contract[name])[1]
                if kind == DISPATCH:
                    problems["agency"] = cells.read_text(contract["agency"], 200)[1]
                    problems["post_nature"] = cells.read_choice(contract["post_nature"], NATURE_VALUES)[1]
                else:
                    problems["probation_months"] = cells.read_months(contract["probation_months"])[1]
                    for name in ("agreed_pay", "probation_pay"):
                        problems[name] = cells.read_money(contract[name])[1]
                problems = {name: message for name, message in problems.items() if message}
                if problems:
                    raise RuntimeError(f"the sample's row {line} does not read as the file's rows do: {problems}")

                number = person["id_number"]
                found = Person.objects.filter(id_number=number).first()
                employments = list(Staff.objects.filter(person__id_number=number).exclude(status=Staff.Status.LEFT))
                contracts = list(Contract.objects.filter(staff__person__id_number=number))
                if found or employments or contracts:
                    raise RuntimeError(f"the sample's ID number {number} is already on record")
                RosterRow.objects.create(batch=batch, sheet=RosterRow.Sheet.STAFF, row=line, action=RosterRow.Action.CREATE,
                                         school_id=f["school_id"], name=person["name"], id_number=number, details={})
                RosterRow.objects.create(batch=batch, sheet=RosterRow.Sheet.CONTRACT, row=line, action=RosterRow.Action.ADD,
                                         school_id=f["school_id"], name=person["name"], id_number=number, details={})
        return time.perf_counter() - started


def per_row_commit(facts: list[dict], user) -> float:
    """The commit done the form path's way, one staff member at a time: staff_create (the person,
    the employment, the attestation, each with its history), then the contract (full_clean,
    save_audited) or the dispatch agreement (dispatch_record), in one transaction per row as a
    request has. Seconds."""
    from django.db import transaction
    from django.test.utils import override_settings

    from hrflow.contracts.models import Contract
    from hrflow.contracts.services import dispatch_record
    from hrflow.core.history import save_audited
    from hrflow.org.models import School
    from hrflow.people.models import PostCategoryChoices
    from hrflow.people.services import staff_create

    schools = School.objects.in_bulk({f["school_id"] for f in facts})
    reason = "bench per-row"
    # DEBUG (the bench's default) logs every query: the children run without it, and so does this.
    with override_settings(DEBUG=False):
        started = time.perf_counter()
        for f in facts:
            with transaction.atomic():
                staff = staff_create(
                    school=schools[f["school_id"]],
                    person_data={"id_number": f["id_number"], "name": f["name"], "phone": "13800138000", "education": f["education"][1],
                                 "cadre": False},
                    staff_data={"post_category": f["category"], "employment_type": "dispatched" if f["dispatched"] else "contract",
                                "title": "", "dormitory": None, "food_safety_manager": False, "hired_on": HIRED_ON},
                    attestation_data={}, acting_user=user, reason=reason)
                if f["dispatched"]:
                    dispatch_record(staff=staff, data={"agency": AGENCY, "post_nature": "auxiliary", "starts_on": STARTS_ON,
                                                       "ends_on": AGREEMENT_ENDS}, acting_user=user, reason=reason)
                else:
                    contract = Contract(staff=staff, kind=Contract.Kind.LABOUR, post=str(PostCategoryChoices(f["category"]).label),
                                        starts_on=STARTS_ON, term_months=36, ends_on=CONTRACT_ENDS, first_employment=True,
                                        probation_months=0, agreed_pay=3500, state=Contract.State.ACTIVE)
                    contract.full_clean(exclude=["state"])  # protected: set above, as the importer sets it
                    save_audited(contract, user=user, reason=reason)
        return time.perf_counter() - started


def run_child(step: str, **options) -> dict:
    """Run one step in a child process (DEBUG off, jobs inline) and return what it printed last (JSON)."""
    from tests.bench import BASE

    command = [sys.executable, "-m", "tests.bench_roster", step]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    env = {**os.environ, "DEBUG": "0"}
    done = subprocess.run(command, cwd=BASE, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{step} child failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_roster(report, rows: int):
    from django.contrib.auth import get_user_model

    from hrflow.core.xlsx import read_sheets
    from hrflow.org.models import OrgUnit
    from hrflow.people.models import Person
    from hrflow.rosters import services
    from hrflow.rosters.columns import CONTRACT_SHEET, MAX_ROWS, STAFF_SHEET, contract_columns, staff_columns
    from tests.bench import BASE, LOAD_PROVINCE

    people, batches = clean_up()
    if people or batches:
        print(f"# roster: removed what an earlier run left ({people} people, {batches} imports)", flush=True)
    province = OrgUnit.objects.get(code=LOAD_PROVINCE)
    officer = get_user_model().objects.get(username="scale_bureau")
    if not services.may_import(officer, province):
        raise RuntimeError(f"scale_bureau may not import a roster for {province.name}")
    schools = province_schools(province.path)
    skip = set(Person.objects.filter(id_number__startswith=BENCH_REGION).values_list("id_number", flat=True))
    numbers = id_numbers(rows + SAMPLE, skip)
    facts = [row_facts(i, number, schools[i % len(schools)]) for i, number in enumerate(numbers)]
    path = BASE / "var" / "bench-roster.xlsx"
    path.parent.mkdir(exist_ok=True)
    try:
        started = time.perf_counter()
        write_roster(path, facts[:rows])
        size = path.stat().st_size
        print(f"# roster: {rows} staff rows and {rows} contract rows over {len(schools)} schools of {province.name} "
              f"({LOAD_PROVINCE}), written in {time.perf_counter() - started:.1f} s", flush=True)
        report("roster_file_size", size / 2**20, "MiB", size / services.max_bytes(),
               f"the upload limit ({services.max_bytes() / 2**20:.0f} MiB); {size / rows:.0f} bytes per staff row with its contract")

        specs = {STAFF_SHEET: (len(staff_columns(True)), MAX_ROWS), CONTRACT_SHEET: (len(contract_columns(True)), MAX_ROWS)}
        reads = {}
        for engine in ("openpyxl", "calamine"):
            started = time.perf_counter()
            with open(path, "rb") as stream:
                sheets = read_sheets(stream, specs, max_bytes=services.max_bytes(), engine=engine)
            reads[engine] = time.perf_counter() - started
            if [len(sheets[s]) for s in (STAFF_SHEET, CONTRACT_SHEET)] != [rows + 1, rows + 1]:
                raise RuntimeError(f"{engine} read {[len(v) for v in sheets.values()]} rows, not {rows + 1} per sheet")
            del sheets
        report("roster_read_openpyxl", reads["openpyxl"], "s", reads["openpyxl"] / reads["calamine"],
               f"calamine read of the same file ({reads['calamine']:.2f} s)")
        report("roster_read_calamine", reads["calamine"], "s", reads["calamine"] / reads["openpyxl"],
               f"openpyxl read of the same file ({reads['openpyxl']:.2f} s)")
        floor_engine = min(reads, key=reads.get)
        floor = reads[floor_engine]
        floor_note = f"the read alone ({floor_engine}, {floor:.2f} s)"

        # The baseline first: after the commit PostgreSQL is still writing out 200,000 rows and their
        # history, which would slow the per-row path and flatter the ratio.
        sample = facts[rows:]
        # Three rounds of a third of the sample each, the fastest taken: a round slowed by the machine
        # (two cores, PostgreSQL beside) would flatter the ratio.
        rounds = [sample[i::3] for i in range(3)]
        preview_row_s = min(per_row_preview(part, officer, province) / len(part) for part in rounds)
        commit_row_s = min(per_row_commit(part, officer) / len(part) for part in rounds)
        report("roster_baseline_preview", preview_row_s * 1000, "ms/row", preview_row_s * rows / floor,
               f"ratio = scaled to {rows} rows / {floor_note}; per-row ORM preview on {len(sample)} rows (the fastest of three rounds): validate_person, "
               f"check_hire_date and the cells.read_* readings, the person, current employments and contracts looked up by "
               f"ID number, a RosterRow saved per staff row and per contract row; the file's read not included")
        report("roster_baseline_commit", commit_row_s * 1000, "ms/row", commit_row_s * rows / floor,
               f"ratio = scaled to {rows} rows / {floor_note}; form path on {len(sample)} rows (the fastest of three rounds): staff_create + contract "
               f"save_audited or dispatch_record, one transaction per row")
        preview = run_child("preview", user=officer.pk, unit=province.pk, file=path)
        expected = {"staff:create": rows, "contract:add": rows}
        if preview["state"] != "previewed" or preview["counts"] != expected:
            raise RuntimeError(f"the preview is not what the file says: {preview}")
        commit = run_child("commit", batch=preview["batch"])
        if commit["state"] != "committed":
            raise RuntimeError(f"the commit did not write: {commit}")
        imported = Person.objects.filter(id_number__startswith=BENCH_REGION).count() - len(sample)
        if imported != rows:
            raise RuntimeError(f"{imported} people of the bench's region are on record after the commit, not {rows}")
        preview_base, commit_base = preview_row_s * rows, commit_row_s * rows
        baseline_s = preview_base + commit_base
        both = preview["seconds"] + commit["seconds"]
        report("roster_preview", preview["seconds"], "s", preview_base / preview["seconds"],
               f"per-row ORM preview ({preview_row_s * 1000:.2f} ms/row on {len(sample)} x {rows} = {preview_base:.0f} s); "
               f"{preview['seconds'] / floor:.1f} x {floor_note}; the child's own CPU {preview['cpu_seconds']:.1f} s, the rest "
               f"waits on PostgreSQL or the machine")
        report("roster_preview_rate", rows / preview["seconds"], "rows/s", floor / preview["seconds"],
               f"ratio = the share of the floor's rate, {rows / floor:.0f} rows/s for {floor_note}; "
               f"per-row ORM preview {1 / preview_row_s:.0f} rows/s")
        report("roster_commit", commit["seconds"], "s", commit_base / commit["seconds"],
               f"per-row form path ({commit_row_s * 1000:.2f} ms/row on {len(sample)} x {rows} = {commit_base:.0f} s); "
               f"{commit['seconds'] / floor:.1f} x {floor_note}; the child's own CPU {commit['cpu_seconds']:.1f} s; the statistics "
               f"refresh after the job (off the job in production) {commit['analyze_seconds'] + preview['analyze_seconds']:.1f} s, not counted")
        report("roster_commit_rate", rows / commit["seconds"], "rows/s", floor / commit["seconds"],
               f"ratio = the share of the floor's rate, {rows / floor:.0f} rows/s for {floor_note}; "
               f"per-row form path {1 / commit_row_s:.0f} rows/s")
        report("roster_import", both, "s", baseline_s / both,
               f"per-row ORM preview + per-row form commit ({preview_row_s * 1000:.2f} + {commit_row_s * 1000:.2f} ms/row on "
               f"{len(sample)} x {rows} = {baseline_s:.0f} s) against the bulk preview + commit (the bulk preview includes the "
               f"file's read, the per-row one does not); rows are staff rows, each with its contract row; target >= 50")
        for name, child in (("preview", preview), ("commit", commit)):
            peak = child["rss_peak_kb"] / 1024
            report(f"roster_{name}_peak_rss", peak, "MiB", peak / TARGET_MIB,
                   f"the target, 500 MB ({TARGET_MIB:.0f} MiB); peak RSS of the child process (VmHWM), {child['rss_start_kb'] / 1024:.0f} MiB "
                   f"before the step")
    finally:
        path.unlink(missing_ok=True)
        clean_up()


# --- the child processes ------------------------------------------------------------------------

def _step(args) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.utils import translation

    from hrflow.org.models import OrgUnit
    from hrflow.rosters import services
    from hrflow.rosters.models import RosterImport, RosterRow

    settings.HRFLOW["ROSTER_JOBS_IN_THREAD"] = False  # the job runs inline, on commit of the request's transaction
    # The statistics refresh after a job runs off the job in production (a task or a thread); inline
    # here, it is timed apart and left out of the job's time.
    analyze = {"seconds": 0.0}
    analyze_later = services._analyze_later

    def timed_analyze(labels):
        began = time.perf_counter()
        analyze_later(labels)
        analyze["seconds"] += time.perf_counter() - began

    services._analyze_later = timed_analyze
    with translation.override("zh-hans"):
        if args.step == "preview":
            user = get_user_model().objects.get(pk=args.user)
            unit = OrgUnit.objects.get(pk=args.unit)
            started, cpu = time.perf_counter(), time.process_time()
            with open(args.file, "rb") as stream:
                batch = services.roster_upload(user=user, unit=unit, upload=File(stream, name="bench-roster.xlsx"), language="zh-hans")
        else:
            batch = RosterImport.objects.select_related("owner").get(pk=args.batch)
            started, cpu = time.perf_counter(), time.process_time()
            services.roster_commit_request(batch=batch, user=batch.owner)
        seconds, cpu = time.perf_counter() - started - analyze["seconds"], time.process_time() - cpu
    batch = RosterImport.objects.get(pk=batch.pk)
    refused = list(RosterRow.objects.filter(batch=batch, action=RosterRow.Action.REFUSED).values("sheet", "row", "details")[:3])
    return {"seconds": seconds, "analyze_seconds": analyze["seconds"], "cpu_seconds": cpu, "batch": batch.pk, "state": batch.state, "counts": batch.counts, "outcome": batch.outcome,
            "file_problems": batch.file_problems[:3], "refused": refused}


def peak_rss_kb() -> int:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries that over from the parent when
    subprocess starts the child with vfork, so it would report the bench's own peak."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def main(argv=None):
    parser = argparse.ArgumentParser(description="One step of the roster bench, in a process of its own.")
    parser.add_argument("step", choices=["preview", "commit"])
    parser.add_argument("--user", type=int)
    parser.add_argument("--unit", type=int)
    parser.add_argument("--file")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--profile", help="write the step's cProfile statistics here")
    args = parser.parse_args(argv)
    from tests.bench import setup_django

    setup_django(os.environ["DATABASE_URL"], migrate=False)
    start_kb = peak_rss_kb()
    if args.profile:
        profiler = cProfile.Profile()
        result = profiler.runcall(_step, args)
        profiler.dump_stats(args.profile)
    else:
        result = _step(args)
    result.update(rss_start_kb=start_kb, rss_peak_kb=peak_rss_kb())
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
