"""A bureau's roster names the school on every row: matched by name or code within the officer's
scope, never outside it, and by code when a name is ambiguous."""

import pytest

from hrflow.org.models import OrgUnit, School
from hrflow.people.models import Staff

from .conftest import LI, WANG, contract_row, problems, roster_file, rows_of, staff_row, written


@pytest.fixture
def outside(db):
    """A school in another city of the province, outside the bureau officer's scope."""
    province = OrgUnit.objects.get(code="5101").parent
    city = OrgUnit.objects.create(kind="city", code="5103", name="自贡市", parent=province)
    county = OrgUnit.objects.create(kind="county", code="510302", name="自流井区", parent=city)
    unit = OrgUnit.objects.create(kind="school", code="5103020001", name="自贡市蜀光中学", parent=county)
    return School.objects.create(unit=unit, level="secondary", diners=500)


def test_schools_are_matched_by_name_and_by_code(today, user, school, other_school, city, upload, commit):
    bureau = user("bureau")
    file = roster_file(
        [staff_row(school=school.unit.name), staff_row(school=other_school.unit.code, name="李四", id_number=LI, gender="男")],
        [contract_row(school=school.unit.name), contract_row(school=other_school.unit.code, name="李四", id_number=LI)], bureau=True)
    batch = upload(bureau, city, file)
    rows = rows_of(batch)
    assert batch.counts == {"staff:create": 2, "contract:add": 2}, [r.details for r in rows.values()]
    assert rows[("staff", 2)].school == school and rows[("staff", 3)].school == other_school
    batch = commit(batch, bureau)
    assert batch.state == "committed", batch.outcome
    assert Staff.objects.get(person__id_number=WANG).school == school
    assert Staff.objects.get(person__id_number=LI).school == other_school


def test_a_school_outside_the_scope_is_refused_by_name_and_by_code(today, user, city, outside, upload):
    before = written()
    batch = upload(user("bureau"), city, roster_file(
        [staff_row(school=outside.unit.name), staff_row(school=outside.unit.code, name="李四", id_number=LI, gender="男")], bureau=True))
    for number in (2, 3):
        row = rows_of(batch)[("staff", number)]
        assert row.action == "refused" and row.school is None
        assert [c for c, _m in problems(row)] == ["学校"]
    assert not batch.can_commit and written() == before


def test_a_missing_school_is_refused(today, user, city, upload):
    batch = upload(user("bureau"), city, roster_file([staff_row(school="")], bureau=True))
    row = rows_of(batch)[("staff", 2)]
    assert row.action == "refused" and [c for c, _m in problems(row)] == ["学校"]


def test_an_ambiguous_name_needs_the_code(today, user, school, city, upload):
    county = OrgUnit.objects.get(code="510105")
    twin = School.objects.create(unit=OrgUnit.objects.create(kind="school", code="5101059901", name=school.unit.name, parent=county),
                                 level="secondary", diners=300)
    bureau = user("bureau")
    batch = upload(bureau, city, roster_file([staff_row(school=school.unit.name)], bureau=True))
    row = rows_of(batch)[("staff", 2)]
    assert row.action == "refused"
    [(column, message)] = problems(row)
    assert column == "学校" and school.unit.name in message
    batch = upload(bureau, city, roster_file([staff_row(school=twin.unit.code)], bureau=True))
    row = rows_of(batch)[("staff", 2)]
    assert row.action == "create" and row.school == twin


def test_a_school_roster_uploaded_for_a_city_is_refused_as_a_file_problem(today, user, city, upload):
    batch = upload(user("bureau"), city, roster_file([staff_row()]))
    assert batch.file_problems and batch.file_problems[0]["row"] == 1
    assert "职工" in batch.file_problems[0]["column"]
    assert not batch.can_commit


def test_the_bureau_cannot_import_for_a_unit_outside_its_scope(today, user, outside, upload):
    from hrflow.rosters import services

    with pytest.raises(services.RosterError):
        upload(user("bureau"), outside.unit.parent, roster_file([staff_row(school=outside.unit.name)], bureau=True))
