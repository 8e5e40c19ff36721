"""Who may open and act on an import, through the pages: the uploader alone, while the unit is in
their scope; a refused preview is not committed from the page either."""

import pytest
from django.contrib.messages import get_messages

from hrflow.rosters.models import RosterImport

from .conftest import LI, contract_row, roster_file, staff_row, written


@pytest.fixture
def previewed(today, user, school, upload):
    return upload(user("hr"), school.unit, roster_file([staff_row()], [contract_row()]))


@pytest.mark.parametrize("username", ["hr2", "bureau", "leader", "staff", "auditor"])
def test_only_the_uploader_opens_or_acts_on_an_import(login, previewed, username):
    client = login(username)
    assert client.get(f"/rosters/{previewed.pk}/").status_code == 403
    assert client.get(f"/rosters/{previewed.pk}/?progress=1").status_code == 403
    before = written()
    for action in ("commit", "discard", "rerun"):
        assert client.post(f"/rosters/{previewed.pk}/{action}/").status_code == 403
    assert RosterImport.objects.get(pk=previewed.pk).state == "previewed"
    assert written() == before


def test_the_uploader_opens_the_preview(login, previewed):
    response = login("hr").get(f"/rosters/{previewed.pk}/")
    assert response.status_code == 200
    assert "王小芳" in response.content.decode()


@pytest.mark.parametrize("username", ["staff", "leader", "auditor"])
def test_a_user_without_an_import_role_cannot_open_the_start_page(login, username):
    client = login(username)
    assert client.get("/rosters/import/").status_code == 403


def test_the_start_page_refuses_an_upload_for_a_unit_outside_the_choices(login, other_school, school):
    client = login("hr")
    before = written()
    response = client.post("/rosters/import/", {"unit": other_school.unit.pk, "file": roster_file([staff_row()])})
    assert response.status_code == 400
    assert not RosterImport.objects.filter(unit=other_school.unit).exists()
    assert written() == before


def test_the_template_of_a_unit_outside_the_scope_is_refused(login, school, other_school, city):
    client = login("hr")
    assert client.get(f"/rosters/template/{school.unit.pk}.xlsx").status_code == 200
    assert client.get(f"/rosters/template/{other_school.unit.pk}.xlsx").status_code == 403
    assert client.get(f"/rosters/template/{city.pk}.xlsx").status_code == 403
    assert login("staff").get(f"/rosters/template/{school.unit.pk}.xlsx").status_code == 403
    assert login("bureau").get(f"/rosters/template/{city.pk}.xlsx").status_code == 200


def test_the_export_of_a_unit_outside_the_scope_is_refused(login, other_school, city):
    from hrflow.exports.models import ExportJob

    jobs = ExportJob.objects.count()
    assert login("hr").post(f"/rosters/export/{other_school.unit.pk}/").status_code == 403
    assert login("hr").post(f"/rosters/export/{city.pk}/").status_code == 403
    assert ExportJob.objects.count() == jobs


def test_committing_a_preview_with_refused_rows_changes_nothing_and_says_why(today, user, school, login, upload):
    batch = upload(user("hr"), school.unit, roster_file([staff_row(), staff_row(name="李四", id_number=LI, gender="女")]))
    assert batch.counts.get("staff:refused") == 1
    client = login("hr")
    before = written()
    response = client.post(f"/rosters/{batch.pk}/commit/")
    assert response.status_code == 302 and response["Location"] == f"/rosters/{batch.pk}/"
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert RosterImport.objects.get(pk=batch.pk).state == "previewed"
    assert written() == before
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_an_unknown_action_is_not_found(login, previewed):
    assert login("hr").post(f"/rosters/{previewed.pk}/delete/").status_code == 404


def test_a_discarded_import_cannot_be_committed(login, previewed):
    client = login("hr")
    assert client.post(f"/rosters/{previewed.pk}/discard/", follow=True).status_code == 200
    before = written()
    response = client.post(f"/rosters/{previewed.pk}/commit/")
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert RosterImport.objects.get(pk=previewed.pk).state == "discarded"
    assert written() == before


def test_an_officer_who_lost_the_role_can_no_longer_open_or_commit_their_import(login, previewed):
    from hrflow.org.models import RoleAssignment

    client = login("hr")
    RoleAssignment.objects.filter(user__username="hr").delete()
    before = written()
    assert client.get(f"/rosters/{previewed.pk}/").status_code == 403
    assert client.post(f"/rosters/{previewed.pk}/commit/").status_code == 403
    assert RosterImport.objects.get(pk=previewed.pk).state == "previewed"
    assert written() == before
