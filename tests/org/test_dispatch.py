"""The dispatched share per school (LAW-DISPATCH) on the school's page, the compliance roll-up per
county and city, and the compliance export. The rule itself: tests/policy/test_dispatch.py."""

import io

import openpyxl
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import pgettext

from hrflow.exports.models import ExportJob
from hrflow.org.models import OrgUnit, School
from hrflow.people.models import Staff
from hrflow.staffing.selectors import (
    compliance_rollup,
    iter_school_figures,
    rollup_by,
    school_dispatch_line,
    school_frame,
    staffing_rollup,
    with_figures,
)


def employ(school, *, dispatched: int, contract: int | None = None):
    """The school's current staff: `dispatched` of them dispatched, the others contract staff
    (or `contract` of them, the rest purchased service). Returns the workforce."""
    current = list(Staff.objects.filter(school=school).exclude(status=Staff.Status.LEFT).order_by("pk").values_list("pk", flat=True))
    contract = len(current) - dispatched if contract is None else contract
    assert dispatched + contract <= len(current)
    Staff.objects.filter(pk__in=current).update(employment_type="purchased_service")
    Staff.objects.filter(pk__in=current[:dispatched]).update(employment_type="dispatched")
    Staff.objects.filter(pk__in=current[dispatched:dispatched + contract]).update(employment_type="contract")
    return dispatched + contract


def test_exactly_ten_per_cent_is_met_and_one_more_is_flagged(school):
    workforce = employ(school, dispatched=0, contract=20)
    employ(school, dispatched=2, contract=18)
    line = school_dispatch_line(school)
    assert (line.rule, line.actual, line.params["workforce"], line.required, line.ok) == ("LAW-DISPATCH", 2, workforce, 2, True)
    employ(school, dispatched=3, contract=17)
    line = school_dispatch_line(school)
    assert (line.actual, line.ok) == (3, False)


def test_purchased_service_staff_are_not_in_the_workforce(school):
    employ(school, dispatched=2, contract=15)  # 2 of 17: 11.8%, whoever else works there
    line = school_dispatch_line(school)
    assert line.params["workforce"] == 17 and not line.ok


def test_suspended_staff_count_and_those_who_left_do_not(school):
    employ(school, dispatched=2, contract=18)
    dispatched = Staff.objects.filter(school=school, employment_type="dispatched").order_by("pk")
    Staff.objects.filter(pk=dispatched[0].pk).update(status=Staff.Status.SUSPENDED)
    assert school_dispatch_line(school).actual == 2
    Staff.objects.filter(pk=dispatched[1].pk).update(status=Staff.Status.LEFT)
    line = school_dispatch_line(school)
    assert (line.actual, line.params["workforce"]) == (1, 19)


def test_a_school_without_staff_is_not_flagged(school):
    Staff.objects.filter(school=school).update(status=Staff.Status.LEFT)
    line = school_dispatch_line(school)
    assert line.ok and line.params["workforce"] == 0
    row = with_figures(school_frame([School.objects.select_related("unit__parent__parent").get(pk=school.pk)]), [school.pk]).iloc[0]
    assert row["dispatch_ok"] and row["workforce"] == 0


def test_the_frame_agrees_with_the_school_line(user, school, other_school):
    employ(school, dispatched=3, contract=17)
    employ(other_school, dispatched=1, contract=10)
    frame = staffing_rollup(user("bureau")).set_index("school_id")
    for s in (school, other_school):
        line = school_dispatch_line(s)
        assert frame.loc[s.pk, "dispatched"] == line.actual
        assert frame.loc[s.pk, "workforce"] == line.params["workforce"]
        assert bool(frame.loc[s.pk, "dispatch_ok"]) is line.ok


def test_the_rollup_sums_per_county_and_city(user, school):
    employ(school, dispatched=5, contract=15)  # 25%
    frame = staffing_rollup(user("bureau"))
    for level, key in (("county", "county_id"), ("city", "city_id")):
        rows = {r["unit_id"]: r for r in rollup_by(frame, level).to_dict("records")}
        for unit_id, schools in frame.groupby(key):
            row = rows[unit_id]
            assert row["dispatched"] == schools["dispatched"].sum() and row["workforce"] == schools["workforce"].sum()
            assert row["dispatch_failing"] == (~schools["dispatch_ok"]).sum()
            if row["workforce"]:
                # The area's share is its dispatched over its workforce, not a mean of the schools' shares.
                assert row["dispatch_share"] == row["dispatched"] / row["workforce"]
    county = rows_of(frame, "county")[school.unit.parent_id]
    assert county["dispatch_failing"] >= 1


