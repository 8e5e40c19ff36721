"""The bulk helpers write the same history simple-history would, and respect the FSM."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection

from hrflow.core.bulk import bulk_transition, insert_rows, query_frame, snapshot_history, update_frame
from hrflow.hiring import services
from hrflow.hiring.models import Application, Finding

from .conftest import applicant


@pytest.fixture
def applications(open_round):
    post = open_round.posts.get(category="canteen")
    return [
        services.application_submit(round=open_round, post=post, data=applicant(f"批量{'甲乙丙'[i]}", date(1980 + i, 1, 1), "M", sequence=80 + i))
        for i in range(3)
    ]


def test_bulk_transition_moves_state_and_writes_a_full_history_row(applications, user):
    hr = user("hr")
    ids = [a.pk for a in applications]
    assert bulk_transition(Application, ids, "flag", source="submitted", user=hr, reason="批量标记") == 3
    for application in Application.objects.filter(pk__in=ids):
        assert application.state == "flagged"
        record = application.history.latest("history_id")
        assert (record.state, record.history_type, record.history_change_reason, record.history_user) == ("flagged", "~", "批量标记", hr)
        assert (record.name, record.id_number, record.certificates) == (application.name, application.id_number, application.certificates)
        assert record.prev_record.state == "submitted"


def test_bulk_transition_refuses_a_transition_the_fsm_does_not_allow(applications, user):
    with pytest.raises(ValueError):
        bulk_transition(Application, [applications[0].pk], "hire", source="submitted", user=user("hr"), reason="x")


def test_bulk_transition_refuses_rows_not_in_the_source_state(applications, user):
    hr = user("hr")
    bulk_transition(Application, [applications[0].pk], "flag", source="submitted", user=hr, reason="x")
    with pytest.raises(RuntimeError):
        bulk_transition(Application, [a.pk for a in applications], "flag", source="submitted", user=hr, reason="again")


def test_inserted_rows_and_their_history_read_back_as_the_orm_writes_them(applications, user):
    hr = user("hr")
    prep = Finding._meta.get_field("params").get_db_prep_save
    insert_rows(Finding, ["application", "rule", "clause", "hard", "template", "params", "override_reason"],
                [(applications[0].pk, "ELIG-AGE-M", "三(三)", False, "Aged %(age)d", prep({"age": 61, "limit": 60}, connection), "")])
    snapshot_history(Finding, "application_id = %s", [applications[0].pk], user=hr, reason="批量写入", history_type="+")
    finding = Finding.objects.get(application=applications[0])
    assert finding.params == {"age": 61, "limit": 60}
    record = finding.history.get()
    assert (record.params, record.history_type, record.history_user, record.history_change_reason) == ({"age": 61, "limit": 60}, "+", hr, "批量写入")


def test_a_frame_updates_its_rows_with_history_in_one_go_nulls_and_awkward_text_included(applications, user):
    """update_frame (grading's write): NA is NULL, text keeps its tabs, newlines and backslashes,
    and each updated row gets its history row with the user and reason."""
    hr = user("hr")
    first, second, third = applications
    frame = pd.DataFrame({
        "id": [first.pk, second.pk],
        "total_score": [Decimal("85.50"), None],
        "rank": pd.array([1, None], dtype="Int64"),
        "decision_reason": ["第一行\t制表\n第二行 \\N 反斜杠", ""],
        "cadre": [True, False],
    })
    assert update_frame(Application, frame, history=(hr, "批量评分")) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.total_score, first.rank, first.decision_reason, first.cadre) == (Decimal("85.50"), 1, "第一行\t制表\n第二行 \\N 反斜杠", True)
    assert (second.total_score, second.rank, second.decision_reason, second.cadre) == (None, None, "", False)
    for application in (first, second):
        record = application.history.latest("history_id")
        assert (record.history_type, record.history_user, record.history_change_reason) == ("~", hr, "批量评分")
        assert (record.total_score, record.rank, record.decision_reason) == (application.total_score, application.rank, application.decision_reason)
    assert third.history.count() == 1  # only the rows given


def test_a_query_read_as_a_frame_keeps_texts_numbers_and_booleans(applications):
    table = Application._meta.db_table
    ids = [a.pk for a in applications]
    frame = query_frame(f"SELECT id, name, cadre, COALESCE(rank, -1) FROM {table} WHERE id IN (%s, %s, %s) ORDER BY id", ids,
                        ["id", "name", "cadre", "rank"], bools=("cadre",))
    assert frame["id"].tolist() == sorted(ids)
    assert frame["name"].tolist() == [a.name for a in sorted(applications, key=lambda a: a.pk)]
    assert frame["cadre"].dtype == bool and not frame["cadre"].any()
    assert frame["rank"].tolist() == [-1, -1, -1]
    empty = query_frame(f"SELECT id, cadre FROM {table} WHERE id < 0", [], ["id", "cadre"], bools=("cadre",))
    assert len(empty) == 0 and list(empty.columns) == ["id", "cadre"]
