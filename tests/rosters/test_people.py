"""A person's record belongs to no single school: an import links a person on record, never changes
them, and refuses a second current employment while concurrent employment is off."""

from datetime import date

from hrflow.people.models import Person, Staff

from .conftest import WANG, contract_row, employ, id_number, problems, roster_file, rows_of, staff_row, written


def _person_state(person):
    person.refresh_from_db()
    return (person.name, person.phone, person.education, person.cadre, person.history.count())


def test_a_person_working_at_another_school_is_refused_in_a_bureau_roster_naming_the_school(settings, today, user, school, other_school,
                                                                                            city, upload):
    settings.HRFLOW = {**settings.HRFLOW, "ALLOW_CONCURRENT_EMPLOYMENT": False}
    employ(WANG, other_school)
    before = written()
    batch = upload(user("bureau"), city, roster_file([staff_row(school=school.unit.name)], bureau=True))
    row = rows_of(batch)[("staff", 2)]
    assert row.action == "refused"
    [(column, message)] = problems(row)
    assert column == "身份证号码" and other_school.unit.name in message
    assert written() == before


def test_a_person_working_at_another_school_is_refused_in_a_school_roster_too(settings, today, user, school, other_school, upload):
    settings.HRFLOW = {**settings.HRFLOW, "ALLOW_CONCURRENT_EMPLOYMENT": False}
    employ(WANG, other_school)
    batch = upload(user("hr"), school.unit, roster_file([staff_row()], [contract_row()]))
    staff, contract = rows_of(batch)[("staff", 2)], rows_of(batch)[("contract", 2)]
    assert staff.action == "refused" and other_school.unit.name in problems(staff)[0][1]
    assert contract.action == "refused"


def test_with_concurrent_employment_allowed_the_person_is_linked_and_left_unchanged(settings, today, user, school, other_school,
                                                                                     upload, commit):
    settings.HRFLOW = {**settings.HRFLOW, "ALLOW_CONCURRENT_EMPLOYMENT": True}
    elsewhere = employ(WANG, other_school)
    person = elsewhere.person
    kept = _person_state(person)
    hr = user("hr")
    batch = upload(hr, school.unit, roster_file([staff_row(name="王晓芳", phone="13700137000")], [contract_row()]))
    assert rows_of(batch)[("staff", 2)].action == "link"
    batch = commit(batch, hr)
    assert batch.state == "committed", batch.outcome
    assert _person_state(person) == kept
    assert Staff.objects.filter(person=person).exclude(status="left").count() == 2


def test_a_person_who_left_another_school_is_linked_and_their_record_kept_with_a_note(today, user, school, other_school, upload, commit):
    left = employ(WANG, other_school, status="left", name="王小芳", phone="13900139000", education="junior_high")
    person = left.person
    kept = _person_state(person)
    hr = user("hr")
    file = roster_file([staff_row(name="王晓芳", phone="13800138000", education="本科", cadre="是")], [contract_row(name="王晓芳")])
    batch = upload(hr, school.unit, file)
    rows = rows_of(batch)
    staff = rows[("staff", 2)]
    assert staff.action == "link", staff.details
    assert "changes" not in staff.details
    [note] = [n for n in staff.details["notes"] if "姓名" in n]
    for header in ("联系电话", "学历", "干部身份"):
        assert header in note
    # The contract row names the person as the file does; the record's name stands.
    assert rows[("contract", 2)].action == "refused"
    batch = upload(hr, school.unit, roster_file([staff_row(name="王晓芳", phone="13800138000", education="本科", cadre="是")],
                                                [contract_row(name="王小芳")]))
    assert batch.can_commit, [r.details for r in rows_of(batch).values()]
    batch = commit(batch, hr)
    assert batch.state == "committed", batch.outcome
    assert _person_state(person) == kept
    here = Staff.objects.get(person=person, school=school)
    assert here.status == "active" and here.hired_on == date(2020, 9, 1)
    assert Staff.objects.get(pk=left.pk).status == "left"


