"""Applicants from an xlsx file: the template HRflow hands out, and an all-or-nothing import.

Every row is checked before anything is written; one bad row rejects the file and the
officer gets every error with its row and column.
"""


from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hrflow.core import clock
from hrflow.core.bulk import ANALYZE_AFTER_ROWS, insert_rows, refresh_statistics, snapshot_history
from hrflow.core.xlsx import ImportRejected, RowProblem, read_rows, upload_max_bytes, workbook_bytes  # noqa: F401 (the views read them here)

from .applicants import validate_applicant
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
MAX_ROWS = 50_000
IMPORT_FIELDS = ["round", "post", "code", "name", "id_number", "gender", "birth_date", "phone", "education", "certificates",
                 "cadre", "criminal_record", "infectious_disease", "mental_illness_history", "source", "submitted_at",
                 "decision_reason", "state"]


def template_workbook(round: SelectionRound) -> bytes:
    """The xlsx template for `round`: headers, the posts as a drop-down, one example row."""
    posts = [p.title for p in round.posts.all()]

    def build(writer):
        sheet = writer.sheet("报名人员")
        text = writer.format({"num_format": "@"})
        writer.header(sheet, [h for h, _f in COLUMNS])
        for col in range(len(COLUMNS)):
            sheet.set_column(col, col, 16, text)
        # The posts live in a sheet of their own: an inline list is cut at 255 characters
        # (the writer refuses it) and splits a title that holds a comma.
        lists = writer.sheet("岗位列表")
        for line, title in enumerate(posts):
            writer.cell(lists, line, 0, title)
        last = MAX_ROWS
        if posts:
            sheet.data_validation(1, 0, last, 0, {"validate": "list", "source": f"='岗位列表'!$A$1:$A${len(posts)}"})
        sheet.data_validation(1, 3, last, 3, {"validate": "list", "source": ["男", "女"]})
        sheet.data_validation(1, 4, last, 4, {"validate": "list", "source": ["小学", "初中", "高中", "中专/职高/技校", "大专", "本科", "硕士研究生", "博士研究生"]})
        for col in (6, 7, 8, 9):
            sheet.data_validation(1, col, last, col, {"validate": "list", "source": ["是", "否"]})
        notes = writer.sheet("填写说明")
        for i, line in enumerate([
            f"遴选：{round.title}",
            "身份证号码请按文本填写（18位，末位可为X）；性别须与身份证号码一致。",
            "持有上岗证：多个证书用逗号分隔，至多20个。是/否栏只填“是”或“否”。",
            "姓名至多100字，只填文字（少数民族姓名的间隔号“·”可用），不含数字、符号或表情。",
            "学历从下拉列表中选择，不可空缺。",
            "联系电话填以13至19开头的11位手机号，或7至8位的固定电话（可带区号，如028-86123456）。",
            "各栏直接填写内容，不要使用公式：含公式的文件不予导入。",
            f"每个文件至多{MAX_ROWS}行；任何一行有误，整个文件不予导入，并逐行列出错误。",
        ]):
            writer.cell(notes, i, 0, line)

    return workbook_bytes(build)


def parse_applicants(round: SelectionRound, stream) -> list[dict]:
    """Rows of the file as application fields; raises ImportRejected with every problem.

    The file is read bounded (hrflow.core.xlsx.read_upload) and every row goes through the
    online form's own validation (hiring.applicants.validate_applicant)."""
    rows = read_rows(stream, COLUMNS, max_rows=MAX_ROWS)
    posts = {p.title: p for p in round.posts.all()}
    today = clock.today()
    problems, records, seen = [], [], {}
    for number, cell in rows:
        post_title = str(cell["post"] if cell["post"] is not None else "").strip()
        post = posts.get(post_title)
        if post is None:
            problems.append(RowProblem(number, HEADER_OF["post"], _("Unknown post “%(value)s”.") % {"value": post_title[:100]}))
        # Phone numbers are optional on paper; the online form requires one.
        record, errors = validate_applicant(cell, today=today, phone_required=False)
        problems.extend(RowProblem(number, HEADER_OF[field], message) for field, message in errors.items())
        if "id_number" in record:
            if record["id_number"] in seen:
                problems.append(RowProblem(number, HEADER_OF["id_number"], _("The same ID number is on row %(row)d.") % {"row": seen[record["id_number"]]}))
            seen.setdefault(record["id_number"], number)
        record.update(post=post, row=number)
        records.append(record)
    existing = set(Application.objects.filter(round=round, id_number__in=list(seen)).values_list("id_number", flat=True))
    for record in records:
        if record.get("id_number") in existing:
            problems.append(RowProblem(record["row"], HEADER_OF["id_number"], _("This person has already applied in this round.")))
    if not records and not problems:
        problems.append(RowProblem(0, "", _("The file has no applicants.")))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.row, COLUMN_ORDER.get(p.column, -1))))
    return records


def import_needs_reason(round: SelectionRound) -> bool:
    """After the deadline an import needs a reason (paper applications received in time)."""
    return clock.today() > round.closes_on


@transaction.atomic
def applications_import(*, round: SelectionRound, stream, acting_user, reason: str = "") -> int:
    """All rows or none. After the round's closes_on, `reason` must say why the rows are late
    (paper applications received in time); it goes into every imported row's history."""
    round = SelectionRound.objects.select_for_update().get(pk=round.pk)
    if round.state != SelectionRound.State.OPEN:
        raise ImportRejected([RowProblem(0, "", _("Applicants are imported while the round takes applications."))])
    reason = (reason or "").strip()
    if import_needs_reason(round) and not reason:
        raise ImportRejected([RowProblem(0, "", _("Applications closed on %(day)s: say why these applications are imported after the deadline (e.g. paper applications received in time).")
                                         % {"day": date_format(round.closes_on, "DATE_FORMAT")})])
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
    history_reason = _("Imported from xlsx by HR")
    if import_needs_reason(round):
        history_reason = _("Imported from xlsx by HR after the deadline: %(reason)s") % {"reason": reason}
    snapshot_history(Application, "round_id = %s AND id > %s", [round.pk, before], user=acting_user,
                     reason=history_reason, history_type="+")
    if len(records) >= ANALYZE_AFTER_ROWS:
        transaction.on_commit(lambda: refresh_statistics([Application]))
    return len(records)


