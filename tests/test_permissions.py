"""Every URL of the project, for every role: allowed (200) or forbidden (403).

A URL missing from EXPECTED fails the test, so a new page cannot ship without deciding who
may see it. hr2 is an HR officer of another school: the object pages of the first school
must refuse them (scope, not only role).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from hrflow.people.models import Staff
from tests.export_jobs import finished_export, notification_for

ROLES = ["anonymous", "hr", "hr2", "leader", "staff", "auditor", "bureau", "admin"]
OVERSIGHT = {"hr", "leader", "auditor", "bureau"}
EVERYONE = set(ROLES)

# URL name -> (the demo users who may GET it, the status they get). Everyone else
# authenticated gets 403, anonymous visitors are sent to the login page (302).
# An area's index redirects (302) to its first page; POST-only actions answer GET with 405.
EXPECTED = {
    "index": (EVERYONE - {"anonymous"}, 200),
    "login": (EVERYONE, 200),
    "logout": None,  # POST only; checked in test_logout
    "set_language": None,  # POST only; checked in tests/core/test_i18n.py
    "javascript-catalog": (EVERYONE, 200),
    "ping": (EVERYONE - {"anonymous"}, 200),
    "favicon": (EVERYONE, 301),
    "org:index": (OVERSIGHT | {"hr2"}, 302),
    "org:school_list": (OVERSIGHT | {"hr2"}, 200),
    "org:school_detail": (OVERSIGHT, 200),
    "org:compliance": (OVERSIGHT | {"hr2"}, 200),
    "org:school_search": (OVERSIGHT | {"hr2"}, 200),
    "org:compliance_export": (OVERSIGHT | {"hr2"}, 405),  # POST starts the export job
    "people:index": (OVERSIGHT | {"hr2", "staff"}, 302),
    "people:staff_list": (OVERSIGHT | {"hr2"}, 200),
    "people:staff_create": ({"hr", "hr2"}, 200),
    "people:staff_detail": (OVERSIGHT, 200),
    "people:staff_edit": ({"hr"}, 200),
    "people:staff_transition": ({"hr"}, 200),
    "people:me": ({"staff"}, 200),
    "hiring:index": (OVERSIGHT | {"hr2"}, 302),
    "hiring:tasks": (OVERSIGHT | {"hr2"}, 200),
    "hiring:round_list": (OVERSIGHT | {"hr2"}, 200),
    "hiring:round_create": ({"hr", "hr2"}, 200),
    "hiring:round_detail": (OVERSIGHT, 200),
    "hiring:round_edit": ({"hr"}, 302),  # the round is past its draft: back to the round with a message
    "hiring:round_action": ({"hr"}, 405),
    "hiring:import": ({"hr"}, 200),
    "hiring:import_template": ({"hr"}, 200),
    "hiring:scores": ({"hr"}, 200),
    "hiring:rater_add": ({"hr"}, 405),
    "hiring:recusal_add": ({"hr"}, 405),
    "hiring:review": ({"leader"}, 200),
    "hiring:results_export": (OVERSIGHT, 405),  # POST starts the export job
    "hiring:timeline": ({"auditor"}, 200),
    "hiring:application_detail": (OVERSIGHT, 200),
    "hiring:application_exclude": ({"hr"}, 405),
    "hiring:examination": ({"hr"}, 405),
    "hiring:hire": ({"hr"}, 405),
    "hiring:finding_override": ({"hr"}, 405),
    "hiring:objection_resolve": ({"hr"}, 405),
    "jobs:round_list": (EVERYONE, 200),
    "jobs:status": (EVERYONE, 200),
    "jobs:round_detail": (EVERYONE, 200),
    "jobs:apply": (EVERYONE, 200),
    "jobs:applied": (EVERYONE, 200),
    "jobs:publicity": (EVERYONE, 200),
    "audit:index": ({"auditor"}, 302),
    "audit:change_list": ({"auditor"}, 200),
    "audit:change_export": ({"auditor"}, 405),  # POST starts the export job
    "notifications:index": (OVERSIGHT | {"hr2", "staff"}, 302),
    "notifications:notification_list": (OVERSIGHT | {"hr2", "staff"}, 200),
    "notifications:open": ({"hr"}, 405),  # POST only, the recipient's own
    "notifications:read_all": ({"hr", "hr2", "leader", "staff", "auditor", "bureau"}, 405),
    "exports:index": (OVERSIGHT | {"hr2"}, 302),
    "exports:job_list": (OVERSIGHT | {"hr2"}, 200),
    "exports:job_detail": ({"hr"}, 200),  # the requester's own job only
    "exports:download": ({"hr"}, 200),
    "contracts:index": (OVERSIGHT | {"hr2", "staff"}, 302),  # staff land on My profile (their contracts)
    "contracts:contract_list": (OVERSIGHT | {"hr2"}, 200),
    "contracts:renewal_tasks": ({"hr", "hr2", "leader"}, 200),
    "contracts:contract_detail": (OVERSIGHT, 200),
    "contracts:contract_sign": ({"hr"}, 200),  # a draft
    "contracts:contract_create": ({"hr"}, 200),
    "contracts:contract_action": ({"hr"}, 405),  # POST only; "withdraw" is HR's
    "contracts:dispatch_create": ({"hr"}, 200),
    "contracts:dispatch_edit": ({"hr"}, 200),
    "training:index": (OVERSIGHT | {"hr2"}, 302),
    "training:plan_list": (OVERSIGHT | {"hr2"}, 200),
    "training:plan_create": ({"hr", "hr2", "bureau"}, 200),
    "training:plan_detail": (OVERSIGHT, 200),
    "training:plan_edit": ({"hr"}, 200),
    "training:plan_course_create": ({"hr"}, 200),
    "training:course_detail": (OVERSIGHT, 200),
    "training:course_edit": ({"hr"}, 200),
    "training:course_attendance_add": ({"hr"}, 200),
    "training:course_attendance_import": ({"hr"}, 200),
    "training:course_attendance_template": ({"hr"}, 200),
    "training:certificate_list": (OVERSIGHT | {"hr2"}, 200),
    "training:certificate_import": ({"hr", "hr2"}, 200),
    "training:certificate_template": ({"hr", "hr2"}, 200),
    "training:certificate_edit": ({"hr"}, 200),
    "training:staff_certificate_add": ({"hr"}, 200),
    "training:staff_requirement_add": ({"hr"}, 200),
    "training:requirement_remove": ({"hr"}, 200),
    "rosters:index": ({"hr", "hr2", "bureau"}, 302),
    "rosters:start": ({"hr", "hr2", "bureau"}, 200),
    "rosters:template": ({"hr"}, 200),  # the school's template: its HR officer's
    "rosters:export": ({"hr"}, 405),  # POST starts the export job
    "rosters:import_detail": ({"hr"}, 200),  # the uploader's own import only
    "rosters:import_action": ({"hr"}, 405),
    "appraisal:index": (OVERSIGHT | {"hr2", "staff"}, 302),
    "appraisal:mine": (OVERSIGHT | {"hr2", "staff"}, 200),
    "appraisal:cycle_list": (OVERSIGHT | {"hr2"}, 200),
    "appraisal:tasks": (OVERSIGHT | {"hr2"}, 200),
    "appraisal:cycle_create": ({"hr", "hr2", "bureau"}, 200),
    "appraisal:cycle_detail": (OVERSIGHT, 200),
    "appraisal:cycle_edit": ({"hr"}, 302),  # the owner; this cycle has opened: back to it, saying the settings are fixed
    "appraisal:cycle_action": ({"hr"}, 405),  # the cycle's owner: its school's HR officer
    "appraisal:school_cycle": (OVERSIGHT, 200),
    "appraisal:school_cycle_action": ({"leader"}, 405),  # approve, return, tie: the school's leaders
    "appraisal:leader_scores": ({"leader"}, 200),
    "appraisal:appraisal_detail": (OVERSIGHT, 200),
    "appraisal:appraisal_action": (OVERSIGHT, 405),  # each action checks its own role on POST
    "appraisal:self_evaluate": ({"staff"}, 200),  # the person appraised only
    "appraisal:rate": ({"staff"}, 405),  # the assigned rater only
    "appraisal:excuse": ({"hr"}, 405),
    "appraisal:committee": (OVERSIGHT, 200),
    "appraisal:appeal": ({"staff"}, 405),  # the person appraised, on their own grade
    "appraisal:cycle_report": (OVERSIGHT, 200),
    "appraisal:incident_list": (OVERSIGHT | {"hr2"}, 200),
    "appraisal:incident_create": ({"hr", "hr2"}, 200),
    "appraisal:incident_detail": (OVERSIGHT, 200),
    "appraisal:incident_action": ({"hr"}, 405),  # naming, investigation, statements: HR; final or closed: leaders
    "appraisal:statement": ({"staff", "hr"}, 200),  # the person named states their case, or HR records it
    "appraisal:pay_table": (OVERSIGHT, 200),
    "appraisal:pay_run": (OVERSIGHT, 200),
    "appraisal:reveal": (set(), 200),  # nobody without the explicit right (tests/appraisal/test_anonymity.py)
    "exits:index": (OVERSIGHT | {"hr2", "staff"}, 302),
    "exits:case_list": (OVERSIGHT | {"hr2"}, 200),
    "exits:case_detail": (OVERSIGHT | {"staff"}, 200),  # the demo staff member's own resignation
    "exits:case_action": ({"hr", "staff"}, 405),  # "withdraw": HR, or the person their own resignation
    "exits:handover_confirm": ({"hr"}, 405),  # the item's owner (here HR) or the school's HR
    "exits:case_open": ({"hr"}, 200),
    "exits:mine": (OVERSIGHT | {"hr2", "staff"}, 200),
    "exits:protection_create": ({"hr"}, 200),
    "exits:protection_edit": ({"hr"}, 200),
}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else None


PROJECT_URLS = sorted({(route, name) for route, name in walk(get_resolver().url_patterns) if not route.startswith("admin/")})


def test_every_project_url_is_classified():
    names = {name for _route, name in PROJECT_URLS}
    assert None not in names, "every URL needs a name"
    assert names == set(EXPECTED), f"unclassified: {names - set(EXPECTED)}, stale: {set(EXPECTED) - names}"


@pytest.fixture
def objects(school, staff_member, user):
    """One object of each kind the URLs take, at the HR officer's school."""
    from datetime import date

    from hrflow.hiring.models import Application, Finding, Objection, Publicity, RoundPost, SelectionRound

    def make_round(state):
        return SelectionRound.objects.create(
            school=school, title=f"遴选 {state}", procedure="报名—审查—考试—公示", pay_and_treatment="面议",
            opens_on=date(2026, 1, 1), closes_on=date(2099, 1, 1), created_by=user("hr"), state=state,
        )

    open_round, public_round = make_round("open"), make_round("publicity")
    post = RoundPost.objects.create(round=public_round, title="厨师", category="canteen", headcount=1)
    application = Application.objects.create(
        round=public_round, post=post, name="某某", id_number=staff_member.person.id_number, gender=staff_member.person.sex,
        birth_date=staff_member.person.birth_date, education="senior_high", state="approved",
    )
    finding = Finding.objects.create(application=application, rule="ELIG-AGE-M", clause="三(三)", hard=False, template="x")
    publicity = Publicity.objects.create(round=public_round, starts_on=date(2026, 1, 5), working_days=7, ends_on=date(2026, 1, 13))
    objection = Objection.objects.create(publicity=publicity, application=application, filed_by="x", contact="y", text="z")
    return {
        **contract_and_training_objects(school, staff_member, user("hr")),
        "org:school_detail": school.pk, "people:": staff_member.pk, "hiring:application_": application.pk,
        "hiring:examination": application.pk, "hiring:hire": application.pk, "hiring:finding_override": finding.pk,
        "hiring:objection_resolve": objection.pk, "hiring:": public_round.pk, "jobs:publicity": public_round.pk,
        "jobs:": open_round.pk, "exports:": finished_export(user("hr")).pk,
        "notifications:": notification_for(user("hr")).pk,
        "rosters:": roster_import_for(user("hr"), school.unit).pk, "unit": school.unit.pk,
        **appraisal_objects(school, user("hr")),
        **exit_objects(staff_member, user("hr")),
    }


