"""Keyset paging: page N+1 holds what follows page N, whatever was inserted in between."""

from datetime import date

import pytest

from hrflow.core.paging import capped_count, keyset_page, make_cursor
from hrflow.org.models import School
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number


def _staff(school, n, start=0):
    made = []
    for i in range(start, start + n):
        person = Person.objects.create(id_number=build_id_number("510104", date(1980, 1, 1 + i % 28), i * 2 + 1),
                                       name="分页" + "〇一二三四五六七八九"[i % 10], education="senior_high")
        made.append(Staff.objects.create(person=person, school=school, post_category="canteen",
                                         employment_type="contract", hired_on=date(2020, 1, 1 + i % 28)))
    return made


@pytest.mark.django_db
@pytest.mark.parametrize("order", [["-pk"], ["hired_on", "pk"], ["-person__name", "-hired_on", "-pk"]])
def test_next_page_follows_the_last_row_even_when_rows_are_inserted_between_requests(order):
    school = School.objects.order_by("pk").first()
    _staff(school, 23)
    qs = Staff.objects.filter(school=school, person__name__startswith="分页")
    first = keyset_page(qs, order=order, size=10)
    assert len(first.rows) == 10 and first.has_next and not first.has_previous and first.is_first
    _staff(school, 7, start=100)  # another officer adds staff between the two requests
    expected = list(qs.order_by(*order))
    last_shown = expected.index(first.rows[-1])
    second = keyset_page(qs, order=order, cursor=first.next_cursor, size=10)
    assert second.rows == expected[last_shown + 1 : last_shown + 11]
    assert not second.is_first and second.has_previous
    back = keyset_page(qs, order=order, cursor=second.previous_cursor, size=10)
    assert back.rows == expected[last_shown - 9 : last_shown + 1]


@pytest.mark.django_db
def test_walking_every_page_shows_each_row_once_and_ends():
    school = School.objects.order_by("pk").first()
    _staff(school, 25)
    qs = Staff.objects.filter(school=school, person__name__startswith="分页")
    seen, cursor = [], None
    for _ in range(10):
        page = keyset_page(qs, order=["-pk"], cursor=cursor, size=10)
        seen += [s.pk for s in page.rows]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert seen == list(qs.order_by("-pk").values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["", "garbage", "x" * 5000, "\x00", "eyJvIjpbIi1wayJdfQ:1:abc"])
def test_a_crafted_cursor_shows_the_first_page(cursor):
    qs = Staff.objects.all()
    page = keyset_page(qs, order=["-pk"], cursor=cursor, size=5)
    assert page.rows == list(qs.order_by("-pk")[:5]) and page.is_first


@pytest.mark.django_db
def test_a_cursor_for_another_order_is_not_applied():
    qs = Staff.objects.all()
    token = make_cursor(qs.order_by("pk").first(), ["pk"], "after")
    assert keyset_page(qs, order=["-pk"], cursor=token, size=5).is_first


@pytest.mark.django_db
def test_capped_count_stops_at_the_cap():
    school = School.objects.order_by("pk").first()
    _staff(school, 12)
    qs = Staff.objects.filter(person__name__startswith="分页")
    assert capped_count(qs, cap=5) == (5, True)
    assert capped_count(qs, cap=50) == (12, False)


@pytest.mark.django_db
def test_a_cursor_of_another_list_or_filter_shows_the_first_page():
    school = School.objects.order_by("pk").first()
    _staff(school, 12)
    canteen = Staff.objects.filter(post_category="canteen")
    everyone = Staff.objects.all()
    token = keyset_page(canteen, order=["-pk"], size=5).next_cursor
    assert keyset_page(canteen, order=["-pk"], cursor=token, size=5).rows != keyset_page(canteen, order=["-pk"], size=5).rows
    elsewhere = keyset_page(everyone, order=["-pk"], cursor=token, size=5)
    assert elsewhere.is_first and elsewhere.rows == list(everyone.order_by("-pk")[:5])


def test_the_change_log_cursor_belongs_to_its_filter(login):
    client = login("auditor")
    first = client.get("/audit/changes/", {"model": "people.staff"}).context["page"]
    assert first.has_next
    unfiltered = client.get("/audit/changes/").context["page"]
    pasted = client.get("/audit/changes/", {"cursor": first.next_cursor}).context["page"]
    assert pasted.is_first and [r.history_id for r in pasted.rows] == [r.history_id for r in unfiltered.rows]