def test_an_import_never_creates_a_second_person_for_an_id_number(today, user, school, upload, commit):
    hr = user("hr")
    employ(WANG, school, status="left")
    batch = commit(upload(hr, school.unit, roster_file([staff_row()], [contract_row()])), hr)
    assert batch.state == "committed", batch.outcome
    assert Person.objects.filter(id_number=WANG).count() == 1


def test_a_file_differing_from_a_person_employed_elsewhere_too_leaves_them_unchanged(settings, today, user, school, other_school,
                                                                                   upload, commit):
    settings.HRFLOW = {**settings.HRFLOW, "ALLOW_CONCURRENT_EMPLOYMENT": True}
    person = employ(WANG, other_school).person
    hr = user("hr")
    assert commit(upload(hr, school.unit, roster_file([staff_row(name="王小芳")], [contract_row()])), hr).state == "committed"
    kept = _person_state(person)
    batch = upload(hr, school.unit, roster_file([staff_row(phone="13700137000", education="本科")], [contract_row()]))
    row = rows_of(batch)[("staff", 2)]
    assert row.action == "unchanged", row.details
    assert "changes" not in row.details
    assert any(other_school.unit.name in note for note in row.details["notes"])
    assert commit(batch, hr).state == "committed"
    assert _person_state(person) == kept


def test_an_id_number_typed_with_a_small_x_and_spaces_finds_the_person_on_record(today, user, school, upload, commit):
    first17 = next(f"510104199002{d:02d}123" for d in range(1, 29) if id_number(f"510104199002{d:02d}123").endswith("X"))
    number = id_number(first17)
    hr = user("hr")
    row = {"name": "赵六", "id_number": number, "gender": "男"}
    assert commit(upload(hr, school.unit, roster_file([staff_row(**row)])), hr).state == "committed"
    before = written()
    batch = upload(hr, school.unit, roster_file([staff_row(**{**row, "id_number": f" {number.lower()} "})]))
    assert batch.counts == {"staff:unchanged": 1}, [r.details for r in rows_of(batch).values()]
    assert written() == before


def _past_contract(staff, *, kind, probation_months):
    from decimal import Decimal

    from hrflow.contracts.models import Contract

    return Contract.objects.create(staff=staff, kind=kind, starts_on=date(2015, 3, 1), term_months=36, ends_on=date(2018, 2, 28),
                                   probation_months=probation_months, agreed_pay=Decimal("3000"),
                                   probation_pay=Decimal("2400") if probation_months else None, state="ended")


def test_a_person_with_a_past_contract_elsewhere_is_not_on_first_employment(today, user, school, other_school, upload):
    # INST-PROBATION: 12 months only on a first employment (初次就业); a past contract anywhere rules it out, as in contract_create_draft.
    gone = employ(WANG, other_school, status="left")
    gone.employment_type = "establishment"
    gone.save()
    _past_contract(gone, kind="institutional", probation_months=0)
    batch = upload(user("hr"), school.unit, roster_file(
        [staff_row(employment_type="编制内")],
        [contract_row(kind="聘用合同", ends_on="", probation_months=12, probation_pay=2800)]))
    row = rows_of(batch)[("contract", 2)]
    assert row.action == "refused", row.details
    assert [c for c, _m in problems(row)] == ["试用期（月）"]


def test_a_person_rehired_by_the_same_school_gets_no_second_probation(today, user, school, upload):
    # LAW-PROBATION (劳动合同法 art. 19): one probation per employer and person, even across two employments.
    gone = employ(WANG, school, status="left")
    _past_contract(gone, kind="labour", probation_months=2)
    batch = upload(user("hr"), school.unit, roster_file([staff_row()], [contract_row(probation_months=2, probation_pay=2800)]))
    row = rows_of(batch)[("contract", 2)]
    assert row.action == "refused", row.details
    assert [c for c, _m in problems(row)] == ["试用期（月）"]
