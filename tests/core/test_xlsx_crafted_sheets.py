"""Crafted sheets that once got past the vetting of an upload, or that calamine and openpyxl read
differently: each now goes to the expat scan, is refused, or is read by openpyxl (found by a
hostile review of the quick pre-scan). Text padded with spaces without xml:space is the one
difference left: calamine trims it, openpyxl keeps it; every import strips its cells."""

import io
import zipfile

import pytest

from hrflow.core import xlsx
from hrflow.core.xlsx import FormulaCells, UploadRefused, _quick_element_count, _quick_sheet_scan, _scan, _SheetCounter, read_sheets, read_upload

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MAIN = f'xmlns="{MAIN_NS}"'
RELATIONSHIPS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def archive_of(data: bytes, name="sheet.xml") -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def counters(data: bytes, max_rows=10, columns=3, cell_cap=1000):
    quick = _SheetCounter(max_rows, cell_cap=cell_cap, columns=columns, sheet="S")
    accepted = _quick_sheet_scan(archive_of(data), "sheet.xml", quick)
    exact = _SheetCounter(max_rows, cell_cap=cell_cap, columns=columns, sheet="S")
    try:
        _scan(archive_of(data), "sheet.xml", exact)
    except UploadRefused as refused:
        exact = refused
    return (quick if accepted else None), exact


