"""The change log pages by keyset across every history table: the next page starts right after the
last change shown, whatever was written in between, and changes at the same instant in two tables
are neither lost nor repeated."""

from datetime import timedelta

from django.utils import timezone

from hrflow.audit.selectors import AuditFilter, change_page
from hrflow.org.models import Dormitory
from hrflow.people.models import Staff
from hrflow.people.services import staff_transition


def _keys(page):
    return [(r.model_key, r.history_id) for r in page.rows]


def _walk(user, flt, size):
    seen, cursor = [], None
    for _ in range(1000):
        page = change_page(user=user, flt=flt, cursor=cursor, limit=size)
        seen += _keys(page)
        if not page.has_next:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the pager never ended")


def test_walking_the_log_shows_every_change_once_in_order(user):
    # Ties: the same instant in two history tables and within one.
    moment = timezone.now() - timedelta(days=400)
    Staff.history.filter(pk__in=Staff.history.order_by("history_id").values("pk")[:30]).update(history_date=moment)
    Dormitory.history.update(history_date=moment)
    auditor = user("auditor")
    everything = _walk(auditor, AuditFilter(), 10_000)
    assert len(everything) == len(set(everything)) > 100
    assert _walk(auditor, AuditFilter(), 7) == everything
    whens = [r.when for r in change_page(user=auditor, flt=AuditFilter(), limit=10_000).rows]
    assert whens == sorted(whens, reverse=True)


def test_the_next_page_follows_the_last_change_shown_though_new_ones_arrive(user, staff_member):
    auditor, flt = user("auditor"), AuditFilter(model_key="people.staff")
    before = _walk(auditor, flt, 10_000)
    first = change_page(user=auditor, flt=flt, limit=20)
    assert _keys(first) == before[:20] and first.is_first and not first.has_previous
    for reason in ("翻页测试一", "翻页测试二"):
        staff_transition(staff=staff_member, name="suspend", acting_user=user("hr"), reason=reason)
        staff_transition(staff=staff_member, name="reinstate", acting_user=user("hr"), reason=reason)
    second = change_page(user=auditor, flt=flt, cursor=first.next_cursor, limit=20)
    assert _keys(second) == before[20:40] and not second.is_first
    back = change_page(user=auditor, flt=flt, cursor=second.previous_cursor, limit=20)
    assert _keys(back) == before[:20]
    newest = change_page(user=auditor, flt=flt, limit=20)
    assert "翻页测试二" in newest.rows[0].reason and "翻页测试一" in newest.rows[3].reason


def test_a_crafted_cursor_shows_the_newest_page(login):
    client = login("auditor")
    first = client.get("/audit/changes/").context["page"]
    for cursor in ("x", "a" * 600, first.next_cursor[:-3] + "abc", "W10:1:x"):
        page = client.get("/audit/changes/", {"cursor": cursor}).context["page"]
        assert _keys(page) == _keys(first) and page.is_first
