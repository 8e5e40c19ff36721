"""Shared fixtures. The demo data is loaded once per session into the test database; each
`db` test runs in a transaction rolled back afterwards. Tests on `transactional_db` (browser,
threads) see a flushed database and seed what they need themselves."""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client

from hrflow.core.history import system_user
from hrflow.demo.data import DEMO_PASSWORD, seed_demo
from hrflow.org.models import School
from hrflow.people.models import Staff

SCHOOL_HR = "5101040002"  # 成都市第七中学: hr, leader and staff belong here
OTHER_SCHOOL = "5101050001"  # hr2's school


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_demo(user=system_user())


@pytest.fixture
def login(db):
    """A client logged in as a demo user. force_login: django-axes needs the request that
    client.login() does not give; tests/core/test_throttle.py logs in through the real form."""

    def make(username):
        client = Client()
        if username != "anonymous":
            account = get_user_model().objects.get(username=username)
            assert account.is_active and account.check_password(DEMO_PASSWORD), username
            client.force_login(account)
        return client

    return make


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache, which no transaction rolls back: every test starts
    with none and leaves none. On Redis only the counters go (the cache may share a database).
    A test that posts many times within itself (a fuzz) may call clear_rate_limits() between cases."""
    clear_rate_limits()
    yield
    clear_rate_limits()


def clear_rate_limits():
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)  # Django's RedisCache
    pattern = cache.make_key(getattr(settings, "RATELIMIT_CACHE_PREFIX", "rl:") + "*")
    for key in client.scan_iter(match=pattern):
        client.delete(key)


@pytest.fixture
def user(db):
    return lambda username: get_user_model().objects.get(username=username)


@pytest.fixture
def school(db):
    return School.objects.select_related("unit").get(unit__code=SCHOOL_HR)


@pytest.fixture
def other_school(db):
    return School.objects.select_related("unit").get(unit__code=OTHER_SCHOOL)


@pytest.fixture
def staff_member(school):
    """An active staff member of the HR officer's school who is not the demo `staff` login."""
    return Staff.objects.filter(school=school, status="active", person__user__isnull=True).select_related("person").order_by("id").first()


@pytest.fixture
def export_download(django_capture_on_commit_callbacks):
    """Start an export as `client` would (a POST of the page's form) and download its file; the
    job runs when the request's transaction commits. Returns the refusal if one came."""

    def run(client, url, params=None):
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(url, params or {})
        if started.status_code != 302:
            return started
        download = client.get(started["Location"] + "download/")
        if not download.streaming:
            return download
        # A FileResponse streams; the tests read it whole (reading it to the end closes it).
        whole = HttpResponse(b"".join(download.streaming_content), content_type=download["Content-Type"], status=download.status_code)
        whole["Content-Disposition"] = download["Content-Disposition"]
        return whole

    return run


@pytest.fixture
def export_changes(export_download):
    """The change log's export under a filter (the page's query) as `client`."""
    return lambda client, params: export_download(client, "/audit/changes/export/", params)


class MovedClock:
    """The application's today, moved by a test: `clock.set(date)`; `clock.value` is today."""

    def __init__(self, monkeypatch, start):
        from hrflow.core import clock

        self.value = start
        monkeypatch.setattr(clock, "today", lambda: self.value)

    def set(self, value):
        self.value = value
