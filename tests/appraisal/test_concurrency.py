"""Two people acting on one appraisal at once, in real threads: one wins, the others are refused,
nothing is written twice and no quota is exceeded. On PostgreSQL the cycle, school-part and
assignment row locks order them; on SQLite the IMMEDIATE transactions serialise the writers."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from hrflow.appraisal import services
from hrflow.appraisal.models import Appraisal, Cycle, PeerAssignment, PeerRating, SchoolCycle
from hrflow.core import clock
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.people.models import Person, Staff
from hrflow.policy import build_id_number
from tests.threads import run_together

TODAY = date(2026, 12, 20)
DIMS = {d: 80 for d in Appraisal.DIMENSIONS}


@pytest.fixture
def world(transactional_db, monkeypatch):
    """A school of six with logins, its committee, a cycle in peer evaluation."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    User = get_user_model()
    province = OrgUnit.objects.create(kind="province", code="A51", name="考核并发省")
    city = OrgUnit.objects.create(kind="city", code="A5101", name="考核并发市", parent=province)
    county = OrgUnit.objects.create(kind="county", code="A510104", name="考核并发区", parent=city)
    unit = OrgUnit.objects.create(kind="school", code="A5101040001", name="考核并发中学", parent=county)
    school = School.objects.create(unit=unit, level="secondary", diners=100)
    users = {}
    for role, names in ((Role.HR_OFFICER, ["hr-a", "hr-b"]), (Role.SCHOOL_LEADER, ["lead-a", "lead-b"])):
        for name in names:
            users[name] = User.objects.create(username=name)
            RoleAssignment.objects.create(user=users[name], role=role, unit=unit)
    staff = []
    for i in range(6):
        login = User.objects.create(username=f"worker{i}")
        person = Person.objects.create(id_number=build_id_number("510104", date(1985, 1, 1 + i), 31 + 2 * i), name=f"职工{'甲乙丙丁戊己'[i]}",
                                       education="senior_high", user=login)
        staff.append(Staff.objects.create(person=person, school=school, post_category="canteen", employment_type="contract",
                                          hired_on=date(2020, 1, 1)))
    for i, s in enumerate(staff[:3]):
        services.committee_add(school=school, staff=s, staff_rep=i == 0, acting_user=users["hr-a"])
    config = services.CycleSettings.defaults()
    config.peers_per_person = 5
    cycle = services.cycle_create(unit=unit, name="并发考核", kind="annual", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
                                  config=config, acting_user=users["hr-a"])
    services.cycle_open(cycle=cycle, acting_user=users["hr-a"])
    for a in Appraisal.objects.filter(cycle=cycle).select_related("staff__person__user"):
        services.self_evaluate(appraisal=a, scores=DIMS, summary="总结", acting_user=a.staff.person.user)
    services.cycle_close_self(cycle=cycle, acting_user=users["hr-a"])
    return {"users": users, "staff": staff, "cycle": cycle, "school": school}


def outcomes(results):
    return sorted(kind for kind, _value in results)


def test_a_double_click_on_a_rating_writes_one_rating(world):
    asg = PeerAssignment.objects.filter(appraisal__cycle=world["cycle"]).select_related("rater__person__user").first()
    rater = asg.rater.person.user
    results = run_together([lambda s=s: services.peer_rate(assignment=asg, score=s, acting_user=rater) for s in ("70", "71", "72", "73")])
    assert outcomes(results) == ["ok"] * 4
    assert PeerRating.objects.filter(appraisal=asg.appraisal).count() == 1


def test_two_officers_grading_at_once_grade_once(world):
    cycle, users = world["cycle"], world["users"]
    for asg in PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user"):
        services.peer_rate(assignment=asg, score="80", acting_user=asg.rater.person.user)
    services.cycle_close_peer(cycle=cycle, acting_user=users["hr-a"])
    sc = SchoolCycle.objects.get(cycle=cycle)
    services.leader_scores(school_cycle=sc, scores={a.pk: (Decimal("90"), "", None) for a in Appraisal.objects.filter(cycle=cycle)},
                           acting_user=users["lead-a"])
    services.cycle_close_leader(cycle=cycle, acting_user=users["hr-a"])
    results = run_together([lambda u=u: services.cycle_grade(cycle=cycle, acting_user=users[u]) for u in ("hr-a", "hr-b")])
    assert outcomes(results) == ["error", "ok"]
    assert Cycle.objects.get(pk=cycle.pk).state == Cycle.State.APPROVAL
    history = Appraisal.history.filter(cycle_id=cycle.pk, history_change_reason__contains="综合").count()
    assert history == 6  # one computation, not two


def test_two_leaders_giving_the_last_excellent_place_at_once_give_it_once(world):
    cycle, users = world["cycle"], world["users"]
    # Everyone scores alike below 优秀; one place (6 × 20% = 1), none taken: two leaders raise two people at once.
    for asg in PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user"):
        services.peer_rate(assignment=asg, score="80", acting_user=asg.rater.person.user)
    services.cycle_close_peer(cycle=cycle, acting_user=users["hr-a"])
    sc = SchoolCycle.objects.get(cycle=cycle)
    services.leader_scores(school_cycle=sc, scores={a.pk: (Decimal("80"), "", None) for a in Appraisal.objects.filter(cycle=cycle)},
                           acting_user=users["lead-a"])
    services.cycle_close_leader(cycle=cycle, acting_user=users["hr-a"])
    services.cycle_grade(cycle=cycle, acting_user=users["hr-a"])
    first, second = Appraisal.objects.filter(cycle=cycle).order_by("pk")[:2]
    results = run_together([
        lambda: services.grade_change(appraisal=first, grade="excellent", reason="表现突出", acting_user=users["lead-a"]),
        lambda: services.grade_change(appraisal=second, grade="excellent", reason="表现突出", acting_user=users["lead-b"]),
    ])
    assert outcomes(results) == ["error", "ok"]
    assert Appraisal.objects.filter(cycle=cycle, grade="excellent").count() == 1
