"""Exports in Chromium: the auditor filters the change log, exports it as a job and downloads the
file from the job's page; the file holds the filtered changes (screenshots: var/screenshots/export-*.png)."""

import io

import openpyxl
import pytest

from hrflow.people.models import Staff
from hrflow.people.services import staff_transition
from tests.browser.conftest import browser, demo_site, open_as, shoot  # noqa: F401 - fixtures
from tests.conftest import SCHOOL_HR

pytestmark = pytest.mark.browser


def test_the_auditor_exports_the_filtered_change_log_and_downloads_it(open_as):
    from django.contrib.auth import get_user_model

    hr = get_user_model().objects.get(username="hr")
    member = Staff.objects.filter(school__unit__code=SCHOOL_HR, status="active", person__user__isnull=True).order_by("id").first()
    staff_transition(staff=member, name="suspend", acting_user=hr, reason="浏览器导出测试停岗")
    page = open_as("auditor")
    page.goto(page.url + "audit/changes/")
    page.select_option("select[name=model]", "people.staff")
    page.fill("input[name=user]", "hr")
    page.click("form.hf-filters button[type=submit]")
    page.wait_for_url("**model=people.staff**")  # the unfiltered page shows the change too
    page.wait_for_selector("text=浏览器导出测试停岗")
    page.click("[data-testid=export-form] button[type=submit]")
    page.wait_for_selector("[data-testid=export-done]")
    shoot(page, "export-job")
    with page.expect_download() as download:
        page.click("text=下载")
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("时间", "操作人")
    assert any(r[8] and "浏览器导出测试停岗" in r[8] for r in rows[1:])
    assert {r[2] for r in rows[1:]} == {"后勤职工"}, "the filter (record type) travels with the export"
    page.goto(page.url.split("/exports/")[0] + "/exports/mine/")
    assert page.locator("[data-testid=export-table] tr").count() == 2
    shoot(page, "export-list")


def test_hr_exports_a_rounds_results_from_the_round_page(open_as):
    from hrflow.hiring.models import SelectionRound

    round = SelectionRound.objects.order_by("pk").first()
    page = open_as("hr")
    page.goto(page.url + f"hiring/rounds/{round.pk}/")
    page.click("[data-testid=results-export] button")
    page.wait_for_selector("[data-testid=export-done]")
    with page.expect_download() as download:
        page.click("text=下载")
    rows = list(openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "岗位" and len(rows) == round.applications.count() + 1
