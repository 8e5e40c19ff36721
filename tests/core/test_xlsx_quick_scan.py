"""The quick pre-scan of a sheet (regular expressions, in C) against the expat scan: on a sheet it
accepts, it counts what expat counts; anything else it leaves to expat."""

import io
import zipfile

import pytest

from hrflow.core import xlsx
from hrflow.core.xlsx import UploadRefused, _quick_element_count, _quick_sheet_scan, _scan, _SheetCounter

HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        '<dimension ref="A1:C3"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><cols><col min="1" max="3" width="12"/></cols>')
TAIL = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


XLSXWRITER = ('<row r="1">' + inline("A1", "姓名") + inline("B1", "身份证号码") + inline("C1", "入职日期") + "</row>"
              + '<row r="2">' + inline("A2", "王小芳") + inline("C2", "2019-09-01") + "</row>"
              + '<row r="3">' + inline("A3", "李&amp;四") + '<c r="B3" s="2"/>' + '<c r="C3" s="1"><v>43710</v></c></row>')
EXCEL = ('<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
         '<row r="2" spans="1:3"><c r="A2" t="s"><v>2</v></c><c r="C2" t="b"><v>1</v></c></row>'
         '<row r="4" ht="20" customHeight="1"/>'
         '<row r="5"><c r="B5" t="str"><v>文本</v></c></row>')


def part(rows: str, *, head=HEAD, tail=TAIL) -> bytes:
    return (head + "<sheetData>" + rows + "</sheetData>" + tail).encode()


def archive_of(data: bytes) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("sheet.xml", data)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def counters(data: bytes, max_rows=10):
    """(quick counter or None, expat counter or the expat refusal)."""
    quick = _SheetCounter(max_rows, cell_cap=1000, columns=3, sheet="职工")
    accepted = _quick_sheet_scan(archive_of(data), "sheet.xml", quick)
    exact = _SheetCounter(max_rows, cell_cap=1000, columns=3, sheet="职工")
    try:
        _scan(archive_of(data), "sheet.xml", exact)
    except UploadRefused as refused:
        exact = refused
    return (quick if accepted else None), exact


@pytest.mark.parametrize("rows", [XLSXWRITER, EXCEL, ""], ids=["xlsxwriter", "excel", "empty"])
@pytest.mark.parametrize("block", [1 << 23, 7, 1], ids=["one-block", "7-byte-blocks", "1-byte-blocks"])
def test_a_plain_sheet_is_counted_as_expat_counts_it_whatever_the_blocks(monkeypatch, rows, block):
    monkeypatch.setattr(xlsx, "_QUICK_BLOCK", block)
    quick, exact = counters(part(rows))
    assert quick is not None
    assert exact.regular and not exact.formula_count
    assert (quick.row, quick.total) == (exact.row, exact.total)
    assert quick.value_row >= exact.value_row and quick.value_column >= exact.value_column  # bounds of the grid
    assert quick.regular and not quick.formula_count


def test_an_empty_sheet_data_element_is_plain():
    quick, exact = counters((HEAD + "<sheetData/>" + TAIL).encode())
    assert quick is not None and quick.total == exact.total == 0


LEFT_TO_EXPAT = {
    "formula": '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c></row>',
    "error cell": '<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>',
    "columns out of order": '<row r="2">' + inline("B2", "乙") + inline("A2", "甲") + "</row>",
    "a column twice": '<row r="2">' + inline("A2", "甲") + inline("A2", "乙") + "</row>",
    "a cell of another row": '<row r="2">' + inline("A3", "甲") + "</row>",
    "rows out of order": '<row r="3">' + inline("A3", "甲") + '</row><row r="2">' + inline("A2", "乙") + "</row>",
    "a row without its number": "<row>" + inline("A2", "甲") + "</row>",
    "a second row number": '<row r="2" r="9">' + inline("A2", "甲") + "</row>",
    "a prefixed element": '<x:row r="2">' + inline("A2", "甲") + "</x:row>",
    "a comment": '<!-- note --><row r="2">' + inline("A2", "甲") + "</row>",
    "CDATA": '<row r="2"><c r="A2" t="inlineStr"><is><t><![CDATA[甲]]></t></is></c></row>',
    "two values in a cell": '<row r="2"><c r="A2"><v>1</v><v>2</v></c></row>',
    "a column beyond XFD": '<row r="2"><c r="ZZZ2"><v>1</v></c></row>',
    "a row beyond the limit": '<row r="12">' + inline("A12", "甲") + "</row>",
    "whitespace between rows": '<row r="2">' + inline("A2", "甲") + '</row>\n<row r="3">' + inline("A3", "乙") + "</row>",
    "rich text": '<row r="2"><c r="A2" t="inlineStr"><is><r><t>甲</t></r></is></c></row>',
    "an attribute after the type": '<row r="2"><c r="A2" t="n" cm="1"><v>1</v></c></row>',
}


@pytest.mark.parametrize("rows", LEFT_TO_EXPAT.values(), ids=LEFT_TO_EXPAT.keys())
def test_what_the_quick_scan_does_not_recognise_goes_to_expat(rows):
    quick, _exact = counters(part(rows))
    assert quick is None


def test_a_doctype_goes_to_expat_which_refuses_it():
    data = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + HEAD.split("\n", 1)[1] + "<sheetData></sheetData>" + TAIL).encode()
    quick, exact = counters(data)
    assert quick is None and isinstance(exact, UploadRefused)


def test_rows_outside_sheet_data_go_to_expat():
    assert counters(part(XLSXWRITER, tail='<row r="9"><c r="A9"><v>1</v></c></row>' + TAIL))[0] is None
    assert counters(part(XLSXWRITER, head=HEAD + '<c r="A1"><v>1</v></c>'))[0] is None


def test_a_part_whose_elements_may_pass_the_cap_is_counted_by_expat():
    data = ("<root>" + "<a/>" * 50 + "<b>text</b>" * 10 + "</root>").encode()
    assert _quick_element_count(archive_of(data), "sheet.xml", 70)
    assert not _quick_element_count(archive_of(data), "sheet.xml", 60)
    assert not _quick_element_count(archive_of(b"<root><!-- x --></root>"), "sheet.xml", 100)
