"""hrflow.core.xlsx.read_sheets: the sheets a roster names, each held to its own limits and refused
naming the sheet, read alike by openpyxl and calamine."""

import io
import random
import zipfile
from datetime import date, datetime, time

import pytest

from hrflow.core import xlsx
from hrflow.core.xlsx import MAX_ROW_CELLS, FormulaCells, UploadRefused, Writer, read_sheets, read_upload, workbook_bytes

ENGINES = ["openpyxl", "calamine"]
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELATIONSHIPS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"


def crafted_book(sheets, *, workbook="xl/workbook.xml", extra=()) -> bytes:
    """An xlsx whose workbook lists `sheets`, (name, target, sheetData XML or None) in order; the
    target is relative to the workbook's folder, and a part is written, as a worksheet, only when
    its XML is given. `extra`: (part, content type, bytes) written besides."""
    folder, _slash, base = workbook.rpartition("/")
    overrides = [f'<Override PartName="/{workbook}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>']
    entries, rels, parts = [], [], []
    for number, (name, target, body) in enumerate(sheets, start=1):
        entries.append(f'<sheet name="{name}" sheetId="{number}" r:id="rId{number}"/>')
        rels.append(f'<Relationship Id="rId{number}" Type="{OFFICE}/worksheet" Target="{target}"/>')
        if body is not None:
            part = f"{folder}/{target}" if folder else target
            overrides.append(f'<Override PartName="/{part}" ContentType="{WORKSHEET}"/>')
            parts.append((part, f'<?xml version="1.0" encoding="UTF-8"?><worksheet {MAIN}><sheetData>'.encode() + body
                          + b"</sheetData></worksheet>"))
    overrides += [f'<Override PartName="/{part}" ContentType="{kind}"/>' for part, kind, _content in extra]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types '
                         'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                         '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>")
        archive.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships {RELATIONSHIPS}>'
                         f'<Relationship Id="rId1" Type="{OFFICE}/officeDocument" Target="{workbook}"/></Relationships>')
        archive.writestr(workbook, f'<?xml version="1.0" encoding="UTF-8"?><workbook {MAIN} xmlns:r="{OFFICE}"><sheets>'
                         + "".join(entries) + "</sheets></workbook>")
        archive.writestr(f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels",
                         f'<?xml version="1.0" encoding="UTF-8"?><Relationships {RELATIONSHIPS}>' + "".join(rels) + "</Relationships>")
        for part, content in parts:
            archive.writestr(part, content)
        for part, _kind, content in extra:
            archive.writestr(part, content)
    return buffer.getvalue()


def without(data: bytes, part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info, source.read(info))
    return buffer.getvalue()


