"""The Schools pages and the school chooser in Chromium (screenshots: var/screenshots/org-*.png)."""

import re

import pytest

from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from tests.browser.conftest import browser, demo_site, open_as, shoot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_school_list_and_compliance_drill_down(open_as):
    page = open_as("bureau")
    page.goto(page.url + "org/schools/")
    assert page.locator("[data-testid=school-table] tr").count() == School.objects.count() + 1
    shoot(page, "org-school-list")
    page.goto(page.url.replace("org/schools/", "org/compliance/"))
    assert page.locator("[data-testid=drill]").count() == 3
    shoot(page, "org-compliance-city")
    page.locator("[data-testid=drill]", has_text="武侯区").click()
    page.wait_for_selector("[data-testid=school-table]")
    assert page.locator("[data-testid=school-table] tr").count() == 3
    shoot(page, "org-compliance-county")


def test_province_compliance_by_city(open_as):
    RoleAssignment.objects.filter(user__username="auditor", role=Role.AUDITOR).update(unit=OrgUnit.objects.get(code="51"))
    page = open_as("auditor")
    page.goto(page.url + "org/compliance/")
    assert page.locator("[data-testid=drill]").all_inner_texts() == ["成都市"]
    shoot(page, "org-compliance-province")


def test_the_chooser_searches_picks_and_opens_the_school(open_as):
    school = School.objects.get(unit__code="5101040002")
    page = open_as("bureau")
    page.goto(page.url + "org/compliance/")
    page.wait_for_selector("[data-school-chooser=ready]")
    search = page.locator("input[data-school-search]")
    search.click()
    search.type("第七", delay=50)
    page.wait_for_function("document.querySelectorAll('datalist option').length === 1")
    options = page.locator("datalist option")
    label = options.first.get_attribute("value")
    assert page.locator("input[data-school-id]").input_value() == ""
    search.fill(label)  # what picking the option from the list does: the input event with its value
    assert page.locator("input[data-school-id]").input_value() == str(school.pk)
    shoot(page, "org-chooser")
    search.fill(label + "x")  # editing the text forgets the pick
    assert page.locator("input[data-school-id]").input_value() == ""
    search.fill(label)
    search.press("Enter")
    page.wait_for_url(re.compile(rf"/org/schools/{school.pk}/$"))
