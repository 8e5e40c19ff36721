"""Login throttling: django-axes locks one username at one address after repeated failures, for
the cool-off; a per-address rate limit caps guesses across usernames. Both answer 429 in Chinese."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from hrflow.core.throttle import client_ip, client_key
from hrflow.demo.data import DEMO_PASSWORD
from hrflow.settings import env_rates

LOGIN = "/accounts/login/"
SCHOOL_NAT = "10.1.2.3"


def attempt(client, username, password, address=SCHOOL_NAT):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_through_the_real_form(db):
    client = Client()
    response = attempt(client, "hr", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_is_locked_after_the_limit_with_a_chinese_page(db):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5  # the documented default
    client = Client()
    for _ in range(limit - 1):
        response = attempt(client, "hr", "wrong")
        assert response.status_code == 200 and "hf-locked" not in response.content.decode()
    locked = attempt(client, "hr", "wrong")
    html = locked.content.decode()
    assert locked.status_code == 429 and "登录已暂时锁定" in html and "登录尝试次数过多" in html
    # The right password does not help during the lock; the page names the end of it, in Beijing time.
    again = attempt(client, "hr", DEMO_PASSWORD)
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    last = AccessAttempt.objects.get(username="hr", ip_address=SCHOOL_NAT)
    assert last.failures_since_start == limit
    ends = timezone.localtime(last.attempt_time + settings.AXES_COOLOFF_TIME)
    # Named as Chinese writes it, to the minute, rounded up so that "after" it is true.
    shown = ends.replace(second=0, microsecond=0) + timedelta(minutes=1 if ends.second or ends.microsecond else 0)
    html = again.content.decode()
    assert f"请在 {shown.year}年{shown.month}月{shown.day}日 {shown:%H:%M} 之后再试" in html
    assert ends.strftime("%Y-%m-%d") not in html
    assert 0 < int(again["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()


def test_lockout_is_recorded_for_the_admin(db, login):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "leader", "wrong")
    assert AccessFailureLog.objects.filter(username="leader", ip_address=SCHOOL_NAT, locked_out=True).exists()
    admin = login("admin")
    page = admin.get("/admin/axes/accessattempt/").content.decode()
    assert "leader" in page and SCHOOL_NAT in page and "登录尝试" in page
    assert "leader" in admin.get("/admin/axes/accessfailurelog/").content.decode()


def test_lock_holds_one_username_at_one_address_only(db):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "hr", "wrong")
    assert attempt(Client(), "hr", DEMO_PASSWORD).status_code == 429
    # The same officer from home, and a colleague behind the same school NAT, still log in.
    assert attempt(Client(), "hr", DEMO_PASSWORD, address="10.9.9.9").status_code == 302
    assert attempt(Client(), "leader", DEMO_PASSWORD).status_code == 302


def test_login_opens_again_after_the_cool_off(db):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "hr", "wrong")
    assert attempt(client, "hr", DEMO_PASSWORD).status_code == 429
    AccessAttempt.objects.filter(username="hr").update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME + timedelta(seconds=30)
    )
    assert attempt(client, "hr", DEMO_PASSWORD).status_code == 429  # 30 seconds to go
    AccessAttempt.objects.filter(username="hr").update(attempt_time=F("attempt_time") - timedelta(minutes=1))
    assert attempt(client, "hr", DEMO_PASSWORD).status_code == 302


def test_a_success_clears_earlier_failures(db):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "hr", "wrong")
    assert attempt(Client(), "hr", DEMO_PASSWORD).status_code == 302
    assert attempt(client, "hr", "wrong").status_code == 200  # counting starts again


def test_login_posts_of_one_address_are_rate_limited_across_usernames(db):
    """Password spraying (one guess for each of many usernames) never trips the per-username
    lock; the address's own limit (default 100 an hour) does."""
    assert settings.HRFLOW["RATELIMIT_LOGIN"] == ["100/h"]
    client = Client()
    for i in range(100):
        # Every POST counts, checked or not: an empty password keeps the hasher out of the test's time.
        assert attempt(client, f"nobody{i}", "", address="10.7.7.7").status_code == 200, i
    blocked = attempt(client, "hr", DEMO_PASSWORD, address="10.7.7.7")
    assert blocked.status_code == 429 and "请在" in blocked.content.decode() and "_auth_user_id" not in client.session
    assert attempt(Client(), "hr", DEMO_PASSWORD, address="10.7.7.8").status_code == 302
    assert client.get(LOGIN, REMOTE_ADDR="10.7.7.7").status_code == 200  # reading the page is not counted


@pytest.mark.parametrize("value", ["", "x" * 5000, "hr\x00", "' OR 1=1 --", {"a": 1}])
def test_hostile_login_input_gets_an_answer(db, value):
    response = Client().post(LOGIN, {"username": value, "password": value})
    assert response.status_code == 200 and "_auth_user_id" not in Client().session


def test_a_huge_username_is_recorded_cut_to_the_longest_real_one(db):
    """Django's login form does not bound the username; PostgreSQL's attempt table does."""
    response = Client().post(LOGIN, {"username": "名" * 5000, "password": "x"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "名" * 150


def test_a_lookalike_username_is_locked_like_any_other(db):
    lookalike = "\u202ehr"  # right-to-left override: shows as "rh"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(Client(), lookalike, "wrong")
    assert response.status_code == 429
    assert attempt(Client(), "hr", DEMO_PASSWORD).status_code == 302


def request(remote="203.0.113.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_client_address_ignores_forwarded_for_without_trusted_proxies():
    assert client_ip(request(forwarded="1.1.1.1")) == "203.0.113.9"
    assert client_ip(request(remote="")) == "0.0.0.0"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client forged the first entry
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "203.0.113.9"),  # fewer hops than proxies: only the socket is trusted
        (1, "not-an-address", "203.0.113.9"),
    ],
)
def test_client_address_behind_trusted_proxies(proxies, forwarded, expected):
    with override_settings(HRFLOW={**settings.HRFLOW, "TRUSTED_PROXY_COUNT": proxies}):
        assert client_ip(request(forwarded=forwarded)) == expected


def test_an_ipv6_client_counts_as_its_whole_64():
    assert client_key(None, request(remote="2001:db8:1:2:aaaa::1")) == client_key(None, request(remote="2001:db8:1:2:bbbb::9"))
    assert client_key(None, request(remote="2001:db8:1:3::1")) != client_key(None, request(remote="2001:db8:1:2::1"))


def test_rates_from_the_environment_are_checked(monkeypatch):
    monkeypatch.setenv("HRFLOW_TEST_RATE", "10/m, 50/h")
    assert env_rates("HRFLOW_TEST_RATE", "1/m") == ["10/m", "50/h"]
    monkeypatch.setenv("HRFLOW_TEST_RATE", "")
    assert env_rates("HRFLOW_TEST_RATE", "1/m") == []
    for wrong in ("ten/m", "10/x", "0/m", "10"):
        monkeypatch.setenv("HRFLOW_TEST_RATE", wrong)
        with pytest.raises(ImproperlyConfigured):
            env_rates("HRFLOW_TEST_RATE", "1/m")
