"""Reminders of what is overdue, once each: self-evaluations, peer ratings, leadership scores, appeals."""

from datetime import date, timedelta

from hrflow.appraisal import jobs, services
from hrflow.appraisal.models import Appraisal, Cycle, PeerAssignment
from hrflow.notifications.models import Notification

from .test_services import self_all


def test_late_staff_are_reminded_once_after_the_due_day(cycle, user, small_school, today):
    Cycle.objects.filter(pk=cycle.pk).update(self_due=date(2026, 12, 22), peer_due=date(2026, 12, 28))
    hr = user("hr")
    services.cycle_open(cycle=cycle, acting_user=hr)
    late = Appraisal.objects.filter(cycle=cycle).select_related("staff__person__user").order_by("pk")
    first = late[0]
    services.self_evaluate(appraisal=first, scores={d: 80 for d in Appraisal.DIMENSIONS}, summary="总结", acting_user=first.staff.person.user)
    assert jobs.daily(as_of=date(2026, 12, 22), user=hr)["self"] == 0  # the due day itself is not late
    assert jobs.daily(as_of=date(2026, 12, 23), user=hr)["self"] == 6
    jobs.daily(as_of=date(2026, 12, 24), user=hr)
    reminded = Notification.objects.filter(event_key=f"appraisal.self-overdue:{cycle.pk}")
    assert reminded.count() == 6 and not reminded.filter(recipient=first.staff.person.user).exists()

    self_all(cycle)
    services.cycle_close_self(cycle=cycle, acting_user=hr)
    asg = PeerAssignment.objects.filter(appraisal__cycle=cycle).select_related("rater__person__user").first()
    today.set(date(2026, 12, 29))
    counts = jobs.daily(as_of=date(2026, 12, 29), user=hr)
    raters = set(PeerAssignment.objects.filter(appraisal__cycle=cycle).values_list("rater__person__user_id", flat=True))
    assert counts["peer"] == len(raters)
    assert Notification.objects.filter(event_key=f"appraisal.peer-overdue:{cycle.pk}", recipient=asg.rater.person.user).exists()


def test_a_late_appeal_reminds_the_schools_hr(cycle, user, school, small_school, today):
    from .test_pay_appeals import published

    published(cycle, user, school, small_school)
    a = Appraisal.objects.filter(cycle=cycle).select_related("staff__person__user").first()
    services.appeal_lodge(appraisal=a, grounds="请求复核", acting_user=a.staff.person.user)
    a.refresh_from_db()
    assert jobs.daily(as_of=a.appeal_due_on, user=user("hr"))["appeal"] == 0
    assert jobs.daily(as_of=a.appeal_due_on + timedelta(days=1), user=user("hr"))["appeal"] == 1
    assert Notification.objects.filter(event_key=f"appraisal.appeal-overdue:{a.pk}", recipient=user("hr")).exists()
