"""The school list and the compliance page at province scale: keyset pages, drill-down, and a
number of queries that does not grow with the schools in scope."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hrflow.core.history import save_audited, system_user
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.people.models import Staff
from hrflow.staffing import views
from hrflow.staffing.selectors import compliance_rollup, rollup_by, staffing_rollup

NEXT = re.compile(r'href="(\?[^"]*)" data-testid="pager-next"')
SCHOOL_LINK = re.compile(r'href="/org/schools/(\d+)/"')
DRILL = re.compile(r'href="\?unit=(\d+)" data-testid="drill">([^<]+)<')


def school_ids(html):
    return [int(pk) for pk in SCHOOL_LINK.findall(html)]


def next_query(html):
    found = NEXT.search(html)
    return found.group(1).replace("&amp;", "&") if found else None


def add_school(county, code, name):
    unit = save_audited(OrgUnit(kind=OrgUnit.Kind.SCHOOL, code=code, name=name, parent=county), user=system_user(), reason="test")
    return save_audited(School(unit=unit, level="primary", diners=100), user=system_user(), reason="test")


def test_school_list_pages_follow_in_tree_order(province, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 7)
    client, _officer, unit = province("T51", 30)
    in_order = list(School.objects.filter(unit__path__startswith=unit.path).order_by("unit__path").values_list("pk", flat=True))
    seen, query = [], ""
    while query is not None:
        html = client.get(f"/org/schools/{query}").content.decode()
        seen += school_ids(html)
        query = next_query(html)
    assert seen == in_order


def test_next_page_starts_after_the_last_row_shown_whatever_was_inserted(province, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    client, _officer, unit = province("T51", 30)
    first = client.get("/org/schools/").content.decode()
    page_one = school_ids(first)
    county = OrgUnit.objects.get(kind=OrgUnit.Kind.COUNTY, path__startswith=unit.path)
    # One school sorts before the cursor (code "...A"), one right after the last row shown.
    add_school(county, f"{county.code}A", "插在前面的学校")
    last = School.objects.get(pk=page_one[-1])
    after = add_school(county, f"{last.unit.code}0", "插在后面的学校")
    page_two = school_ids(client.get(f"/org/schools/{next_query(first)}").content.decode())
    expected = list(
        School.objects.filter(unit__path__startswith=unit.path, unit__path__gt=last.unit.path).order_by("unit__path").values_list("pk", flat=True)[:5]
    )
    assert page_two == expected and page_two[0] == after.pk
    assert not set(page_one) & set(page_two)


def test_school_list_search_and_unit_filter(login):
    client = login("bureau")
    html = client.get("/org/schools/", {"q": "第七"}).content.decode()
    assert "成都市第七中学" in html and "树德实验中学" not in html
    by_code = client.get("/org/schools/", {"q": "510107"}).content.decode()
    assert "红牌楼小学" in by_code and "第七中学" not in by_code
    county = OrgUnit.objects.get(code="510105")
    by_county = client.get("/org/schools/", {"unit": county.pk}).content.decode()
    assert school_ids(by_county) == [School.objects.get(unit__code="5101050001").pk]
    assert f'<option value="{county.pk}" selected>青羊区</option>' in by_county


def test_school_list_shows_the_staffing_figures_of_its_rows(login):
    html = login("bureau").get("/org/schools/", {"q": "红牌楼"}).content.decode()
    assert 'data-testid="school-table"' in html and "hf-hard" in html  # no food-safety manager: a hard rule
    assert 'data-testid="pager-count"' in html


@pytest.mark.parametrize("unit", ["abc", "0", "-1", "99999999", "1.5"])
def test_school_list_refuses_a_unit_outside_the_choices_without_listing_anything(login, unit):
    response = login("bureau").get("/org/schools/", {"unit": unit})
    assert response.status_code == 200 and not school_ids(response.content.decode())


def test_compliance_starts_at_the_top_of_the_scope_and_drills_down(login):
    client = login("bureau")  # 成都市: the city is the top, its counties are the rows
    html = client.get("/org/compliance/").content.decode()
    counties = dict((name, int(pk)) for pk, name in DRILL.findall(html))
    assert set(counties) == {"锦江区", "青羊区", "武侯区"}
    assert 'data-testid="school-table"' not in html
    county = client.get("/org/compliance/", {"unit": counties["武侯区"]}).content.decode()
    assert sorted(school_ids(county)) == sorted(School.objects.filter(unit__code__startswith="510107").values_list("pk", flat=True))
    assert 'data-testid="trail"' in county and "成都市" in county
    assert 'data-testid="pager"' in county


def test_province_compliance_rolls_up_by_city(user, login):
    auditor = user("auditor")
    RoleAssignment.objects.filter(user=auditor).update(unit=OrgUnit.objects.get(code="51"))
    client = login("auditor")
    html = client.get("/org/compliance/").content.decode()
    cities = DRILL.findall(html)
    assert [name for _pk, name in cities] == ["成都市"]
    city = client.get("/org/compliance/", {"unit": cities[0][0]}).content.decode()
    assert {name for _pk, name in DRILL.findall(city)} == {"锦江区", "青羊区", "武侯区"}


def test_rollup_rows_match_the_schools_figures(user):
    frame = staffing_rollup(user("bureau"))
    counties = rollup_by(frame, "county").set_index("unit_name")
    assert counties.loc["武侯区", "schools"] == 2
    assert counties.loc["武侯区", "food_safety_failing"] == 1
    assert counties.loc["青羊区", "dorm_female_failing"] == 1
    assert counties["schools"].sum() == School.objects.count()


def test_school_officer_sees_their_school_on_the_compliance_page(login, other_school):
    html = login("hr2").get("/org/compliance/").content.decode()
    assert school_ids(html) == [other_school.pk]


@pytest.mark.parametrize("unit", ["abc", "-3", "99999999", "１２"])
def test_compliance_area_outside_the_scope_is_not_found(login, unit):
    assert login("bureau").get("/org/compliance/", {"unit": unit}).status_code == 404


def test_compliance_area_of_another_officer_is_refused_as_such(login):
    other = OrgUnit.objects.get(code="510105")
    response = login("hr").get("/org/compliance/", {"unit": other.pk})
    assert response.status_code == 403 and "无权" in response.content.decode()


def test_compliance_roll_up_is_cached_until_the_data_changes(user):
    bureau = user("bureau")
    city = OrgUnit.objects.get(code="5101")

    def wuhou():
        rows = compliance_rollup(bureau, under=city, level="county")["rows"]
        return next(r for r in rows if r["unit_name"] == "武侯区")

    assert wuhou()["food_safety_failing"] == 1
    with CaptureQueriesContext(connection) as ctx:
        wuhou()
    assert len(ctx) == 1  # the data version only
    cook = Staff.objects.filter(school__unit__code="5101070001", status="active").first()
    cook.food_safety_manager = True
    save_audited(cook, user=system_user(), reason="test")
    assert wuhou()["food_safety_failing"] == 0


def counts(client, urls):
    result = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        result[name] = len(ctx)
    return result


def test_pages_run_the_same_number_of_queries_for_3_and_30_schools(province):
    measured = []
    for code, n in (("T51", 3), ("T52", 30)):
        client, _officer, unit = province(code, n)
        county = OrgUnit.objects.get(kind=OrgUnit.Kind.COUNTY, path__startswith=unit.path)
        city = county.parent
        measured.append(counts(client, {
            "school list": "/org/schools/",
            "school list filtered": f"/org/schools/?unit={county.pk}&q=模拟",
            "compliance province": "/org/compliance/",
            "compliance city": f"/org/compliance/?unit={city.pk}",
            "compliance county": f"/org/compliance/?unit={county.pk}",
            "school search": "/org/schools/search/?q=模拟",
        }))
    assert measured[0] == measured[1], measured


def test_school_officer_pages_hold_no_unit_filter(login):
    html = login("hr").get("/org/schools/").content.decode()
    assert '<select name="unit"' not in html


def test_roles_without_oversight_are_refused(login):
    for url in ("/org/schools/", "/org/compliance/", "/org/schools/search/"):
        assert login("staff").get(url).status_code == 403


def test_the_chooser_opens_the_school_it_names(login, other_school):
    client = login("bureau")
    response = client.get("/org/compliance/", {"school": "", "school_label": "树德实验中学"})
    assert response.status_code == 302 and response["Location"].endswith(f"/org/schools/{other_school.pk}/")
    refused = client.get("/org/compliance/", {"school": "", "school_label": "成都市"}).content.decode()
    assert "errorlist" in refused


def test_a_bureau_officer_of_one_county_sees_only_its_schools(user, login):
    bureau = user("bureau")
    RoleAssignment.objects.filter(user=bureau, role=Role.BUREAU_OFFICER).update(unit=OrgUnit.objects.get(code="510107"))
    html = login("bureau").get("/org/schools/").content.decode()
    assert sorted(school_ids(html)) == sorted(School.objects.filter(unit__code__startswith="510107").values_list("pk", flat=True))
