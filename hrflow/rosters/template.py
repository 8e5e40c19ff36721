"""The xlsx roster template: the staff and contract sheets, the help sheet, and drop-down lists.
The round-trip export (hrflow.rosters.exports) writes its rows into the same layout."""

from datetime import date

from hrflow.core.xlsx import workbook_bytes
from hrflow.org.models import Dormitory, School

from .columns import (
    CONTRACT_SHEET, HELP, HELP_SHEET, LIST_SHEET, LISTS, MAX_ROWS, STAFF_SHEET, contract_columns, staff_columns,
)

LIST_ROWS = 1000  # schools or dormitories listed for a drop-down; beyond, the cell is typed
DATE_FIELDS = ("hired_on", "starts_on", "ends_on")
NUMBER_FIELDS = (*DATE_FIELDS, "probation_months", "agreed_pay", "probation_pay")


class Layout:
    """The template of one unit: a school's (no school column) or a bureau's (with one)."""

    def __init__(self, unit):
        self.unit = unit
        self.bureau = unit.kind != unit.Kind.SCHOOL
        values = dict(LISTS)
        if self.bureau:
            names = list(School.objects.filter(unit__path__startswith=unit.path).order_by("unit__path")
                         .values_list("unit__name", flat=True)[: LIST_ROWS + 1])
            if len(names) <= LIST_ROWS:
                values["school"] = names
        else:
            dormitories = list(Dormitory.objects.filter(school__unit=unit).order_by("name").values_list("name", flat=True)[:LIST_ROWS])
            if dormitories:
                values["dormitory"] = dormitories
        self.values = values
        # field -> the range of the list sheet a drop-down points at (one column per list). The lists
        # live on a sheet of their own, written last and hidden: an inline list is cut at 255 characters.
        self.ranges = {field: f"='{LIST_SHEET}'!${chr(ord('A') + col)}$1:${chr(ord('A') + col)}${len(items)}"
                       for col, (field, items) in enumerate(values.items()) if items}

    def columns(self, title: str):
        return staff_columns(self.bureau) if title == STAFF_SHEET else contract_columns(self.bureau)

    def setup(self, writer, sheet, title: str):
        """Widths, text cells and drop-downs of a data sheet (its header is the caller's)."""
        text = writer.format({"num_format": "@"})
        for col, (_h, field) in enumerate(self.columns(title)):
            # Text cells: an ID number typed into a number cell loses its last digits.
            sheet.set_column(col, col, 22 if field in ("school", "id_number", "agency", "certificates") else 14,
                             None if field in NUMBER_FIELDS else text)
            if field in self.ranges:
                sheet.data_validation(1, col, MAX_ROWS, col, {"validate": "list", "source": self.ranges[field], "ignore_blank": True,
                                                              "error_type": "warning"})
            elif field in DATE_FIELDS:
                sheet.data_validation(1, col, MAX_ROWS, col, {"validate": "date", "criteria": ">=", "value": date(1900, 1, 1),
                                                              "error_type": "warning", "input_message": "如2019-09-01"})
        sheet.freeze_panes(1, 0)

    def finish(self, writer):
        """The help sheet, then the hidden lists."""
        notes = writer.sheet(HELP_SHEET)
        bold = writer.format({"bold": True})
        lines = [
            f"{self.unit.name}：后勤人员名单导入模板",
            "“职工”表每人一行；“合同”表填写每人目前有效（或已签订、尚未开始）的合同或派遣协议。",
            "上传后先预览：逐行显示将新建、关联、更新、不变或拒绝，以及原因；确认后整份文件一次导入，有任何一行被拒绝则不能导入。",
            "同一文件再次导入不会重复创建。已在系统中的人员按身份证号码关联，其档案不因本文件改动。",
            "各栏直接填写内容，不要使用公式；日期写作2019-09-01；身份证号码按文本填写。",
            f"每张表至多{MAX_ROWS}行。",
            "",
        ]
        for line, text in enumerate(lines):
            writer.cell(notes, line, 0, text)
        row = len(lines)
        for title in (STAFF_SHEET, CONTRACT_SHEET):
            writer.cell(notes, row, 0, f"“{title}”表", bold)
            row += 1
            for header, field in self.columns(title):
                accepted = "、".join(LISTS.get(field, []))
                writer.cell(notes, row, 0, header)
                writer.cell(notes, row, 1, HELP.get(field, ""))
                writer.cell(notes, row, 2, f"可填：{accepted}" if accepted else "")
                row += 1
            row += 1
        notes.set_column(0, 0, 24)
        notes.set_column(1, 1, 90)
        notes.set_column(2, 2, 60)
        lists = writer.sheet(LIST_SHEET)
        for col, items in enumerate(self.values.values()):
            for line, value in enumerate(items):
                writer.cell(lists, line, col, value)
        lists.hide()


def template_workbook(unit) -> bytes:
    layout = Layout(unit)

    def build(writer):
        for title in (STAFF_SHEET, CONTRACT_SHEET):
            sheet = writer.sheet(title)
            writer.header(sheet, [h for h, _f in layout.columns(title)])
            layout.setup(writer, sheet, title)
            if title == STAFF_SHEET:
                sheet.activate()
        layout.finish(writer)

    return workbook_bytes(build)
