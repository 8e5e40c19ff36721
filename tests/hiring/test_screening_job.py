"""One bad row never stalls a round (issue 7, class 3): the screening job marks it and goes on;
a job that fails for any other reason says so in the reader's language and can be re-run."""

from datetime import date

import pytest
from django.utils import translation

from hrflow.core.history import system_user
from hrflow.hiring import screening, services
from hrflow.hiring.models import Application, Finding, SelectionRound
from hrflow.policy import INVALID_DATA, build_id_number

from .conftest import applicant, by_name


def sneak_in(round, name, id_number, gender, birth):
    """An application that reached the database without the entry checks (older data, a bug)."""
    return Application.objects.create(round=round, post=round.posts.get(category="canteen"), name=name, id_number=id_number,
                                      gender=gender, birth_date=birth, education="senior_high")


def close(round, user, today, capture):
    today.set(date(2026, 6, 13))
    with capture(execute=True):
        services.round_close_applications(round=round, acting_user=user("hr"))
    return SelectionRound.objects.get(pk=round.pk)


def test_bad_rows_are_marked_and_the_others_screened(applied_round, user, today, django_capture_on_commit_callbacks):
    future = sneak_in(applied_round, "未来人", build_id_number("510104", date(2030, 1, 1), 11), "M", date(2030, 1, 1))
    valid = build_id_number("510104", date(1990, 1, 1), 13)
    bad_check = sneak_in(applied_round, "错校验", valid[:-1] + ("0" if valid[-1] != "0" else "1"), "M", date(1990, 1, 1))
    round = close(applied_round, user, today, django_capture_on_commit_callbacks)
    assert round.screening_status == "done"
    for application in (future, bad_check):
        application.refresh_from_db()
        assert application.state == "excluded"
        finding = application.findings.get()
        assert finding.rule == INVALID_DATA and finding.hard
    assert by_name(round, "甲厨师").state == "eligible"
    assert by_name(round, "戊厨师").state == "excluded"  # the hard finding of a well-formed row still counts


def test_under_sixteen_on_the_reference_date_is_excluded(open_round, user, today, django_capture_on_commit_callbacks):
    services.application_submit(round=open_round, post=open_round.posts.get(category="canteen"),
                                data=applicant("少年", date(2010, 6, 13), "M", sequence=9))  # 15 on 12 June 2026
    round = close(open_round, user, today, django_capture_on_commit_callbacks)
    young = by_name(round, "少年")
    assert young.state == "excluded" and list(young.findings.values_list("rule", flat=True)) == ["LAW-MIN-AGE"]


def test_a_failed_job_reads_in_chinese_and_is_rerun_once(applied_round, user, today, monkeypatch, django_capture_on_commit_callbacks):
    real = screening._screen

    def broken(round_id, acting_user):
        raise RuntimeError("database went away")

    monkeypatch.setattr(screening, "_screen", broken)
    round = close(applied_round, user, today, django_capture_on_commit_callbacks)
    assert round.screening_status == "failed" and services.screening_can_rerun(round)
    with translation.override("zh-hans"):
        assert "筛查" in round.screening_error_display or "审查" in round.screening_error_display
    with translation.override("en"):
        assert round.screening_error_display.startswith("The screening stopped")
    assert not Finding.objects.filter(application__round=round).exists()

    monkeypatch.setattr(screening, "_screen", real)
    with django_capture_on_commit_callbacks(execute=True):
        services.round_rerun_screening(round=round, acting_user=user("hr"))
    round = SelectionRound.objects.get(pk=round.pk)
    assert round.screening_status == "done" and not services.screening_can_rerun(round)
    with pytest.raises(services.HiringError):
        services.round_rerun_screening(round=round, acting_user=user("hr"))


def test_running_the_job_twice_writes_nothing_twice(applied_round, user, today, django_capture_on_commit_callbacks):
    round = close(applied_round, user, today, django_capture_on_commit_callbacks)
    before = (Finding.objects.filter(application__round=round).count(), Finding.history.count())
    screening.screen_round(round_id=round.pk, acting_user=system_user())
    assert (Finding.objects.filter(application__round=round).count(), Finding.history.count()) == before


def test_the_round_page_offers_the_rerun_after_a_failure(applied_round, user, today, login, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    monkeypatch.setattr(screening, "_screen", lambda round_id, acting_user: 1 / 0)
    round = close(applied_round, user, today, django_capture_on_commit_callbacks)
    client = login("hr")
    assert 'data-testid="rerun-screening"' in client.get(f"/hiring/rounds/{round.pk}/").content.decode()
    monkeypatch.undo()
    today.set(date(2026, 6, 13))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/hiring/rounds/{round.pk}/act/rerun_screening/")
    assert response.status_code == 302
    assert SelectionRound.objects.get(pk=round.pk).screening_status == "done"
