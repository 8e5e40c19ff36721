import pytest

from hrflow.core import clock

from .rounds import build_round


@pytest.fixture
def whole_round(school, user, monkeypatch, django_capture_on_commit_callbacks):
    """Build a round to a stage: `whole_round("closed")`."""
    day = {}
    monkeypatch.setattr(clock, "today", lambda: day["value"])

    def set_today(value):
        day["value"] = value

    def make(stage, title="2026年七中后勤岗位公开遴选"):
        from datetime import date

        users = {name: user(name) for name in ("hr", "leader")}
        return build_round(school=school, users=users, title=title, stage=stage, start=date(2026, 11, 2),
                           set_today=set_today, on_commit=lambda: django_capture_on_commit_callbacks(execute=True))

    return make
