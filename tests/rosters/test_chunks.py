"""A province's file is decided, stored and written a chunk of rows at a time (CHUNK_ROWS): here a
chunk is two rows, so every rule that looks across rows meets a chunk boundary."""

import pytest

from hrflow.contracts.models import Contract
from hrflow.people.models import Staff
from hrflow.rosters import plan

from .conftest import contract_row, id_number, roster_file, rows_of, staff_row, written



def person_id(n):
    """The n-th person: (name, ID number, gender), the ID's sex digit matching the gender."""
    gender = "女" if n % 2 == 0 else "男"
    return "职工" + "甲乙丙丁戊"[n], id_number(f"510104199001{n + 1:02d}10{2 if gender == '女' else 1}"), gender


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(plan, "CHUNK_ROWS", 2)


def staff_of(n, **values):
    name, number, gender = person_id(n)
    return staff_row(**{"name": name, "id_number": number, "gender": gender, **values})


def contract_of(n, **values):
    name, number, _gender = person_id(n)
    return contract_row(**{"name": name, "id_number": number, **values})


def test_rules_across_rows_hold_across_chunks(today, user, school, upload):
    staff = [staff_of(0), staff_of(1), staff_of(2), staff_of(3, certificates="厨神证"), staff_of(0)]
    # Row 2 (person 0) has two contract rows far apart; person 3 (row 5) has none; person 2 (row 4) has one in the last chunk.
    contracts = [contract_of(0), contract_of(1), contract_of(0, starts_on="2025-09-01"), contract_of(2)]
    batch = upload(user("hr"), school.unit, roster_file(staff, contracts))
    rows = rows_of(batch)
    assert rows[("staff", 6)].action == "refused"
    assert rows[("staff", 6)].details["problems"] == [["身份证号码", "与第 2 行身份证号码重复。"]]
    assert [rows[("staff", n)].action for n in range(2, 6)] == ["create"] * 4
    assert rows[("contract", 4)].action == "refused" and "第2行" in rows[("contract", 4)].details["problems"][0][1]
    assert rows[("contract", 5)].action == "add"
    # The note of a new contract holder without a contract, on a row with notes of its own and on none other.
    notes = rows[("staff", 5)].details["notes"]
    assert len(notes) == 2 and "厨神证" in notes[0] and "文件中没有此人的合同" in notes[1], notes
    assert all("文件中没有此人的合同" not in n for r in (2, 3, 4) for n in rows[("staff", r)].details.get("notes", []))
    assert batch.counts == {"staff:create": 4, "staff:refused": 1, "contract:add": 3, "contract:refused": 1}


def test_a_file_of_many_chunks_is_written_whole_each_contract_with_its_own_employment(today, user, school, upload, commit):
    hr = user("hr")
    before = written()
    staff = [staff_of(n) for n in range(5)]
    contracts = [contract_of(n, agreed_pay=3000 + n) for n in reversed(range(5))]  # the last staff row's contract first
    batch = commit(upload(hr, school.unit, roster_file(staff, contracts)), hr)
    assert batch.state == "committed", batch.outcome
    assert written()["Person"] == before["Person"] + 5 and written()["Contract"] == before["Contract"] + 5
    for n in range(5):
        employment = Staff.objects.get(person__id_number=person_id(n)[1], school=school)
        assert Contract.objects.get(staff=employment).agreed_pay == 3000 + n


def test_a_row_refused_at_the_commit_in_a_later_chunk_rolls_back_the_chunks_written_before(today, user, school, other_school, upload,
                                                                                           commit):
    from .conftest import employ

    hr = user("hr")
    batch = upload(hr, school.unit, roster_file([staff_of(n) for n in range(5)], [contract_of(n) for n in range(5)]))
    assert batch.can_commit
    employ(person_id(4)[1], other_school, name=person_id(4)[0])  # the last chunk's person is employed elsewhere meanwhile
    before = written()
    batch = commit(batch, hr)
    assert batch.state == "previewed" and "档案已有变化" in batch.outcome, batch.outcome
    assert written() == before
    assert batch.counts["staff:refused"] == 1 and not batch.can_commit
