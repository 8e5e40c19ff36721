"""One notification service: once per recipient and event, in the list with an unread count, by mail,
only to its recipient. (A submitted selection plan notifying the leaders: tests/hiring/test_notifications.py.)"""

from hrflow.notifications.models import Notification
from hrflow.notifications.services import notify, unread_count


def test_an_event_is_notified_once_per_recipient_and_mailed_once(user, mailoutbox, django_capture_on_commit_callbacks):
    leader, hr = user("leader"), user("hr")
    leader.email, hr.email = "leader@example.edu.cn", ""  # a login without an address gets no mail
    leader.save()
    hr.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipients=[leader, hr], event_key="test:1", subject="合同即将到期", body="张伟的合同将于12月31日到期。", url="/people/staff/") == 2
        assert notify(recipients=[leader, hr, leader], event_key="test:1", subject="合同即将到期") == 0  # the job ran again
    assert Notification.objects.filter(event_key="test:1").count() == 2
    assert [m.to for m in mailoutbox] == [["leader@example.edu.cn"]] and mailoutbox[0].subject == "合同即将到期"
    assert Notification.objects.filter(recipient=leader, event_key="test:1", read_at__isnull=True).count() == 1


def test_a_mail_server_that_is_down_does_not_fail_the_step(user, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    leader = user("leader")
    leader.email = "leader@example.edu.cn"
    leader.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipients=[leader], event_key="test:down", subject="测试") == 1
    assert Notification.objects.filter(event_key="test:down").exists()


def test_the_list_shows_only_ones_own_and_opening_marks_read(user, login):
    Notification.objects.filter(recipient=user("leader")).update(read_at="2026-01-01T00:00:00+08:00")  # the demo's
    notify(recipients=[user("leader")], event_key="test:2", subject="遴选方案待审批", url="/hiring/rounds/")
    notify(recipients=[user("hr")], event_key="test:2", subject="人事专员的通知")
    client = login("leader")
    page = client.get("/notifications/mine/").content.decode()
    assert "遴选方案待审批" in page and "人事专员的通知" not in page
    assert 'data-testid="unread-count">1<' in page
    mine = Notification.objects.get(recipient=user("leader"), event_key="test:2")
    others = Notification.objects.get(recipient=user("hr"), event_key="test:2")
    assert client.post(f"/notifications/{others.pk}/open/").status_code == 403
    response = client.post(f"/notifications/{mine.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/hiring/rounds/"
    assert Notification.objects.get(pk=mine.pk).read_at is not None and Notification.objects.get(pk=others.pk).read_at is None
    assert 'data-testid="unread-count"' not in client.get("/notifications/mine/").content.decode()


def test_a_link_to_another_site_is_never_followed(user, login):
    notify(recipients=[user("leader")], event_key="test:3", subject="外部链接", url="https://evil.example/")
    mine = Notification.objects.get(event_key="test:3")
    assert login("leader").post(f"/notifications/{mine.pk}/open/")["Location"] == "/notifications/mine/"


def test_read_all(user, login):
    for i in range(3):
        notify(recipients=[user("hr")], event_key=f"test:all:{i}", subject=f"通知{i}")
    login("hr").post("/notifications/read-all/")
    assert unread_count(user("hr")) == 0


def test_notify_many_writes_each_event_once_and_mails_a_digest(user, mailoutbox, django_capture_on_commit_callbacks):
    from hrflow.notifications.services import Event, notify_many

    hr, leader = user("hr"), user("leader")
    events = [Event(recipient_ids=(hr.pk, leader.pk), event_key=f"test.many:{i}", subject=f"第{i}条", url="/x/") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_many(events) == 6
        assert notify_many(events + [Event(recipient_ids=(hr.pk,), event_key="test.many:9", subject="新的")]) == 1
    assert Notification.objects.filter(event_key__startswith="test.many:").count() == 7
    to_hr = [m for m in mailoutbox if m.to == [hr.email]]
    assert len(to_hr) == 2 and "第0条" in to_hr[0].body and "第2条" in to_hr[0].body  # one digest per run, not one per event
