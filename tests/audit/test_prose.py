"""The audit trail reads as prose: an auditor replays a whole round and sees names, filled
messages, local dates to the minute and lists as text, never codes or Python reprs."""

import io
import re

import openpyxl
import pytest


# What a person must never read in the audit trail.
RAW = {
    "Python object repr": re.compile(r"\w+ object \(\d+\)"),
    "message template": re.compile(r"%\(\w+\)[sd]"),
    "params dict": re.compile(r"\{'|\{&#x27;"),
    "empty list": re.compile(r"\[\]"),
    "list repr": re.compile(r"\['|\[&#x27;"),
    "ISO timestamp": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d"),
    "seconds or microseconds": re.compile(r"\d\d:\d\d:\d\d"),
    "UTC offset": re.compile(r"\+00:00"),
    "system login": re.compile(r"HRflow system|hrflow-system"),
    "job code": re.compile(r"→ (queued|running|done|failed)\b"),
}


def visible_text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def closed_round(whole_round):
    return whole_round("closed")


def test_the_timeline_of_a_whole_round_reads_as_prose(closed_round, login):
    html = login("auditor").get(f"/hiring/rounds/{closed_round.pk}/timeline/").content.decode()
    table = visible_text(html[html.index('data-testid="change-table"'):])
    found = {name: pattern.findall(table)[:3] for name, pattern in RAW.items() if pattern.search(table)}
    assert not found, found
    for expected in (
        "系统（自动）",  # the public form and jobs write as the system user
        "集体研究 2026年11月16日 09:00 会议室",  # a review referenced by what it is
        "截至 2026年11月12日 年满 63 周岁，上限为 60 周岁。",  # a finding's template, filled
        "申请人性别 男 与被管理学生性别 女 不同。",  # gender parameters as 男/女
        "ELIG-AGE-M 男性年龄在60周岁以下 · 三(三)",  # a rule code with its title and clause
        "电工证、焊工证",  # a JSON list as text
        "报名截止日期 ：— → 2026年11月12日",  # dates in Chinese
        "姓名 ：— → 甲厨师",  # a person's name is 姓名, not 名称
        "甲厨师（食堂厨师）",
    ):
        assert expected in table, expected
    assert re.search(r"2026年\d+月\d+日 \d\d:\d\d", table)  # moments in Asia/Shanghai to the minute
    assert re.search(r"资格审查任务 ：(排队中|进行中) → 已完成", table)  # a job state by its name


def test_the_change_log_and_its_export_read_as_prose(closed_round, login, export_changes):
    client = login("auditor")
    page = visible_text(client.get("/audit/changes/", {"model": "hiring.finding"}).content.decode())
    assert "截至 2026年11月12日 年满 63 周岁" in page and "%(age)d" not in page
    response = export_changes(client, {"model": "hiring.reviewmember"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    cells = [str(c) for row in list(sheet.iter_rows(values_only=True))[1:] for c in row if c is not None]
    assert "集体研究 2026年11月16日 09:00 会议室" in cells
    assert not [c for c in cells if RAW["Python object repr"].search(c) or RAW["system login"].search(c)]


def test_the_auditors_home_names_the_system_user(closed_round, login):
    home = visible_text(login("auditor").get("/").content.decode())
    assert "系统（自动）" in home or "刘红" in home
    assert not RAW["system login"].search(home) and not RAW["Python object repr"].search(home)


def test_english_readers_get_english_prose(closed_round, login):
    client = login("auditor")
    client.cookies["django_language"] = "en"
    html = client.get(f"/hiring/rounds/{closed_round.pk}/timeline/").content.decode()
    table = visible_text(html[html.index('data-testid="change-table"'):]).replace("&#x27;", "'")
    assert "HRflow system (automatic)" in table
    assert "Aged 63 on" in table and "%(age)d" not in table
    assert "The applicant's gender Male differs from the residents' gender Female." in table


def test_deleted_records_keep_their_name(closed_round, user):
    from hrflow.audit.labels import labels_for
    from hrflow.hiring.models import ReviewMember

    member = ReviewMember.objects.filter(review__round=closed_round).first()
    pk, name = member.pk, member.name
    member._history_user, member._change_reason = user("hr"), "测试删除"
    member.delete()
    assert labels_for(ReviewMember, {pk}) == {pk: name}
