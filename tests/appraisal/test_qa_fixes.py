"""What a fresh-clone tester found, kept: the refusals say what is wrong, a rating's day is shown as
a day, the people concerned are told, and the settings that could never give a result are refused."""

from datetime import date
from decimal import Decimal

import pytest

from hrflow.appraisal import services, veto
from hrflow.appraisal.models import Appraisal, Cycle, PeerAssignment, SchoolCycle
from hrflow.appraisal.services import AppraisalError
from hrflow.notifications.models import Notification

from .test_services import to_leader
from .test_veto import major_incident


def test_a_statement_and_declining_to_make_one_are_not_both_recorded(cycle, user, school, small_school):
    _incident, resp = major_incident(school, user, small_school[0])
    with pytest.raises(AppraisalError, match="不能同时|not both"):
        veto.statement_record(responsibility=resp, statement="当天本人休假", waived=True, acting_user=user("hr"))
    resp.refresh_from_db()
    assert not resp.statement and not resp.waived


def test_the_people_named_the_leaders_and_the_person_vetoed_are_told(cycle, user, school, small_school, today):
    target = small_school[0]
    incident, resp = major_incident(school, user, target)
    named = Notification.objects.filter(recipient=target.person.user, event_key=f"appraisal.named:{resp.pk}")
    assert named.exists() and incident.title in named.get().subject
    assert Notification.objects.filter(recipient=user("leader"), event_key__startswith=f"appraisal.incident-investigated:{incident.pk}").exists()
    services.cycle_open(cycle=cycle, acting_user=user("hr"))
    veto.statement_record(responsibility=resp, statement="", waived=True, acting_user=user("hr"))
    veto.incident_finalise(incident=incident, decision_note="经校长办公会研究认定", acting_user=user("leader"))
    assert Notification.objects.filter(recipient=target.person.user, event_key__startswith="appraisal.vetoed:").exists()


def test_an_appeal_decided_is_told_to_the_person_who_lodged_it(cycle, user, school, small_school, today):
    from .test_pay_appeals import published

    published(cycle, user, school, small_school)
    a = Appraisal.objects.filter(cycle=cycle).exclude(grade="").select_related("staff__person").first()
    services.appeal_lodge(appraisal=a, grounds="本人全年无差错，请求复核", acting_user=a.staff.person.user)
    services.appeal_decide(appraisal=a, grade=a.grade, decision="经委员会复核，维持原等次", acting_user=user("hr"))
    assert Notification.objects.filter(recipient=a.staff.person.user, event_key=f"appraisal.appeal-decided:{a.pk}").exists()


def test_scores_typed_in_full_width_digits_are_read_and_nul_characters_refused(cycle, user, school, small_school):
    to_leader(cycle, user)
    sc = SchoolCycle.objects.select_related("cycle").get(cycle=cycle)
    a = Appraisal.objects.filter(cycle=cycle).exclude(staff__person__user=user("leader")).select_related("staff__person").first()
    services.leader_scores(school_cycle=sc, scores={a.pk: ("８８．５", "", None)}, acting_user=user("leader"))
    assert Appraisal.objects.get(pk=a.pk).leader_score == Decimal("88.50")
    with pytest.raises(AppraisalError, match="NUL"):
        services.leader_scores(school_cycle=sc, scores={a.pk: ("90", "好\x00", None)}, acting_user=user("leader"))
    with pytest.raises(AppraisalError) as refused:
        services.leader_scores(school_cycle=sc, scores={a.pk: ("-1", "", None)}, acting_user=user("leader"))
    assert a.staff.person.name in str(refused.value) and "'-1'" not in str(refused.value)  # prose, not a repr
    assert Appraisal.objects.get(pk=a.pk).leader_score == Decimal("88.50")


@pytest.mark.parametrize("change, words", [
    ({"weight_self": 20}, "20 + 30 + 60"),
    ({"trim_from": 4}, "5"),
])
def test_settings_that_could_never_give_a_result_are_refused_in_words(user, school, small_school, today, change, words):
    config = services.CycleSettings.defaults()
    for key, value in change.items():
        setattr(config, key, value)
    with pytest.raises(AppraisalError, match=words.replace("+", r"\+")):
        services.cycle_create(unit=school.unit, name="设置有误", kind=Cycle.Kind.ANNUAL, period_start=date(2026, 1, 1),
                              period_end=date(2026, 12, 31), config=config, acting_user=user("hr"))


@pytest.mark.parametrize("start, due", [(date(1999, 1, 1), None), (date(2026, 1, 1), date(2020, 1, 1)), (date(2026, 1, 1), date(9999, 12, 31))])
def test_impossible_periods_and_due_days_are_refused(user, school, small_school, today, start, due):
    with pytest.raises(AppraisalError):
        services.cycle_create(unit=school.unit, name="日期有误", kind=Cycle.Kind.ANNUAL, period_start=start, period_end=date(start.year, 12, 31),
                              config=services.CycleSettings.defaults(), acting_user=user("hr"), due={"self_due": due} if due else None)
    assert not Cycle.objects.filter(name="日期有误").exists()


