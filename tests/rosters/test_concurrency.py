"""Commits racing in real threads, on PostgreSQL: a preview committed twice at once is written once,
and two files creating the same new person at two schools give that person one employment, the
other import going back to its preview with a message."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from hrflow.contracts.models import Contract
from hrflow.org.models import OrgUnit, Role, RoleAssignment, School
from hrflow.people.models import Person, Staff
from hrflow.rosters import services
from hrflow.rosters.models import RosterImport
from tests.threads import run_together

from .conftest import WANG, contract_row, roster_file, staff_row, written

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and COPY race only on PostgreSQL")


@pytest.fixture
def world(transactional_db, today):
    province = OrgUnit.objects.create(kind="province", code="R51", name="并发省")
    city = OrgUnit.objects.create(kind="city", code="R5101", name="并发市", parent=province)
    county = OrgUnit.objects.create(kind="county", code="R510104", name="并发区", parent=city)
    schools, officers = [], []
    for n in (1, 2):
        unit = OrgUnit.objects.create(kind="school", code=f"R510104000{n}", name=f"并发第{n}中学", parent=county)
        schools.append(School.objects.create(unit=unit, level="secondary", diners=100))
        officer = get_user_model().objects.create(username=f"roster-hr-{n}")
        RoleAssignment.objects.create(user=officer, role=Role.HR_OFFICER, unit=unit)
        officers.append(officer)
    return schools, officers


def _previewed(officer, school, name="名单.xlsx"):
    batch = services.roster_upload(user=officer, unit=school.unit, upload=roster_file([staff_row()], [contract_row()], name=name))
    batch = RosterImport.objects.get(pk=batch.pk)
    assert batch.state == "previewed" and batch.can_commit, (batch.counts, batch.file_problems)
    return batch


def test_one_preview_committed_twice_at_once_is_written_once(world):
    (school, _other), (officer, _hr) = world
    batch = _previewed(officer, school)
    before = written()
    results = run_together([lambda: services.roster_commit_request(batch=batch, user=officer) for _ in range(3)])
    assert all(kind == "ok" or isinstance(value, services.RosterError) for kind, value in results), results
    assert RosterImport.objects.get(pk=batch.pk).state == "committed"
    once = {name: count + 1 for name, count in before.items() if not name.startswith("DispatchAgreement")}
    assert written() == {**before, **once}


def test_a_commit_job_run_twice_at_once_writes_once(world):
    (school, _other), (officer, _hr) = world
    batch = _previewed(officer, school)
    # Queue the commit without running it, as a broker would, then deliver the task twice.
    from unittest import mock

    with mock.patch.object(services, "dispatch"):
        services.roster_commit_request(batch=batch, user=officer)
    before = written()
    results = run_together([lambda: services.run_step(batch.pk, "commit") for _ in range(2)])
    assert [kind for kind, _v in results] == ["ok", "ok"], results
    assert RosterImport.objects.get(pk=batch.pk).state == "committed"
    assert written()["Person"] == before["Person"] + 1 and written()["Contract history"] == before["Contract history"] + 1


def test_two_files_creating_the_same_person_at_two_schools_give_one_employment(world, monkeypatch):
    schools, officers = world
    batches = [_previewed(officer, school, name=f"名单{n}.xlsx") for n, (officer, school) in enumerate(zip(officers, schools), start=1)]
    # Both commits plan before either writes (the race this test is about, every run): each sees a new person.
    planned = threading.Barrier(2, timeout=20)
    write_staff = services.write_staff

    def write_when_both_planned(writer, chunk):
        planned.wait()
        return write_staff(writer, chunk)

    monkeypatch.setattr(services, "write_staff", write_when_both_planned)
    results = run_together([lambda b=b, o=o: services.roster_commit_request(batch=b, user=o) for b, o in zip(batches, officers)])
    assert [kind for kind, _v in results] == ["ok", "ok"], results
    states = sorted(RosterImport.objects.get(pk=b.pk).state for b in batches)
    assert states == ["committed", "previewed"], states
    person = Person.objects.get(id_number=WANG)
    assert Staff.objects.filter(person=person).count() == 1
    assert Contract.objects.filter(staff__person=person).count() == 1
    assert person.history.count() == 1
    loser = next(RosterImport.objects.get(pk=b.pk) for b in batches if RosterImport.objects.get(pk=b.pk).state == "previewed")
    with translation.override(loser.language):
        expected = {
            _("Someone recorded some of these people at the same moment, so nothing was written. Run the preview again."),
            _("The records changed since the preview, so nothing was written: here is the preview again. Check it and import again."),
        }
    assert loser.outcome in expected, loser.outcome


def test_two_files_linking_the_same_person_at_two_schools_give_one_current_employment(world):
    schools, officers = world
    person = Person.objects.create(id_number=WANG, name="王小芳", education="senior_high")
    gone = Staff.objects.create(person=person, school=schools[0], post_category="canteen", employment_type="contract",
                                hired_on=staff_row()["hired_on"], status="left")
    batches = [_previewed(officer, school, name=f"名单{n}.xlsx") for n, (officer, school) in enumerate(zip(officers, schools), start=1)]
    results = run_together([lambda b=b, o=o: services.roster_commit_request(batch=b, user=o) for b, o in zip(batches, officers)])
    assert [kind for kind, _v in results] == ["ok", "ok"], results
    assert sorted(RosterImport.objects.get(pk=b.pk).state for b in batches) == ["committed", "previewed"]
    assert Staff.objects.filter(person=person).exclude(pk=gone.pk).count() == 1
