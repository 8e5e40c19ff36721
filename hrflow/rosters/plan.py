"""The dry run of a roster: what each row of the file would do, decided before anything is written.

Staff rows: create a person and their employment; link an existing person (found by ID number,
never changed) to a new employment; update the employment this school already holds (only the
fields the school owns: the employment's, and the person's while no other school employs them);
unchanged; or refused with every reason. Contract rows: add the current contract or dispatch
agreement of an employment in the file or on record; unchanged; or refused.

The same rules as the forms (hrflow.people.validation, check_hire_date, hrflow.policy's
check_contract) are applied row by row; everything the rules need from the database is read in
a few set-based queries per chunk of rows, so a county's file of 50,000 rows costs a few hundred
queries, not one per row. `plan_roster` is run twice: for the preview, and again inside the
commit's transaction, so what is written is what the rules say at that moment.
"""

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hrflow.contracts.models import Contract, DispatchAgreement
from hrflow.contracts.services import KIND_BY_EMPLOYMENT, MAX_TERM_MONTHS
from hrflow.core.lookups import AnyValues
from hrflow.core.validators import policy_message
from hrflow.org.models import Dormitory, School
from hrflow.people.models import Education, EmploymentType, Person, Staff
from hrflow.people.services import HOLDING, check_hire_date
from hrflow.people.validation import cell_text, validate_person
from hrflow.policy import MIN_WORKING_AGE, RULES, PolicyInputError, age_on, check_contract, parse_id_number, probation_end, term_end
from hrflow.policy.contracts import EMPLOYMENT_TYPE_OF_KIND, add_months
from hrflow.training.models import Certificate, CertificateKind

from . import cells
from .columns import CATEGORY_VALUES, CERTIFICATE_ALIASES, CERTIFICATE_WORDS, DISPATCH, EMPLOYMENT_VALUES, KIND_VALUES, NATURE_VALUES, contract_columns, staff_columns
from .models import RosterRow

A = RosterRow.Action
CHUNK_ROWS = 20_000  # rows decided (and stored or written) together
log = logging.getLogger(__name__)
TITLE_MAX = 100
AGENCY_MAX = 200
# Contract and agreement states that hold a term: a new one may not overlap them.
HOLDING_TERM = (Contract.State.SIGNED, Contract.State.PROBATION, Contract.State.ACTIVE, Contract.State.EXPIRING)
PERSON_OWNED = ("name", "phone", "education", "cadre")  # the shared record's fields a sole employer corrects
STAFF_OWNED = ("post_category", "employment_type", "title", "dormitory_id", "food_safety_manager", "hired_on")


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT")


class RowData:
    """A row's values by name (`data.hired_on`, or `data[name]` where the name is a variable), held in slots: a province's
    400,000 rows as dicts took a third of the preview's memory. Every name starts as None."""

    __slots__ = ()

    def __getitem__(self, name):
        return getattr(self, name)

    def __setitem__(self, name, value):
        setattr(self, name, value)

    def get(self, name, default=None):
        value = getattr(self, name)
        return default if value is None else value


@dataclass(slots=True)
class StaffData(RowData):
    # What read_staff reads (READ_KEYS["staff"]), then what decide_staff finds.
    name: str | None = None
    phone: str | None = None
    education: str | None = None
    gender: str | None = None
    birth_date: date | None = None
    category: str | None = None
    employment_type: str | None = None
    cadre: bool | None = None
    food_safety_manager: bool | None = None
    title: str | None = None
    hired_on: date | None = None
    hire_problem: str | None = None
    dormitory_name: str | None = None
    certificates: tuple | None = None
    dormitory_id: int | None = None
    person_id: int | None = None
    staff_id: int | None = None
    staff_changes: dict | None = None
    person_changes: dict | None = None


@dataclass(slots=True)
class ContractData(RowData):
    # What read_contract reads (READ_KEYS["contract"]), then what decide_contract finds.
    kind: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    agency: str | None = None
    post_nature: str | None = None
    probation_months: int | None = None
    agreed_pay: Decimal | None = None
    probation_pay: Decimal | None = None
    term_months: int | None = None
    category: str | None = None
    staff_id: int | None = None
    frozen: bool | None = None
    first_employment: bool | None = None
    earlier_probation: bool | None = None
    probation_ends_on: date | None = None
    state: str | None = None


DATA_OF = {"staff": StaffData, "contract": ContractData}


