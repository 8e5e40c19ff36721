"""Roster files built in memory, uploaded and previewed as an officer would (jobs run inline in tests)."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hrflow.core.xlsx import Writer
from hrflow.rosters import services
from hrflow.rosters.columns import CONTRACT_SHEET, STAFF_SHEET, contract_columns, staff_columns
from hrflow.rosters.models import RosterImport
from tests.conftest import MovedClock

TODAY = date(2026, 7, 1)


@pytest.fixture
def today(monkeypatch):
    return MovedClock(monkeypatch, TODAY)


@pytest.fixture(autouse=True)
def chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


def id_number(first17: str) -> str:
    """A resident ID number with its check digit (GB 11643)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


WANG = id_number("51010419900101122")  # a woman born 1990-01-01
LI = id_number("51010419850101123")  # a man born 1985-01-01


def staff_row(**values):
    base = {"name": "王小芳", "id_number": WANG, "gender": "女", "education": "高中", "cadre": "否", "phone": "13800138000",
            "category": "食堂", "title": "中式烹调师四级", "employment_type": "合同制", "hired_on": "2020-09-01", "dormitory": "",
            "food_safety_manager": "否", "certificates": "健康证明"}
    base.update(values)
    return base


def contract_row(**values):
    base = {"name": "王小芳", "id_number": WANG, "kind": "劳动合同", "starts_on": "2024-09-01", "ends_on": "2027-08-31",
            "probation_months": 0, "agreed_pay": 3500, "probation_pay": None, "agency": "", "post_nature": ""}
    base.update(values)
    return base


def roster_file(staff=(), contracts=(), *, bureau=False, name="名单.xlsx", sheets=None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with Writer(buffer) as book:
        for title, columns, rows in ((STAFF_SHEET, staff_columns(bureau), staff), (CONTRACT_SHEET, contract_columns(bureau), contracts)):
            if sheets is not None and title not in sheets:
                continue
            sheet = book.sheet(title)
            book.header(sheet, [h for h, _f in columns])
            for line, row in enumerate(rows, start=1):
                book.row(sheet, line, [row.get(f) for _h, f in columns])
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Upload a file for `unit` as `user` and run its preview; returns the import."""

    def run(user, unit, file) -> RosterImport:
        with django_capture_on_commit_callbacks(execute=True):
            batch = services.roster_upload(user=user, unit=unit, upload=file)
        return RosterImport.objects.get(pk=batch.pk)

    return run


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(batch, user) -> RosterImport:
        with django_capture_on_commit_callbacks(execute=True):
            services.roster_commit_request(batch=batch, user=user)
        return RosterImport.objects.get(pk=batch.pk)

    return run


def written():
    """How many people, employments, contracts and dispatch agreements there are, with their history rows:
    equal before and after means an import wrote nothing."""
    from hrflow.contracts.models import Contract, DispatchAgreement
    from hrflow.people.models import Person, Staff

    out = {}
    for model in (Person, Staff, Contract, DispatchAgreement):
        out[model.__name__] = model.objects.count()
        out[f"{model.__name__} history"] = model.history.count()
    return out


def rows_of(batch) -> dict:
    """The preview's rows by (sheet, row number)."""
    from hrflow.rosters.models import RosterRow

    return {(r.sheet, r.row): r for r in RosterRow.objects.filter(batch=batch).select_related("school__unit")}


def problems(row) -> list[tuple[str, str]]:
    return [tuple(p) for p in row.details.get("problems", [])]


def employ(person_id_number, school, *, name="王小芳", status="active", hired_on=date(2015, 3, 1), phone="13900139000",
           education="junior_high", cadre=False):
    """A person on record with an employment at `school` (made as the staff form would, with history)."""
    from hrflow.people.models import Person, Staff

    person = Person.objects.filter(id_number=person_id_number).first() or Person.objects.create(
        id_number=person_id_number, name=name, phone=phone, education=education, cadre=cadre)
    return Staff.objects.create(person=person, school=school, post_category="canteen", employment_type="contract", hired_on=hired_on,
                                status=status)


@pytest.fixture
def city(db):
    from hrflow.org.models import OrgUnit

    return OrgUnit.objects.get(code="5101")
