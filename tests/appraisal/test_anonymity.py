"""Peer ratings are anonymous in every page, export, history view and the change log; the peer
result shows only as an aggregate of at least the cycle's fewest answers; seeing who rated whom is
an explicit right, logged each time."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, TestCase

from hrflow.appraisal import services
from hrflow.appraisal.models import Appraisal, PeerAssignment, PeerRating, RaterReveal, SchoolCycle
from hrflow.exports.models import ExportJob
from hrflow.exports.services import start_export

from .test_services import committee, leader_all, self_all

# Scores no other number on the pages can be: a leak of one shows as its text.
DISTINCT = [Decimal("61.17"), Decimal("72.39"), Decimal("88.53"), Decimal("93.71")]


def as_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_no_page_shows_a_single_peer_score(cycle, user, school, small_school, login):
    committee(school, user, small_school)
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    self_all(cycle)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    target = Appraisal.objects.get(cycle=cycle, staff=small_school[0])
    assignments = list(PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user", "appraisal"))
    given = iter(DISTINCT)
    for asg in assignments:
        score = next(given) if asg.appraisal_id == target.pk else Decimal("75")
        services.peer_rate(assignment=asg, score=score, acting_user=asg.rater.person.user)
    services.cycle_close_peer(cycle=cycle, acting_user=hr)
    leader_all(cycle, user)
    services.cycle_close_leader(cycle=cycle, acting_user=hr)
    services.cycle_grade(cycle=cycle, acting_user=hr)
    sc = SchoolCycle.objects.get(cycle=cycle)
    tied = list(Appraisal.objects.filter(cycle=cycle, tied=True))
    if tied:
        services.tie_decide(school_cycle=sc, group="", excellent_ids=[t.pk for t in tied][:services.places_left(tied[0], cycle)],
                            reason="按工作量", acting_user=user("leader"))
    services.school_approve(school_cycle=sc, note="", acting_user=user("leader"))
    services.cycle_publish(cycle=cycle, acting_user=hr)
    target.refresh_from_db()
    # Four answers, trimmed from 5: the mean of all four, (61.17 + 72.39 + 88.53 + 93.71) / 4 = 78.95
    assert target.peer_count == 4 and target.peer_score == Decimal("78.95")

    pages = {
        "the rated person's own page": (as_client(small_school[0].person.user), "/appraisal/mine/"),
        "the leader's school page": (login("leader"), f"/appraisal/schools/{sc.pk}/"),
        "the leader's view of the appraisal and its history": (login("leader"), f"/appraisal/appraisals/{target.pk}/"),
        "HR's view of the appraisal": (login("hr"), f"/appraisal/appraisals/{target.pk}/"),
        "the report": (login("bureau"), f"/appraisal/cycles/{cycle.pk}/report/"),
        "the auditor's change log": (login("auditor"), "/audit/changes/?model=appraisal.peerrating"),
        "the auditor's change log of appraisals": (login("auditor"), "/audit/changes/?model=appraisal.appraisal"),
        "a rater's own page": (as_client(assignments[0].rater.person.user), "/appraisal/mine/"),
    }
    for what, (client, url) in pages.items():
        html = client.get(url).content.decode()
        for score in DISTINCT:
            assert str(score) not in html, f"{score} shown on {what}"
    mine = pages["the rated person's own page"][0].get("/appraisal/mine/").content.decode()
    assert "78.95" in mine  # the aggregate, with its count
    log = pages["the auditor's change log"][0].get("/audit/changes/?model=appraisal.peerrating").content.decode()
    assert "互评人（匿名）" in log and target.staff.person.name in log  # a rating's change names an anonymous rater, never a person


def test_the_change_log_export_names_no_rater_and_no_score(cycle, user, small_school, login):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    asg = PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user").first()
    services.peer_rate(assignment=asg, score=DISTINCT[2], acting_user=asg.rater.person.user)
    auditor = user("auditor")
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = start_export(user=auditor, kind="audit_changes", params={"filter": {"model_key": "appraisal.peerrating"}})
    job = ExportJob.objects.get(pk=job.pk)
    from openpyxl import load_workbook

    from hrflow.exports.services import export_dir

    workbook = load_workbook(export_dir() / job.file_name, read_only=True)
    text = "\n".join(str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    workbook.close()
    assert "88.53" not in text
    rater_name = asg.rater.person.name
    rating_rows = [line for line in text.splitlines() if "互评" in line or "peer rating" in line.lower()]
    assert rating_rows and not any(rater_name in line for line in rating_rows)


def test_a_peer_result_with_too_few_answers_is_not_shown(cycle, user, school, small_school):
    committee(school, user, small_school)
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    self_all(cycle)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    target = Appraisal.objects.get(cycle=cycle, staff=small_school[0])
    for asg in PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user"):
        if asg.appraisal_id == target.pk and PeerRating.objects.filter(appraisal=target).count() >= 2:
            services.rater_excuse(assignment=asg, reason="长期病假", acting_user=hr)
        else:
            services.peer_rate(assignment=asg, score=DISTINCT[0] if asg.appraisal_id == target.pk else 80, acting_user=asg.rater.person.user)
    assert PeerRating.objects.filter(appraisal=target).count() == 2  # below the 3 answers a result needs
    from hrflow.appraisal.selectors import peer_result

    target.peer_count, target.peer_score = 2, Decimal("61.17")
    assert peer_result(target) is None


def test_who_rated_whom_needs_the_explicit_right_and_each_look_is_logged(cycle, user, small_school, login):
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    asg = PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user").first()
    services.peer_rate(assignment=asg, score=DISTINCT[1], acting_user=asg.rater.person.user)
    url = f"/appraisal/appraisals/{asg.appraisal_id}/raters/"
    auditor_client = login("auditor")
    assert auditor_client.get(url).status_code == 403
    assert login("admin").get(url).status_code == 403  # a superuser's everything is not the right
    auditor = user("auditor")
    auditor.user_permissions.add(Permission.objects.get(codename="reveal_raters"))
    auditor_client = login("auditor")
    assert auditor_client.get(url).status_code == 200
    assert not RaterReveal.objects.exists()
    response = auditor_client.post(url, {"reason": "纪检部门调查举报（编号2026-17）"})
    html = response.content.decode()
    assert "72.39" in html and asg.rater.person.name in html
    log = RaterReveal.objects.get()
    assert log.auditor == auditor and "纪检" in log.reason
    assert "纪检" in auditor_client.get("/audit/changes/").content.decode()
    # Another school's auditor-less officer, with the right granted by mistake, still cannot look.
    hr2 = user("hr2")
    hr2.user_permissions.add(Permission.objects.get(codename="reveal_raters"))
    assert login("hr2").get(url).status_code == 403
