"""The cycle end to end through its services, and the rules each step keeps."""

from datetime import date
from decimal import Decimal

import pytest

from hrflow.appraisal import services
from hrflow.appraisal.models import Appraisal, Cycle, PeerAssignment, PeerRating, SchoolCycle
from hrflow.appraisal.services import AppraisalError
from hrflow.org.models import OrgUnit
from hrflow.people.models import Staff

DIMS = Appraisal.DIMENSIONS


def self_all(cycle, score=80):
    for a in Appraisal.objects.filter(cycle=cycle).select_related("staff__person__user"):
        services.self_evaluate(appraisal=a, scores={d: score for d in DIMS}, summary="全年完成食堂工作", acting_user=a.staff.person.user)


def rate_all(cycle, score_of=lambda a: 80):
    for asg in PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user", "appraisal"):
        services.peer_rate(assignment=asg, score=score_of(asg.appraisal), acting_user=asg.rater.person.user)


def committee(school, user, staff):
    for i, s in enumerate(staff[:3]):
        services.committee_add(school=school, staff=s, staff_rep=(i == 0), acting_user=user("hr"))


def to_leader(cycle, user, score_of=lambda a: 80):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    self_all(cycle)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    rate_all(cycle, score_of)
    services.cycle_close_peer(cycle=cycle, acting_user=hr)


def leader_all(cycle, user, score_of=lambda a: Decimal("90")):
    sc = SchoolCycle.objects.get(cycle=cycle)
    scores = {a.pk: (score_of(a), "", None) for a in Appraisal.objects.filter(cycle=cycle)}
    services.leader_scores(school_cycle=sc, scores=scores, acting_user=user("leader"))


def test_opening_enrols_the_school_and_assigns_raters_never_oneself(cycle, user, small_school):
    n = services.cycle_open(cycle=cycle, acting_user=user("hr"))
    assert n == 7
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.SELF
    assert SchoolCycle.objects.get(cycle=cycle).enrolled == 7
    pairs = list(PeerAssignment.objects.filter(appraisal__cycle=cycle).values_list("appraisal__staff_id", "rater_id"))
    assert len(pairs) == 7 * 4
    assert all(rated != rater for rated, rater in pairs)
    raters_per_person = {}
    for rated, rater in pairs:
        raters_per_person.setdefault(rater, 0)
        raters_per_person[rater] += 1
    assert set(raters_per_person.values()) == {4}  # everyone rates as many as rate them


def test_a_peer_rating_names_no_rater_and_its_history_no_user(cycle, user):
    to_leader(cycle, user)
    rating = PeerRating.objects.filter(appraisal__cycle=cycle).first()
    field_names = {f.name for f in PeerRating._meta.get_fields()}
    assert not field_names & {"rater", "user", "created_by"}
    record = rating.history.first()
    assert record.history_user_id is None
    assert (record.history_date.hour, record.history_date.minute) in {(16, 0), (0, 0)}  # the day only (midnight in Shanghai)
    assert not hasattr(record, "token")


def test_a_rater_changes_their_own_rating_without_adding_one(cycle, user):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    asg = PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user").first()
    services.peer_rate(assignment=asg, score="70", acting_user=asg.rater.person.user)
    services.peer_rate(assignment=asg, score="75.5", acting_user=asg.rater.person.user)
    ratings = PeerRating.objects.filter(appraisal=asg.appraisal)
    assert [r.score for r in ratings] == [Decimal("75.50")]
    assert services.own_rating(asg).score == Decimal("75.50")


@pytest.mark.parametrize("score", ["101", "-1", "NaN", "1e2", "80.123", "", "八十"])
def test_a_bad_peer_score_is_refused_and_writes_nothing(cycle, user, score):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    asg = PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user").first()
    with pytest.raises(AppraisalError):
        services.peer_rate(assignment=asg, score=score, acting_user=asg.rater.person.user)
    assert not PeerRating.objects.filter(appraisal__cycle=cycle).exists()


