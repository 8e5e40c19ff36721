"""Every list page runs a constant number of queries, whatever the rows in scope (issue 8).

Each page is loaded, then the data grows (staff with their history at the user's school and at
others, selection rounds, exports), and the page is loaded again: the number of queries must not
change. A list page added to the URL table without an entry here fails the coverage test.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hrflow.contracts.models import Contract
from hrflow.core.history import save_audited
from hrflow.exits.models import ExitCase
from hrflow.exports.models import ExportJob
from hrflow.hiring.models import RoundPost, SelectionRound
from hrflow.notifications.services import notify
from hrflow.org.models import School
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number
from hrflow.rosters.models import RosterImport
from hrflow.training.models import Certificate
from tests.conftest import OTHER_SCHOOL, SCHOOL_HR

from .test_permissions import EXPECTED

# URL name -> (role, query) of each list page; a page with a drill-down is listed once per level.
LIST_PAGES = {
    "index": [("hr", {}), ("leader", {}), ("auditor", {}), ("bureau", {}), ("staff", {})],
    "org:school_list": [("bureau", {}), ("bureau", {"q": "学校"})],
    "org:compliance": [("bureau", {}), ("leader", {})],
    "people:staff_list": [("bureau", {}), ("hr", {}), ("bureau", {"q": "增长"}), ("bureau", {"q": "增长测"}), ("bureau", {"status": "active"})],
    "hiring:round_list": [("bureau", {}), ("hr", {})],
    "hiring:tasks": [("hr", {}), ("leader", {})],
    "audit:change_list": [("auditor", {}), ("auditor", {"model": "people.staff"}), ("auditor", {"model": "people.person"}),
                          ("auditor", {"model": "hiring.selectionround"})],
    "exports:job_list": [("auditor", {}), ("hr", {})],
    "jobs:round_list": [("anonymous", {})],
    "notifications:notification_list": [("leader", {}), ("staff", {})],
    "contracts:contract_list": [("hr", {}), ("bureau", {}), ("bureau", {"state": "expiring"})],
    "contracts:renewal_tasks": [("hr", {}), ("leader", {})],
    "training:plan_list": [("bureau", {}), ("hr", {}), ("hr", {"level": "school"})],
    "training:certificate_list": [("bureau", {}), ("hr", {}), ("auditor", {})],
    "rosters:start": [("hr", {}), ("bureau", {})],
    "appraisal:cycle_list": [("hr", {}), ("bureau", {}), ("auditor", {})],
    "appraisal:incident_list": [("hr", {}), ("bureau", {})],
    "appraisal:tasks": [("hr", {}), ("leader", {}), ("bureau", {})],
    "exits:case_list": [("hr", {}), ("bureau", {}), ("leader", {"waiting": "on"}), ("auditor", {"state": "hearing"})],
}


def test_every_list_page_is_counted():
    lists = {name for name in EXPECTED if name.endswith(("_list", "compliance", "tasks"))}
    assert lists <= set(LIST_PAGES), f"list pages without a query-count check: {lists - set(LIST_PAGES)}"


def _grow(user, n):
    """n more staff (with history: created, then changed) at the HR school and at another school,
    n draft rounds and n exports. The same mix every time, so the newest rows of every page are
    alike after a small and after a large growth."""
    schools = [School.objects.get(unit__code=SCHOOL_HR), School.objects.get(unit__code=OTHER_SCHOOL)]
    for _ in range(n):
        for school in schools:
            serial = Person.objects.count() + 1
            birth = date(1970 + serial % 30, 1 + serial % 12, 1 + serial % 28)
            person = Person(id_number=build_id_number("510104", birth, serial % 499 * 2 + 1),
                            name="增长测试" + "〇一二三四五六七八九"[serial % 10], education="senior_high")
            save_audited(person, user=user, reason="查询次数测试")
            staff = Staff(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=date(2020, 1, 1))
            save_audited(staff, user=user, reason="查询次数测试")
            staff.title = "厨师"
            save_audited(staff, user=user, reason="查询次数测试：改职称")
            # A contract up for renewal (the contracts list and the renewal inbox), with history.
            contract = Contract(staff=staff, kind="labour", starts_on=date(2025, 9, 1), term_months=12, state="expiring")
            contract.set_dates()
            save_audited(contract, user=user, reason="查询次数测试")
            certificate = Certificate(person=person, kind="health", number=f"JK{serial}", issuer="疾控中心",
                                      issued_on=date(2025, 12, 1), valid_until=date(2026, 11, 30))
            save_audited(certificate, user=user, reason="查询次数测试")
            # An exit case at its hearing (the exit case list), with history.
            case = ExitCase(staff=staff, ground="no_fault", initiated_by="school", evidence="查询次数测试", opened_by=user,
                            opened_on=date(2026, 7, 1), statement_due=date(2026, 7, 6))
            save_audited(case, user=user, reason="查询次数测试")
        round = SelectionRound.objects.create(
            school=schools[0], title=f"查询测试遴选{serial}", procedure="报名—审查", pay_and_treatment="面议",
            opens_on=date(2026, 12, 1), closes_on=date(2026, 12, 10), created_by=user, state="draft",
        )
        RoundPost.objects.create(round=round, title="厨师", category="canteen", headcount=1)
        for owner, unit in (("hr", schools[0].unit), ("bureau", schools[0].unit.parent.parent)):
            RosterImport.objects.create(owner=type(user).objects.get(username=owner), unit=unit, file_name=f"名单{serial}.xlsx",
                                        file_sha256="0" * 64, stored_name="none.xlsx")
        for owner in ("hr", "auditor"):
            ExportJob.objects.create(owner=type(user).objects.get(username=owner), kind="audit_changes", title=f"导出{serial}")
        notify(recipients=type(user).objects.filter(username__in=["leader", "staff"]), event_key=f"grow:{serial}",
               subject=f"通知{serial}", url="/")


def _count(client, url, query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200, (url, query, response.status_code)
    return len(captured)


@pytest.mark.parametrize("name", sorted(LIST_PAGES))
def test_a_list_page_runs_the_same_queries_with_more_rows(name, login, user):
    from django.urls import reverse

    url = reverse(name)
    clients = {role: login(role) for role, _q in LIST_PAGES[name]}
    _grow(user("hr"), 14)  # enough that the newest 50 rows of every page are grown ones
    for role, query in LIST_PAGES[name]:
        _count(clients[role], url, query)  # warm caches (content types, the session)
    before = [_count(clients[role], url, query) for role, query in LIST_PAGES[name]]
    _grow(user("hr"), 10)
    for role, query in LIST_PAGES[name]:
        _count(clients[role], url, query)  # a cached roll-up (compliance) is recomputed once per data change
    after = [_count(clients[role], url, query) for role, query in LIST_PAGES[name]]
    assert after == before, f"{name}: queries {before} → {after} for {LIST_PAGES[name]}"
