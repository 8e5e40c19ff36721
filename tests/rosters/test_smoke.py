from hrflow.contracts.models import Contract
from hrflow.people.models import Person, Staff
from hrflow.rosters.models import RosterRow

from .conftest import LI, WANG, contract_row, roster_file, staff_row


def test_school_roster_round(db, today, user, school, upload, commit):
    hr = user("hr")
    file = roster_file([staff_row(), staff_row(name="李四", id_number=LI, gender="男", hired_on="2030-01-01")],
                       [contract_row()])
    batch = upload(hr, school.unit, file)
    rows = {(r.sheet, r.row): r for r in RosterRow.objects.filter(batch=batch)}
    print(batch.state, batch.counts, batch.file_problems, [(k, r.action, r.details) for k, r in rows.items()])
    assert batch.state == "previewed"
    assert batch.counts == {"staff:create": 1, "staff:refused": 1, "contract:add": 1}
    file = roster_file([staff_row()], [contract_row()])
    batch = upload(hr, school.unit, file)
    assert batch.can_commit
    batch = commit(batch, hr)
    print(batch.state, batch.outcome)
    assert batch.state == "committed"
    person = Person.objects.get(id_number=WANG)
    staff = Staff.objects.get(person=person, school=school)
    contract = Contract.objects.get(staff=staff)
    assert contract.state == "active" and staff.history.count() == 1 and "名单.xlsx" in staff.history.first().history_change_reason
    again = upload(hr, school.unit, roster_file([staff_row()], [contract_row()]))
    assert again.counts == {"staff:unchanged": 1, "contract:unchanged": 1}, again.counts


def test_a_commit_on_a_later_day_reads_the_file_again(db, today, user, school, upload, commit):
    """The preview's readings serve a commit on the same day; a day later the dates read otherwise
    (a hire date no longer in the future), so the file is read and checked again."""
    from datetime import timedelta

    hr = user("hr")
    batch = upload(hr, school.unit, roster_file([staff_row()], [contract_row()]))
    assert batch.previewed_on == today.value and batch.can_commit
    today.set(today.value + timedelta(days=1))
    batch = commit(batch, hr)
    assert batch.state == "committed", batch.outcome
    assert Staff.objects.filter(person__id_number=WANG, school=school).count() == 1


def test_a_commit_a_day_later_sees_a_new_contract_end(db, today, user, school, upload, commit):
    """A contract that ends today is current at the preview and ended the day after: the commit a
    day later reads it again, refuses it, and writes nothing."""
    from datetime import timedelta

    hr = user("hr")
    batch = upload(hr, school.unit, roster_file([staff_row()], [contract_row(ends_on=today.value.isoformat())]))
    assert batch.can_commit, batch.counts
    today.set(today.value + timedelta(days=1))
    batch = commit(batch, hr)
    assert batch.state == "previewed" and batch.counts.get("contract:refused") == 1, (batch.state, batch.counts)
    assert not Person.objects.filter(id_number=WANG).exists()


def test_the_daily_job_discards_stale_imports_and_clears_old_previews(db, today, user, school, upload, commit):
    from datetime import timedelta

    from django.utils import timezone

    from hrflow.rosters import jobs
    from hrflow.rosters.models import RosterImport

    hr = user("hr")
    stale = upload(hr, school.unit, roster_file([staff_row(name="李四", id_number=LI, gender="男")]))
    done = commit(upload(hr, school.unit, roster_file([staff_row()], [contract_row()])), hr)
    fresh = upload(hr, school.unit, roster_file([staff_row(name="李四", id_number=LI, gender="男")]))
    old = timezone.now() - timedelta(days=30)
    RosterImport.objects.filter(pk__in=[stale.pk, done.pk]).update(created_at=old, finished_at=old)
    counts = jobs.daily(as_of=timezone.localdate(), user=hr)
    assert counts == {"discarded": 1, "rows_cleared": 2}, counts
    assert RosterImport.objects.get(pk=stale.pk).state == "discarded"
    assert not RosterRow.objects.filter(batch__in=[stale.pk, done.pk]).exists()
    assert RosterImport.objects.get(pk=fresh.pk).state == "previewed" and RosterRow.objects.filter(batch=fresh).exists()
