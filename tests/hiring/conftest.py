"""A selection round at 成都市第七中学, built through the services as HR and leaders would."""

from datetime import date

import pytest

from hrflow.hiring import services
from hrflow.hiring.models import Application
from hrflow.policy import build_id_number
from tests.conftest import MovedClock

OPENS, CLOSES = date(2026, 6, 1), date(2026, 6, 12)


@pytest.fixture
def today(monkeypatch):
    """Move the application's today: `today.set(date)`."""
    return MovedClock(monkeypatch, OPENS)


PLAN = {
    "title": "2026年后勤人员公开遴选", "procedure": "报名—资格审查—笔试—面试—体检考察—集体研究—公示—聘用",
    "extra_criteria": "", "exam_weight": 40, "interview_weight": 60, "tie_break": "interview",
    "pay_and_treatment": "月薪4000元起，缴纳五险一金", "opens_on": OPENS, "closes_on": CLOSES, "reference_date": None,
}
POSTS = [
    {"title": "食堂厨师", "category": "canteen", "headcount": 2, "dorm_gender": "", "certificate": "", "employment_type": "contract", "term_months": 36},
    {"title": "女生宿舍管理员", "category": "dormitory", "headcount": 1, "dorm_gender": "F", "certificate": "", "employment_type": "contract", "term_months": 36},
]


def applicant(name, birth, gender, education="senior_high", **extra):
    sequence = extra.pop("sequence", 11) * 2 + (1 if gender == "M" else 0)
    data = {
        "name": name, "id_number": build_id_number("510104", birth, sequence), "gender": gender, "phone": "13800000000",
        "education": education, "certificates": [], "cadre": False,
        "criminal_record": False, "infectious_disease": False, "mental_illness_history": False,
    }
    data.update(extra)
    return data


@pytest.fixture
def planned_round(school, user, today):
    return services.round_create(school=school, data=dict(PLAN), posts=[dict(p) for p in POSTS], acting_user=user("hr"))


@pytest.fixture
def open_round(planned_round, user):
    hr, leader = user("hr"), user("leader")
    services.round_submit(round=planned_round, acting_user=hr)
    services.round_approve(round=planned_round, acting_user=leader, note="同意")
    return services.round_publish(round=planned_round, acting_user=hr)


@pytest.fixture
def applied_round(open_round, today):
    """Five canteen applicants (one with a hard finding, one too old: soft) and two for the girls' dormitory."""
    cook, dorm = open_round.posts.get(category="canteen"), open_round.posts.get(category="dormitory")
    people = [
        (cook, applicant("甲厨师", date(1985, 3, 1), "M", sequence=1)),
        (cook, applicant("乙厨师", date(1990, 7, 9), "F", sequence=2)),
        (cook, applicant("丙厨师", date(1988, 1, 2), "M", sequence=3)),
        (cook, applicant("丁厨师", date(1963, 5, 5), "M", sequence=4)),  # 63 on the deadline: ELIG-AGE-M (soft)
        (cook, applicant("戊厨师", date(1992, 2, 2), "M", sequence=5, criminal_record=True)),  # hard
        (dorm, applicant("己宿管", date(1980, 8, 8), "F", sequence=6)),
        (dorm, applicant("庚宿管", date(1983, 9, 9), "F", "junior_high", sequence=7)),  # ELIG-EDU-DORM (soft)
    ]
    for post, data in people:
        services.application_submit(round=open_round, post=post, data=data)
    return open_round


@pytest.fixture
def screened_round(applied_round, today, user, django_capture_on_commit_callbacks):
    today.set(date(2026, 6, 13))
    # The screening job is queued on commit; run it as the commit would.
    with django_capture_on_commit_callbacks(execute=True):
        return services.round_close_applications(round=applied_round, acting_user=user("hr"))


def by_name(round, name) -> Application:
    return round.applications.get(name=name)