def book(sheet_part: bytes, *, name="S", extra=()) -> bytes:
    """An xlsx with one sheet `name` whose part is `sheet_part` (the whole XML)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types '
                         'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                         '<Default Extension="xml" ContentType="application/xml"/>'
                         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                         f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{WORKSHEET}"/></Types>')
        archive.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships {RELATIONSHIPS}>'
                         f'<Relationship Id="rId1" Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {MAIN} xmlns:r="{OFFICE}"><sheets>'
                         f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships {RELATIONSHIPS}>'
                         f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet_part)
        for part, content in extra:
            archive.writestr(part, content)
    return buffer.getvalue()


def read_both(data: bytes, name="S", columns=3, max_rows=10):
    """(lazy auto engine rows or exception, openpyxl rows or exception, chosen-calamine flag)."""
    spec = {name: (columns, max_rows)}
    try:
        lazy = read_sheets(io.BytesIO(data), spec, lazy=True)
        cal = lazy._calamine
        opened = lazy.open(name) if name in lazy else None
        a = list(opened) if opened is not None else None
        a = xlsx._without_trailing_blanks(a) if a else a
    except Exception as e:
        a, cal = e, None
    try:
        b = read_sheets(io.BytesIO(data), spec, engine="openpyxl").get(name)
    except Exception as e:
        b = e
    return a, b, cal


DECL = '<?xml version="1.0" encoding="UTF-8"?>'
HDR = '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'


def accepted_wrongly(data, **kw):
    quick, exact = counters(data, **kw)
    if quick is None:
        return False
    return (isinstance(exact, Exception) or not exact.regular or exact.formula_count
            or (quick.row, quick.total) != (exact.row, exact.total)
            or quick.value_row < exact.value_row or quick.value_column < exact.value_column)


# --- H1: a non-ASCII namespace prefix hides rows, cells and formulas from _COUNTED_KIND ----------
PREFIXED = (f'{DECL}<worksheet {MAIN} xmlns:é="{MAIN_NS}"><é:sheetData><é:row r="1"><é:c r="A1" t="inlineStr"><é:is><é:t>h</é:t></é:is></é:c></é:row>'
            '<é:row r="2"><é:c r="A2" t="str"><é:f>1+1</é:f><é:v>=cached</é:v></é:c></é:row>'
            '<é:row r="4000"><é:c r="XFD4000"><é:v>1</é:v></é:c></é:row></é:sheetData><sheetData/></worksheet>').encode()


def test_h1_quick_scan_must_not_accept_non_ascii_prefixed_rows():
    assert not accepted_wrongly(PREFIXED)


def test_h1_read_upload_must_refuse_the_formula():
    with pytest.raises(UploadRefused):
        read_upload(io.BytesIO(book(PREFIXED)), columns=3, max_rows=10)


def test_h1_calamine_grid_must_stay_within_cell_cap():
    # no formula: one far value; calamine would allocate 4000 x 16384 cells (~2 GB) for this 1.5 KB file
    part = PREFIXED.replace('<é:row r="2"><é:c r="A2" t="str"><é:f>1+1</é:f><é:v>=cached</é:v></é:c></é:row>'.encode(), b"")
    lazy = read_sheets(io.BytesIO(book(part)), {"S": (3, 5000)}, lazy=True)
    assert not lazy._calamine, lazy._targets["S"].counter.grid


# --- H2: UTF-16 parts are invisible to the byte regexes -------------------------------------------
def utf16_sheet():
    fake = b"<sheetData/>".decode("utf-16-le")  # six CJK characters whose bytes spell <sheetData/>
    rows = HDR + '<row r="2"><c r="A2" t="str"><f>1+1</f><v>=cached</v></c></row>'
    return b"\xff\xfe" + f'<?xml version="1.0" encoding="UTF-16"?><worksheet {MAIN} a="{fake}"><sheetData>{rows}</sheetData></worksheet>'.encode("utf-16-le")


def test_h2_quick_scan_must_not_accept_a_utf16_sheet():
    assert not accepted_wrongly(utf16_sheet())


def test_h2_read_upload_must_refuse_the_utf16_formula():
    with pytest.raises(UploadRefused):
        read_upload(io.BytesIO(book(utf16_sheet())), columns=3, max_rows=10)


def test_h2_quick_element_count_must_not_pass_a_utf16_dtd():
    xml = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE sst [<!ENTITY a "x">]><sst {MAIN}><si><t>&a;</t></si></sst>'
    assert not _quick_element_count(archive_of(b"\xff\xfe" + xml.encode("utf-16-le")), "sheet.xml", 100)


# --- H3: the tail keeps 16 bytes between blocks; a long prefix split by a block boundary is missed --
def test_h3_a_prefixed_tag_split_at_a_block_boundary(monkeypatch):
    monkeypatch.setattr(xlsx, "_QUICK_BLOCK", 4096)
    P = "p" * 20
    out = f'{DECL}<worksheet {MAIN} xmlns:{P}="{MAIN_NS}"><sheetData/>'.encode()
    for tag in [f'<{P}:row r="2">', f'<{P}:c r="A2" t="str">', f'<{P}:f>1+1</{P}:f>', f'<{P}:v>=cached</{P}:v></{P}:c></{P}:row>']:
        out += b" " * ((len(out) // 4096 + 1) * 4096 - 20 - len(out)) + tag.encode()  # "<" 20 bytes before a boundary
    assert not accepted_wrongly(out + b"</worksheet>")


# --- H4: well-formedness is not checked; calamine then reads what expat and openpyxl refuse -------
BROKEN = {
    "undefined entity in a row attribute": HDR + '<row r="2" spans="&bogus;"><c r="A2" t="str"><v>x</v></c></row>',
    "control character": HDR + '<row r="2"><c r="A2" t="str"><v>a\x01b</v></c></row>',
    "]]> in text": HDR + '<row r="2"><c r="A2" t="str"><v>a]]>b</v></c></row>',
}


@pytest.mark.parametrize("rows", BROKEN.values(), ids=BROKEN.keys())
def test_h4_quick_scan_must_not_accept_malformed_xml(rows):
    assert not accepted_wrongly(f"{DECL}<worksheet {MAIN}><sheetData>{rows}</sheetData></worksheet>".encode())


def test_h4_unclosed_root():
    assert not accepted_wrongly(f"{DECL}<worksheet {MAIN}><sheetData>{HDR}</sheetData>".encode())


# --- H5 (expat path): a row's non-<c> children are cells to openpyxl, invisible to _SheetCounter --
def test_h5_a_formula_in_a_non_c_child_of_a_row_is_refused():
    rows = HDR + '<row r="2"><x t="str"><f>1+1</f><v>=cached</v></x></row>'
    with pytest.raises(FormulaCells):
        read_upload(io.BytesIO(book(f"{DECL}<worksheet {MAIN}><sheetData>{rows}</sheetData></worksheet>".encode())), columns=3, max_rows=10)


def test_h5_a_row_of_300_non_c_children_is_refused_like_300_cells():
    rows = '<row r="1">' + "<x/>" * 300 + "</row>"
    with pytest.raises(UploadRefused):
        read_upload(io.BytesIO(book(f"{DECL}<worksheet {MAIN}><sheetData>{rows}</sheetData></worksheet>".encode())), columns=3, max_rows=10)


# --- H6: files both scans find regular, read differently by calamine (lazy) and openpyxl -----------
def sheet(rows, decl=DECL, extra_ns=""):
    return f"{decl}<worksheet {MAIN}{extra_ns}><sheetData>{rows}</sheetData></worksheet>".encode()


DIVERGE = {
    "xmlns on a row": sheet(HDR + '<row r="2" xmlns="urn:other"><c r="A2" t="str"><v>x</v></c></row>'),
    "prefix bound to another namespace": sheet(HDR + '<o:row r="2"><o:c r="A2" t="str"><o:v>x</o:v></o:c></o:row>', extra_ns=' xmlns:o="urn:o"'),
    "is without t=inlineStr": sheet('<row r="1"><c r="A1"><is><t>ii</t></is></c></row>'),
    "ISO-8859-1 declaration": sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>王</t></is></c></row>', decl='<?xml version="1.0" encoding="ISO-8859-1"?>'),
    "UTF-16 sheet": b"\xff\xfe" + f'<?xml version="1.0" encoding="UTF-16"?><worksheet {MAIN}><sheetData>{HDR}</sheetData></worksheet>'.encode("utf-16-le"),
    "_x0041_ escape": sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>a_x0041_</t></is></c></row>'),
    "number 1_000": sheet('<row r="1"><c r="A1"><v>1_000</v></c></row>'),
    "number in Arabic-Indic digits": sheet('<row r="1"><c r="A1"><v>١٢</v></c></row>'),
    "number with spaces": sheet('<row r="1"><c r="A1"><v> 12 </v></c></row>'),
}


@pytest.mark.parametrize("data", DIVERGE.values(), ids=DIVERGE.keys())
def test_h6_calamine_and_openpyxl_agree(data):
    lazy, openpyxl_rows, _calamine = read_both(book(data))
    assert lazy == openpyxl_rows
