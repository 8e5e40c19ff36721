"""The staff list at province scale: keyset pages, filters that only take their choices, search by
name (prefix for 1-2 characters, anywhere from 3) and by ID number (HR of the school only), and a
number of queries that does not grow with the rows."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hrflow.people.models import Person, Staff
from hrflow.people.selectors import STAFF_ORDER
from hrflow.policy import build_id_number

URL = "/people/staff/"


def _add(school, names, category="canteen", start=0):
    made = []
    for i, name in enumerate(names, start=start):
        person = Person.objects.create(id_number=build_id_number("513433", date(1970, 1, 1) + timedelta(days=i), 701),
                                       name=name, education="senior_high")
        made.append(Staff.objects.create(person=person, school=school, post_category=category, employment_type="contract",
                                         hired_on=date(2020, 1, 1)))
    return made


def _rows(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'data-staff="(\d+)"', response.content.decode())]


def _next(response) -> str:
    match = re.search(r'href="(\?[^"]*)" data-testid="pager-next"', response.content.decode())
    assert match, "no next link"
    return URL + unescape(match.group(1))


def test_page_two_follows_page_one_when_staff_are_added_between(login, school):
    _add(school, [f"翻页{i:02d}" for i in range(60)])
    client = login("hr")
    first = client.get(URL, {"q": "翻页"})
    page_one = _rows(first)
    assert len(page_one) == 50 and page_one == sorted(page_one, reverse=True)
    _add(school, [f"翻页新{i}" for i in range(5)], start=100)  # another officer adds staff meanwhile
    page_two = _rows(client.get(_next(first)))
    expected = list(Staff.objects.filter(school=school, person__name__startswith="翻页").order_by(*STAFF_ORDER)
                    .values_list("pk", flat=True))
    after = expected.index(page_one[-1]) + 1
    assert page_two == expected[after:after + 50] and len(page_two) == 10
    assert not set(page_two) & set(page_one)


def test_filters_by_category_and_status(login, school):
    cooks = _add(school, ["筛选甲", "筛选乙"], category="canteen")
    greeners = _add(school, ["筛选丙"], category="greening", start=10)
    client = login("hr")
    assert set(_rows(client.get(URL, {"q": "筛选", "category": "greening"}))) == {greeners[0].pk}
    assert set(_rows(client.get(URL, {"q": "筛选", "status": "active"}))) == {s.pk for s in cooks + greeners}
    assert _rows(client.get(URL, {"q": "筛选", "status": "suspended"})) == []


def test_school_filter_shows_the_school_and_a_clear_link(login, school, other_school):
    html = login("bureau").get(URL, {"school": school.pk, "category": "canteen"}).content.decode()
    assert school.unit.name in html and 'data-testid="school-filter-clear"' in html
    clear = re.search(r'href="\?([^"]*)" data-testid="school-filter-clear"', html).group(1)
    assert "school=" not in clear and "category=canteen" in unescape(clear)
    assert 'data-school-search="' in html and html.count("<option") < 30  # a search box, not every school
    assert {s.school_id for s in Staff.objects.filter(pk__in=_rows(login("bureau").get(URL, {"school": school.pk})))} == {school.pk}


def test_a_school_outside_the_scope_is_refused_not_shown(login, other_school):
    response = login("hr").get(URL, {"school": other_school.pk})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="filter-errors"' in html and other_school.unit.name not in html


@pytest.mark.parametrize("query", [
    {"category": "garbage"}, {"status": "'; DROP TABLE people_staff; --"}, {"school": "-1"}, {"school": "9" * 30},
    {"q": "王" * 10_000}, {"category": ["canteen", "x"]}, {"cursor": "x" * 5000},
])
def test_hostile_values_are_reported_and_left_out(login, query):
    response = login("bureau").get(URL, query)
    assert response.status_code == 200
    if "cursor" not in query:
        assert 'data-testid="filter-errors"' in response.content.decode()


@pytest.mark.parametrize("q", ["%", "_", "%%", "__", "%_%"])
def test_like_wildcards_match_themselves(login, school, q):
    assert _rows(login("hr").get(URL, {"q": q})) == []
    literal = _add(school, [f"{q}通配"], start=40)[0]
    assert _rows(login("hr").get(URL, {"q": q})) == [literal.pk]


def test_short_names_match_the_start_and_longer_ones_anywhere(login, school):
    wang, li_wang, zhang = _add(school, ["王搜索", "李王搜", "张搜索王"])
    client = login("hr")
    assert set(_rows(client.get(URL, {"q": "王"}))) >= {wang.pk} and li_wang.pk not in _rows(client.get(URL, {"q": "王"}))
    assert _rows(client.get(URL, {"q": "王搜"})) == [wang.pk]
    assert set(_rows(client.get(URL, {"q": "搜索王"}))) == {zhang.pk}
    assert set(_rows(client.get(URL, {"q": "王搜索"}))) == {wang.pk}


def test_hr_finds_their_staff_by_id_number(login, school):
    target = _add(school, ["证号查"])[0]
    client = login("hr")
    number = target.person.id_number
    assert _rows(client.get(URL, {"q": number})) == [target.pk]
    assert target.pk in _rows(client.get(URL, {"q": number[-4:]}))
    assert number in client.get(URL, {"q": number}).content.decode()


@pytest.mark.parametrize("role", ["leader", "bureau", "auditor", "hr2"])
def test_id_search_is_refused_to_those_who_may_not_see_the_number(login, school, role):
    """Searching by number would tell them whether an ID is on file, and whose it is."""
    target = _add(school, ["证号藏"])[0]
    response = login(role).get(URL, {"q": target.person.id_number})
    assert _rows(response) == []
    table = response.content.decode().split('data-testid="staff-table"')[1].split("</table>")[0]
    assert target.person.name not in table  # the typed number comes back in the search box, nothing else
    if role != "hr2":  # hr2 is HR elsewhere: the search runs in hr2's own school only
        assert 'data-testid="id-search-refused"' in response.content.decode()


def test_id_search_skips_people_who_left(login, school, user):
    from hrflow.core.history import save_audited

    target = _add(school, ["证号离"])[0]
    staff = Staff.objects.get(pk=target.pk)
    staff.begin_exit()  # the exit workflow's own steps (tests/exits) set these statuses
    staff.complete_exit()
    save_audited(staff, user=user("hr"), reason="离职")
    assert _rows(login("hr").get(URL, {"q": target.person.id_number})) == []


@pytest.mark.parametrize("role", ["hr", "bureau"])
@pytest.mark.parametrize("query", [{}, {"q": "计数"}, {"q": "计数人"}, {"category": "greening"}, {"school": "SCHOOL"}])
def test_the_number_of_queries_does_not_grow_with_the_staff(login, school, role, query):
    query = {k: (school.pk if v == "SCHOOL" else v) for k, v in query.items()}
    client = login(role)
    client.get(URL, query)  # warm the session and the per-process caches

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, query).status_code == 200
        return len(queries)

    _add(school, [f"计数人{i}" for i in range(3)], category="greening")
    with_three = count()
    _add(school, [f"计数人{i}" for i in range(3, 30)], category="greening", start=3)
    assert count() == with_three