@dataclass(slots=True)
class RowPlan:
    sheet: str
    row: int
    action: str = ""
    school_id: int | None = None
    name: str = ""
    id_number: str = ""
    # Created on first use: 400,000 rows of a province file mostly have none.
    problems: list | None = None  # [(column header, message)]
    changes: list | None = None  # [(column header, from, to)]
    notes: list | None = None
    data: "RowData | None" = None  # what the commit writes
    previewed: tuple | None = None  # (action, changes) the preview showed: the commit writes only that

    def refuse(self, column: str, message: str):
        if self.problems is None:
            self.problems = []
        self.problems.append((column, message))

    def change(self, column: str, before: str, after: str):
        if self.changes is None:
            self.changes = []
        self.changes.append((column, before, after))

    def note(self, message: str):
        if self.notes is None:
            self.notes = []
        self.notes.append(message)

    def take(self, column: str, reading: tuple):
        """The value of a cells.read_* reading, its problem (if any) refused under `column`."""
        value, problem = reading
        if problem:
            self.refuse(column, problem)
        return value

    def refused_in(self, column: str) -> bool:
        return any(c == column for c, _m in self.problems or ())

    def details(self) -> dict:
        out = {}
        if self.problems:
            out["problems"] = self.problems
        if self.changes:
            out["changes"] = self.changes
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass(slots=True)
class InFile:
    """The staff row of a person in the file (the first row of their ID number), as far as their
    contract row and the end of the preview need it: the decided rows themselves are let go
    chunk by chunk."""

    row: int
    school_id: int | None
    action: str = ""
    employment_type: str | None = None
    hired_on: date | None = None
    category: str | None = None
    name: str | None = None  # the name their record will bear, when it is not the record's own
    staff_id: int | None = None  # of the employment: on record, or once the commit has written it
    needs_contract: bool = False
    has_contract: bool = False
    contract_row: int = 0


def _batched(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class SchoolScope:
    """The schools a roster may name: one school, or every school below a bureau's unit, matched by
    name or code."""

    def __init__(self, unit, *, bureau: bool):
        self.bureau = bureau
        schools = School.objects.filter(unit__path__startswith=unit.path).values_list("pk", "unit__name", "unit__code")
        self.names = {pk: name for pk, name, _code in schools}
        self.by_code = {code: pk for pk, _name, code in schools}
        self.by_name = defaultdict(list)
        for pk, name, _code in schools:
            self.by_name[name].append(pk)
        self.only = next(iter(self.names)) if not bureau and len(self.names) == 1 else None

    def resolve(self, value) -> tuple[int | None, str | None]:
        if not self.bureau:
            return self.only, None
        text = cell_text(value)
        if not text:
            return None, _("The school is missing: write its full name or its code.")
        if text in self.by_code:
            return self.by_code[text], None
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0], None
        if found:
            return None, _("Several schools in your scope are called “%(value)s”: write the school's code.") % {"value": text[:100]}
        return None, _("“%(value)s” is no school in your scope (name or code).") % {"value": text[:100]}


def value_chunks(items: list, size: int | None = None):
    # PostgreSQL takes a chunk as one array (field__any, hrflow.core.lookups); SQLite binds at most 999 parameters.
    size = size or (50_000 if connection.vendor == "postgresql" else 900)
    for start in range(0, len(items), size):
        yield AnyValues(items[start : start + size])


class Records:
    """What the rules need from the database about the people and employments a file names."""

    def __init__(self, id_numbers: list[str], school_ids: set[int], *, lock: bool = False):
        self.people = {}  # id_number -> dict of the person's fields
        for chunk in value_chunks(id_numbers):
            qs = Person.objects.filter(id_number__any=chunk)
            if lock:
                # The commit locks the people it links or updates, as staff_create does one at a time.
                qs = qs.select_for_update()
            for row in qs.values("pk", "id_number", "name", "sex", "birth_date", "phone", "education", "cadre"):
                self.people[row["id_number"]] = row
        person_ids = [p["pk"] for p in self.people.values()]
        self.employments = defaultdict(list)  # person pk -> current employments
        for chunk in value_chunks(person_ids):
            for row in Staff.objects.filter(person_id__any=chunk).exclude(status=Staff.Status.LEFT).values(
                    "pk", "person_id", "school_id", "status", "school__unit__name", *STAFF_OWNED):
                self.employments[row["person_id"]].append(row)
        staff_ids = [e["pk"] for rows in self.employments.values() for e in rows]
        self.contracts = defaultdict(list)
        for chunk in value_chunks(staff_ids):
            for row in Contract.objects.filter(staff_id__any=chunk).values(
                    "pk", "staff_id", "kind", "state", "starts_on", "ends_on", "probation_months", "agreed_pay", "probation_pay"):
                self.contracts[row["staff_id"]].append(row)
        self.agreements = defaultdict(list)
        for chunk in value_chunks(staff_ids):
            for row in DispatchAgreement.objects.filter(staff_id__any=chunk).values("pk", "staff_id", "agency", "post_nature", "starts_on", "ends_on"):
                self.agreements[row["staff_id"]].append(row)
        # Every contract the people ever held (any school, ended ones too), for 初次就业 and for
        # LAW-PROBATION's one probation per employer and person.
        self.past_contracts = defaultdict(list)  # person pk -> [(school pk, probation months)]
        for chunk in value_chunks(person_ids):
            for person_id, school_id, probation in Contract.objects.filter(staff__person_id__any=chunk).exclude(
                    state=Contract.State.DRAFT).values_list("staff__person_id", "staff__school_id", "probation_months"):
                self.past_contracts[person_id].append((school_id, probation))
        self.certificates = defaultdict(set)
        for chunk in value_chunks(person_ids):
            for person_id, kind in Certificate.objects.filter(person_id__any=chunk).values_list("person_id", "kind"):
                self.certificates[person_id].add(kind)
        self.dormitories = {}  # (school pk, name) -> dormitory pk
        for chunk in value_chunks(sorted(school_ids)):
            for pk, school_id, name in Dormitory.objects.filter(school_id__any=chunk).values_list("pk", "school_id", "name"):
                self.dormitories[(school_id, name)] = pk


