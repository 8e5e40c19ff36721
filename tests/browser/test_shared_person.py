"""Another school's HR enters a known ID number in the browser: the person is shown masked,
nothing of theirs changes, and the officer links the employment as a transfer with a reason."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hrflow.people.models import Person, Staff

from .conftest import shoot

pytestmark = pytest.mark.browser


def test_hr2_links_a_transfer_without_touching_the_person(open_as, demo_site):
    staff = Staff.objects.filter(school__unit__code="5101040002", status="active", person__user__isnull=True).select_related("person").first()
    person = staff.person
    before = (person.name, person.education, person.phone)
    page = open_as("hr2")
    page.goto(f"{demo_site}/people/staff/new/")
    page.fill("input[name=person-name]", "改过的名字")
    page.fill("input[name=person-id_number]", person.id_number)
    page.fill("input[name=person-phone]", "13900000000")
    page.select_option("select[name=person-education]", "doctorate")
    page.select_option("select[name=staff-post_category]", "canteen")
    page.select_option("select[name=staff-employment_type]", "contract")
    page.fill("input[name=staff-hired_on]", timezone.localdate().isoformat())  # a transfer starts today
    page.get_by_role("button", name="保存").click()
    notice = page.locator("[data-testid=existing-person]")
    expect(notice).to_contain_text(person.masked_id_number)
    expect(notice).to_contain_text("成都市第七中学")
    assert person.id_number not in notice.inner_text()
    shoot(page, "staff-existing-person")
    page.get_by_label("调动").check()
    page.fill("textarea[name=reason]", "经两校协商调入本校食堂")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-testid=status]")).to_have_text("在岗")
    shoot(page, "staff-transferred-in")
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.name, fresh.education, fresh.phone) == before
    assert Staff.objects.get(pk=staff.pk).status == "exiting"
