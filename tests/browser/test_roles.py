"""Each demo role logs in through the real login page and lands on a page made for it.

Screenshots go to var/screenshots/ (home-<role>.png) for a person to look at.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import shoot

pytestmark = pytest.mark.browser

LANDING = {
    # role: (a heading or text only that role's home shows, a menu entry it must have, one it must not)
    "hr": ("成都市第七中学", "新增职工", "变更记录"),
    "leader": ("成都市第七中学", "人员配备达标情况", "新增职工"),
    "staff": ("我的聘用情况", "我的信息", "人员配备达标情况"),
    "auditor": ("最近变更", "变更记录", "新增职工"),
    "bureau": ("辖区学校", "人员配备达标情况", "变更记录"),
}


def test_anonymous_visitors_are_sent_to_login(open_as, demo_site):
    page = open_as()
    page.goto(f"{demo_site}/people/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/people/staff/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    shoot(page, "login")


@pytest.mark.parametrize("role", sorted(LANDING))
def test_each_role_lands_on_its_home_in_chinese(role, open_as):
    page = open_as(role)
    own, has, lacks = LANDING[role]
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main")).to_contain_text("欢迎")
    expect(page.locator("main")).to_contain_text(own)
    body = page.locator("body")
    expect(body).to_contain_text(has)
    assert lacks not in page.locator("aside").inner_text() + page.locator("main").inner_text()
    shoot(page, f"home-{role}")


def test_switching_to_english_and_back(open_as):
    page = open_as("hr")
    page.click("button[lang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_contain_text("Staffing compliance")
    shoot(page, "home-hr-en")
    page.click("button[lang=zh-hans]")
    expect(page.locator("main")).to_contain_text("人员配备达标情况")


def test_hr_suspends_a_staff_member_and_the_auditor_sees_it(open_as, demo_site):
    page = open_as("hr")
    page.goto(f"{demo_site}/people/staff/?category=canteen")
    page.locator("[data-testid=staff-table] a").first.click()
    name = page.locator("h2").nth(0).inner_text()
    assert name
    page.get_by_role("link", name="停岗").click()
    page.fill("textarea[name=reason]", "食品安全检查不合格，停岗整改")
    page.get_by_role("button", name="停岗").click()
    expect(page.locator("[data-testid=status]")).to_have_text("停岗")
    shoot(page, "staff-suspended")

    auditor = open_as("auditor")
    auditor.goto(f"{demo_site}/audit/changes/?user=hr")
    table = auditor.locator("[data-testid=change-table]")
    expect(table).to_contain_text("食品安全检查不合格，停岗整改")
    expect(table).to_contain_text("在岗 → 停岗")
    shoot(auditor, "audit-log")
