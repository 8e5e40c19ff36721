"""The hiring lists at scale: rounds, a round's applications, the score sheet and the inbox are
keyset pages with a number of queries that does not grow with the rows."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hrflow.hiring import services
from hrflow.hiring.models import Application, Rater, Score, SelectionRound
from hrflow.policy import build_id_number

from .conftest import PLAN, POSTS


def _queries(client, url, query=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query or {}).status_code == 200
    return len(captured)


def _ids(response, attr) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(rf'data-{attr}="(\d+)"', response.content.decode())]


def _next(url, response) -> str:
    match = re.search(r'href="(\?[^"]*)" data-testid="pager-next"', response.content.decode())
    assert match, "no next link"
    return url + unescape(match.group(1))


def _rounds(school, user, n, start=0):
    return SelectionRound.objects.bulk_create([
        SelectionRound(school=school, title=f"批量遴选{i}", procedure="-", pay_and_treatment="-", created_by=user,
                       opens_on=date(2025, 1, 1) + timedelta(days=i % 7), closes_on=date(2025, 2, 1))
        for i in range(start, start + n)
    ])


def _applications(round, n, state="submitted", start=0):
    posts = list(round.posts.order_by("pk"))
    return Application.objects.bulk_create([
        Application(round=round, post=posts[i % len(posts)], name=f"考生{i:03d}", gender="F", state=state,
                    birth_date=date(1980, 1, 1) + timedelta(days=i),
                    id_number=build_id_number("513433", date(1980, 1, 1) + timedelta(days=i), 702), education="senior_high")
        for i in range(start, start + n)
    ])


def test_round_list_pages_follow_each_other_with_rounds_added_between(login, school, user):
    _rounds(school, user("hr"), 60)
    client = login("bureau")
    first = client.get("/hiring/rounds/")
    page_one = _ids(first, "round")
    assert len(page_one) == 50
    _rounds(school, user("hr"), 3, start=100)
    page_two = _ids(client.get(_next("/hiring/rounds/", first)), "round")
    expected = list(SelectionRound.objects.filter(school__unit__path__startswith="").order_by("-opens_on", "-pk")
                    .values_list("pk", flat=True))
    after = expected.index(page_one[-1]) + 1
    assert page_two == expected[after:after + 50] and not set(page_one) & set(page_two)


@pytest.mark.parametrize("role", ["bureau", "hr", "auditor"])
def test_round_list_queries_do_not_grow_with_the_rounds(login, school, user, role):
    client = login(role)
    client.get("/hiring/rounds/")
    _rounds(school, user("hr"), 3)
    with_three = _queries(client, "/hiring/rounds/")
    _rounds(school, user("hr"), 27, start=3)
    assert _queries(client, "/hiring/rounds/") == with_three


def test_round_list_counts_applicants_per_round(login, planned_round):
    _applications(planned_round, 7)
    html = login("hr").get("/hiring/rounds/").content.decode()
    row = html.split(f'data-round="{planned_round.pk}"')[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)<', row) == ["7", "0"]


def test_a_round_shows_its_applications_a_page_at_a_time(login, planned_round):
    made = _applications(planned_round, 60)
    url = f"/hiring/rounds/{planned_round.pk}/"
    client = login("hr")
    first = client.get(url)
    page_one = _ids(first, "application")
    assert len(page_one) == 50 and "<b>60</b>" in first.content.decode()  # the state counts cover the whole round
    page_two = _ids(client.get(_next(url, first)), "application")
    assert sorted(page_one + page_two) == sorted(a.pk for a in made)


@pytest.mark.parametrize("role", ["hr", "leader", "auditor", "bureau"])
def test_round_detail_queries_do_not_grow_with_the_applications(login, planned_round, role):
    url = f"/hiring/rounds/{planned_round.pk}/"
    client = login(role)
    client.get(url)
    _applications(planned_round, 3)
    with_three = _queries(client, url)
    _applications(planned_round, 27, start=3)
    assert _queries(client, url) == with_three
    assert _queries(client, url, {"state": "submitted"}) == with_three


@pytest.mark.parametrize("state", ["garbage", "'; --", "x" * 5000])
def test_a_state_filter_outside_the_choices_is_ignored(login, planned_round, state):
    _applications(planned_round, 3)
    assert len(_ids(login("hr").get(f"/hiring/rounds/{planned_round.pk}/", {"state": state}), "application")) == 3


def test_state_filter_keeps_to_that_state(login, planned_round):
    _applications(planned_round, 3)
    eligible = _applications(planned_round, 2, state="eligible", start=10)
    assert sorted(_ids(login("hr").get(f"/hiring/rounds/{planned_round.pk}/", {"state": "eligible"}), "application")) == sorted(
        a.pk for a in eligible)


def _sheet_round(planned_round):
    SelectionRound.objects.filter(pk=planned_round.pk).update(state=SelectionRound.State.ASSESSING)
    return Rater.objects.create(round=planned_round, name="评委甲")


def test_score_sheet_queries_do_not_grow_with_the_applicants(login, planned_round):
    _sheet_round(planned_round)
    url = f"/hiring/rounds/{planned_round.pk}/scores/"
    client = login("hr")
    client.get(url)
    _applications(planned_round, 3, state="eligible")
    with_three = _queries(client, url)
    _applications(planned_round, 57, state="eligible", start=3)
    assert _queries(client, url) == with_three
    html = client.get(url).content.decode()
    assert html.count("<option") < 60  # the recusal form offers this page's applicants, not the round's


def test_score_sheet_saves_the_page_it_shows(login, planned_round):
    rater = _sheet_round(planned_round)
    _applications(planned_round, 60, state="eligible")
    url = f"/hiring/rounds/{planned_round.pk}/scores/"
    client = login("hr")
    first = client.get(url)
    second_url = _next(url, first)
    second = client.get(second_url)
    on_page_two = _ids(second, "application")
    assert len(on_page_two) == 10 and not set(on_page_two) & set(_ids(first, "application"))
    cursor = unescape(re.search(r'name="cursor" value="([^"]*)"', second.content.decode()).group(1))
    target = on_page_two[0]
    response = client.post(url, {"cursor": cursor, f"score-{target}-{rater.pk}-exam": "88.5"})
    assert response.status_code == 302 and "cursor=" in response["Location"]
    assert Score.objects.get(application_id=target, rater=rater, component="exam").value == 88.5
    # A cell of page two posted as page one is no cell of that sheet: refused, nothing saved.
    other = on_page_two[1]
    assert client.post(url, {f"score-{other}-{rater.pk}-exam": "70"}).status_code == 200
    assert not Score.objects.filter(application_id=other).exists()


@pytest.mark.parametrize("role", ["hr", "leader", "bureau"])
def test_inbox_queries_do_not_grow_with_the_tasks(login, school, user, today, role):
    client = login(role)
    client.get("/hiring/tasks/")
    for i in range(3):
        services.round_create(school=school, data={**PLAN, "title": f"待办{i}"}, posts=[dict(p) for p in POSTS], acting_user=user("hr"))
    with_three = _queries(client, "/hiring/tasks/")
    for i in range(3, 30):
        services.round_create(school=school, data={**PLAN, "title": f"待办{i}"}, posts=[dict(p) for p in POSTS], acting_user=user("hr"))
    assert _queries(client, "/hiring/tasks/") == with_three


def test_inbox_pages_its_tasks(login, school, user, today):
    for i in range(55):
        services.round_create(school=school, data={**PLAN, "title": f"待办{i}"}, posts=[dict(p) for p in POSTS], acting_user=user("hr"))
    client = login("hr")
    first = client.get("/hiring/tasks/")
    assert first.content.decode().count("<tr data-step=") == 50
    assert client.get(_next("/hiring/tasks/", first)).content.decode().count("<tr data-step=") >= 5
