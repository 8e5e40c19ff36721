"""The exit case pages at province scale (make bench BENCH_ARGS="--only exits"): the case list as a
province bureau officer, a school's HR officer and leader, over a province with an exit case for one
staff member in fifty (about 3,000 cases at scale 1.0), each page timed in process (Django's test
client, median of repeated requests) against GET /ping/ on the same client, with its query count."""

import statistics
import time

CASES_PER_STAFF = 50


def ensure_cases(province):
    """One case (at its hearing) per CASES_PER_STAFF staff of the province, bulk-inserted once, with history."""
    from datetime import timedelta

    from simple_history.utils import bulk_create_with_history

    from hrflow.core import clock
    from hrflow.core.history import system_user
    from hrflow.exits.models import ExitCase
    from hrflow.people.models import Staff

    scope = f"{province}/"
    if ExitCase.objects.filter(staff__school__unit__path__startswith=scope).exists():
        return ExitCase.objects.filter(staff__school__unit__path__startswith=scope).count()
    user, today = system_user(), clock.today()
    ids = list(Staff.objects.filter(school__unit__path__startswith=scope, status="active").order_by("pk")
               .values_list("pk", flat=True)[::CASES_PER_STAFF])
    cases = [ExitCase(staff_id=pk, ground="no_fault", initiated_by="school", evidence="基准测试：培训后仍不能胜任", opened_by=user,
                      opened_on=today, statement_due=today + timedelta(days=5)) for pk in ids]
    started = time.perf_counter()
    bulk_create_with_history(cases, ExitCase, batch_size=2000, default_user=user, default_change_reason="基准测试数据")
    print(f"# exits: {len(cases)} cases inserted in {time.perf_counter() - started:.1f} s", flush=True)
    return len(cases)


def bench_exits(report, province, repeat=15):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    n = ensure_cases(province)
    User = get_user_model()

    def timed(client, path):
        client.get(path)  # warm the session and the per-process caches
        times = []
        for _i in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        return statistics.median(times) * 1000, len(queries)

    clients = {}
    for username in ("scale_bureau", "scale_hr", "scale_leader"):
        clients[username] = Client(HTTP_HOST="localhost")
        clients[username].force_login(User.objects.get(username=username))
    floor, floor_queries = timed(clients["scale_bureau"], "/ping/")
    report("exits_floor", floor, "ms", 1, f"itself: GET /ping/ in process, median of {repeat} ({floor_queries} queries)")
    for name, username, path in (("exits_list_bureau", "scale_bureau", "/exits/cases/"),
                                 ("exits_list_bureau_hearing", "scale_bureau", "/exits/cases/?state=hearing"),
                                 ("exits_list_hr", "scale_hr", "/exits/cases/"),
                                 ("exits_waiting_leader", "scale_leader", "/exits/cases/?waiting=on"),
                                 ("exits_home_hr", "scale_hr", "/")):
        ms, queries = timed(clients[username], path)
        report(name, ms, "ms", ms / floor, f"GET /ping/ {floor:.1f} ms, same client; {queries} queries; {n} cases in the province")