def exit_objects(staff_member, hr) -> dict:
    """The demo staff member's resignation (awaiting the leaders), a handover item on it, and a
    protected status of `staff_member`."""
    from datetime import date

    from hrflow.core import clock
    from hrflow.exits import services as exits
    from hrflow.exits.models import HandoverItem, Protection

    me = Staff.objects.get(person__user__username="staff")
    case = exits.case_open(staff=me, ground="resignation", evidence="本人书面辞职", notice_given_on=clock.today(), acting_user=hr)
    item = HandoverItem.objects.create(case=case, kind="keys", owner=hr)
    protection = Protection.objects.create(staff=staff_member, kind="medical_period", starts_on=date(2026, 1, 1))
    return {"exits:protection_edit": protection.pk, "exits:handover": item.pk, "exits:": case.pk}


def appraisal_objects(school, hr) -> dict:
    """An open appraisal cycle at the school, enrolling the demo staff member, who rates colleagues."""
    from datetime import date

    from hrflow.appraisal import services as appraisal
    from hrflow.appraisal import veto
    from hrflow.appraisal.models import Appraisal, PeerAssignment, SchoolCycle

    from hrflow.appraisal.models import Cycle
    from hrflow.demo.data import DEMO_CYCLE_NAME

    Cycle.objects.filter(name=DEMO_CYCLE_NAME).delete()  # the demo's own 2026 cycle at this school: a period is appraised once
    cycle = appraisal.cycle_create(unit=school.unit, name="2026年度考核", kind="annual", period_start=date(2026, 1, 1),
                                   period_end=date(2026, 12, 31), config=appraisal.CycleSettings.defaults(), acting_user=hr)
    appraisal.cycle_open(cycle=cycle, acting_user=hr)
    mine = Appraisal.objects.get(cycle=cycle, staff__person__user__username="staff")
    rating = PeerAssignment.objects.filter(rater__person__user__username="staff", appraisal__cycle=cycle).first()
    sc = SchoolCycle.objects.get(cycle=cycle)
    incident = veto.incident_record(school=school, occurred_on=date(2026, 3, 1), title="后厨燃气泄漏", description="无人受伤",
                                    severity="major", acting_user=hr)
    resp = veto.responsibility_add(incident=incident, staff=mine.staff, role="direct", finding="未关闭阀门", acting_user=hr)
    return {
        "appraisal:cycle_": cycle.pk, "appraisal:school_cycle": sc.pk, "appraisal:leader_scores": sc.pk,
        "appraisal:appraisal_": mine.pk, "appraisal:self_evaluate": mine.pk, "appraisal:rate": rating.pk,
        "appraisal:excuse": rating.pk, "appraisal:committee": school.pk, "school": school.pk, "appraisal:appeal": mine.pk,
        "appraisal:incident_": incident.pk, "appraisal:statement": resp.pk, "appraisal:pay_table": school.pk, "appraisal:pay_run": sc.pk,
        "appraisal:reveal": mine.pk,
    }


