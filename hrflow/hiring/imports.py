"""Applicants from an xlsx file: the template HRflow hands out, and an all-or-nothing import.

Every row is checked before anything is written; one bad row rejects the file and the
officer gets every error with its row and column.
"""

import io
from dataclasses import dataclass

import openpyxl
import xlsxwriter
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hrflow.core.bulk import insert_rows, snapshot_history

from hrflow.people.models import Education
from hrflow.policy import PolicyInputError, parse_id_number

from .forms import split_certificates
from .models import Application, SelectionRound, new_application_code

# (header, field); headers are the template's, in Chinese as the officers use it.
COLUMNS = [
    ("岗位", "post"),
    ("姓名", "name"),
    ("身份证号码", "id_number"),
    ("性别", "gender"),
    ("学历", "education"),
    ("持有上岗证", "certificates"),
    ("干部身份", "cadre"),
    ("有无犯罪记录", "criminal_record"),
    ("有无传染性疾病", "infectious_disease"),
    ("有无精神病史", "mental_illness_history"),
    ("联系电话", "phone"),
]
HEADER_OF = {field: header for header, field in COLUMNS}
COLUMN_ORDER = {header: index for index, (header, _field) in enumerate(COLUMNS)}
YES = {"是", "有", "y", "yes", "true", "1"}
NO = {"否", "无", "n", "no", "false", "0"}
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F"}
MAX_ROWS = 50_000
IMPORT_FIELDS = ["round", "post", "code", "name", "id_number", "gender", "birth_date", "phone", "education", "certificates",
                 "cadre", "criminal_record", "infectious_disease", "mental_illness_history", "source", "submitted_at",
                 "decision_reason", "state"]


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str


class ImportRejected(Exception):
    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problems")


def _education_lookup():
    lookup = {}
    for value, label in Education.choices:
        lookup[value] = value
        lookup[str(label)] = value
    with_zh = {"小学": "primary", "初中": "junior_high", "高中": "senior_high", "中专": "secondary_vocational",
               "职高": "secondary_vocational", "技校": "secondary_vocational", "中专/职高/技校": "secondary_vocational",
               "大专": "associate", "本科": "bachelor", "硕士": "master", "硕士研究生": "master", "博士": "doctorate", "博士研究生": "doctorate"}
    lookup.update(with_zh)
    return lookup


