"""The public pages without login: the status check and the apply form are rate-limited per client
address (429 in Chinese, saying when to try again), and the apply form does not tell an anonymous
caller whether an ID number has applied."""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django_ratelimit import core as ratelimit_core

from hrflow.hiring import services
from hrflow.hiring.models import Application

from .conftest import applicant, by_name

STATUS = "/jobs/status/"
HOUR = 3600


def apply_form(round, data, category="dormitory"):
    return {
        "post": round.posts.get(category=category).pk, "name": data["name"], "id_number": data["id_number"],
        "gender": data["gender"], "phone": data["phone"], "education": data["education"], "certificates": "",
        "cadre": "False", "criminal_record": "False", "infectious_disease": "False", "mental_illness_history": "False",
        "declaration": "on",
    }


@pytest.fixture
def submitted(applied_round):
    return Application.objects.filter(round=applied_round).order_by("pk").first()


@pytest.fixture
def rate_clock(monkeypatch):
    """django-ratelimit's clock, to be moved: windows are fixed (with a per-key offset), so a test
    starts just after a window of the given length begins and cannot straddle its end."""
    now = {"t": 2_000_000_000.0}
    monkeypatch.setattr(ratelimit_core, "time", SimpleNamespace(time=lambda: now["t"]))

    def start_of_window(value, period):
        end = ratelimit_core._get_window(value, period)
        now["t"] = end - period + 1.0

    def advance(seconds):
        now["t"] += seconds

    return SimpleNamespace(start_of_window=start_of_window, advance=advance)


def check(client, application, address="198.51.100.1", code=None):
    return client.post(STATUS, {"code": code or application.code, "id_number": application.id_number}, REMOTE_ADDR=address)


def test_status_check_is_limited_per_minute(db, submitted):
    assert settings.HRFLOW["RATELIMIT_STATUS"] == ["10/m", "50/h"]  # the documented defaults
    client = Client()
    for _ in range(10):
        assert check(client, submitted).status_code == 200
    blocked = check(client, submitted)
    html = blocked.content.decode()
    assert blocked.status_code == 429 and "请求过于频繁" in html and "请在" in html
    # The time is written as Chinese writes it (2026年11月26日 07:03), not as ISO text.
    assert re.search(r"请在 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} 之后再试", html)
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)
    assert submitted.name not in html  # not processed: no status shown
    assert 0 < int(blocked["Retry-After"]) <= 60
    # Another address is not affected, and reading the empty form is not counted.
    assert check(Client(), submitted, address="198.51.100.2").status_code == 200
    assert client.get(STATUS, REMOTE_ADDR="198.51.100.1").status_code == 200


def test_status_check_is_limited_per_hour(db, submitted, rate_clock):
    rate_clock.start_of_window("198.51.100.1", HOUR)
    client = Client()
    for minute in range(5):
        for n in range(10):
            # A new code each time: this test is about the address's counter, not the code's.
            assert check(client, submitted, code=f"HOUR{minute}{n}").status_code == 200, minute
        rate_clock.advance(61)  # the next minute's window: the per-minute limit starts afresh
    blocked = check(client, submitted)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 60  # the hour's window, not the minute's


def test_status_check_is_limited_per_application_code_across_addresses(db, submitted):
    """A leaked code paired with guessed ID numbers from many addresses."""
    client = Client()
    for i in range(20):
        response = client.post(STATUS, {"code": submitted.code, "id_number": f"51010419900101{i:03d}X"}, REMOTE_ADDR=f"203.0.113.{i}")
        assert response.status_code == 200, i
    assert check(client, submitted, address="203.0.113.200").status_code == 429
    assert check(client, submitted, address="203.0.113.200", code="OTHERCODE1").status_code == 200