def test_a_peer_ratings_change_is_shown_by_its_day_without_a_time(cycle, user, small_school, login):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    asg = PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user").first()
    services.peer_rate(assignment=asg, score="77", acting_user=asg.rater.person.user)
    html = login("auditor").get("/audit/changes/?model=appraisal.peerrating").content.decode()
    assert "互评人（匿名）" in html and "00:00" not in html


def test_the_waiting_list_says_how_many_it_does_not_name(cycle, user, school, small_school, login, monkeypatch):
    from hrflow.appraisal import views

    from .test_services import rate_all

    monkeypatch.setattr(views, "GAPS_SHOWN", 2)
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)  # nobody self-evaluated: everyone lacks a part
    rate_all(cycle)
    services.cycle_close_peer(cycle=cycle, acting_user=hr)
    page = login("hr").get(f"/appraisal/cycles/{cycle.pk}/").content.decode()
    assert 'data-testid="gaps-more"' in page and str(len(small_school)) in page.split('data-testid="gaps-more"')[1][:200]
    assert "领导评价" not in page.split('data-testid="gaps"')[1].split("</ul>")[0]  # the leaders are still scoring: not a gap yet


def test_hr_excuses_every_pending_rater_of_the_school_at_once_and_answers_stay(cycle, user, school, small_school, login):
    from hrflow.appraisal.models import PeerRating

    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    given = PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user").first()
    services.peer_rate(assignment=given, score="81", acting_user=given.rater.person.user)
    sc = SchoolCycle.objects.get(cycle=cycle)
    client = login("hr")
    client.post(f"/appraisal/schools/{sc.pk}/act/excuse-pending/", {"reason": ""})  # no reason: nothing excused
    assert not PeerAssignment.objects.filter(appraisal__cycle=cycle).exclude(excused_reason="").exists()
    assert login("leader").post(f"/appraisal/schools/{sc.pk}/act/excuse-pending/", {"reason": "长期病假"}).status_code == 403
    client.post(f"/appraisal/schools/{sc.pk}/act/excuse-pending/", {"reason": "外出培训，无法参加测评"})
    pending = PeerAssignment.objects.filter(appraisal__cycle=cycle)
    assert pending.filter(excused_reason="").count() == 1 and pending.get(excused_reason="").pk == given.pk
    assert PeerRating.objects.filter(appraisal=given.appraisal).count() == 1
    services.cycle_close_peer(cycle=cycle, acting_user=hr)


def test_one_committee_decision_covers_everyone_waiting_for_one(cycle, user, school, small_school):
    from .test_services import committee, leader_all, rate_all

    committee(school, user, small_school)
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)  # nobody self-evaluated
    rate_all(cycle)
    services.cycle_close_peer(cycle=cycle, acting_user=hr)
    leader_all(cycle, user, lambda a: Decimal("75"))
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    sc = SchoolCycle.objects.get(cycle=cycle)
    with pytest.raises(AppraisalError):
        services.scoring_decide_waiting(school_cycle=sc, scoring="standard", note="x", acting_user=hr)
    n = services.scoring_decide_waiting(school_cycle=sc, scoring="renormalised", note="均未自评，按互评和领导评价折算", acting_user=hr)
    own = Appraisal.objects.filter(cycle=cycle, staff__person__user=hr).count()
    assert n == len(small_school) - own
    assert services.gaps(cycle)[1] == own
    if not own:
        services.cycle_grade(cycle=cycle, acting_user=hr)
        assert not Appraisal.objects.filter(cycle=cycle, composite__isnull=True).exists()


def test_the_report_counts_those_without_a_grade_and_names_them_by_what_they_are(cycle, user, school, small_school, login):
    from hrflow.appraisal import selectors

    from .test_pay_appeals import published

    published(cycle, user, school, small_school)
    Appraisal.objects.filter(pk=Appraisal.objects.filter(cycle=cycle).first().pk).update(grade="", scoring="not_graded")
    cycle.refresh_from_db()
    data = selectors.report(cycle, user("bureau"), [SchoolCycle.objects.get(cycle=cycle)])
    county = data["rollups"]["county"]
    assert len(county) == 1 and county[0]["total"] == len(small_school)
    last = county[0]["bars"][-1]
    assert last["grade"] == "none" and last["count"] == 1 and "不定等次" in str(last["label"])  # published: not "not yet graded"
    assert sum(b["count"] for b in county[0]["bars"]) == len(small_school)


def test_a_committee_member_does_not_count_on_their_own_appeal(cycle, user, school, small_school, today):
    from hrflow.appraisal.models import CommitteeMember

    from .test_pay_appeals import published

    published(cycle, user, school, small_school)  # a committee of three: small_school[0..2], [0] a staff representative
    member = small_school[1]
    a = Appraisal.objects.filter(cycle=cycle, staff=member).exclude(grade="").select_related("staff__person").first()
    services.appeal_lodge(appraisal=a, grounds="请求复核", acting_user=member.person.user)
    with pytest.raises(AppraisalError, match=member.person.name):  # two members left: too few to decide
        services.appeal_decide(appraisal=a, grade=a.grade, decision="维持", acting_user=user("hr"))
    services.committee_add(school=school, staff=small_school[3], staff_rep=False, acting_user=user("hr"))
    services.appeal_decide(appraisal=a, grade=a.grade, decision="维持原等次", acting_user=user("hr"))
    assert member.person.name in Appraisal.history.filter(id=a.pk).latest("history_id").history_change_reason
    assert CommitteeMember.objects.filter(committee__school=school).count() == 4