def _certificate_kinds() -> dict:
    """A certificate's name as written -> its kind: the template's words (hrflow.rosters.columns), the
    labels in English and in the reader's language, the Chinese in their brackets, the codes."""
    kinds = {word: kind for kind, word in CERTIFICATE_WORDS.items()}
    kinds.update(CERTIFICATE_ALIASES)
    with translation.override("en"):
        english = [(value, str(label)) for value, label in CertificateKind.choices]
    for value, label in [*english, *((v, str(l)) for v, l in CertificateKind.choices)]:
        if value == CertificateKind.OTHER:
            continue
        kinds[label] = kinds[value] = value
        if "(" in label.replace("（", "("):
            inner = label.replace("（", "(").rsplit("(", 1)[1].rstrip(")）")
            kinds[inner] = value
            for part in inner.split("/"):
                kinds.setdefault(part.strip(), value)
    return kinds


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value or "—"))


def _memo(reader, *args):
    """`reader(value, *args)` remembered by the value and its type (True is not 1 here)."""
    found = {}

    def read(value):
        key = (type(value), value)
        reading = found.get(key)
        if reading is None:
            reading = reader(value, *args)
            if len(found) < 20_000:
                found[key] = reading
        return reading

    return read


class Planner:
    def __init__(self, unit, *, bureau: bool, today: date, lock: bool = False, progress=None):
        self.scope = SchoolScope(unit, bureau=bureau)
        self.bureau = bureau
        self.today = today
        self.lock = lock
        self.progress = progress or (lambda done: None)
        self.done = 0
        self.counts = defaultdict(int)  # "sheet:action" -> rows
        self.in_file = {}  # ID number -> InFile, for every staff row that is the first of its ID number
        self.contract_rows = {}  # (school pk, ID number) -> row, of contracts for employments not in the file
        self._probation_ends = {}
        self.staff_headers = {f: h for h, f in staff_columns(bureau)}
        self.contract_headers = {f: h for h, f in contract_columns(bureau)}
        self.certificate_kinds = _certificate_kinds()
        # A column's readings by cell value: a province's file repeats its posts, dates and amounts.
        self._read = {
            "category": _memo(cells.read_choice, CATEGORY_VALUES), "employment_type": _memo(cells.read_choice, EMPLOYMENT_VALUES),
            "kind": _memo(cells.read_choice, KIND_VALUES), "post_nature": _memo(cells.read_choice, NATURE_VALUES),
            "cadre": _memo(cells.read_flag), "food_safety_manager": _memo(cells.read_flag),
            "title": _memo(cells.read_text, TITLE_MAX), "agency": _memo(cells.read_text, AGENCY_MAX),
            "date": _memo(cells.read_date), "months": _memo(cells.read_months), "money": _memo(cells.read_money),
        }
        self.concurrent = settings.HRFLOW["ALLOW_CONCURRENT_EMPLOYMENT"]
        self.notice_days = settings.HRFLOW["RENEWAL_NOTICE_DAYS"]
        self.minimum_wage = settings.HRFLOW["MINIMUM_MONTHLY_WAGE"]

    # --- staff rows ----------------------------------------------------------------------

    def read_staff(self, number: int, cell: dict) -> RowPlan:
        h = self.staff_headers
        plan = RowPlan("staff", number)
        school_id, problem = self.scope.resolve(cell.get("school"))
        if problem:
            plan.refuse(h["school"], problem)
        plan.school_id = school_id
        person, errors = validate_person(cell, today=self.today, phone_required=False)
        for name, message in errors.items():
            plan.refuse(h[name], message)
        plan.name = person.get("name", "")[:100]
        plan.id_number = person.get("id_number") or cell_text(cell.get("id_number"))[:32]
        # The person's fields (gender checked against the ID, birth date from it) beside the employment's.
        data = StaffData(**{k: person.get(k) for k in ("name", "phone", "education", "gender", "birth_date")})
        for name, choices in (("category", CATEGORY_VALUES), ("employment_type", EMPLOYMENT_VALUES)):
            data[name] = plan.take(h[name], self._read[name](cell.get(name)))
        for name in ("cadre", "food_safety_manager"):
            data[name] = plan.take(h[name], self._read[name](cell.get(name)))
        data.title = plan.take(h["title"], self._read["title"](cell.get("title")))
        hired_on = plan.take(h["hired_on"], self._read["date"](cell.get("hired_on")))
        if hired_on is None and not plan.refused_in(h["hired_on"]):
            plan.refuse(h["hired_on"], _("The hire date is missing."))
        elif hired_on is not None and data.birth_date is not None and (
                hired_on > self.today or hired_on < data.birth_date or age_on(data.birth_date, hired_on) < MIN_WORKING_AGE):
            # check_hire_date words the refusal; the test above spares its date formatting on every good row.
            try:
                check_hire_date(hired_on=hired_on, birth_date=data.birth_date)
            except ValidationError as error:
                # Refused once the row is matched, unless it repeats the hire date on record.
                data.hire_problem = " ".join(error.message_dict["hired_on"])
        data.hired_on = hired_on
        data.dormitory_name = cell_text(cell.get("dormitory"))[:200]
        if data.dormitory_name and data.category and data.category != "dormitory":
            plan.refuse(h["dormitory"], _("Only dormitory staff are assigned to a dormitory."))
        kinds = []
        for name in [] if "certificates" in errors else person.get("certificates") or []:
            kind = self.certificate_kinds.get(name)
            if kind is None:
                plan.note(_("The certificate “%(name)s” is not one HRflow knows; record it under Training and certificates.") % {"name": name[:100]})
            elif kind not in kinds:
                kinds.append(kind)
        data.certificates = tuple(kinds)  # the empty one is shared by every row without certificates
        plan.data = data
        return plan

    def decide_staff(self, plan: RowPlan, records: Records):
        h = self.staff_headers
        data = plan.data
        if plan.school_id is not None and data.dormitory_name:
            dormitory = records.dormitories.get((plan.school_id, data.dormitory_name))
            if dormitory is None:
                plan.refuse(h["dormitory"], _("“%(value)s” is no dormitory of this school.") % {"value": data.dormitory_name[:100]})
            data.dormitory_id = dormitory
        else:
            data.dormitory_id = None
        person = records.people.get(plan.id_number)
        here = None
        if person is not None:
            here = next((e for e in records.employments.get(person["pk"], []) if e["school_id"] == plan.school_id), None)
        if data.hire_problem and not (here is not None and here["hired_on"] == data.hired_on):
            plan.refuse(h["hired_on"], data.hire_problem)
        if plan.problems:
            plan.action = A.REFUSED
            return
        if person is None:
            plan.action = A.CREATE
            self._note_certificates(plan, set())
            return
        data.person_id = person["pk"]
        elsewhere = [e for e in records.employments.get(person["pk"], []) if e["school_id"] != plan.school_id]
        if here is None:
            holding = [e for e in elsewhere if e["status"] in HOLDING]
            if holding and not self.concurrent:
                plan.refuse(h["id_number"], _(
                    "The person works at %(schools)s; a second employment at the same time is not allowed. Record a transfer "
                    "with New staff member, or ask that school to end the employment first."
                ) % {"schools": "、".join(e["school__unit__name"] for e in holding)})
                plan.action = A.REFUSED
                return
            plan.action = A.LINK
            differing = [h[f] for f in ("name", "phone", "education", "cadre") if data[f] not in ("", None)
                         and data[f] != person[f]]
            if differing:
                plan.note(_("The person is on record already: their record is kept as it is (the file differs in %(columns)s).")
                                  % {"columns": "、".join(differing)})
            self._note_certificates(plan, records.certificates.get(person["pk"], set()))
            return
        data.staff_id = here["pk"]
        staff_changes = {}
        new = {"post_category": data.category, "employment_type": data.employment_type, "title": data.title,
               "dormitory_id": data.dormitory_id, "food_safety_manager": data.food_safety_manager, "hired_on": data.hired_on}
        headers = {"post_category": h["category"], "employment_type": h["employment_type"], "title": h["title"],
                   "dormitory_id": h["dormitory"], "food_safety_manager": h["food_safety_manager"], "hired_on": h["hired_on"]}
        for name, value in new.items():
            if value != here[name]:
                staff_changes[name] = value
                plan.change(headers[name], self._shown(name, here[name]), self._shown(name, value))
        if "hired_on" in staff_changes and elsewhere and new["hired_on"] < here["hired_on"]:
            plan.refuse(h["hired_on"], _("While another school employs the person too, the hire date cannot be moved earlier."))
        if "employment_type" in staff_changes and (
                any(c["state"] in HOLDING_TERM or c["state"] == Contract.State.DRAFT for c in records.contracts.get(here["pk"], []))
                or any(a["ends_on"] >= self.today for a in records.agreements.get(here["pk"], []))):
            plan.refuse(h["employment_type"], _("The employment type cannot change while a contract or dispatch agreement is current; end it first."))
        person_changes = {}
        if not elsewhere:
            for name in PERSON_OWNED:
                value = data[name]
                if name == "phone" and not value:
                    continue  # an empty cell keeps the number on record
                if value != person[name]:
                    person_changes[name] = value
                    plan.change(h[name], self._shown(name, person[name]), self._shown(name, value))
        elif any(data[f] not in ("", None) and data[f] != person[f] for f in PERSON_OWNED):
            plan.note(_("The person also works at %(schools)s: their shared record is not changed by this file.")
                              % {"schools": "、".join(e["school__unit__name"] for e in elsewhere)})
        if here["status"] not in HOLDING and (staff_changes or person_changes):
            # An employment in its exit is the exit workflow's: a file may repeat it, not change it.
            plan.refuse(h["id_number"], _("This employment is “%(status)s”: it is changed on the staff page, not by an import.")
                        % {"status": Staff.Status(here["status"]).label})
        self._note_certificates(plan, records.certificates.get(person["pk"], set()))
        if plan.problems:
            plan.action = A.REFUSED
            return
        data.staff_changes, data.person_changes = staff_changes, person_changes
        plan.action = A.UPDATE if staff_changes or person_changes else A.UNCHANGED

    def _note_certificates(self, plan, on_record: set):
        missing = [k for k in plan.data.certificates if k not in on_record]
        if missing:
            plan.note(_("Not on record yet: %(certificates)s; record their numbers and dates under Training and certificates.")
                              % {"certificates": "、".join(_label(CertificateKind.choices, k) for k in missing)})

    def _shown(self, name, value) -> str:
        """A value as the preview shows it, in the template's words."""
        if value is None or value == "":
            return "—"
        if name == "post_category":
            return _label([(v, k) for k, v in CATEGORY_VALUES.items()], value)
        if name == "employment_type":
            return _label([(v, k) for k, v in EMPLOYMENT_VALUES.items()], value)
        if name in ("food_safety_manager", "cadre"):
            return "是" if value else "否"
        if name == "dormitory_id":
            return self._dormitory_names.get(value, str(value))
        if name == "education":
            return _label(Education.choices, value)
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    # --- contract rows -------------------------------------------------------------------

    def read_contract(self, number: int, cell: dict) -> RowPlan:
        h = self.contract_headers
        plan = RowPlan("contract", number)
        school_id, problem = self.scope.resolve(cell.get("school"))
        if problem:
            plan.refuse(h["school"], problem)
        plan.school_id = school_id
        plan.name = cell_text(cell.get("name"))[:100]
        raw_id = cell.get("id_number")
        if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool):
            plan.refuse(h["id_number"], _("The ID number is a number in the file; format the column as text."))
        else:
            try:
                plan.id_number = parse_id_number(cell_text(raw_id)).number
            except PolicyInputError as error:
                plan.refuse(h["id_number"], policy_message(error))
        if not plan.id_number:
            plan.id_number = cell_text(raw_id)[:32]
        data = ContractData()
        data.kind = plan.take(h["kind"], self._read["kind"](cell.get("kind")))
        for name in ("starts_on", "ends_on"):
            data[name] = plan.take(h[name], self._read["date"](cell.get(name)))
        if data.starts_on is None and not plan.refused_in(h["starts_on"]):
            plan.refuse(h["starts_on"], _("The start date is missing."))
        if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
            plan.refuse(h["ends_on"], _("A contract cannot end before it starts."))
        elif data.ends_on and data.ends_on < self.today:
            plan.refuse(h["ends_on"], _("It ended on %(day)s: only current contracts are imported.") % {"day": _day(data.ends_on)})
        if data.starts_on and data.starts_on > self.today + timedelta(days=366):
            plan.refuse(h["starts_on"], _("A contract starts at most a year after it is signed."))
        if data.kind == DISPATCH:
            data.agency = plan.take(h["agency"], self._read["agency"](cell.get("agency")))
            if not data.agency and not plan.refused_in(h["agency"]):
                plan.refuse(h["agency"], _("A dispatch agreement names its agency."))
            data.post_nature = plan.take(h["post_nature"], self._read["post_nature"](cell.get("post_nature")))
            if data.ends_on is None and not plan.refused_in(h["ends_on"]):
                plan.refuse(h["ends_on"], _("A dispatch agreement states its end date."))
            if any(not cells.empty(cell.get(name)) for name in ("probation_months", "agreed_pay", "probation_pay")):
                plan.note(_("A dispatch agreement records no pay or probation (the agency employs the person): those columns are not imported."))
        elif data.kind is not None:
            for name in ("agency", "post_nature"):
                if not cells.empty(cell.get(name)):
                    plan.refuse(h[name], _("Only a dispatch agreement has this column; leave it empty."))
            data.probation_months = plan.take(h["probation_months"], self._read["months"](cell.get("probation_months")))
            for name in ("agreed_pay", "probation_pay"):
                data[name] = plan.take(h[name], self._read["money"](cell.get(name)))
            if data.agreed_pay is None and not plan.refused_in(h["agreed_pay"]):
                plan.refuse(h["agreed_pay"], _("The agreed monthly pay is missing."))
            if data.starts_on and data.ends_on:
                months = self._term_months(data.starts_on, data.ends_on)
                if months > MAX_TERM_MONTHS:
                    plan.refuse(h["ends_on"], _("A fixed term runs from 1 to %(max)d months; leave it empty for an open-ended contract.") % {"max": MAX_TERM_MONTHS})
                data.term_months = months
            else:
                data.term_months = None
        plan.data = data
        return plan

    @staticmethod
    def _term(value) -> str:
        if value is None:
            return "—"
        return value.isoformat() if isinstance(value, date) else str(value)

    @staticmethod
    def _term_months(start: date, end: date) -> int:
        """The term in whole months: exact when the end is a month's anniversary, else rounded up."""
        months = (end.year - start.year) * 12 + end.month - start.month
        while add_months(start, months) - timedelta(days=1) < end:
            months += 1
        while months > 1 and add_months(start, months - 1) - timedelta(days=1) >= end:
            months -= 1
        return max(months, 1)

    def decide_contract(self, plan: RowPlan, in_file: InFile | None, records: Records):
        h = self.contract_headers
        data = plan.data
        if plan.problems:
            plan.action = A.REFUSED
            return
        person = records.people.get(plan.id_number)
        here = None
        if person is not None:
            here = next((e for e in records.employments.get(person["pk"], []) if e["school_id"] == plan.school_id), None)
        if in_file is not None and in_file.action == A.REFUSED:
            plan.refuse(h["id_number"], _("The staff row %(row)d for this person is refused.") % {"row": in_file.row})
        elif in_file is None and here is None:
            plan.refuse(h["id_number"], _("No staff member with this ID number works at this school: add the person on the staff sheet."))

        if plan.problems:
            plan.action = A.REFUSED
            return
        first = in_file.contract_row if in_file is not None else self.contract_rows.get((plan.school_id, plan.id_number))
        if first:
            plan.refuse(h["id_number"], _("Row %(row)d already gives this person's current contract: one contract at a time.") % {"row": first})
            plan.action = A.REFUSED
            return
        if in_file is not None:
            in_file.contract_row = plan.row
            employment_type, hired_on, data.category = in_file.employment_type, in_file.hired_on, in_file.category
            # The name the file gives a new person or corrects a record to; else the record's.
            name = in_file.name if in_file.name is not None else person["name"]
        else:
            self.contract_rows[(plan.school_id, plan.id_number)] = plan.row
            employment_type, hired_on, data.category = here["employment_type"], here["hired_on"], here["post_category"]
            name = person["name"]
        if plan.name and plan.name != name:
            plan.refuse(h["name"], _("The name differs from the staff member's with this ID number (%(name)s).") % {"name": name})
        expected = KIND_BY_EMPLOYMENT.get(employment_type) or (DISPATCH if employment_type == EmploymentType.DISPATCHED else None)
        if expected is None:
            plan.refuse(h["kind"], _("Purchased-service staff hold no contract with the school."))
        elif data.kind != expected:
            plan.refuse(h["kind"], _("A %(type)s staff member holds a %(kind)s.") % {
                "type": EmploymentType(employment_type).label,
                "kind": next(word for word, code in KIND_VALUES.items() if code == expected)})
        if data.starts_on < hired_on:
            plan.refuse(h["starts_on"], _("The contract cannot start before the hire date (%(day)s).") % {"day": _day(hired_on)})
        if plan.problems:
            plan.action = A.REFUSED
            return
        # An employment the file creates has an id once the commit has written it (the staff rows
        # are written before the contract rows are decided); the preview has none yet.
        staff_id = here["pk"] if in_file is None else in_file.staff_id
        data.staff_id = staff_id
        employment = here if in_file is None or in_file.action in (A.UPDATE, A.UNCHANGED) else None
        data.frozen = employment is not None and employment["status"] not in HOLDING
        past = records.past_contracts.get(person["pk"], []) if person is not None else []
        # 初次就业 as contract_create_draft proposes it: no contract on record anywhere.
        data.first_employment = not past
        data.earlier_probation = any(school_id == plan.school_id and probation for school_id, probation in past)
        if data.kind == DISPATCH:
            self._decide_agreement(plan, records.agreements.get(staff_id, []) if staff_id else [])
        else:
            self._decide_terms(plan, records.contracts.get(staff_id, []) if staff_id else [])

    def _decide_agreement(self, plan, existing):
        h = self.contract_headers
        data = plan.data
        for other in existing:
            if other["starts_on"] == data.starts_on and other["agency"] == data.agency:
                same = other["ends_on"] == data.ends_on and other["post_nature"] == data.post_nature
                if same:
                    plan.action = A.UNCHANGED
                else:
                    plan.refuse(h["ends_on"], _("This agreement is on record with other terms; correct it on the staff page."))
                    plan.action = A.REFUSED
                return
            if other["starts_on"] <= data.ends_on and other["ends_on"] >= data.starts_on:
                plan.refuse(h["starts_on"], _("The period overlaps the agreement with %(agency)s (%(start)s – %(end)s).") % {
                    "agency": other["agency"], "start": _day(other["starts_on"]), "end": _day(other["ends_on"])})
                plan.action = A.REFUSED
                return
        self._add(plan)

    def _add(self, plan):
        if plan.data.frozen:
            plan.refuse(self.contract_headers["id_number"], _("This employment is being ended: no new contract is recorded for it."))
            plan.action = A.REFUSED
        else:
            plan.action = A.ADD

    def _decide_terms(self, plan, existing):
        h = self.contract_headers
        data = plan.data
        end = data.ends_on
        for other in existing:
            if other["state"] == Contract.State.DRAFT:
                plan.refuse(h["kind"], _("A draft contract is on record for this employment: sign it on its page instead."))
                plan.action = A.REFUSED
                return
            if other["starts_on"] == data.starts_on and other["kind"] == data.kind and other["state"] != Contract.State.ENDED:
                differ = [(h[name], self._term(other[name]), self._term(data[name])) for name in ("ends_on", "probation_months", "agreed_pay")
                          if other[name] != data[name]]
                if data.probation_months and other["probation_pay"] != data.probation_pay:
                    differ.append((h["probation_pay"], self._term(other["probation_pay"]), self._term(data.probation_pay)))
                if not differ:
                    plan.action = A.UNCHANGED
                else:
                    plan.refuse(h["starts_on"], _("A contract from this date is on record with other terms (%(terms)s); a signed "
                                                  "contract is corrected on its page, not by a file.") % {
                        "terms": pgettext("list separator", ", ").join(f"{column} {before} → {after}" for column, before, after in differ)})
                    plan.action = A.REFUSED
                return
            if other["state"] in HOLDING_TERM and (other["ends_on"] is None or other["ends_on"] >= data.starts_on) and (end is None or other["starts_on"] <= end):
                plan.refuse(h["starts_on"], _("The term overlaps the contract from %(start)s (%(state)s): one contract at a time.") % {
                    "start": _day(other["starts_on"]), "state": Contract.State(other["state"]).label})
                plan.action = A.REFUSED
                return
        try:
            findings = check_contract(
                employment_type=EMPLOYMENT_TYPE_OF_KIND[data.kind], term_months=data.term_months,
                probation_months=data.probation_months, first_employment=data.first_employment, task_based=False,
                earlier_probation_with_employer=data.earlier_probation, agreed_pay=data.agreed_pay,
                probation_pay=data.probation_pay, minimum_wage=self.minimum_wage)
        except PolicyInputError as error:
            plan.refuse(h["agreed_pay"], policy_message(error))
            plan.action = A.REFUSED
            return
        columns = {"probation_months": h["probation_months"], "probation_pay": h["probation_pay"]}
        for finding in findings:
            text = _(finding.template) % finding.params if finding.params else _(finding.template)
            if finding.hard:
                plan.refuse(columns.get(finding.field, h["kind"]), text)
            else:
                plan.note(_("%(rule)s: %(text)s") % {"rule": _(RULES[finding.rule].title), "text": text})
        if plan.problems:
            plan.action = A.REFUSED
            return
        ends = (data.starts_on, data.probation_months)
        if ends not in self._probation_ends:  # one date object per start and length, not one per row
            self._probation_ends[ends] = probation_end(*ends)
        data.probation_ends_on = self._probation_ends[ends]
        if data.starts_on > self.today:
            data.state = Contract.State.SIGNED
        elif data.probation_ends_on and data.probation_ends_on >= self.today:
            data.state = Contract.State.PROBATION
        else:
            data.state = Contract.State.ACTIVE
        if data.ends_on is not None and term_end(data.starts_on, data.term_months) != data.ends_on:
            plan.note(_("The term is recorded as %(months)d months ending on %(day)s, as in the file.") % {
                "months": data.term_months, "day": _day(data.ends_on)})
        self._add(plan)

    # --- the whole file ------------------------------------------------------------------

    def read_rows(self, rows, sheet: str):
        """The cells of every row of a sheet, read and checked, one row at a time: what depends on
        the file and the day alone."""
        read = self.read_staff if sheet == "staff" else self.read_contract
        for number, cell in rows:
            try:
                plan = read(number, cell)
            except Exception:  # one row HRflow cannot read is refused; the others are planned
                log.exception("roster row %s of sheet %s could not be read", number, sheet)
                plan = RowPlan(sheet, number, data=DATA_OF[sheet]())
                plan.refuse("", _("HRflow could not read this row; check its cells against the help sheet."))
            yield plan

    def plan_staff(self, plans):
        """What each staff row does against the records as they are now, a chunk of rows at a time:
        a chunk's records are read in a few set-based queries, and a province's rows are never
        all held at once. Staff rows are planned before contract rows."""
        for chunk in _batched(plans, CHUNK_ROWS):
            yield self._decide_staff_chunk(chunk)

    def plan_contracts(self, plans):
        for chunk in _batched(plans, CHUNK_ROWS):
            yield self._decide_contract_chunk(chunk)

    def _decide_staff_chunk(self, staff: list[RowPlan]) -> list[RowPlan]:
        # One row per person in the staff sheet: a later row is refused, naming the first.
        id_column = self.staff_headers["id_number"]
        for plan in staff:
            if not plan.id_number or plan.refused_in(id_column):
                continue
            first = self.in_file.get(plan.id_number)
            if first is not None:
                plan.refuse(id_column, _("The same ID number is on row %(row)d.") % {"row": first.row})
            else:
                self.in_file[plan.id_number] = InFile(plan.row, plan.school_id)
        ids = sorted({p.id_number for p in staff if p.id_number and len(p.id_number) == 18})
        records = Records(ids, {p.school_id for p in staff if p.school_id}, lock=self.lock)
        self._dormitory_names = {pk: name for (_school, name), pk in records.dormitories.items()}
        for plan in staff:
            self.decide_staff(plan, records)
            entry = self.in_file.get(plan.id_number)
            if entry is not None and entry.row == plan.row:
                data = plan.data
                entry.action, entry.employment_type, entry.hired_on, entry.category = (
                    plan.action, data.employment_type, data.hired_on, data.category)
                entry.staff_id = data.staff_id
                if plan.action == A.CREATE:
                    entry.name = plan.name
                    entry.needs_contract = data.employment_type in KIND_BY_EMPLOYMENT
                else:
                    entry.name = (data.person_changes or {}).get("name")
        return self._done(staff)

    def _decide_contract_chunk(self, contracts: list[RowPlan]) -> list[RowPlan]:
        # A person the file creates had no record: their records are not looked up (the commit,
        # which has written the staff rows by now, would find only what it wrote).
        in_file = self.in_file
        ids = sorted({p.id_number for p in contracts if p.id_number and len(p.id_number) == 18
                      and getattr(in_file.get(p.id_number), "action", None) != A.CREATE})
        records = Records(ids, set(), lock=self.lock)
        for plan in contracts:
            entry = self.in_file.get(plan.id_number)
            if entry is not None and entry.school_id != plan.school_id:
                entry = None
            if entry is not None:
                entry.has_contract = True
            self.decide_contract(plan, entry, records)
        return self._done(contracts)

    def _done(self, chunk: list[RowPlan]) -> list[RowPlan]:
        for plan in chunk:
            self.counts[f"{plan.sheet}:{plan.action}"] += 1
        self.done += len(chunk)
        self.progress(self.done)
        return chunk

    def without_contract(self) -> list[int]:
        """The staff rows of new employments that hold a contract but have none in the file."""
        return [entry.row for entry in self.in_file.values() if entry.needs_contract and not entry.has_contract]


