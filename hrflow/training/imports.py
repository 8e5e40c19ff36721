"""Attendance of a course and certificates of a school's staff from xlsx: the templates HRflow
hands out, and all-or-nothing imports.

The file is read bounded (hrflow.core.xlsx.read_upload: size, zip bombs, row and cell caps,
formula cells). Every row is checked before anything is written; one bad row rejects the file
and the officer gets every problem with its row and column. Each row names a person by ID
number and name, who must be a current staff member of a school in the officer's scope. A
re-import of the same file writes nothing new: a row already on record is skipped when it is
the same and updated when it differs, and the result says how many of each.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from hrflow.core import clock
from hrflow.core.validators import invisible, policy_message
from hrflow.core.xlsx import ImportRejected, RowProblem, read_rows, upload_max_bytes, workbook_bytes  # noqa: F401 (the page states the limit)
from hrflow.org import scope
from hrflow.org.models import Role
from hrflow.people.models import Staff
from hrflow.policy import PolicyInputError, parse_id_number
from hrflow.policy import certificates as policy

from . import rules as training_rules
from .models import Attendance, Certificate, Course
from .validation import certificate_problems

MAX_ROWS = 20_000
LOOKUP_CHUNK = 500
FILENAME_MAX = 100

ATTENDANCE_COLUMNS = [("身份证号码", "id_number"), ("姓名", "name"), ("学时", "hours"), ("是否合格", "passed")]
CERTIFICATE_COLUMNS = [
    ("身份证号码", "id_number"), ("姓名", "name"), ("证书类别", "kind"), ("证书编号", "number"),
    ("发证机关", "issuer"), ("发证日期", "issued_on"), ("有效期至", "valid_until"),
]

# The kinds as officers write them (the template's drop-down offers the first of each).
KIND_WORDS = {
    policy.HEALTH: ["健康证明", "健康证"],
    policy.FOOD_SAFETY_MANAGER: ["食品安全管理员证", "食品安全管理员"],
    policy.ELECTRICIAN: ["电工证", "电工作业证"],
    policy.BOILER_OPERATOR: ["锅炉/压力容器操作证", "锅炉操作证", "压力容器操作证"],
    policy.SPECIAL_EQUIPMENT: ["特种设备作业人员证", "特种设备作业证"],
    policy.COOK: ["厨师/烹调技能证书", "厨师证", "烹调技能证书"],
}
KIND_OF_WORD = {word: kind for kind, words in KIND_WORDS.items() for word in words}
OTHER_PATTERN = re.compile(r"^其他\s*[：:（(]\s*(?P<name>.+?)\s*[）)]?$")
YES = {"是", "合格", "通过", "y", "yes", "true", "1"}
NO = {"否", "不合格", "未通过", "n", "no", "false", "0"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reason: str = ""
    rows: list = field(default_factory=list)

    @property
    def message(self) -> str:
        return _("Imported: %(created)d added, %(updated)d updated, %(unchanged)d already on record and skipped.") % {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged}


# --- Templates ----------------------------------------------------------------------------

def _template(columns, help_lines, title_line, validations):
    def build(writer):
        sheet = writer.sheet(_("Data"))
        text = writer.format({"num_format": "@"})
        writer.header(sheet, [h for h, _f in columns])
        for col, (header, name) in enumerate(columns):
            sheet.set_column(col, col, 18, text)
            sheet.write_comment(0, col, help_lines[name])
        for col, source in validations:
            sheet.data_validation(1, col, MAX_ROWS, col, {"validate": "list", "source": source})
        notes = writer.sheet(_("How to fill in"))
        lines = [title_line] + [f"{header}: {help_lines[name]}" for header, name in columns] + [
            _("Type the values themselves, no formulas: a file with formulas is not imported."),
            _("At most %(n)d rows per file. If any row is wrong, nothing is imported and every problem is listed by row and column.") % {"n": MAX_ROWS},
            _("Importing the same file again adds nothing: rows already on record are skipped, changed ones updated."),
        ]
        for i, line in enumerate(lines):
            writer.cell(notes, i, 0, line)

    return workbook_bytes(build)


def _person_help():
    return {
        "id_number": _("18 characters, formatted as text (the last may be X); a current staff member of a school in your scope."),
        "name": _("As on record for that ID number."),
    }


def attendance_template(course: Course) -> bytes:
    help_lines = {**_person_help(),
                  "hours": _("Hours attended, from 0 to the course's %(hours)s, at most one decimal place.") % {"hours": course.hours},
                  "passed": _("是 or 否.")}
    return _template(ATTENDANCE_COLUMNS, help_lines, _("Course: %(title)s") % {"title": course.title}, [(3, ["是", "否"])])


def certificate_template() -> bytes:
    kinds = [words[0] for words in KIND_WORDS.values()] + ["其他：证书名称"]
    help_lines = {**_person_help(),
                  "kind": _("One of: %(kinds)s; another certificate as 其他：<its name>.") % {"kinds": "、".join(kinds[:-1])},
                  "number": _("The certificate's number, at most 64 characters."),
                  "issuer": _("The issuing authority, at most 100 characters."),
                  "issued_on": _("A date such as 2024-03-01, not in the future."),
                  "valid_until": _("A date such as 2025-02-28, empty if it does not expire; a health certificate always has one.")}
    return _template(CERTIFICATE_COLUMNS, help_lines, _("Certificates of your school's staff"), [(2, kinds)])


# --- Reading ------------------------------------------------------------------------------

def _read(stream, columns) -> list[tuple[int, dict]]:
    """(row number, {field: cell value}) of every non-empty data row; ImportRejected otherwise."""
    found = read_rows(stream, columns, max_rows=MAX_ROWS)
    if not found:
        raise ImportRejected([RowProblem(0, "", _("The file has no rows to import."))])
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _shown(text: str) -> str:
    return text[:40] + ("…" if len(text) > 40 else "")


def _id_number(value) -> tuple[str | None, str | None]:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return None, _("The ID number is a number in the file; format the column as text.")
    try:
        return parse_id_number(_text(value)).number, None
    except PolicyInputError as error:
        return None, policy_message(error)


def _hours(value, maximum: Decimal) -> tuple[Decimal | None, str | None]:
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        return None, _("The hours are missing.")
    if isinstance(value, (datetime, date)):
        return None, _("Write the hours as a number.")
    try:
        hours = Decimal(_text(value)) if not isinstance(value, float) else Decimal(repr(value))
    except (InvalidOperation, ValueError):
        return None, _("“%(value)s” is not a number of hours.") % {"value": _shown(_text(value))}
    if not hours.is_finite() or hours < 0 or hours > maximum:
        return None, _("The hours lie from 0 to %(max)s.") % {"max": maximum}
    if hours != hours.quantize(Decimal("0.1")):
        return None, _("The hours have at most one decimal place.")
    return hours.quantize(Decimal("0.1")), None


def _yes_no(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    return True if text in YES else False if text in NO else None


def _date(value, *, required: bool) -> tuple[date | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, (_("The date is missing.") if required else None)
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if not isinstance(value, str):
        return None, _("Write the date as text such as 2024-03-01, or as a date cell.")
    text = value.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, _("“%(value)s” is not a date; write it such as 2024-03-01.") % {"value": _shown(text)}


def _kind(value) -> tuple[str | None, str, str | None]:
    text = _text(value)
    if not text:
        return None, "", _("The certificate kind is missing.")
    if text in KIND_OF_WORD:
        return KIND_OF_WORD[text], "", None
    match = OTHER_PATTERN.match(text)
    if match:
        return policy.OTHER, match.group("name"), None
    return None, "", _("Unknown certificate kind “%(value)s”; use the template's list, or 其他：<its name>.") % {"value": _shown(text)}


def _plain(value) -> str | None:
    """A text cell: a date or a boolean where text belongs is refused, not turned into words."""
    if isinstance(value, (datetime, date, bool)):
        return None
    return _text(value)


def _staff_in(paths: list[str], id_numbers: list[str]) -> dict[str, Staff]:
    """The current employment under each ID number within `paths` (lowest id if several)."""
    if not paths or not id_numbers:
        return {}
    where = Q(pk__in=[])
    for path in paths:
        where |= Q(school__unit__path__startswith=path)
    found = {}
    for start in range(0, len(id_numbers), LOOKUP_CHUNK):
        chunk = id_numbers[start:start + LOOKUP_CHUNK]
        for staff in (Staff.objects.filter(where, person__id_number__in=chunk).exclude(status=Staff.Status.LEFT)
                      .select_related("person", "school__unit").order_by("pk")):
            found.setdefault(staff.person.id_number, staff)
    return found


def _person_checks(rows, paths, problems, columns) -> dict[int, Staff]:
    """Each row's staff member (row number -> Staff): ID number valid, in scope, name on record,
    once per file."""
    header = dict((f, h) for h, f in columns)
    ids = {}
    for number, cell in rows:
        id_number, problem = _id_number(cell["id_number"])
        if problem:
            problems.append(RowProblem(number, header["id_number"], problem))
        else:
            ids[number] = id_number
    staff_of = _staff_in(paths, sorted(set(ids.values())))
    found = {}
    for number, cell in rows:
        if number not in ids:
            continue
        staff = staff_of.get(ids[number])
        name = _plain(cell["name"])
        if staff is None:
            problems.append(RowProblem(number, header["id_number"], _("No current staff member of a school in your scope has this ID number.")))
            continue
        if name is None or name != staff.person.name:
            problems.append(RowProblem(number, header["name"], _("The name differs from the one on record for this ID number.")))
            continue
        found[number] = staff
    return found


def _history_reason(filename: str) -> str:
    name = "".join(ch for ch in (filename or "") if not invisible(ch)).strip()[:FILENAME_MAX] or "xlsx"
    return _("Imported from the file %(file)s") % {"file": name}


def _sorted(problems, columns):
    order = {h: i for i, (h, _f) in enumerate(columns)}
    return sorted(problems, key=lambda p: (p.row, order.get(p.column, -1)))


# --- Attendance ---------------------------------------------------------------------------

def parse_attendance(course: Course, user, stream) -> list[tuple[int, Staff, Decimal, bool]]:
    if course.starts_on > clock.today():
        raise ImportRejected([RowProblem(0, "", _("The course starts on %(day)s: attendance is recorded once it has begun.") % {
            "day": date_format(course.starts_on, "DATE_FORMAT")})])
    rows = _read(stream, ATTENDANCE_COLUMNS)
    header = dict((f, h) for h, f in ATTENDANCE_COLUMNS)
    problems = []
    staff_of = _person_checks(rows, training_rules.attendance_paths(user, course), problems, ATTENDANCE_COLUMNS)
    records, seen = [], {}
    for number, cell in rows:
        hours, problem = _hours(cell["hours"], course.hours)
        if problem:
            problems.append(RowProblem(number, header["hours"], problem))
        passed = _yes_no(cell["passed"])
        if passed is None:
            problems.append(RowProblem(number, header["passed"], _("Write 是 or 否.")))
        staff = staff_of.get(number)
        if staff is not None:
            if staff.pk in seen:
                problems.append(RowProblem(number, header["id_number"], _("The same person is on row %(row)d.") % {"row": seen[staff.pk]}))
            seen.setdefault(staff.pk, number)
        if staff is not None and hours is not None and passed is not None:
            records.append((number, staff, hours, passed))
    if problems:
        raise ImportRejected(_sorted(problems, ATTENDANCE_COLUMNS))
    return records


@transaction.atomic
def attendance_import(*, course: Course, stream, filename: str, acting_user) -> ImportResult:
    """All rows or none; rows already on record are skipped when equal, updated when not."""
    course = Course.objects.select_for_update().select_related("plan__unit").get(pk=course.pk)
    records = parse_attendance(course, acting_user, stream)
    reason = _history_reason(filename)
    existing = {}
    staff_ids = [staff.pk for _n, staff, _h, _p in records]
    for start in range(0, len(staff_ids), LOOKUP_CHUNK):
        for row in Attendance.objects.filter(course=course, staff_id__in=staff_ids[start:start + LOOKUP_CHUNK]):
            existing[row.staff_id] = row
    new, changed, result = [], [], ImportResult(reason=reason)
    for _number, staff, hours, passed in records:
        row = existing.get(staff.pk)
        if row is None:
            new.append(Attendance(course=course, staff=staff, hours=hours, passed=passed))
        elif row.hours == hours and row.passed == passed:
            result.unchanged += 1
        else:
            row.hours, row.passed = hours, passed
            changed.append(row)
    _write(Attendance, new, changed, ["hours", "passed"], acting_user, reason)
    result.created, result.updated = len(new), len(changed)
    return result


# --- Certificates -------------------------------------------------------------------------

def certificate_paths(user) -> list[str]:
    return scope.scope_paths(user, {Role.HR_OFFICER})


def parse_certificates(user, stream) -> list[tuple[int, Staff, dict]]:
    rows = _read(stream, CERTIFICATE_COLUMNS)
    header = dict((f, h) for h, f in CERTIFICATE_COLUMNS)
    problems = []
    staff_of = _person_checks(rows, certificate_paths(user), problems, CERTIFICATE_COLUMNS)
    records, seen = [], {}
    for number, cell in rows:
        data, bad = {}, set()
        data["kind"], data["name"], problem = _kind(cell["kind"])
        if problem:
            problems.append(RowProblem(number, header["kind"], problem))
            bad.add("kind")
        for name in ("number", "issuer"):
            text = _plain(cell[name])
            if text is None:
                problems.append(RowProblem(number, header[name], _("Write text here, not a date.")))
                bad.add(name)
            data[name] = text or ""
        for name, required in (("issued_on", True), ("valid_until", False)):
            data[name], problem = _date(cell[name], required=required)
            if problem:
                problems.append(RowProblem(number, header[name], problem))
                bad.add(name)
        staff = staff_of.get(number)
        checks = certificate_problems(birth_date=staff.person.birth_date if staff else None, **data)
        for name, message in checks.items():
            if name not in bad:
                # The name of another certificate is written in the kind's column (其他：<name>).
                problems.append(RowProblem(number, header["kind" if name == "name" else name], message))
        if staff is not None and data["kind"] is not None:
            key = (staff.person_id, data["kind"], data["name"], data["number"])
            if key in seen:
                problems.append(RowProblem(number, header["number"], _("The same certificate is on row %(row)d.") % {"row": seen[key]}))
            seen.setdefault(key, number)
            records.append((number, staff, data))
    if problems:
        raise ImportRejected(_sorted(problems, CERTIFICATE_COLUMNS))
    return records


@transaction.atomic
def certificates_import(*, stream, filename: str, acting_user) -> ImportResult:
    """All rows or none. A certificate is the same when person, kind, name and number are: it is
    skipped when issuer and dates agree, and updated when they differ."""
    records = parse_certificates(acting_user, stream)
    reason = _history_reason(filename)
    people = sorted({staff.person_id for _n, staff, _d in records})
    existing = {}
    for start in range(0, len(people), LOOKUP_CHUNK):
        for row in Certificate.objects.select_for_update().filter(person_id__in=people[start:start + LOOKUP_CHUNK]):
            existing[(row.person_id, row.kind, row.name, row.number)] = row
    new, changed, result = [], [], ImportResult(reason=reason)
    for _number, staff, data in records:
        row = existing.get((staff.person_id, data["kind"], data["name"], data["number"]))
        if row is None:
            new.append(Certificate(person_id=staff.person_id, **data))
        elif (row.issuer, row.issued_on, row.valid_until) == (data["issuer"], data["issued_on"], data["valid_until"]):
            result.unchanged += 1
        else:
            row.issuer, row.issued_on, row.valid_until = data["issuer"], data["issued_on"], data["valid_until"]
            changed.append(row)
    _write(Certificate, new, changed, ["issuer", "issued_on", "valid_until"], acting_user, reason)
    result.created, result.updated = len(new), len(changed)
    return result


def _write(model, new, changed, fields, user, reason):
    try:
        with transaction.atomic():
            if new:
                bulk_create_with_history(new, model, batch_size=500, default_user=user, default_change_reason=reason)
            if changed:
                bulk_update_with_history(changed, model, fields, batch_size=500, default_user=user, default_change_reason=reason)
    except IntegrityError:
        # Another import of the same rows committed first: nothing of this one is written.
        raise ImportRejected([RowProblem(0, "", _("Someone else imported these rows at the same time; import the file again."))]) from None
