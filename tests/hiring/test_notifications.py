"""A submitted selection plan notifies the school's leaders, in the app and by mail, once per submission."""

from hrflow.hiring import services
from hrflow.notifications.models import Notification


def test_submitting_a_plan_notifies_the_schools_leaders_once_per_submission(planned_round, user, mailoutbox, django_capture_on_commit_callbacks):
    leader = user("leader")
    leader.email = "leader@example.edu.cn"
    leader.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.round_submit(round=planned_round, acting_user=user("hr"))
    notes = Notification.objects.filter(recipient=leader, event_key__startswith=f"hiring.plan_submitted:{planned_round.pk}:")
    note = notes.get()
    assert note.subject == f"遴选方案待您审批：{planned_round.title}" and "刘红" in note.body
    assert note.url == f"/hiring/rounds/{planned_round.pk}/"
    assert [m.to for m in mailoutbox] == [["leader@example.edu.cn"]]
    assert not Notification.objects.filter(event_key__startswith=f"hiring.plan_submitted:{planned_round.pk}:").exclude(recipient=leader).exists()
    # Rejected and submitted again: a new event, a new notification.
    services.round_reject(round=planned_round, acting_user=leader, note="岗位数量需调整")
    services.round_submit(round=planned_round, acting_user=user("hr"))
    assert notes.count() == 2
