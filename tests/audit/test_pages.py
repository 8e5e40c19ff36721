"""Pages say when a step can be taken, count what waits, link only to pages that exist, and
answer errors in the reader's language."""

import re

from django.contrib.staticfiles import finders

from hrflow.core import clock
from hrflow.hiring import services


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_inbox_says_when_closing_applications_can_be_done(whole_round, login):
    round = whole_round("open")  # today is the opening day; the window closes 2026-11-12
    page = text(login("hr").get("/hiring/tasks/"))
    assert "可于 2026年11月12日后办理" in page
    assert round.title in page


def test_the_inbox_says_when_the_publicity_can_end(whole_round, login):
    round = whole_round("publicity")
    ends = services.current_publicity(round).ends_on
    page = text(login("hr").get("/hiring/tasks/"))
    assert f"可于 {ends.year}年{ends.month}月{ends.day}日后办理" in page


def test_a_step_that_can_be_taken_says_so(whole_round, login, monkeypatch):
    whole_round("open")
    after_the_deadline = clock.today().replace(day=13)
    monkeypatch.setattr(clock, "today", lambda: after_the_deadline)
    assert "现在可办理" in text(login("hr").get("/hiring/tasks/"))


def test_a_leaders_home_counts_the_waiting_steps(whole_round, login):
    whole_round("reviewing")  # the collective review waits for the leader
    home = login("leader").get("/")
    assert home.context["waiting_tasks"] >= 1
    page = text(home)
    assert re.search(r"公开遴选中有 \d+ 项待办", page)
    assert 'href="/hiring/tasks/"' in home.content.decode()


def test_a_closed_round_does_not_link_to_its_gone_public_page(whole_round, login):
    round = whole_round("closed")
    html = login("hr").get(f"/hiring/rounds/{round.pk}/").content.decode()
    assert f'href="/jobs/{round.pk}/"' not in html
    assert login("anonymous").get(f"/jobs/{round.pk}/").status_code == 404
    assert f'href="/jobs/{round.pk}/publicity/"' in html  # the 公示 record stays public
    assert login("anonymous").get(f"/jobs/{round.pk}/publicity/").status_code == 200


def test_an_ended_round_links_to_no_public_page(whole_round, login, user):
    round = whole_round("hiring")
    services.round_end(round=round, reason="经费取消", acting_user=user("hr"))
    html = login("hr").get(f"/hiring/rounds/{round.pk}/").content.decode()
    assert f'href="/jobs/{round.pk}/' not in html


def test_forbidden_and_missing_pages_are_in_chinese(login):
    forbidden = login("staff").get("/audit/changes/")
    assert forbidden.status_code == 403
    assert "无权访问" in text(forbidden) and "Access Forbidden" not in text(forbidden)
    missing = login("hr").get("/hiring/rounds/999999/")
    assert missing.status_code == 404
    assert "页面不存在" in text(missing) and "Not Found" not in text(missing)
    public_missing = login("anonymous").get("/jobs/999999/")
    assert public_missing.status_code == 404 and "页面不存在" in text(public_missing)


def test_error_pages_follow_the_language_switch(login):
    client = login("staff")
    client.cookies["django_language"] = "en"
    assert "Access denied" in text(client.get("/audit/changes/"))


def test_the_server_error_page_renders_without_a_request():
    from django.template import loader
    from django.utils import translation

    with translation.override("zh-hans"):
        html = loader.get_template("500.html").render()
    assert "系统出现错误" in html


def test_both_shells_link_a_favicon_that_exists(login):
    assert finders.find("hrflow/favicon.svg") and finders.find("hrflow/favicon.png")
    for client, url in ((login("hr"), "/"), (login("anonymous"), "/jobs/")):
        html = client.get(url).content.decode()
        assert re.search(r'<link rel="icon" href="/static/hrflow/favicon\.svg"', html), url