def rows_of(frame, level):
    return {r["unit_id"]: r for r in rollup_by(frame, level).to_dict("records")}


def test_the_cached_rollup_counts_flagged_schools_and_keeps_its_query_count(user, school):
    cache.clear()
    employ(school, dispatched=0)
    bureau = user("bureau")  # a fresh user each time: its grants are read in the count
    with CaptureQueriesContext(connection) as before:
        clean = compliance_rollup(bureau, under=None, level="county")
    cache.clear()
    employ(school, dispatched=5, contract=15)
    bureau = user("bureau")
    with CaptureQueriesContext(connection) as after:
        flagged = compliance_rollup(bureau, under=None, level="county")
    assert flagged["totals"]["dispatch"] == clean["totals"]["dispatch"] + 1
    assert len(after) == len(before)  # one grouped query per level, whatever is flagged


def test_the_school_page_shows_the_share_and_flags_it(login, school):
    employ(school, dispatched=3, contract=17)
    html = login("hr").get(f"/org/schools/{school.pk}/").content.decode()
    card = html[html.index('data-testid="dispatch-line"'):]
    card = card[:card.index('data-testid="dispatch-help"')]
    assert "LAW-DISPATCH" in card and "第六十六条" in card and "hf-hard" in card and "15.0" in card


def test_the_school_page_shows_ten_per_cent_as_met(login, school):
    employ(school, dispatched=2, contract=18)
    html = login("hr").get(f"/org/schools/{school.pk}/").content.decode()
    card = html[html.index('data-testid="dispatch-line"'):html.index('data-testid="dispatch-help"')]
    assert "hf-ok" in card and "hf-hard" not in card


def test_the_compliance_page_counts_flagged_schools_and_says_what_counts(login, school):
    cache.clear()
    employ(school, dispatched=5, contract=15)
    html = login("bureau").get("/org/compliance/").content.decode()
    assert 'data-testid="dispatch-total"' in html and 'data-testid="dispatch-failing"' in html
    help_text = html[html.index('data-testid="dispatch-help"'):]
    assert "劳务派遣暂行规定" in help_text


def test_the_county_page_flags_the_school(login, school):
    cache.clear()
    employ(school, dispatched=5, contract=15)
    county = OrgUnit.objects.get(pk=school.unit.parent_id)
    html = login("bureau").get(f"/org/compliance/?unit={county.pk}").content.decode()
    row = html[html.index(f'href="/org/schools/{school.pk}/"'):]
    row = row[:row.index("</tr>")]
    assert 'data-testid="dispatch-flag"' in row and "5 / 20" in row


def test_the_export_has_the_share_of_every_school(login, school, django_capture_on_commit_callbacks):
    employ(school, dispatched=3, contract=17)
    client = login("bureau")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/org/compliance/export/", {"unit": school.unit.parent_id})
    assert ExportJob.objects.get(kind="org_compliance").status == ExportJob.Status.DONE
    download = client.get(started["Location"] + "download/")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).worksheets[0].iter_rows(values_only=True))
    header, body = rows[0], {row[3]: row for row in rows[1:]}
    assert len(header) == 21  # workforce, dispatched, share (%), above 10% after the 17 columns of 三(一)2
    with translation.override("zh-hans"):  # the requester's language
        yes, no = pgettext("export value", "yes"), pgettext("export value", "no")
    assert body[school.unit.code][17:21] == (20, 3, 15.0, yes)
    figures = {s["code"]: s for s in iter_school_figures(School.objects.filter(unit__parent_id=school.unit.parent_id))}
    for code, row in body.items():
        assert row[17] == figures[code]["workforce"] and row[18] == figures[code]["dispatched"]
        assert row[20] == (no if figures[code]["dispatch_ok"] else yes)
