"""The bulk helpers write the same history simple-history would, and respect the FSM."""

from datetime import date

import pytest

from django.db import connection

from hrflow.core.bulk import bulk_transition, insert_rows, snapshot_history
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