def test_someone_else_cannot_rate_in_the_raters_place(cycle, user):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    asg = PeerAssignment.objects.filter(appraisal__cycle=cycle).first()
    with pytest.raises(AppraisalError):
        services.peer_rate(assignment=asg, score="90", acting_user=hr)


def test_peer_evaluation_does_not_close_while_a_rater_has_neither_answered_nor_been_excused(cycle, user):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    pending = PeerAssignment.objects.filter(appraisal__cycle=cycle).first()
    for asg in PeerAssignment.objects.filter(appraisal__cycle=cycle).exclude(pk=pending.pk).select_related("rater__person__user"):
        services.peer_rate(assignment=asg, score="80", acting_user=asg.rater.person.user)
    with pytest.raises(AppraisalError, match="1"):
        services.cycle_close_peer(cycle=cycle, acting_user=hr)
    with pytest.raises(AppraisalError):  # excusing needs a written reason
        services.rater_excuse(assignment=pending, reason="  ", acting_user=hr)
    services.rater_excuse(assignment=pending, reason="近亲属回避（INST-RECUSAL）", acting_user=hr)
    services.cycle_close_peer(cycle=cycle, acting_user=hr)
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.LEADER


def test_an_answered_rating_is_never_withdrawn_by_excusing_its_rater(cycle, user):
    """Withdrawing it beside the excusal would tell the change log whose rating it was."""
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    asg = PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user").first()
    services.peer_rate(assignment=asg, score="60", acting_user=asg.rater.person.user)
    with pytest.raises(AppraisalError, match="已经评分|already answered"):
        services.rater_excuse(assignment=asg, reason="系被评议人配偶", acting_user=hr)
    asg.refresh_from_db()
    assert not asg.excused and asg.answered
    assert PeerRating.objects.filter(appraisal=asg.appraisal).count() == 1
    assert PeerRating.history.filter(history_type="-").count() == 0


def test_grades_keep_the_excellent_quota_and_send_a_tie_to_the_leaders(cycle, user, school, small_school):
    committee(school, user, small_school)
    to_leader(cycle, user)
    # All seven score the same composite above 85: the quota is 1 (7 × 20%), a tie of 7 at the cut.
    leader_all(cycle, user)
    hr = user("hr")
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    rows = list(Appraisal.objects.filter(cycle=cycle))
    # self 80, peer 80, leader 90: 0.1×80 + 0.3×80 + 0.6×90 = 86.00
    assert {a.composite for a in rows} == {Decimal("86.00")}
    assert all(a.tied and a.grade == "" for a in rows)
    sc = SchoolCycle.objects.get(cycle=cycle)
    leader = user("leader")
    with pytest.raises(AppraisalError, match="同分"):
        services.school_approve(school_cycle=sc, note="", acting_user=leader)
    with pytest.raises(AppraisalError):
        services.tie_decide(school_cycle=sc, group="", excellent_ids=[rows[0].pk, rows[1].pk], reason="工作量最大", acting_user=leader)
    services.tie_decide(school_cycle=sc, group="", excellent_ids=[rows[0].pk], reason="工作量最大", acting_user=leader)
    grades = dict(Appraisal.objects.filter(cycle=cycle).values_list("pk", "grade"))
    assert grades[rows[0].pk] == "excellent"
    assert sorted(grades.values()).count("competent") == 6
    with pytest.raises(AppraisalError, match="优秀"):
        services.grade_change(appraisal=rows[1], grade="excellent", reason="表现突出", acting_user=leader)
    services.school_approve(school_cycle=sc, note="同意", acting_user=leader)
    services.cycle_publish(cycle=cycle, acting_user=hr)
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.PUBLISHED and cycle.results_visible


