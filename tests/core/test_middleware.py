"""A crafted query string is refused before any view or database sees it."""

import pytest
from django.urls import reverse

from hrflow.people.models import Staff


@pytest.mark.parametrize("query", [{"status": "\x00"}, {"q": "张\x00伟"}, {"cat\x00egory": "canteen"}])
@pytest.mark.parametrize("route", ["people:staff_list", "audit:change_list", "jobs:round_list"])
def test_nul_in_the_query_string_is_a_400_in_chinese(login, route, query):
    before = Staff.objects.count()
    response = login("bureau").get(reverse(route), query)
    assert response.status_code == 400
    text = response.content.decode()
    assert "未作任何更改" in text and "NUL" in text
    assert Staff.objects.count() == before


def test_a_plain_query_string_still_reaches_the_view(login):
    response = login("bureau").get(reverse("people:staff_list"), {"status": "active", "q": "张"})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/audit/changes/export/", "/org/compliance/export/"])
def test_a_get_on_a_post_only_address_is_a_page_in_chinese(login, url):
    response = login("auditor").get(url)
    assert response.status_code == 405 and response["Allow"] == "POST"
    text = response.content.decode()
    assert "未作任何更改" in text and "我的导出" in text