def test_returned_grades_bring_the_leader_back_to_the_scores(cycle, user, school, small_school, login):
    from .test_services import committee, leader_all

    committee(school, user, small_school)
    to_leader(cycle, user)
    leader_all(cycle, user)
    hr, leader = user("hr"), user("leader")
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    sc = SchoolCycle.objects.get(cycle=cycle)
    client = login("leader")
    assert 'data-testid="leader-scores"' not in client.get(f"/appraisal/schools/{sc.pk}/").content.decode()
    services.school_return(school_cycle=sc, reason="领导评价需更正", acting_user=leader)
    assert 'data-testid="leader-scores"' in client.get(f"/appraisal/schools/{sc.pk}/").content.decode()
    assert f"/appraisal/schools/{sc.pk}/leader-scores/" in client.get("/appraisal/tasks/").content.decode()


def test_a_veto_made_final_after_the_pay_run_was_approved_is_said_on_the_run(cycle, user, school, small_school, today):
    from hrflow.appraisal import pay
    from hrflow.appraisal.models import PayLine, PayRun

    from .test_pay_appeals import published, run_pay

    sc = published(cycle, user, school, small_school)
    pay.rate_save(school=school, post_category="", title="", education="", monthly=Decimal("100"), acting_user=user("hr"))
    run = run_pay(pay.pay_run_save(school_cycle=sc, values={"budget": Decimal("50000"), **pay.defaults(cycle)}, acting_user=user("hr")), user)
    pay.pay_run_approve(run=run, acting_user=user("leader"))
    target = small_school[1]
    paid = PayLine.objects.get(run=run, appraisal__staff=target).reward_amount
    incident, resp = major_incident(school, user, target)
    veto.statement_record(responsibility=resp, statement="", waived=True, acting_user=user("hr"))
    veto.incident_finalise(incident=incident, decision_note="经校长办公会研究认定", acting_user=user("leader"))
    run = PayRun.objects.get(pk=run.pk)
    assert run.state == PayRun.State.APPROVED  # locked: said, not rewritten
    assert target.person.name in run.message and str(paid) in run.message and "VETO-PAY" in run.message


def test_a_cycle_in_preparation_is_corrected_by_its_owner_and_fixed_once_open(cycle, user, login):
    client = login("hr")
    page = client.get(f"/appraisal/cycles/{cycle.pk}/edit/")
    assert page.status_code == 200 and "2026年度考核" in page.content.decode()
    assert 'value="2026-01-01"' in page.content.decode()  # a date input shows the stored day (ISO), not an empty box
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(name="2026年度考核（更正）", peers_per_person=6, separate_groups="")
    response = client.post(f"/appraisal/cycles/{cycle.pk}/edit/", data, follow=True)
    cycle.refresh_from_db()
    assert (cycle.name, cycle.peers_per_person, cycle.unit.kind) == ("2026年度考核（更正）", 6, "school"), response.content.decode()[:3000]
    assert login("hr2").get(f"/appraisal/cycles/{cycle.pk}/edit/").status_code == 403
    data.update(weight_self=50)
    client.post(f"/appraisal/cycles/{cycle.pk}/edit/", data)
    assert Cycle.objects.get(pk=cycle.pk).weight_self == 10  # refused, in words, nothing saved
    services.cycle_open(cycle=cycle, acting_user=user("hr"))
    assert client.get(f"/appraisal/cycles/{cycle.pk}/edit/").status_code == 302
    client.post(f"/appraisal/cycles/{cycle.pk}/edit/", {**data, "weight_self": 10, "name": "改名"})
    assert Cycle.objects.get(pk=cycle.pk).name == "2026年度考核（更正）"


def test_a_new_pay_rate_and_a_new_committee_write_one_history_row_each_with_user_and_reason(school, small_school, user):
    from hrflow.appraisal import pay
    from hrflow.appraisal.models import BasePayRate, Committee

    rate = pay.rate_save(school=school, post_category="", title="高级工", education="", monthly=Decimal("500"), acting_user=user("hr"))
    assert [(h.history_type, h.history_user, bool(h.history_change_reason)) for h in BasePayRate.history.filter(id=rate.pk)] == [("+", user("hr"), True)]
    services.committee_add(school=school, staff=small_school[0], staff_rep=True, acting_user=user("hr"))
    committee = Committee.objects.get(school=school)
    assert [(h.history_type, h.history_user, bool(h.history_change_reason)) for h in Committee.history.filter(id=committee.pk)] == [("+", user("hr"), True)]