def test_someone_lacking_a_part_waits_for_the_committee_and_is_never_scored_as_zero(cycle, user, school, small_school):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    first = Appraisal.objects.filter(cycle=cycle).order_by("id").first()
    for a in Appraisal.objects.filter(cycle=cycle).exclude(pk=first.pk).select_related("staff__person__user"):
        services.self_evaluate(appraisal=a, scores={d: 70 for d in DIMS}, summary="总结", acting_user=a.staff.person.user)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    rate_all(cycle)
    services.cycle_close_peer(cycle=cycle, acting_user=hr)
    leader_all(cycle, user, lambda a: Decimal("70"))
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    with pytest.raises(AppraisalError, match=first.staff.person.name):
        services.cycle_grade(cycle=cycle, acting_user=hr)
    with pytest.raises(AppraisalError, match="委员会|committee"):
        services.scoring_decide(appraisal=first, scoring="renormalised", note="病假未自评，按其余两项折算", acting_user=hr)
    committee(school, user, small_school)
    whole = Appraisal.objects.filter(cycle=cycle).exclude(pk=first.pk).select_related("staff__person").first()
    for how in ("renormalised", "not_graded"):  # someone lacking nothing is scored with the cycle's weights
        with pytest.raises(AppraisalError, match=whole.staff.person.name):
            services.scoring_decide(appraisal=whole, scoring=how, note="误操作", acting_user=hr)
    services.scoring_decide(appraisal=first, scoring="renormalised", note="病假未自评，按其余两项折算", acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    first.refresh_from_db()
    # peer 80 (weight 30), leader 70 (weight 60), re-normalised over 90: (2400 + 4200) / 90 = 73.33
    assert first.composite == Decimal("73.33")
    assert first.scoring == "renormalised" and "折算" in first.scoring_note


def test_a_vetoed_appraisal_is_incompetent_whatever_its_scores_and_cannot_be_changed(cycle, user, school, small_school):
    to_leader(cycle, user, lambda a: 95)
    leader_all(cycle, user, lambda a: Decimal("99"))
    vetoed = Appraisal.objects.filter(cycle=cycle).order_by("id").first()
    Appraisal.objects.filter(pk=vetoed.pk).update(vetoed=True)  # the veto service is issue 11's next step
    hr = user("hr")
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    vetoed.refresh_from_db()
    assert vetoed.grade == "incompetent" and vetoed.grade_source == "veto"
    with pytest.raises(AppraisalError, match="VETO-GRADE"):
        services.grade_change(appraisal=vetoed, grade="competent", reason="情有可原", acting_user=user("leader"))


def test_a_leaders_return_is_regraded_and_approved_again(cycle, user, school, small_school):
    to_leader(cycle, user, lambda a: 70 + a.pk % 7)
    leader_all(cycle, user, lambda a: Decimal(60 + a.pk % 11))
    hr, leader = user("hr"), user("leader")
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    sc = SchoolCycle.objects.get(cycle=cycle)
    services.school_return(school_cycle=sc, reason="领导评分有误，需重新评分", acting_user=leader)
    with pytest.raises(AppraisalError):
        services.cycle_publish(cycle=cycle, acting_user=hr)
    services.school_regrade(school_cycle=sc, acting_user=hr)
    sc.refresh_from_db()
    assert sc.state == SchoolCycle.State.GRADED
    services.school_approve(school_cycle=sc, note="", acting_user=leader)
    services.cycle_publish(cycle=cycle, acting_user=hr)


def test_post_groups_graded_apart_have_their_own_quota_and_tie(cycle, user, school, small_school):
    # Two of the seven move to management posts; the cycle grades the groups apart.
    from hrflow.people.models import Staff

    Staff.objects.filter(pk__in=[s.pk for s in small_school[:2]]).update(post_category="management")
    Cycle.objects.filter(pk=cycle.pk).update(separate_groups=True)
    cycle.refresh_from_db()
    committee(school, user, small_school)
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    self_all(cycle)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    rate_all(cycle, lambda a: 95)
    services.cycle_close_peer(cycle=cycle, acting_user=hr)
    leader_all(cycle, user, lambda a: Decimal("95"))
    committee_decides = Appraisal.objects.filter(cycle=cycle, post_group="management")
    for a in committee_decides:  # two in a group: one rater each, below the 3 answers a peer result needs
        services.scoring_decide(appraisal=a, scoring="renormalised", note="同组仅2人，按自评和领导评价折算", acting_user=hr)
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    management = list(Appraisal.objects.filter(cycle=cycle, post_group="management"))
    service = list(Appraisal.objects.filter(cycle=cycle, post_group="service"))
    # Management: 2 × 20% = no place, so both are 合格 whatever their score; service: 5 × 20% = 1 place, five tied.
    assert [a.grade for a in management] == ["competent", "competent"]
    assert all(a.tied for a in service)
    sc = SchoolCycle.objects.get(cycle=cycle)
    services.tie_decide(school_cycle=sc, group="service", excellent_ids=[service[0].pk], reason="工作量最大", acting_user=user("leader"))
    assert Appraisal.objects.filter(cycle=cycle, grade="excellent").count() == 1


def test_fewer_than_three_answers_never_make_a_peer_result(cycle):
    config = services.CycleSettings.defaults()
    config.min_raters = 2
    with pytest.raises(AppraisalError):
        config.check()


def test_nobody_scores_or_grades_their_own_appraisal(cycle, user, small_school):
    """INST-RECUSAL: a leader enrolled in the cycle cannot score themselves."""
    leader = user("leader")
    to_leader(cycle, user)
    own = Appraisal.objects.filter(cycle=cycle).order_by("pk").first()
    from hrflow.people.models import Person

    Person.objects.filter(user=leader).update(user=None)
    Person.objects.filter(pk=own.staff.person_id).update(user=leader)
    sc = SchoolCycle.objects.get(cycle=cycle)
    with pytest.raises(AppraisalError, match="INST-RECUSAL"):
        services.leader_scores(school_cycle=sc, scores={own.pk: (Decimal("100"), "", None)}, acting_user=leader)
    assert Appraisal.objects.get(pk=own.pk).leader_score is None


def test_a_page_of_leader_scores_opened_before_another_save_changes_nothing_it_did_not_see(cycle, user, school, small_school):
    """Two tabs (or two leaders): the page saved second must not blank the scores saved first."""
    to_leader(cycle, user)
    sc = SchoolCycle.objects.select_related("cycle").get(cycle=cycle)
    leader = user("leader")
    rows = list(Appraisal.objects.filter(cycle=cycle).order_by("pk"))
    seen = {a.pk: services.leader_version(a) for a in rows}  # both tabs open on empty scores
    services.leader_scores(school_cycle=sc, scores={a.pk: ("88", "", seen[a.pk]) for a in rows}, acting_user=leader)
    stale = {a.pk: ("", "", seen[a.pk]) for a in rows} | {rows[0].pk: ("70", "", seen[rows[0].pk])}
    with pytest.raises(AppraisalError, match=rows[0].staff.person.name):
        services.leader_scores(school_cycle=sc, scores=stale, acting_user=leader)
    assert set(Appraisal.objects.filter(cycle=cycle).values_list("leader_score", flat=True)) == {Decimal("88")}
    # A row left as it was shown is no change, whatever its version; a blank where a score was seen clears it.
    fresh = {a.pk: services.leader_version(a) for a in Appraisal.objects.filter(cycle=cycle)}
    services.leader_scores(school_cycle=sc, scores={rows[0].pk: ("", "", fresh[rows[0].pk]), rows[1].pk: ("88", "", "old")},
                           acting_user=leader)
    assert Appraisal.objects.get(pk=rows[0].pk).leader_score is None


def test_returned_grades_let_the_leaders_correct_their_scores_before_regrading(cycle, user, school, small_school):
    committee(school, user, small_school)
    to_leader(cycle, user)
    leader_all(cycle, user, lambda a: Decimal("70"))
    hr, leader = user("hr"), user("leader")
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    sc = SchoolCycle.objects.select_related("cycle").get(cycle=cycle)
    target = Appraisal.objects.filter(cycle=cycle).exclude(staff__person__user=leader).order_by("pk").first()
    with pytest.raises(AppraisalError):  # awaiting approval, not returned: the scores stand
        services.leader_scores(school_cycle=sc, scores={target.pk: ("95", "", None)}, acting_user=leader)
    services.school_return(school_cycle=sc, reason="领导评价有误，更正后重新评定", acting_user=leader)
    sc = SchoolCycle.objects.select_related("cycle").get(pk=sc.pk)
    services.leader_scores(school_cycle=sc, scores={target.pk: ("95", "更正", None)}, acting_user=leader)
    old = Appraisal.objects.get(pk=target.pk).composite
    services.school_regrade(school_cycle=sc, acting_user=hr)
    assert Appraisal.objects.get(pk=target.pk).composite > old


def test_a_school_is_appraised_once_for_a_period(cycle, user, school, small_school):
    """Neither a second cycle of the school nor its bureau's cycle enrols it again for an
    overlapping period: one incident would veto two appraisals, and staff would rate twice."""
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    config = services.CycleSettings.defaults()
    again = services.cycle_create(unit=school.unit, name="2026年度考核（重复）", kind=Cycle.Kind.ANNUAL, period_start=date(2026, 7, 1),
                                  period_end=date(2027, 6, 30), config=config, acting_user=hr)
    with pytest.raises(AppraisalError, match="2026年度考核"):
        services.cycle_open(cycle=again, acting_user=hr)
    assert not Appraisal.objects.filter(cycle=again).exists()
    term = services.cycle_create(unit=school.unit, name="聘期考核", kind=Cycle.Kind.TERM, period_start=date(2024, 1, 1),
                                 period_end=date(2026, 12, 31), config=config, acting_user=hr)
    assert services.cycle_open(cycle=term, acting_user=hr) == len(small_school)  # another kind of appraisal may overlap
    bureau_unit = school.unit.parent
    while bureau_unit.kind == OrgUnit.Kind.SCHOOL:
        bureau_unit = bureau_unit.parent
    wide = services.cycle_create(unit=bureau_unit, name="全市年度考核", kind=Cycle.Kind.ANNUAL, period_start=date(2026, 1, 1),
                                 period_end=date(2026, 12, 31), config=config, acting_user=user("bureau"))
    try:
        services.cycle_open(cycle=wide, acting_user=user("bureau"))
    except AppraisalError as error:  # nobody else in the bureau's scope: refused, saying why
        assert "重叠" in str(error) or "overlapping" in str(error)
    else:
        assert not Appraisal.objects.filter(cycle=wide, school=school).exists()
        assert Appraisal.objects.filter(cycle=wide).exists()
        assert "七中" in Cycle.history.filter(id=wide.pk).latest("history_id").history_change_reason


def test_raters_come_from_the_whole_school_unless_post_groups_are_graded_apart(user, school, small_school, today):
    """A post group of two could never reach the 3 answers a result needs; graded together, its
    members are rated by colleagues of the school."""
    manager = Staff.objects.filter(school=school, post_category="management", employment_type__in=["establishment", "contract"]).order_by("id").first()
    Staff.objects.filter(pk=manager.pk).update(status="active")
    for separate in (False, True):
        config = services.CycleSettings.defaults()
        config.peers_per_person, config.separate_groups = 4, separate
        c = services.cycle_create(unit=school.unit, name=f"考核{separate}", kind=Cycle.Kind.ANNUAL, period_start=date(2020 + separate, 1, 1),
                                  period_end=date(2020 + separate, 12, 31), config=config, acting_user=user("hr"))
        services.cycle_open(cycle=c, acting_user=user("hr"))
        raters = PeerAssignment.objects.filter(appraisal__cycle=c, appraisal__staff=manager).count()
        assert raters == (0 if separate else 4)
