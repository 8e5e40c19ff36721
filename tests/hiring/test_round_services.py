"""A whole round through the services: every step, its refusals, its audit trail."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hrflow.contracts.models import Contract
from hrflow.core import clock
from hrflow.hiring import services, steps
from hrflow.hiring.models import Application, Finding, SelectionRound
from hrflow.people.models import Person, Staff

from .conftest import applicant, by_name

A = Application.State


def test_plan_needs_leadership_approval_before_publishing(planned_round, user):
    assert steps.open_step_names(planned_round) == ["submit_plan"]
    with pytest.raises(services.HiringError):
        services.round_publish(round=planned_round, acting_user=user("hr"))
    services.round_submit(round=planned_round, acting_user=user("hr"))
    assert steps.open_step_names(planned_round) == ["approve_plan"]
    services.round_reject(round=planned_round, acting_user=user("leader"), note="补充薪酬待遇")
    round = SelectionRound.objects.get(pk=planned_round.pk)
    assert round.state == "draft" and steps.open_step_names(round) == ["submit_plan"]
    services.round_submit(round=round, acting_user=user("hr"))
    services.round_approve(round=round, acting_user=user("leader"))
    assert steps.open_step_names(round) == ["publish"]


def test_online_application_validates_identity_and_refuses_duplicates_neutrally(open_round):
    post = open_round.posts.get(category="canteen")
    data = applicant("张三", date(1990, 1, 1), "M")
    application = services.application_submit(round=open_round, post=post, data=data)
    assert len(application.code) == 10 and application.birth_date == date(1990, 1, 1)
    with pytest.raises(Exception) as dup:
        services.application_submit(round=open_round, post=post, data=data)
    # Neutral: the refusal names no field, so it does not confirm that this ID number applied.
    assert dup.value.code == "application_not_accepted" and not hasattr(dup.value, "error_dict")
    with pytest.raises(Exception) as wrong:
        services.application_submit(round=open_round, post=post, data=dict(data, gender="F", name="李四"))
    assert "gender" in wrong.value.message_dict


def test_no_application_outside_the_window(open_round, today):
    today.set(date(2026, 6, 13))
    with pytest.raises(services.HiringError):
        services.application_submit(round=open_round, post=open_round.posts.first(), data=applicant("晚到", date(1990, 1, 1), "M"))


def test_applications_close_only_after_the_deadline(applied_round, today, user):
    today.set(date(2026, 6, 12))
    with pytest.raises(services.HiringError):
        services.round_close_applications(round=applied_round, acting_user=user("hr"))


def test_screening_stores_findings_with_clauses_and_sorts_applicants(screened_round):
    round = SelectionRound.objects.get(pk=screened_round.pk)
    assert round.state == "screening" and round.screening_status == "done"
    assert by_name(round, "戊厨师").state == A.EXCLUDED
    assert list(by_name(round, "戊厨师").findings.values_list("rule", "clause", "hard")) == [("ELIG-CRIMINAL", "三(三)", True)]
    old = by_name(round, "丁厨师")
    assert old.state == A.FLAGGED
    finding = old.findings.get()
    assert (finding.rule, finding.params["age"], finding.params["limit"]) == ("ELIG-AGE-M", 63, 60)
    assert by_name(round, "庚宿管").state == A.FLAGGED
    assert by_name(round, "甲厨师").state == A.ELIGIBLE
    assert Finding.history.filter(history_user__username="hr").count() == 3


def test_screening_review_override_and_exclusion(screened_round, user):
    hr = user("hr")
    with pytest.raises(services.HiringError):
        services.round_finish_screening(round=screened_round, acting_user=hr)
    hard = by_name(screened_round, "戊厨师").findings.get()
    with pytest.raises(services.HiringError):
        services.finding_override(finding=hard, reason="x", acting_user=hr)
    old = by_name(screened_round, "丁厨师")
    with pytest.raises(services.HiringError):
        services.finding_override(finding=old.findings.get(), reason="  ", acting_user=hr)
    services.finding_override(finding=old.findings.get(), reason="厨艺突出，身体健康，原则上可放宽", acting_user=hr)
    assert by_name(screened_round, "丁厨师").state == A.ELIGIBLE
    services.application_exclude(application=by_name(screened_round, "庚宿管"), reason="学历不符合宿管岗位要求", acting_user=hr)
    round = services.round_finish_screening(round=screened_round, acting_user=hr)
    assert round.state == "assessing" and steps.open_step_names(round) == ["assess"]


def assess(round, hr, scores):
    """scores: name -> (exam by rater A, exam by B, interview by A, interview by B)."""
    a = services.rater_add(round=round, name="评委甲", acting_user=hr)
    b = services.rater_add(round=round, name="评委乙", acting_user=hr)
    entries = []
    for name, (ea, eb, ia, ib) in scores.items():
        app = by_name(round, name)
        entries += [(app.pk, a.pk, "exam", Decimal(ea)), (app.pk, b.pk, "exam", Decimal(eb)),
                    (app.pk, a.pk, "interview", Decimal(ia)), (app.pk, b.pk, "interview", Decimal(ib))]
    services.scores_save(round=round, entries=entries, acting_user=hr, reason="评分表录入")
    return a, b


@pytest.fixture
def assessed_round(screened_round, user, today):
    hr = user("hr")
    services.finding_override(finding=by_name(screened_round, "丁厨师").findings.get(), reason="经验丰富", acting_user=hr)
    services.application_exclude(application=by_name(screened_round, "庚宿管"), reason="学历不符", acting_user=hr)
    round = services.round_finish_screening(round=screened_round, acting_user=hr)
    assess(round, hr, {
        "甲厨师": ("80", "84", "90", "88"),  # 82, 89 -> 86.2
        "乙厨师": ("90", "90", "85", "85"),  # 90, 85 -> 87.0
        "丙厨师": ("70", "70", "80", "80"),  # 70, 80 -> 76.0
        "丁厨师": ("85", "85", "85", "87"),  # 85, 86 -> 85.6
        "己宿管": ("75", "75", "75", "75"),
    })
    round = services.round_finish_assessment(round=round, acting_user=hr)
    today.set(date(2026, 6, 22))  # examinations on the 20th, the meeting on the 22nd
    return round


def test_ranking_weights_and_calls_the_best_to_examinations(assessed_round):
    round = assessed_round
    assert (by_name(round, "乙厨师").total_score, by_name(round, "乙厨师").rank) == (Decimal("87.00"), 1)
    assert (by_name(round, "甲厨师").total_score, by_name(round, "甲厨师").rank) == (Decimal("86.20"), 2)
    assert by_name(round, "丁厨师").rank == 3 and by_name(round, "丙厨师").rank == 4
    assert sorted(round.applications.filter(state=A.EXAMINING).values_list("name", flat=True)) == ["乙厨师", "己宿管", "甲厨师"]


def test_recused_rater_cannot_score(screened_round, user):
    hr = user("hr")
    services.finding_override(finding=by_name(screened_round, "丁厨师").findings.get(), reason="经验丰富", acting_user=hr)
    services.application_exclude(application=by_name(screened_round, "庚宿管"), reason="学历不符", acting_user=hr)
    round = services.round_finish_screening(round=screened_round, acting_user=hr)
    rater = services.rater_add(round=round, name="评委丙", acting_user=hr)
    target = by_name(round, "甲厨师")
    services.recusal_record(rater=rater, application=target, reason="近亲属", acting_user=hr)
    with pytest.raises(services.HiringError):
        services.scores_save(round=round, entries=[(target.pk, rater.pk, "exam", Decimal("80"))], acting_user=hr, reason="x")


def test_failed_examination_moves_the_next_in_rank_up(assessed_round, user):
    hr = user("hr")
    first = by_name(assessed_round, "乙厨师")
    services.examination_record(application=first, kind="medical", passed=False, place="市一医院", held_on=date(2026, 6, 20),
                                notes="传染病筛查阳性", refutes_attestation=True, acting_user=hr)
    assert by_name(assessed_round, "乙厨师").state == A.FAILED_EXAMINATION
    assert by_name(assessed_round, "丁厨师").state == A.EXAMINING  # rank 3 moves up


def examine_all(round, hr):
    while round.applications.filter(state=A.EXAMINING).exists():
        for app in round.applications.filter(state=A.EXAMINING):
            for kind in ("medical", "background"):
                services.examination_record(application=app, kind=kind, passed=True, place="市一医院", held_on=clock.today(),
                                            notes="", refutes_attestation=False, acting_user=hr)
    return services.round_finish_examination(round=round, acting_user=hr)


MEMBERS = [{"name": n, "attended": True, "recused": False, "recusal_reason": ""} for n in ("王校长", "李书记", "赵副校长", "钱主任", "孙主任")]


def test_review_quorum_and_majority_of_all_members(assessed_round, user, today):
    round = examine_all(assessed_round, user("hr"))
    agenda = services.review_agenda(round)
    assert {i["application"].name for i in agenda} == {"乙厨师", "甲厨师", "己宿管"}
    absent = [dict(m, attended=i < 3) for i, m in enumerate(MEMBERS)]  # 3 of 5 present: below two thirds
    review = services.review_record(round=round, held_at=timezone.make_aware(datetime(2026, 6, 22, 9)), place="会议室",
                                    minutes="研究拟聘人员", members=absent,
                                    votes={i["key"]: (3, 0, 0) for i in agenda}, acting_user=user("leader"))
    assert not review.quorum_met and not any(item.passed for item in review.items.all())
    round = SelectionRound.objects.get(pk=round.pk)
    assert round.state == "examining" and steps.open_step_names(round) == ["examine"]


def full_review(round, leader, votes=(4, 1, 0), overrides=None):
    agenda = services.review_agenda(round)
    cast = {i["key"]: (overrides or {}).get(i["key"], votes) for i in agenda}
    return services.review_record(round=round, held_at=timezone.make_aware(datetime(2026, 6, 22, 9)), place="会议室",
                                  minutes="集体研究拟聘人员", members=MEMBERS, votes=cast, acting_user=leader)


def test_three_of_five_is_not_more_than_half_is_it(assessed_round, user):
    round = examine_all(assessed_round, user("hr"))
    review = full_review(round, user("leader"), votes=(3, 2, 0))
    assert all(item.passed for item in review.items.all())  # 3 > 2.5


def test_override_must_be_confirmed_for_the_hire_to_stand(assessed_round, user):
    hr = user("hr")
    first = by_name(assessed_round, "乙厨师")
    services.examination_record(application=first, kind="medical", passed=False, place="市一医院", held_on=date(2026, 6, 20),
                                notes="", refutes_attestation=False, acting_user=hr)
    round = examine_all(assessed_round, hr)
    agenda = services.review_agenda(round)
    override = next(i for i in agenda if i["finding"] is not None)
    assert override["application"].name == "丁厨师"
    full_review(round, user("leader"), overrides={override["key"]: (2, 3, 0)})
    assert by_name(round, "丁厨师").state == A.NOT_SELECTED
    assert Finding.objects.get(pk=override["finding"].pk).confirmed is False
    assert by_name(round, "甲厨师").state == A.APPROVED


@pytest.fixture
def publicised_round(assessed_round, user, today):
    round = examine_all(assessed_round, user("hr"))
    full_review(round, user("leader"))
    return services.publicity_start(round=round, starts_on=date(2026, 6, 24), acting_user=user("hr")).round


def test_publicity_counts_working_days_and_takes_objections(publicised_round, today, user):
    publicity = services.current_publicity(publicised_round)
    assert (publicity.starts_on, publicity.working_days, publicity.ends_on) == (date(2026, 6, 24), 7, date(2026, 7, 2))
    today.set(date(2026, 6, 25))
    target = by_name(publicised_round, "甲厨师")
    objection = services.objection_file(publicity=publicity, application=target, filed_by="匿名群众", contact="138", text="曾有违规经营记录")
    with pytest.raises(services.HiringError):
        services.round_finish_publicity(round=publicised_round, acting_user=user("hr"))
    today.set(date(2026, 7, 3))
    with pytest.raises(services.HiringError):
        services.round_finish_publicity(round=publicised_round, acting_user=user("hr"))  # objection still open
    services.objection_resolve(objection=objection, upheld=False, resolution="经核查无此事", acting_user=user("hr"))
    round = services.round_finish_publicity(round=publicised_round, acting_user=user("hr"))
    assert round.state == "hiring" and steps.open_step_names(round) == ["hire"]


def test_upheld_objection_withdraws_and_the_next_in_rank_is_called(publicised_round, today, user):
    publicity = services.current_publicity(publicised_round)
    today.set(date(2026, 6, 25))
    objection = services.objection_file(publicity=publicity, application=by_name(publicised_round, "甲厨师"),
                                        filed_by="群众", contact="139", text="学历造假")
    services.objection_resolve(objection=objection, upheld=True, resolution="经核实学历证书系伪造", acting_user=user("hr"))
    assert by_name(publicised_round, "甲厨师").state == A.WITHDRAWN
    today.set(date(2026, 7, 3))
    round = services.round_finish_publicity(round=publicised_round, acting_user=user("hr"), propose_next=True)
    assert round.state == "examining" and steps.open_step_names(round) == ["examine"]
    assert by_name(round, "丁厨师").state == A.EXAMINING


def test_no_objection_after_the_period(publicised_round, today):
    today.set(date(2026, 7, 3))
    with pytest.raises(services.HiringError):
        services.objection_file(publicity=services.current_publicity(publicised_round),
                                application=by_name(publicised_round, "甲厨师"), filed_by="x", contact="y", text="z")


@pytest.fixture
def hiring_round(publicised_round, today, user):
    today.set(date(2026, 7, 3))
    return services.round_finish_publicity(round=publicised_round, acting_user=user("hr"))


def test_hire_creates_staff_and_a_draft_contract_and_closes_the_round(hiring_round, user):
    hr = user("hr")
    for name in ("乙厨师", "甲厨师", "己宿管"):
        staff = services.application_hire(application=by_name(hiring_round, name), acting_user=hr)
        assert staff.school == hiring_round.school and staff.status == "active"
    cook = by_name(hiring_round, "乙厨师").staff
    contract = Contract.objects.get(staff=cook)
    assert (contract.kind, contract.state, contract.term_months, contract.probation_months) == ("labour", "draft", 36, 6)
    round = services.round_close(round=hiring_round, acting_user=hr)
    assert round.state == "closed" and steps.open_step_names(round) == []
    assert by_name(round, "丙厨师").state == A.NOT_SELECTED  # ranked, never called


def test_hire_is_refused_twice_and_beyond_headcount(hiring_round, user):
    hr = user("hr")
    services.application_hire(application=by_name(hiring_round, "乙厨师"), acting_user=hr)
    with pytest.raises(services.HiringError):
        services.application_hire(application=by_name(hiring_round, "乙厨师"), acting_user=hr)
    assert Staff.objects.filter(person__name="乙厨师").count() == 1


def test_round_cannot_close_with_unfilled_places_but_can_end(hiring_round, user):
    with pytest.raises(services.HiringError):
        services.round_close(round=hiring_round, acting_user=user("hr"))
    round = services.round_end(round=hiring_round, reason="经费调整，停止聘用", acting_user=user("hr"))
    assert round.state == "ended" and steps.open_step_names(round) == []
    assert by_name(round, "甲厨师").state == A.NOT_SELECTED
    assert by_name(round, "甲厨师").history.latest("history_date").history_change_reason.endswith("经费调整，停止聘用")


def with_id_of(application, staff):
    # Test set-up: the applicant is someone HRflow already knows under this ID number.
    Application.objects.filter(pk=application.pk).update(id_number=staff.person.id_number, gender=staff.person.sex)
    return Application.objects.get(pk=application.pk)


def test_hire_of_someone_employed_elsewhere_needs_a_transfer_and_keeps_their_record(hiring_round, user, other_school):
    hr = user("hr")
    elsewhere = Staff.objects.filter(school=other_school, status="active").select_related("person").first()
    person = elsewhere.person
    before = (person.name, person.education, person.phone, person.cadre, person.history.count())
    application = with_id_of(by_name(hiring_round, "乙厨师"), elsewhere)
    with pytest.raises(services.OverlapNotAcknowledged):
        services.application_hire(application=application, acting_user=hr)
    with pytest.raises(services.HiringError):  # a second employment is not allowed by default
        services.application_hire(application=application, acting_user=hr, link="new", reason="兼职")
    staff = services.application_hire(application=application, acting_user=hr, link="transfer", reason="调入本校食堂")
    assert staff.person == person and staff.title == ""
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.name, fresh.education, fresh.phone, fresh.cadre, fresh.history.count()) == before
    assert Staff.objects.get(pk=elsewhere.pk).status == "exiting"
    assert staff.attestation.criminal_record == application.criminal_record


def test_someone_already_working_at_the_school_is_not_hired_again(hiring_round, user, staff_member):
    application = with_id_of(by_name(hiring_round, "乙厨师"), staff_member)
    with pytest.raises(services.HiringError):
        services.application_hire(application=application, acting_user=user("hr"), acknowledge_overlap=True)


# --- No legal period can be backdated or skipped (issue 7, class 2) ---------------------------

def test_a_plan_cannot_open_in_the_past_nor_take_an_earlier_reference_date(school, user, today):
    from .conftest import PLAN, POSTS

    today.set(date(2026, 6, 2))
    for change, field in ((dict(opens_on=date(2026, 6, 1)), "opens_on"), (dict(reference_date=date(2026, 6, 1)), "reference_date"),
                          (dict(reference_date=date(2026, 6, 13)), "reference_date")):
        with pytest.raises(ValidationError) as refused:
            services.round_create(school=school, data={**PLAN, "opens_on": date(2026, 6, 2), **change}, posts=[dict(p) for p in POSTS],
                                  acting_user=user("hr"))
        assert field in refused.value.message_dict
    assert not SelectionRound.objects.filter(title=PLAN["title"]).exists()


def test_an_approved_plan_whose_window_has_begun_is_revised_not_announced(planned_round, user, today):
    hr = user("hr")
    services.round_submit(round=planned_round, acting_user=hr)
    services.round_approve(round=planned_round, acting_user=user("leader"))
    today.set(date(2026, 6, 3))  # approved late: the window opened on the 1st
    with pytest.raises(services.HiringError):
        services.round_publish(round=planned_round, acting_user=hr)
    round = services.round_revise(round=planned_round, acting_user=hr, reason="报名时间顺延")
    assert round.state == "draft" and steps.open_step_names(round) == ["submit_plan"]


def test_examination_dates_are_neither_in_the_future_nor_before_the_call(assessed_round, user, today):
    first = by_name(assessed_round, "乙厨师")
    for held_on in (date(2026, 6, 23), date(2026, 6, 12)):  # tomorrow; before the call on the 13th
        with pytest.raises(services.HiringError):
            services.examination_record(application=first, kind="medical", passed=True, place="市一医院", held_on=held_on,
                                        notes="", refutes_attestation=False, acting_user=user("hr"))
    assert not first.examinations.exists()


def test_a_review_is_recorded_after_it_met_with_enough_members(assessed_round, user, today):
    round = examine_all(assessed_round, user("hr"))
    agenda = services.review_agenda(round)
    votes = {i["key"]: (2, 0, 0) for i in agenda}
    attempts = [
        (timezone.make_aware(datetime(2026, 6, 23, 9)), MEMBERS),  # tomorrow
        (timezone.make_aware(datetime(2026, 6, 19, 9)), MEMBERS),  # before the examinations of the 20th
        (timezone.make_aware(datetime(2026, 6, 22, 9)), MEMBERS[:2]),  # two people are no collective
    ]
    for held_at, members in attempts:
        with pytest.raises(services.HiringError):
            services.review_record(round=round, held_at=held_at, place="会议室", minutes="研究", members=members,
                                   votes=votes, acting_user=user("leader"))
    assert not round.reviews.exists() and SelectionRound.objects.get(pk=round.pk).state == "reviewing"


def test_the_publicity_cannot_start_before_the_day_it_is_published(assessed_round, user, today):
    round = examine_all(assessed_round, user("hr"))
    full_review(round, user("leader"))
    with pytest.raises(services.HiringError):
        services.publicity_start(round=round, starts_on=date(2026, 6, 21), acting_user=user("hr"))
    assert not round.publicities.exists() and SelectionRound.objects.get(pk=round.pk).state == "reviewed"