def row(number, values) -> bytes:
    """A row of inline-string cells with references, from column A."""
    cells = "".join(f'<c r="{xlsx.column_letters(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values, start=1))
    return f'<row r="{number}">{cells}</row>'.encode()


def rows(*lines) -> bytes:
    return b"".join(row(number, values) for number, values in enumerate(lines, start=1))


def roster(*, order=("填写说明", "合同", "职工")) -> bytes:
    content = {
        "填写说明": [["列", "说明"], ["姓名", "与身份证一致"]],
        "职工": [["姓名", "身份证号码", "性别"], ["张三", "51010419900101001X", "男"], ["李四", "510104199202020022", "女"]],
        "合同": [["身份证号码", "起始日期"], ["51010419900101001X", date(2024, 9, 1)]],
    }

    def build(writer):
        for name in order:
            sheet = writer.sheet(name)
            for number, values in enumerate(content[name]):
                writer.row(sheet, number, values)

    return workbook_bytes(build)


def read(data, specs, engine="openpyxl", **kwargs):
    return read_sheets(io.BytesIO(data), specs, engine=engine, **kwargs)


def refused(data, specs, engine="openpyxl", **kwargs) -> UploadRefused:
    with pytest.raises(UploadRefused) as info:
        read(data, specs, engine, **kwargs)
    return info.value


SPECS = {"职工": (3, 10), "合同": (2, 10)}
EXPECTED = {
    "职工": [("姓名", "身份证号码", "性别"), ("张三", "51010419900101001X", "男"), ("李四", "510104199202020022", "女")],
    "合同": [("身份证号码", "起始日期"), ("51010419900101001X", datetime(2024, 9, 1))],
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("order", [("填写说明", "合同", "职工"), ("职工", "填写说明", "合同"), ("合同", "职工", "填写说明")])
def test_named_sheets_are_found_whatever_their_order(engine, order):
    assert read(roster(order=order), SPECS, engine) == EXPECTED


@pytest.mark.parametrize("engine", ENGINES)
def test_a_named_sheet_the_workbook_lacks_is_not_in_the_result(engine):
    data = roster(order=("填写说明", "职工"))
    assert read(data, SPECS, engine) == {"职工": EXPECTED["职工"]}
    assert read(data, {"Sheet1": (3, 10)}, engine) == {}


def test_a_sheet_of_notes_is_held_to_its_cap_but_a_named_sheet_to_its_own():
    numbers = random.Random(1)
    notes = b"".join(f"<row><c><v>{numbers.random()}</v></c></row>".encode() for _ in range(60_000))
    long = crafted_book([("填写说明", "worksheets/sheet1.xml", notes), ("职工", "worksheets/sheet2.xml", rows(["姓名"]))])
    assert "模板" in refused(long, {"职工": (1, 10)}).message
    assert len(read(long, {"填写说明": (1, 60_000), "职工": (1, 10)})["填写说明"]) == 60_000


@pytest.mark.parametrize("engine", ENGINES)
def test_a_formula_in_a_named_sheet_is_refused_naming_the_sheet(engine):
    formula = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2"><f>1+1</f><v>2</v></c></row>'
    data = crafted_book([("职工", "worksheets/sheet1.xml", rows(["姓名", "性别"])),
                         ("合同", "worksheets/sheet2.xml", rows(["身份证号码", "起始日期"]) + formula)])
    error = refused(data, SPECS, engine)
    assert isinstance(error, FormulaCells) and error.sheet == "合同" and error.cells == [(2, 2)] and error.row == 2
    assert "合同" in error.message and "B" in error.message
    # A formula in a sheet nobody reads, or beyond a named sheet's columns, is not read and not refused.
    assert read(data, {"职工": (2, 10)}, engine) == {"职工": [("姓名", "性别")]}
    assert read(data, {"合同": (1, 10)}, engine) == {"合同": [("身份证号码",), ("x",)]}


def test_read_upload_names_no_sheet_in_its_formula_refusal():
    data = crafted_book([("职工", "worksheets/sheet1.xml", rows(["a"]) + b'<row r="2"><c r="A2"><f>1</f><v>1</v></c></row>')])
    with pytest.raises(FormulaCells) as info:
        read_upload(io.BytesIO(data), columns=1, max_rows=10)
    assert info.value.sheet == "" and info.value.message == "第2行A列：单元格是公式，请直接填写内容。"


@pytest.mark.parametrize("engine", ENGINES)
def test_an_over_long_named_sheet_is_refused_naming_the_sheet_and_its_cap(engine):
    data = crafted_book([("职工", "worksheets/sheet1.xml", rows(["姓名"], *[[f"人{i}"] for i in range(4)])),
                         ("合同", "worksheets/sheet2.xml", rows(["身份证号码"], *[[str(i)] for i in range(7)]))])
    error = refused(data, {"职工": (1, 4), "合同": (1, 6)}, engine)
    assert error.sheet == "合同" and error.row == 8 and "合同" in error.message and "6" in error.message
    assert len(read(data, {"职工": (1, 4), "合同": (1, 7)}, engine)["合同"]) == 8


def test_the_row_cap_of_read_upload_keeps_its_message():
    data = crafted_book([("职工", "worksheets/sheet1.xml", rows(["姓名"], ["甲"], ["乙"]))])
    with pytest.raises(UploadRefused) as info:
        read_upload(io.BytesIO(data), columns=1, max_rows=1)
    assert info.value.message == "工作表的报名人员超过 1 行；每个文件至多读取 1 行。"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_too_wide_row_in_a_named_sheet_is_refused_naming_sheet_and_row(engine):
    wide = row(3, [str(i) for i in range(MAX_ROW_CELLS + 1)])
    data = crafted_book([("职工", "worksheets/sheet1.xml", rows(["姓名"], ["甲"]) + wide)])
    error = refused(data, {"职工": (3, 10)}, engine)
    assert error.sheet == "职工" and error.row == 3 and "职工" in error.message and str(MAX_ROW_CELLS) in error.message


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sheet_name_mapped_to_a_part_that_is_not_a_worksheet_is_refused(engine):
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {MAIN}><cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>').encode()
    data = crafted_book([("填写说明", "worksheets/sheet1.xml", rows(["说明"])), ("职工", "styles.xml", None)],
                        extra=[("xl/styles.xml", STYLES, styles)])
    error = refused(data, {"职工": (3, 10)}, engine)
    assert error.sheet == "职工" and "职工" in error.message
    # A worksheet part the package does not hold, or two sheets of one name, are no workbook.
    missing = without(crafted_book([("职工", "worksheets/sheet1.xml", rows(["姓名"])), ("合同", "worksheets/sheet2.xml", rows(["甲"]))]),
                      "xl/worksheets/sheet2.xml")
    twice = crafted_book([("职工", "worksheets/sheet1.xml", rows(["姓名"])), ("职工", "worksheets/sheet2.xml", rows(["姓名"]))])
    for data in (missing, twice):
        assert refused(data, SPECS, engine).message == "文件不是 xlsx 工作簿。"


def test_a_cell_reference_openpyxl_cannot_parse_refuses_the_file():
    body = rows(["姓名"]) + b'<row r="2"><c r="$A$2"><v>1</v></c></row>'
    data = crafted_book([("职工", "worksheets/sheet1.xml", body)])
    assert refused(data, {"职工": (1, 10)}, "calamine").message == "文件不是 xlsx 工作簿。"
    with pytest.raises(UploadRefused):
        read_upload(io.BytesIO(data), columns=1, max_rows=10)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("name", ["xl/worksheets/sheet1.xml", "XL/Worksheets/Sheet1.xml"])
def test_two_members_of_one_name_ignoring_case_are_refused(name):
    # zipfile would count one of them and calamine might read the other, with its formula.
    buffer = io.BytesIO(crafted_book([("职工", "worksheets/sheet1.xml", rows(["姓名"], ["甲"]))]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, f'<worksheet {MAIN}><sheetData>'.encode() + row(1, ["x"])
                         + b'<row r="2"><c r="A2"><f>1</f><v>1</v></c></row></sheetData></worksheet>')
    assert refused(buffer.getvalue(), {"职工": (1, 10)}).message == "文件不是 xlsx 工作簿。"


# --- The engines agree ----------------------------------------------------------------------

VALUES = [
    "张三", "51010419900101001X", "0012345", " 前后有空格 ", "a\nb", "a\r\nb", "\x01", "=1+1", "TRUE",
    3, -7, 0, 3.5, -0.25, 1e-7, 0.1 + 0.2, 2**53, 2**53 + 2, 51010419900101001, 1e20,
    date(1966, 2, 28), date(2024, 2, 29), datetime(2024, 9, 1, 8, 30), datetime(1999, 12, 31, 23, 59, 59, 999_000),
    True, False, None, "",
]


def every_kind_of_value() -> bytes:
    def build(writer):
        sheet = writer.sheet("职工")
        writer.header(sheet, ["值", "副本", "备注"])
        for number, value in enumerate(VALUES, start=1):
            writer.row(sheet, number, [value, value])
        writer.row(sheet, len(VALUES) + 1, [None, None, "只有备注"])
        sheet.write_number(len(VALUES) + 2, 0, 0.25, writer.format({"num_format": "hh:mm"}))
        sheet.write_number(len(VALUES) + 3, 0, 45000, writer.format({"num_format": 'yyyy"年"m"月"d"日"'}))
        writer.row(sheet, len(VALUES) + 4, [None, None, "只有备注"])  # a trailing row with nothing in the columns

    return workbook_bytes(build)


def test_the_engines_read_every_kind_of_value_alike(monkeypatch):
    data = every_kind_of_value()
    by_openpyxl = read(data, {"职工": (2, 100)}, "openpyxl")["职工"]
    with monkeypatch.context() as patch:  # calamine, not openpyxl, reads it
        patch.setattr(xlsx.openpyxl, "load_workbook", None)
        by_calamine = read(data, {"职工": (2, 100)}, "calamine")["职工"]
    assert by_calamine == by_openpyxl == read(data, {"职工": (2, 100)}, "auto")["职工"]
    assert [tuple(map(type, line)) for line in by_calamine] == [tuple(map(type, line)) for line in by_openpyxl]
    values = [line[0] for line in by_openpyxl[1:]]
    assert values[:len(VALUES)] == [
        "张三", "51010419900101001X", "0012345", " 前后有空格 ", "a\nb", "a\r\nb", "\x01", "=1+1", "TRUE",
        3, -7, 0, 3.5, -0.25, 1e-7, 0.3, 2**53, float(2**53 + 2), 5.1010419900101e16, 1e20,
        datetime(1966, 2, 28), datetime(2024, 2, 29), datetime(2024, 9, 1, 8, 30), datetime(1999, 12, 31, 23, 59, 59, 999_000),
        True, False, None, None,
    ]
    assert type(values[9]) is int and type(values[17]) is float and type(values[18]) is float
    assert values[len(VALUES):] == [None, time(6, 0), datetime(2023, 3, 15)]
    assert by_openpyxl[len(VALUES) + 1] == (None, None) and len(by_openpyxl) == len(VALUES) + 4


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_text_and_trailing_empty_rows_read_as_nothing(engine):
    data = crafted_book([("职工", "worksheets/sheet1.xml", rows(["姓名", "性别"], ["", "男"]) + b'<row r="3"/><row r="9" ht="30"/>')])
    assert read(data, {"职工": (2, 10)}, engine) == {"职工": [("姓名", "性别"), (None, "男")]}


def test_a_sheet_whose_first_columns_are_empty_keeps_its_values_in_their_columns(monkeypatch):
    body = ('<row r="2"><c r="C2" t="inlineStr"><is><t>姓名</t></is></c><c r="D2"><v>7</v></c></row>'
            '<row r="4"><c r="B4" t="b"><v>1</v></c></row>').encode()
    data = crafted_book([("职工", "worksheets/sheet1.xml", body)])
    expected = {"职工": [(None, None, None), (None, None, "姓名"), (None, None, None), (None, True, None)]}
    assert read(data, {"职工": (3, 10)}, "openpyxl") == expected
    monkeypatch.setattr(xlsx.openpyxl, "load_workbook", None)
    assert read(data, {"职工": (3, 10)}, "calamine") == expected
    assert read(data, {"职工": (1, 10)}, "calamine") == {"职工": []}


@pytest.mark.parametrize("body", [
    # openpyxl puts a cell in its row element's row, calamine in its reference's row.
    rows(["姓名"]) + b'<row r="2"><c r="A7" t="inlineStr"><is><t>x</t></is></c></row>',
    # openpyxl skips a row numbered before the one before it, calamine reads it.
    rows(["姓名"], ["甲"]) + row(1, ["改"]),
    # An error value (Excel stores a typed #N/A so): calamine reads it as empty.
    rows(["姓名"]) + b'<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>',
    # A value far to the right: calamine would build the whole grid up to column XFD.
    rows(["姓名"], ["甲"]) + b'<row r="3"><c r="XFD3"><v>1</v></c></row>',
])
def test_what_calamine_would_read_differently_is_read_by_openpyxl(body, monkeypatch):
    data = crafted_book([("职工", "worksheets/sheet1.xml", body)])
    expected = read(data, {"职工": (1, 10)}, "openpyxl")
    monkeypatch.setattr(xlsx, "_read_calamine", None)
    assert read(data, {"职工": (1, 10)}, "calamine") == expected


def test_a_workbook_part_calamine_would_not_find_is_read_by_openpyxl():
    data = crafted_book([("职工", "sheets/staff.xml", rows(["姓名"], ["甲"]))], workbook="book/main.xml")
    assert read(data, {"职工": (1, 10)}, "calamine") == read(data, {"职工": (1, 10)}, "openpyxl") == {"职工": [("姓名",), ("甲",)]}


def test_a_sheet_calamine_fails_on_is_read_by_openpyxl():
    body = rows(["姓名"]) + b'<row r="2"><c r="A2"><extLst/></c></row>' + row(3, ["甲"])
    data = crafted_book([("职工", "worksheets/sheet1.xml", body)])
    assert read(data, {"职工": (1, 10)}, "calamine") == {"职工": [("姓名",), (None,), ("甲",)]}


def test_an_honest_roster_at_its_row_cap_is_read(monkeypatch):
    columns, cap = 14, 3000
    buffer = io.BytesIO()
    with Writer(buffer, constant_memory=True) as writer:
        sheet = writer.sheet("职工")
        writer.header(sheet, [f"列{i}" for i in range(columns)])
        for number in range(1, cap + 1):
            writer.row(sheet, number, [f"职工{number}", f"51010419900101{number:04d}", "男", "大专", date(1990, 1, 1), number,
                                       "食堂", "厨师", "劳动合同", date(2020, 9, 1), "初级", None, "健康证", 3500.5])
    data = buffer.getvalue()
    for engine in ENGINES:
        rows_read = read(data, {"职工": (columns, cap)}, engine, max_bytes=len(data))["职工"]
        assert len(rows_read) == cap + 1 and rows_read[-1][5] == cap and rows_read[-1][4] == datetime(1990, 1, 1)
    assert refused(data, {"职工": (columns, cap - 1)}).sheet == "职工"


def test_an_unknown_engine_is_a_programming_error():
    with pytest.raises(ValueError, match="engine"):
        read(roster(), SPECS, "pandas")


@pytest.mark.parametrize("engine", ["openpyxl", "calamine"])
def test_lazy_sheets_are_the_eager_sheets_one_at_a_time_row_by_row(engine):
    def build(writer):
        for name, width in (("职工", 4), ("合同", 3)):
            sheet = writer.sheet(name)
            writer.row(sheet, 0, [f"列{i}" for i in range(width)])
            for line in range(1, 30):
                writer.row(sheet, line, [f"{name}{line}", line, date(2020, 1, line % 28 + 1), None][:width])

    data = workbook_bytes(build)
    specs = {"职工": (4, 100), "合同": (3, 100), "无此表": (2, 100)}
    eager = read_sheets(io.BytesIO(data), specs, engine=engine)
    lazy = read_sheets(io.BytesIO(data), specs, engine=engine, lazy=True)
    assert "无此表" not in lazy and "职工" in lazy
    for name in ("职工", "合同"):
        opened = lazy.open(name)
        assert opened.span == len(eager[name]) == 30
        assert list(opened) == eager[name]


@pytest.mark.parametrize("engine", ["openpyxl", "calamine"])
def test_an_opened_sheet_keeps_its_blank_rows_and_stops_at_its_limit(engine):
    def build(writer):
        sheet = writer.sheet("职工")
        writer.row(sheet, 0, ["甲", "乙"])
        writer.row(sheet, 1, ["一", 1])
        writer.row(sheet, 3, ["三", 3])  # row 3 of the sheet is blank
        for line in range(4, 12):
            writer.row(sheet, line, [f"行{line}", line])

    opened = read_sheets(io.BytesIO(workbook_bytes(build)), {"职工": (2, 20)}, engine=engine, lazy=True).open("职工")
    rows = list(opened)
    assert rows[:4] == [("甲", "乙"), ("一", 1), (None, None), ("三", 3)] and len(rows) == 12