def no_contract_note() -> str:
    return _("No contract for this person in the file: draft it from the staff page after the import.")


# What read_staff and read_contract take from a row's cells: the preview stores these with the row,
# and a commit on the same day decides from them instead of reading the file again.
READ_KEYS = {
    "staff": ("name", "phone", "education", "gender", "birth_date", "category", "employment_type", "cadre", "food_safety_manager",
              "title", "hired_on", "hire_problem", "dormitory_name", "certificates"),
    "contract": ("kind", "starts_on", "ends_on", "agency", "post_nature", "probation_months", "agreed_pay", "probation_pay",
                 "term_months"),
}
DATE_KEYS = {"birth_date", "hired_on", "starts_on", "ends_on"}
MONEY_KEYS = {"agreed_pay", "probation_pay"}


def dump_readings(plan: RowPlan) -> str:
    data = plan.data or {}
    return json.dumps([data.get(k) for k in READ_KEYS[plan.sheet]], default=str, ensure_ascii=False)


UNIQUE_KEYS = {"name", "phone", "hire_problem"}  # values nearly every row has its own


def load_readings(sheet: str, row: int, school_id, name: str, id_number: str, text: str, shared: dict, previewed=None) -> RowPlan:
    """A row of the preview as the planner read it. `shared` holds one object per repeated value
    (a category, a date, an amount) across the rows: a province's 400,000 rows would otherwise each
    carry their own copies."""
    sheet = "staff" if sheet == "staff" else "contract"  # one string for all rows, not one per row fetched
    data = DATA_OF[sheet]()
    for key, value in zip(READ_KEYS[sheet], json.loads(text)):
        if value is None or key in UNIQUE_KEYS:
            data[key] = value
            continue
        if isinstance(value, list):
            value = tuple(value)
        found = shared.get((key, value))
        if found is None:
            found = date.fromisoformat(value) if key in DATE_KEYS else Decimal(value) if key in MONEY_KEYS else value
            shared[(key, value)] = found
        data[key] = found
    return RowPlan(sheet, row, school_id=school_id, name=name, id_number=id_number, data=data, previewed=previewed)
