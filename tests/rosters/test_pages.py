"""The preview pages a 200,000-row import without reading it whole: a constant number of queries
whatever the rows, 50 rows a page, filters by action."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from hrflow.policy import build_id_number

from .conftest import roster_file, staff_row


def _rows(n, start):
    from datetime import date, timedelta

    return [staff_row(name="导入测试", gender="男", id_number=build_id_number("510104", date(1980, 1, 1) + timedelta(days=start + i), 11))
            for i in range(n)]


def test_the_preview_page_runs_the_same_queries_for_few_and_many_rows(today, login, user, school, upload):
    hr = user("hr")
    client = login("hr")
    small = upload(hr, school.unit, roster_file(_rows(3, 0)))
    large = upload(hr, school.unit, roster_file(_rows(130, 100)))
    assert large.counts == {"staff:create": 130}
    counts = []
    for batch in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/rosters/{batch.pk}/?sheet=staff&action=create")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    page = response.content.decode()
    assert page.count('data-action="create"') == 50  # one page of the 130
    assert "cursor=" in page


def test_a_hostile_filter_shows_the_staff_sheet(today, login, user, school, upload):
    batch = upload(user("hr"), school.unit, roster_file(_rows(2, 0)))
    response = login("hr").get(f"/rosters/{batch.pk}/", {"sheet": "x" * 5000, "action": "<script>", "cursor": "%00"})
    assert response.status_code == 200
    assert response.content.decode().count('data-action="create"') == 2