def test_a_failing_cache_lets_the_status_check_through(db, submitted, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("hrflow.core.throttle.get_usage", broken)
    response = check(Client(), submitted)
    assert response.status_code == 200 and submitted.name in response.content.decode()


def test_apply_is_limited_per_minute_and_nothing_is_written_over_it(db, open_round):
    assert settings.HRFLOW["RATELIMIT_APPLY"] == ["5/m", "30/h"]
    client, url = Client(), f"/jobs/{open_round.pk}/apply/"
    for i in range(5):
        assert client.post(url, {"name": f"试{i}"}, REMOTE_ADDR="198.51.100.9").status_code == 200
    valid = apply_form(open_round, applicant("周敏", date(1991, 4, 4), "F", sequence=61))
    blocked = client.post(url, valid, REMOTE_ADDR="198.51.100.9")
    assert blocked.status_code == 429 and "请求过于频繁" in blocked.content.decode()
    assert not Application.objects.filter(round=open_round, name="周敏").exists()
    assert client.post(url, valid, REMOTE_ADDR="198.51.100.10").status_code == 302


def test_apply_is_limited_per_hour(db, open_round, rate_clock):
    rate_clock.start_of_window("198.51.100.9", HOUR)
    client, url = Client(), f"/jobs/{open_round.pk}/apply/"
    for minute in range(6):
        for _ in range(5):
            assert client.post(url, {}, REMOTE_ADDR="198.51.100.9").status_code == 200, minute
        rate_clock.advance(61)
    assert client.post(url, {}, REMOTE_ADDR="198.51.100.9").status_code == 429


NEUTRAL = "本报名无法受理。如您已在本轮报名，请凭报名时获得的报名码查询；其他问题请联系招聘学校。"


def test_a_duplicate_application_is_refused_without_naming_the_id_number(db, applied_round):
    first = Application.objects.filter(round=applied_round, post__category="dormitory").order_by("pk").first()
    data = applicant("冒名者", date(1980, 8, 8), "F", sequence=6)
    assert data["id_number"] == first.id_number
    response = Client().post(f"/jobs/{applied_round.pk}/apply/", apply_form(applied_round, data))
    html = response.content.decode()
    form = response.context["form"]
    assert response.status_code == 200 and form.non_field_errors() == [NEUTRAL]
    assert "id_number" not in form.errors
    assert "已存在" not in html and "already exists" not in html
    assert first.name not in html and first.code not in html
    assert Application.objects.filter(round=applied_round, id_number=first.id_number).count() == 1


def test_duplicates_read_the_same_whoever_applied_and_however_far_they_got(db, applied_round):
    """Two earlier applications that differ in name, post, source and state: the answers to a second
    application under each ID number are identical but for the number typed."""
    online = Application.objects.get(round=applied_round, name="乙厨师")  # canteen, online, submitted
    paper = Application.objects.get(round=applied_round, name="己宿管")  # dormitory
    # Test set-up only: as if imported from paper and already excluded.
    Application.objects.filter(pk=paper.pk).update(source=Application.Source.IMPORT, state=Application.State.EXCLUDED)
    answers = []
    for earlier in (online, paper):
        form = apply_form(applied_round, applicant("同一人", date(1990, 1, 1), "F"))
        form["id_number"] = earlier.id_number
        response = Client().post(f"/jobs/{applied_round.pk}/apply/", form)
        assert response.status_code == 200 and response.context["form"].non_field_errors() == [NEUTRAL]
        html = response.content.decode().replace(earlier.id_number, "ID")
        answers.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html))
    assert answers[0] == answers[1]


def page_text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_public_pages_write_dates_and_punctuation_as_chinese_prose(db, open_round):
    client = Client()
    listing = page_text(client.get("/jobs/"))
    assert "报名时间 2026年6月1日 至 2026年6月12日" in listing
    assert "食堂厨师（食堂） × 2" in listing
    detail = page_text(client.get(f"/jobs/{open_round.pk}/"))
    assert "报名时间 2026年6月1日 至 2026年6月12日" in detail
    assert "年龄按 2026年6月12日 计算周岁" in detail
    assert "笔试占 40%，面试占 60%。同分时：面试成绩高者优先，其次笔试成绩高者优先。" in detail
    assert "宿舍管理员性别与被管理对象相同（女）（原则上）；" in detail
    assert not ISO_DATE.search(listing) and not ISO_DATE.search(detail)
    assert " (原则上)" not in detail and "优先." not in detail


def test_apply_form_labels_carry_no_colon_after_a_question(db, open_round):
    html = Client().get(f"/jobs/{open_round.pk}/apply/").content.decode()
    assert "是否有犯罪记录？<" in html
    assert not re.search(r"？\s*[:：]", html)


def test_the_duplicate_refusal_is_printed_once(db, applied_round):
    first = Application.objects.filter(round=applied_round, post__category="dormitory").order_by("pk").first()
    data = applicant("冒名者", date(1980, 8, 8), "F", sequence=6)
    assert data["id_number"] == first.id_number
    html = Client().post(f"/jobs/{applied_round.pk}/apply/", apply_form(applied_round, data)).content.decode()
    assert html.count(NEUTRAL) == 1


def test_the_status_checks_no_match_is_printed_once(db, submitted):
    response = Client().post(STATUS, {"code": submitted.code, "id_number": "110105194912310021"})
    html = response.content.decode()
    assert response.status_code == 200 and html.count("未找到报名记录") == 1


def test_a_finding_on_the_status_page_reads_as_chinese_prose(db, screened_round):
    old = by_name(screened_round, "丁厨师")
    page = page_text(Client().post(STATUS, {"code": old.code, "id_number": old.id_number}))
    assert "ELIG-AGE-M 男性年龄在60周岁以下 · 三(三) （川教函〔2021〕569号，原则性（原则上））：截至 2026年6月12日 年满 63 周岁" in page
    assert "569号, " not in page and "): " not in page
