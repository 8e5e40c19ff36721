"""Notifications in Chromium: the leader sees the unread count in the app bar, opens the notification
and lands on the round; the count is gone (screenshot: var/screenshots/notifications.png)."""

import pytest
from django.contrib.auth import get_user_model

from hrflow.hiring.models import SelectionRound
from hrflow.notifications.models import Notification
from hrflow.notifications.services import notify
from tests.browser.conftest import browser, demo_site, open_as, shoot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_the_leader_opens_a_notification_from_the_app_bar(open_as):
    leader = get_user_model().objects.get(username="leader")
    Notification.objects.filter(recipient=leader).update(read_at="2026-01-01T00:00:00+08:00")
    round = SelectionRound.objects.order_by("pk").first()
    notify(recipients=[leader], event_key="browser:1", subject=f"遴选方案待您审批：{round.title}",
           body="刘红 已提交遴选方案，请审批。", url=f"/hiring/rounds/{round.pk}/")
    page = open_as("leader")
    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click("[data-testid=notifications-link]")
    page.wait_for_selector("[data-testid=notification-table]")
    shoot(page, "notifications")
    page.click("[data-testid=notification] button")
    page.wait_for_url(f"**/hiring/rounds/{round.pk}/")
    assert page.locator("[data-testid=unread-count]").count() == 0