def template_workbook(round: SelectionRound) -> bytes:
    """The xlsx template for `round`: headers, the posts as a drop-down, one example row."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("报名人员")
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True, "bg_color": "#EEEEEE"})
    for col, (header, _field) in enumerate(COLUMNS):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, 16, text)
    posts = [p.title for p in round.posts.all()]
    yes_no = ["是", "否"]
    last = MAX_ROWS
    sheet.data_validation(1, 0, last, 0, {"validate": "list", "source": posts})
    sheet.data_validation(1, 3, last, 3, {"validate": "list", "source": ["男", "女"]})
    sheet.data_validation(1, 4, last, 4, {"validate": "list", "source": ["小学", "初中", "高中", "中专/职高/技校", "大专", "本科", "硕士研究生", "博士研究生"]})
    for col in (6, 7, 8, 9):
        sheet.data_validation(1, col, last, col, {"validate": "list", "source": yes_no})
    notes = book.add_worksheet("填写说明")
    for i, line in enumerate([
        f"遴选：{round.title}",
        "身份证号码请按文本填写（18位，末位可为X）；性别须与身份证号码一致。",
        "持有上岗证：多个证书用逗号分隔。是/否栏只填“是”或“否”。",
        "任何一行有误，整个文件不予导入，并逐行列出错误。",
    ]):
        notes.write_string(i, 0, line)
    book.close()
    return buffer.getvalue()


def _yes_no(value):
    text = str(value).strip().lower() if value is not None else ""
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def parse_applicants(round: SelectionRound, stream) -> list[dict]:
    """Rows of the file as application fields; raises ImportRejected with every problem."""
    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception:
        raise ImportRejected([RowProblem(0, "", _("The file is not an xlsx workbook."))]) from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read_only trusts the file's dimension tag, which producers get wrong
        rows = sheet.iter_rows(values_only=True)
        header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
        expected = [h for h, _f in COLUMNS]
        if header[: len(expected)] != expected:
            raise ImportRejected([RowProblem(1, "", _("The header row differs from the template: %(expected)s.") % {"expected": ", ".join(expected)})])
        posts = {p.title: p for p in round.posts.all()}
        education = _education_lookup()
        problems, records, seen = [], [], {}
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                problems.append(RowProblem(number, "", _("At most %(n)d rows per file.") % {"n": MAX_ROWS}))
                break
            values = list(values[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(values[: len(COLUMNS)]))
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            cell = dict(zip([f for _h, f in COLUMNS], values))

            def problem(field, message):
                problems.append(RowProblem(number, HEADER_OF[field], message))

            record = {}
            post = posts.get(str(cell["post"] or "").strip())
            if post is None:
                problem("post", _("Unknown post “%(value)s”.") % {"value": cell["post"] or ""})
            record["post"] = post
            name = str(cell["name"] or "").strip()
            if not name:
                problem("name", _("The name is missing."))
            record["name"] = name
            raw_id = cell["id_number"]
            identity = None
            if isinstance(raw_id, (int, float)):
                problem("id_number", _("The ID number is a number in the file; format the column as text."))
            else:
                try:
                    identity = parse_id_number(str(raw_id or ""))
                except PolicyInputError as error:
                    problem("id_number", _(error.template) % error.params if error.params else _(error.template))
            gender = GENDERS.get(str(cell["gender"] or "").strip().lower())
            if gender is None:
                problem("gender", _("Gender must be 男 or 女."))
            elif identity is not None and identity.sex != gender:
                problem("gender", _("The gender contradicts the ID number."))
            level = education.get(str(cell["education"] or "").strip())
            if level is None:
                problem("education", _("Unknown education level “%(value)s”.") % {"value": cell["education"] or ""})
            flags = {}
            for field in ("cadre", "criminal_record", "infectious_disease", "mental_illness_history"):
                flags[field] = _yes_no(cell[field])
                if flags[field] is None:
                    problem(field, _("Write 是 or 否."))
            if identity is not None:
                if identity.number in seen:
                    problem("id_number", _("The same ID number is on row %(row)d.") % {"row": seen[identity.number]})
                seen.setdefault(identity.number, number)
                record.update(id_number=identity.number, birth_date=identity.birth_date)
            record.update(gender=gender, education=level, certificates=split_certificates(str(cell["certificates"] or "")),
                          phone=str(cell["phone"] or "").strip(), row=number, **flags)
            records.append(record)
        existing = set(Application.objects.filter(round=round, id_number__in=list(seen)).values_list("id_number", flat=True))
        for record in records:
            if record.get("id_number") in existing:
                problems.append(RowProblem(record["row"], "身份证号码", _("This person has already applied in this round.")))
        if not records and not problems:
            problems.append(RowProblem(2, "", _("The file has no applicants.")))
        if problems:
            raise ImportRejected(sorted(problems, key=lambda p: (p.row, COLUMN_ORDER.get(p.column, -1))))
        return records
    finally:
        book.close()


@transaction.atomic
def applications_import(*, round: SelectionRound, stream, acting_user) -> int:
    round = SelectionRound.objects.select_for_update().get(pk=round.pk)
    if round.state != SelectionRound.State.OPEN:
        raise ImportRejected([RowProblem(0, "", _("Applicants are imported while the round takes applications."))])
    records = parse_applicants(round, stream)
    now = timezone.now()
    prepare = Application._meta.get_field("certificates").get_db_prep_save
    before = Application.objects.aggregate(last=Max("id"))["last"] or 0
    # Thousands of rows: written in bulk with their history rows (hrflow.core.bulk).
    insert_rows(Application, IMPORT_FIELDS, [
        (round.pk, r["post"].pk, new_application_code(), r["name"], r["id_number"], r["gender"], r["birth_date"], r["phone"],
         r["education"], prepare(r["certificates"], connection), r["cadre"], r["criminal_record"], r["infectious_disease"],
         r["mental_illness_history"], Application.Source.IMPORT, now, "", Application.State.SUBMITTED)
        for r in records
    ])
    snapshot_history(Application, "round_id = %s AND id > %s", [round.pk, before], user=acting_user,
                     reason=_("Imported from xlsx by HR"), history_type="+")
    return len(records)


