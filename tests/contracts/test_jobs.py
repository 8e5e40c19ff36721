"""The daily job: contracts start, probations end, terms come up for renewal, reminders go once."""

from datetime import date, timedelta
from decimal import Decimal

from django.core import mail
from django.test.utils import CaptureQueriesContext
from django.db import connection

from hrflow.contracts import jobs, services
from hrflow.contracts.models import Contract, DispatchAgreement
from hrflow.core.history import system_user
from hrflow.notifications import daily
from hrflow.notifications.models import DailyRun, Notification

from .conftest import TODAY, terms

S = Contract.State


def _run(day):
    return jobs.daily(as_of=day, user=system_user())


def test_a_signed_contract_starts_on_its_day_and_its_probation_ends(draft, user, today):
    services.contract_sign(contract=draft, terms=terms(starts_on=TODAY + timedelta(days=10)), signed_on=TODAY, acting_user=user("hr"))
    _run(TODAY + timedelta(days=9))
    draft.refresh_from_db()
    assert draft.state == S.SIGNED
    _run(TODAY + timedelta(days=10))
    draft.refresh_from_db()
    assert draft.state == S.PROBATION
    _run(draft.probation_ends_on + timedelta(days=1))
    draft.refresh_from_db()
    assert (draft.state, draft.confirmed_on) == (S.ACTIVE, draft.probation_ends_on + timedelta(days=1))
    assert draft.history.latest("history_id").history_user.username == "hrflow-system"


def test_a_fixed_term_comes_up_for_renewal_sixty_days_ahead_and_hr_hears_once(draft, user, today, django_capture_on_commit_callbacks):
    services.contract_sign(contract=draft, terms=terms(term_months=12, probation_months=1, probation_pay=Decimal("2400")),
                           signed_on=TODAY, acting_user=user("hr"))
    ends = Contract.objects.get(pk=draft.pk).ends_on
    _run(ends - timedelta(days=61))
    assert Contract.objects.get(pk=draft.pk).state == S.ACTIVE
    user("hr").__class__.objects.filter(username="hr").update(email="hr@example.edu.cn")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _run(ends - timedelta(days=60))
    assert Contract.objects.get(pk=draft.pk).state == S.EXPIRING
    sent = Notification.objects.filter(recipient__username="hr", event_key__startswith=f"contracts.ending:{draft.pk}:")
    assert sent.count() == 1
    assert any(draft.staff.person.name in m.body or draft.staff.person.name in m.subject for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        _run(ends - timedelta(days=59))
        _run(ends - timedelta(days=58))
    assert sent.count() == 1  # never twice


def test_probation_reminder_goes_once(draft, user, today):
    services.contract_sign(contract=draft, terms=terms(), signed_on=TODAY, acting_user=user("hr"))
    end = Contract.objects.get(pk=draft.pk).probation_ends_on
    _run(end - timedelta(days=31))
    assert not Notification.objects.filter(event_key__startswith=f"contracts.probation_ending:{draft.pk}:").exists()
    _run(end - timedelta(days=30))
    _run(end - timedelta(days=29))
    assert Notification.objects.filter(event_key__startswith=f"contracts.probation_ending:{draft.pk}:", recipient__username="hr").count() == 1


def test_dispatch_agreement_end_is_reminded(contract_staff, user, today):
    contract_staff.employment_type = "dispatched"
    contract_staff.save()
    agreement = services.dispatch_record(staff=contract_staff, data={
        "agency": "四川某劳务派遣有限公司", "agency_code": "", "post_nature": "auxiliary",
        "starts_on": TODAY, "ends_on": TODAY + timedelta(days=40)}, acting_user=user("hr"), reason="派遣协议")
    _run(TODAY)
    assert Notification.objects.filter(event_key=f"contracts.dispatch_ending:{agreement.pk}:{agreement.ends_on}", recipient__username="hr").exists()


def test_a_contract_not_renewed_ends_after_its_last_day(draft, user, today):
    services.contract_sign(contract=draft, terms=terms(term_months=12, probation_months=1, probation_pay=Decimal("2400")),
                           signed_on=TODAY, acting_user=user("hr"))
    contract = Contract.objects.get(pk=draft.pk)
    _run(contract.ends_on - timedelta(days=30))
    services.contract_grade_term(contract=contract, grade="fail", note="不合格", acting_user=user("hr"))
    case = services.renewal_propose(contract=contract, renew=False, new_term_months=None, reason="不合格", acting_user=user("hr"))
    services.renewal_decide(case=case, approve=True, reason="同意", acting_user=user("leader"))
    _run(contract.ends_on)
    assert Contract.objects.get(pk=draft.pk).state == S.EXPIRING
    _run(contract.ends_on + timedelta(days=1))
    contract.refresh_from_db()
    assert (contract.state, contract.ended_on) == (S.ENDED, contract.ends_on)


def test_the_job_runs_in_a_constant_number_of_queries(school, user, today):
    """As many statements for 6 contracts due as for 18 (each run rolled back, so both start alike)."""
    from django.db import transaction

    class Undo(Exception):
        pass

    def queries():
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                _run(TODAY + timedelta(days=400))
                raise Undo
        except Undo:
            pass
        return len(captured)

    staff = list(school.staff.filter(employment_type="contract", status="active").order_by("pk")[:18])

    def sign(members):
        for s in members:
            Contract.objects.filter(staff__person=s.person).delete()
            c = services.contract_create_draft(staff=s, starts_on=TODAY, term_months=12, acting_user=user("hr"), reason="聘用")
            Contract.objects.filter(pk=c.pk).update(state=S.SIGNED, probation_months=1, probation_ends_on=TODAY + timedelta(days=30))

    sign(staff[:6])
    few = queries()
    sign(staff[6:])
    assert queries() == few


def test_the_daily_runner_claims_each_day_once(db):
    day = date(2031, 1, 5)
    first = daily.run_daily(as_of=day)
    assert first is not None and "contracts" in first.counts and not first.error
    assert daily.run_daily(as_of=day) is None
    assert daily.run_daily(as_of=day, force=True) is not None
    assert DailyRun.objects.filter(day=day).count() == 1


def test_a_certificate_expiring_is_reminded_once(staff_member, user):
    from hrflow.notifications.daily import jobs as registered
    from hrflow.training.models import Certificate

    cert = Certificate(person=staff_member.person, kind="health", number="JK-1", issuer="疾控中心",
                       issued_on=date(2025, 8, 1), valid_until=date(2026, 7, 31))
    cert._history_user, cert._change_reason = user("hr"), "测试"
    cert.save()
    job = registered()["training"]
    job(as_of=date(2026, 6, 30), user=system_user())
    assert not Notification.objects.filter(event_key__startswith=f"training.certificate_expiring:{cert.pk}:").exists()
    job(as_of=date(2026, 7, 1), user=system_user())
    job(as_of=date(2026, 7, 2), user=system_user())
    assert Notification.objects.filter(event_key__startswith=f"training.certificate_expiring:{cert.pk}:", recipient__username="hr").count() == 1
