"""Hires never exceed a post's headcount, with many officers hiring at once in real threads.

On PostgreSQL the post row lock (SELECT ... FOR UPDATE) makes each hire see the ones before
it; on SQLite the IMMEDIATE transactions serialise the writers the same way.
"""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from hrflow.hiring import services
from hrflow.hiring.models import Application, Publicity, RoundPost, SelectionRound
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.people.models import Staff
from hrflow.policy import build_id_number
from tests.threads import run_together

HEADCOUNT, CANDIDATES, OFFICERS = 3, 8, 8


@pytest.fixture
def hiring_post(transactional_db):
    User = get_user_model()
    province = OrgUnit.objects.create(kind="province", code="C51", name="并发省")
    city = OrgUnit.objects.create(kind="city", code="C5101", name="并发市", parent=province)
    county = OrgUnit.objects.create(kind="county", code="C510104", name="并发区", parent=city)
    unit = OrgUnit.objects.create(kind="school", code="C5101040001", name="并发中学", parent=county)
    school = School.objects.create(unit=unit, level="secondary", diners=100)
    officers = []
    for i in range(OFFICERS):
        officer = User.objects.create(username=f"hire-officer-{i}")
        RoleAssignment.objects.create(user=officer, role=Role.HR_OFFICER, unit=unit)
        officers.append(officer)
    # The round is set up in its hiring state directly: this test is about the last step.
    round = SelectionRound.objects.create(
        school=school, title="并发聘用", procedure="-", pay_and_treatment="-", opens_on=date(2026, 1, 1),
        closes_on=date(2026, 1, 2), created_by=officers[0], state="hiring",
    )
    Publicity.objects.create(round=round, starts_on=date(2026, 1, 5), working_days=7, ends_on=date(2026, 1, 13))
    post = RoundPost.objects.create(round=round, title="厨师", category="canteen", headcount=HEADCOUNT)
    applications = [
        Application.objects.create(
            round=round, post=post, name=f"候选{i}", id_number=build_id_number("990101", date(1990, 1, 1 + i), 21),
            gender="M", birth_date=date(1990, 1, 1 + i), education="senior_high", state="approved",
        )
        for i in range(CANDIDATES)
    ]
    return post, applications, officers



def test_concurrent_hires_fill_exactly_the_headcount(hiring_post):
    post, applications, officers = hiring_post
    results = run_together([
        (lambda a=a, o=o: services.application_hire(application=a, acting_user=o))
        for a, o in zip(applications, officers)
    ])
    hired = [r for r in results if r[0] == "ok"]
    refused = [r for r in results if r[0] == "error"]
    assert len(hired) == HEADCOUNT, results
    assert all(isinstance(error, services.HiringError) for _kind, error in refused), refused
    assert Application.objects.filter(post=post, state="hired").count() == HEADCOUNT
    assert Staff.objects.filter(school=post.round.school).count() == HEADCOUNT


def test_the_same_application_hired_by_two_officers_at_once_is_hired_once(hiring_post):
    post, applications, officers = hiring_post
    target = applications[0]
    results = run_together([
        (lambda o=o: services.application_hire(application=target, acting_user=o)) for o in officers[:4]
    ])
    assert sorted(kind for kind, _v in results) == ["error", "error", "error", "ok"], results
    assert Staff.objects.filter(person__id_number=target.id_number).count() == 1
    assert RoundPost.objects.get(pk=post.pk).applications.filter(state="hired").count() == 1
