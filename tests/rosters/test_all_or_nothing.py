"""A roster is written whole or not at all: a refused row writes nothing and blocks the commit, and
the same file imported twice writes nothing the second time."""

import pytest

from hrflow.rosters import services
from hrflow.rosters.models import RosterImport

from .conftest import LI, WANG, contract_row, roster_file, rows_of, staff_row, written

LI_ROW = dict(name="李四", id_number=LI, gender="男")


def test_a_refused_row_leaves_nothing_written_and_blocks_the_commit(today, user, school, upload, commit):
    hr = user("hr")
    before = written()
    batch = upload(hr, school.unit, roster_file(
        [staff_row(), staff_row(**LI_ROW, hired_on="2030-01-01")],
        [contract_row(), contract_row(name="李四", id_number=LI)]))
    assert batch.state == "previewed"
    assert batch.counts == {"staff:create": 1, "staff:refused": 1, "contract:add": 1, "contract:refused": 1}
    assert written() == before
    assert not batch.can_commit
    with pytest.raises(services.RosterError):
        commit(batch, hr)
    assert RosterImport.objects.get(pk=batch.pk).state == "previewed"
    assert written() == before


def test_the_contract_of_a_refused_staff_row_is_refused_naming_that_row(today, user, school, upload):
    batch = upload(user("hr"), school.unit, roster_file([staff_row(gender="男")], [contract_row()]))
    row = rows_of(batch)[("contract", 2)]
    assert row.action == "refused"
    assert [c for c, _m in row.details["problems"]] == ["身份证号码"]
    assert "2" in row.details["problems"][0][1]


def test_the_same_file_twice_writes_nothing_the_second_time(today, user, school, upload, commit):
    hr = user("hr")
    staff = [staff_row(), staff_row(**LI_ROW, employment_type="劳务派遣", category="物业", title="")]
    contracts = [contract_row(probation_months=2, probation_pay=2800),
                 contract_row(name="李四", id_number=LI, kind="派遣协议", agreed_pay=None, ends_on="2026-12-31", agency="四川某劳务派遣有限公司",
                              post_nature="辅助性", probation_months=None)]
    first = commit(upload(hr, school.unit, roster_file(staff, contracts)), hr)
    assert first.state == "committed", first.outcome
    after_first = written()
    again = upload(hr, school.unit, roster_file(staff, contracts))
    assert again.counts == {"staff:unchanged": 2, "contract:unchanged": 2}, [r.details for r in rows_of(again).values()]
    assert written() == after_first
    again = commit(again, hr)
    assert again.state == "committed", again.outcome
    assert written() == after_first


def test_records_changed_since_the_preview_send_the_commit_back_to_the_preview(today, user, school, other_school, upload, commit):
    from .conftest import employ

    hr = user("hr")
    batch = upload(hr, school.unit, roster_file([staff_row()], [contract_row()]))
    assert batch.can_commit
    employ(WANG, other_school)  # another school records the person meanwhile
    before = written()
    batch = commit(batch, hr)
    assert batch.state == "previewed" and batch.outcome
    assert written() == before
    rows = rows_of(batch)
    assert rows[("staff", 2)].action == "refused" and other_school.unit.name in rows[("staff", 2)].details["problems"][0][1]
    assert batch.counts.get("staff:refused") == 1 and not batch.can_commit


@pytest.mark.parametrize("days_later", [0, 1], ids=["same-day", "a-day-later"])
def test_a_change_made_meanwhile_is_never_undone_unseen_even_when_the_counts_agree(today, user, school, upload, commit, days_later):
    from datetime import timedelta

    from hrflow.people.models import Person

    hr = user("hr")
    li = dict(LI_ROW, employment_type="劳务派遣", category="物业", title="")
    staff = [staff_row(), staff_row(**li)]
    assert commit(upload(hr, school.unit, roster_file(staff)), hr).state == "committed"
    # The file corrects 王小芳's phone and repeats 李四's: one update, one unchanged.
    batch = upload(hr, school.unit, roster_file([staff_row(phone="13900000003"), staff_row(**li)]))
    assert batch.counts == {"staff:update": 1, "staff:unchanged": 1}
    # Meanwhile another officer makes 王小芳's phone what the file says and changes 李四's: the file would
    # now leave her unchanged and take his back, the same counts.
    Person.objects.filter(id_number=WANG).update(phone="13900000003")
    Person.objects.filter(id_number=LI).update(phone="13700000000")
    today.set(today.value + timedelta(days=days_later))
    before = written()
    batch = commit(batch, hr)
    assert batch.state == "previewed" and batch.outcome, batch.outcome
    assert written() == before
    assert Person.objects.get(id_number=LI).phone == "13700000000"
    rows = rows_of(batch)
    assert rows[("staff", 2)].action == "unchanged" and rows[("staff", 3)].action == "update"
    assert rows[("staff", 3)].details["changes"] == [["联系电话", "13700000000", "13800138000"]]
