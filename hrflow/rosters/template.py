"""The xlsx roster template: the staff and contract sheets, the help sheet, and drop-down lists."""

from hrflow.core.xlsx import workbook_bytes
from hrflow.org.models import Dormitory, School

from .columns import (
    CONTRACT_SHEET, HELP, HELP_SHEET, LIST_SHEET, LISTS, MAX_ROWS, STAFF_SHEET, contract_columns, staff_columns,
)

LIST_ROWS = 1000  # schools or dormitories listed for a drop-down; beyond, the cell is typed


def _lists(writer, values_by_field: dict) -> dict:
    """One column per list in the list sheet; returns field -> the range a validation points at.
    Lists live on a sheet of their own: an inline list is cut at 255 characters."""
    sheet = writer.sheet(LIST_SHEET)
    ranges = {}
    for col, (field, values) in enumerate(values_by_field.items()):
        if not values:
            continue
        for line, value in enumerate(values):
            writer.cell(sheet, line, col, value)
        letter = chr(ord("A") + col)
        ranges[field] = f"='{LIST_SHEET}'!${letter}$1:${letter}${len(values)}"
    sheet.hide()
    return ranges


def _sheet(writer, title: str, columns, ranges: dict, example: list | None = None):
    sheet = writer.sheet(title)
    text = writer.format({"num_format": "@"})
    writer.header(sheet, [h for h, _f in columns])
    for col, (_h, field) in enumerate(columns):
        # Text cells: an ID number typed into a number cell loses its last digits.
        sheet.set_column(col, col, 22 if field in ("school", "id_number", "agency", "certificates") else 14,
                         None if field in ("hired_on", "starts_on", "ends_on", "probation_months", "agreed_pay", "probation_pay") else text)
        if field in ranges:
            sheet.data_validation(1, col, MAX_ROWS, col, {"validate": "list", "source": ranges[field], "ignore_blank": True,
                                                          "error_type": "warning"})
        elif field in ("hired_on", "starts_on", "ends_on"):
            sheet.data_validation(1, col, MAX_ROWS, col, {"validate": "date", "criteria": ">=", "value": "1900-01-01",
                                                          "error_type": "warning", "input_message": "如2019-09-01"})
    sheet.freeze_panes(1, 0)
    if example:
        writer.row(sheet, 1, example)
    return sheet


def template_workbook(unit) -> bytes:
    """The template for a school (no school column) or for a bureau's unit (with one)."""
    bureau = unit.kind != unit.Kind.SCHOOL
    schools = School.objects.filter(unit__path__startswith=unit.path).order_by("unit__path")
    school_names = list(schools.values_list("unit__name", flat=True)[: LIST_ROWS + 1])
    dormitories = [] if bureau else list(Dormitory.objects.filter(school__unit=unit).order_by("name").values_list("name", flat=True)[:LIST_ROWS])
    values = dict(LISTS)
    if bureau and len(school_names) <= LIST_ROWS:
        values["school"] = school_names
    if dormitories:
        values["dormitory"] = dormitories

    def build(writer):
        ranges = _lists(writer, values)
        _sheet(writer, STAFF_SHEET, staff_columns(bureau), ranges)
        _sheet(writer, CONTRACT_SHEET, contract_columns(bureau), ranges)
        notes = writer.sheet(HELP_SHEET)
        bold = writer.format({"bold": True})
        lines = [
            (f"{unit.name}：后勤人员名单导入模板", ""),
            ("“职工”表每人一行；“合同”表填写每人目前有效（或已签订、尚未开始）的合同或派遣协议。", ""),
            ("上传后先预览：逐行显示将新建、关联、更新、不变或拒绝，以及原因；确认后整份文件一次导入，有任何一行被拒绝则不能导入。", ""),
            ("同一文件再次导入不会重复创建。已在系统中的人员按身份证号码关联，其档案不因本文件改动。", ""),
            ("各栏直接填写内容，不要使用公式；日期写作2019-09-01；身份证号码按文本填写。", ""),
            (f"每张表至多{MAX_ROWS}行。", ""),
            ("", ""),
        ]
        for line, (first, second) in enumerate(lines):
            writer.cell(notes, line, 0, first)
        row = len(lines)
        for title, columns in ((STAFF_SHEET, staff_columns(bureau)), (CONTRACT_SHEET, contract_columns(bureau))):
            writer.cell(notes, row, 0, f"“{title}”表", bold)
            row += 1
            for header, field in columns:
                accepted = "、".join(LISTS.get(field, []))
                writer.cell(notes, row, 0, header)
                writer.cell(notes, row, 1, HELP.get(field, ""))
                writer.cell(notes, row, 2, f"可填：{accepted}" if accepted else "")
                row += 1
            row += 1
        notes.set_column(0, 0, 24)
        notes.set_column(1, 1, 90)
        notes.set_column(2, 2, 60)

    return workbook_bytes(build)
