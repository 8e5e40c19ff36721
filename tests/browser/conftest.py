"""Playwright drives Debian's Chromium against pytest-django's live server.

Inside `sync_playwright()` an event loop runs in the test's thread and Django would refuse
the ORM there; these tests read the database between browser steps, so they (and only they)
allow it.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from hrflow.core.history import system_user
from hrflow.demo.data import DEMO_PASSWORD, seed_demo

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture
def demo_site(transactional_db, live_server):
    seed_demo(user=system_user())
    return live_server.url


@pytest.fixture
def browser(demo_site):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, demo_site):
    """A page logged in as `username` (or anonymous), 1400×900."""

    def make(username=None):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(15000)
        if username:
            page.goto(f"{demo_site}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.vf-form button[type=submit]")
            page.wait_for_url(f"{demo_site}/")
        return page

    return make


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