def roster_import_for(owner, unit):
    """A previewed staff import of `owner` for `unit` (the rows do not matter to the URLs)."""
    from hrflow.rosters.models import RosterImport

    return RosterImport.objects.create(owner=owner, unit=unit, file_name="名单.xlsx", file_sha256="0" * 64, stored_name="none.xlsx",
                                       state=RosterImport.State.PREVIEWED)


def contract_and_training_objects(school, staff_member, hr) -> dict:
    """A draft contract and a dispatch agreement of `staff_member`, a school plan with a course, a
    certificate and a technical post's requirement: the objects of the contracts' and training's URLs
    (also the browser page walk's)."""
    from datetime import date
    from decimal import Decimal

    from hrflow.contracts.models import Contract, DispatchAgreement
    from hrflow.people.models import Staff
    from hrflow.training import services as training

    contract = Contract.objects.create(staff=staff_member, kind="labour", starts_on=date(2026, 1, 1), term_months=36)  # a draft
    agreement = DispatchAgreement.objects.create(staff=staff_member, agency="某劳务派遣公司", post_nature="auxiliary",
                                                 starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    plan = training.plan_create(unit=school.unit, data={"kind": "annual", "title": "培训计划", "first_year": 2026, "last_year": 2026},
                                acting_user=hr, reason="测试")
    course = training.course_create(plan=plan, data={"title": "食品安全培训", "mode": "offline", "category": "food_safety",
                                                     "layer": "frontline", "starts_on": date(2026, 3, 2), "ends_on": date(2026, 3, 2),
                                                     "hours": Decimal("4")}, acting_user=hr, reason="测试")
    certificate = training.certificate_add(person=staff_member.person, data={
        "kind": "electrician", "name": "", "number": "W-1", "issuer": "应急管理厅", "issued_on": date(2024, 1, 1), "valid_until": None},
        acting_user=hr, reason="测试")
    technical = Staff.objects.filter(school=school, post_category="technical", status="active").first()
    requirement = training.requirement_add(staff=technical, kind="electrician", acting_user=hr, reason="测试")
    return {
        "contracts:dispatch_edit": agreement.pk, "contracts:": contract.pk, "staff_pk": staff_member.pk,
        "training:plan_": plan.pk, "training:course_": course.pk, "training:certificate_edit": certificate.pk,
        "training:staff_": staff_member.pk, "training:requirement_": requirement.pk,
    }


def concrete(route, name, objects):
    pk = next(value for prefix, value in objects.items() if name.startswith(prefix))
    action = "withdraw" if name.startswith(("contracts:", "exits:")) else "submit"
    return "/" + (route.replace("<int:staff_pk>", str(objects["staff_pk"])).replace("<int:pk>", str(pk)).replace("<int:unit>", str(objects["unit"]))
                  .replace("<int:school>", str(objects["school"]))
                  .replace("<slug:transition>", "suspend").replace("<slug:action>", action))


@pytest.mark.parametrize("role", ROLES)
def test_every_url_for_every_role(role, login, objects):
    client = login(role)
    failures = []
    for route, name in PROJECT_URLS:
        if EXPECTED[name] is None:
            continue
        allowed, ok = EXPECTED[name]
        url = concrete(route, name, objects) if "<" in route else "/" + route
        response = client.get(url)
        status = response.status_code
        if role == "anonymous" and role not in allowed:
            expected = 302  # to the login page
        elif role not in allowed:
            expected = 403
        elif name == "login" and role != "anonymous":
            expected = 302
        else:
            expected = ok
        if status != expected:
            failures.append(f"{url} ({name}): {status}, expected {expected}")
        elif status == 302 and name.endswith(":index"):
            landing = client.get(response["Location"]).status_code
            if landing != 200:
                failures.append(f"{url} redirects to {response['Location']}, which answers {landing}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/people/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_admin_needs_a_superuser(login):
    assert login("hr").get("/admin/").status_code == 302
    assert login("admin").get("/admin/").status_code == 200


def test_logout_is_a_post(login):
    client = login("hr")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("role", ["leader", "auditor", "bureau", "hr2", "staff"])
def test_only_hr_of_the_school_can_write(role, login, staff_member):
    client = login(role)
    before = Staff.objects.get(pk=staff_member.pk).status
    response = client.post(f"/people/staff/{staff_member.pk}/suspend/", {"reason": "try"})
    assert response.status_code == 403
    assert Staff.objects.get(pk=staff_member.pk).status == before
