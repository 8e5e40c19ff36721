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
