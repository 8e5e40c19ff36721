"""Every xlsx HRflow writes, and every xlsx it reads from an upload, goes through here.

Writing: xlsxwriter turns a string starting with "=" into a formula (and "http..." into a
link) unless told not to; an applicant's name must never run in an officer's Excel. The
writer stores text as text, and marks text that Excel would read as a formula on re-entry
(= + - @) with a quote prefix.

Reading: an upload is refused before openpyxl sees it when it is too big, not a zip, a zip
bomb, or when its first sheet is wider or longer than the caller's template allows.
openpyxl parses a whole row before it can drop the columns it was not asked for (a 338 KB
file with one row of 3 million cells held a worker for two minutes at 2.8 GB), so the
sheet's XML is first counted with expat, which builds nothing, and the counting stops at
the first row over the limits. The same pass finds formula cells (a `c` with an `f` child):
openpyxl would hand over the formula's cached result, so a name typed as =1+1 would arrive
as "2". A formula in the template's columns refuses the file, naming its cells.
"""

import io
import math
import posixpath
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.parsers import expat

import openpyxl
import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# xlsxwriter's defaults guess types from strings; HRflow never wants a guess.
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
FORMULA_PREFIXES = ("=", "+", "-", "@")

DEFAULT_UPLOAD_MAX_BYTES = 10 * 2**20
UNCOMPRESSED_FACTOR = 20  # all members together, uncompressed, at most 20x the upload limit
MAX_RATIO = 100  # xlsx XML compresses 5-30x; 100x and more on a large member is a bomb
RATIO_FROM_BYTES = 2**20  # small members may compress absurdly and harmlessly
MAX_MEMBERS = 1000
OTHER_SHEET_ELEMENTS = 100_000  # a sheet of notes or lists beside the template's
MAX_ROW_CELLS = 256  # cells one row may carry, empty or not (old Excel's IV): the template has a dozen
MAX_FORMULA_CELLS = 200  # formula cells named one by one; the rest are counted
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


# --- Writing ------------------------------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

class Writer:
    """An xlsxwriter workbook that stores every string as text.

    `with Writer(target) as book: sheet = book.sheet("名单"); book.header(sheet, [...]);
    book.row(sheet, 1, [...])`. `target` is a path or a binary file object (an HttpResponse).
    `constant_memory` writes row by row (large exports); rows must then be written in order.
    """

    def __init__(self, target, *, constant_memory: bool = False):
        options = {**SAFE_OPTIONS, "remove_timezone": True}
        options.update({"constant_memory": True} if constant_memory else {"in_memory": True})
        self.book = xlsxwriter.Workbook(target, options)
        self.bold = self.book.add_format({"bold": True, "bg_color": "#EEEEEE"})
        self.quoted = self.book.add_format({"quote_prefix": True})
        self.date_format = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime_format = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.book.close()

    def sheet(self, name: str):
        # Excel refuses sheet names over 31 characters or with []:*?/\ in them.
        clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name))[:31] or "Sheet"
        return self.book.add_worksheet(clean)

    def format(self, properties: dict):
        return self.book.add_format(properties)

    def header(self, sheet, headers, *, row: int = 0):
        for col, text in enumerate(headers):
            sheet.write_string(row, col, str(text), self.bold)

    def row(self, sheet, row: int, values, *, col: int = 0):
        for offset, value in enumerate(values):
            self.cell(sheet, row, col + offset, value)

    def cell(self, sheet, row: int, col: int, value, cell_format=None):
        if value is None or value == "":
            sheet.write_blank(row, col, None, cell_format)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, cell_format)
        elif isinstance(value, (int, float, Decimal)) and math.isfinite(value):
            sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value, cell_format)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, value.replace(tzinfo=None), cell_format or self.datetime_format)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), cell_format or self.date_format)
        else:
            text = str(value)
            quoted = cell_format is None and text.startswith(FORMULA_PREFIXES)
            sheet.write_string(row, col, text, self.quoted if quoted else cell_format)


def workbook_bytes(build) -> bytes:
    """Run `build(writer)` on an in-memory workbook and return the file."""
    buffer = io.BytesIO()
    with Writer(buffer) as writer:
        build(writer)
    return buffer.getvalue()


# --- Reading uploads ----------------------------------------------------------------------

class UploadRefused(ValueError):
    """An upload HRflow will not read; `message` is translated, `row` is 0 for the whole file."""

    def __init__(self, message: str, row: int = 0):
        self.message, self.row = message, row
        super().__init__(message)


class FormulaCells(UploadRefused):
    """Cells of the caller's columns that hold a formula. `cells` lists the first
    MAX_FORMULA_CELLS of them as (row, column), both counted from 1; `count` is all of them."""

    def __init__(self, cells: list[tuple[int, int]], count: int):
        row, column = cells[0]
        super().__init__(_("Row %(row)d, column %(column)s: the cell holds a formula; type the value itself.")
                         % {"row": row, "column": column_letters(column)}, row=row)
        self.cells, self.count = cells, count


def column_letters(column: int) -> str:
    """1 -> A, 27 -> AA: the column as Excel names it."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def upload_max_bytes() -> int:
    return int(settings.HRFLOW.get("UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def read_upload(stream, *, columns: int, max_rows: int, max_bytes: int | None = None) -> list[tuple]:
    """The first sheet of an uploaded xlsx: its header row and at most `max_rows` data rows,
    each a tuple of `columns` values (None where empty). Raises UploadRefused, or its
    subclass FormulaCells when a cell of those rows and columns holds a formula."""
    limit = max_bytes or upload_max_bytes()
    data = _bounded_read(stream, limit)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UploadRefused(_("The file is not an xlsx workbook.")) from None
    with archive:
        _check_members(members, limit)
        # Every XML part openpyxl parses is counted first, with expat, which builds nothing.
        # The first sheet is held to the caller's template; openpyxl reads every other
        # sheet only up to its dimension tag, or to its end when there is none: those are
        # held to the size of a sheet of notes.
        worksheets = _worksheet_parts(archive)
        first = _first_sheet(archive)
        element_cap = 4 * (max_rows + 1) * columns + 100_000
        sheet_counter = _SheetCounter(max_rows, cell_cap=2 * (max_rows + 1) * columns + 1000, columns=columns)
        for info in members:
            name = info.filename
            if name == first:
                _scan(archive, name, sheet_counter)
            elif name in worksheets:
                _scan(archive, name, _ElementCounter(OTHER_SHEET_ELEMENTS))
            elif name.endswith((".xml", ".rels")):
                _scan(archive, name, _ElementCounter(element_cap))
        if first not in worksheets:
            raise UploadRefused(_("The workbook has no sheet."))
        if sheet_counter.formula_count:
            raise FormulaCells(sheet_counter.formulas, sheet_counter.formula_count)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises anything from KeyError to TypeError on a broken package
        raise UploadRefused(_("The file is not an xlsx workbook.")) from None
    try:
        if not book.worksheets or book.worksheets[0]._worksheet_path != first:
            raise UploadRefused(_("The file is not an xlsx workbook."))
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read_only trusts the file's dimension tag, which producers get wrong
        rows = []
        for values in sheet.iter_rows(min_row=1, max_row=max_rows + 1, max_col=columns, values_only=True):
            rows.append(tuple(values) + (None,) * (columns - len(values)))
        return rows
    finally:
        book.close()


def _first_sheet(archive) -> str | None:
    """The part name of the workbook's first sheet, found as openpyxl finds it (package
    relationships -> workbook -> its relationships)."""
    office = _relationships(archive, "_rels/.rels", "")
    workbook = next((target for kind, target in office.values() if kind.endswith("/officeDocument")), None)
    if workbook is None:
        raise UploadRefused(_("The file is not an xlsx workbook."))
    first_id = []

    def start(tag, attrs):
        if _local(tag) == "sheet" and not first_id:
            first_id.append(next((v for k, v in attrs.items() if _local(k) == "id"), None))

    _scan(archive, workbook, _ElementCounter(100_000), extra=start)
    folder, _slash, base = workbook.rpartition("/")
    rels = _relationships(archive, f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels", folder)
    if not first_id or first_id[0] not in rels:
        raise UploadRefused(_("The workbook has no sheet."))
    return rels[first_id[0]][1]


def _relationships(archive, name: str, folder: str) -> dict:
    found = {}

    def start(tag, attrs):
        if _local(tag) == "Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[attrs["Id"]] = (attrs.get("Type", ""), target)

    _scan(archive, name, _ElementCounter(100_000), extra=start)
    return found


def _bounded_read(stream, limit: int) -> bytes:
    size = getattr(stream, "size", None)
    if size is not None and size > limit:
        raise UploadRefused(_("The file is %(size)s; at most %(limit)s are accepted.") % {"size": _mib(size), "limit": _mib(limit)})
    if hasattr(stream, "seek"):
        stream.seek(0)
    data = stream.read(limit + 1)  # never more than the limit in memory
    if len(data) > limit:
        raise UploadRefused(_("The file is larger than %(limit)s.") % {"limit": _mib(limit)})
    return data


def _check_members(members, limit: int):
    if len(members) > MAX_MEMBERS:
        raise UploadRefused(_("The file is not an xlsx workbook."))
    total = sum(info.file_size for info in members)
    cap = UNCOMPRESSED_FACTOR * limit
    if total > cap:
        raise UploadRefused(_("Unpacked, the file would take %(size)s; at most %(limit)s are accepted.")
                            % {"size": _mib(total), "limit": _mib(cap)})
    for info in members:
        if info.file_size >= RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UploadRefused(_("The file is compressed %(ratio)d times over; this is not a workbook HRflow reads.")
                                % {"ratio": info.file_size // max(info.compress_size, 1)})


def _worksheet_parts(archive) -> set[str]:
    parts = set()

    def start(tag, attrs):
        if attrs.get("ContentType") == WORKSHEET_TYPE and "PartName" in attrs:
            parts.add(attrs["PartName"].lstrip("/"))

    _scan(archive, "[Content_Types].xml", _ElementCounter(100_000), extra=start)
    return parts


class _ElementCounter:
    def __init__(self, cap: int):
        self.cap, self.seen = cap, 0

    def start(self, tag, attrs):
        self.seen += 1
        if self.seen > self.cap:
            raise UploadRefused(_("The file holds more data than a filled-in template can; check that it is the template."))

    def end(self, tag):
        pass


def _local(tag: str) -> str:
    return tag.rsplit(" ", 1)[-1]


_NO_COLUMN = 1 << 30


def _column_number(reference: str) -> int | None:
    """The column of a cell reference ("B3" -> 2); None when it names no column Excel has."""
    letters = reference.rstrip("0123456789")
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        return None
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - ord("A") + 1
    return number


class _SheetCounter:
    """Counts the first sheet's rows and cells, stopping at the first row over the limits,
    and notes the formula cells within the first `columns` columns."""

    def __init__(self, max_rows: int, cell_cap: int, columns: int = 0):
        self.max_rows, self.cell_cap, self.total = max_rows, cell_cap, 0
        self.columns = columns
        self.row = 0
        self.cells = 0
        self.column = 0  # of the current cell, counted from 1
        self.in_cell = False
        self.has_value = False
        self.formulas, self.formula_count = [], 0

    def start(self, tag, attrs):
        name = _local(tag)
        if name == "row":
            try:
                self.row = int(attrs["r"]) if "r" in attrs else self.row + 1
            except ValueError:
                raise UploadRefused(_("The file is not an xlsx workbook.")) from None
            self.cells, self.column, self.has_value = 0, 0, False
        elif name == "c":
            self.cells += 1
            self.in_cell = True
            # A cell without a reference follows the one before it, as openpyxl reads it.
            # A reference naming no column puts the cell beyond every template's columns.
            self.column = (_column_number(attrs["r"]) or _NO_COLUMN) if "r" in attrs else self.column + 1
            self.total += 1
            if self.total > self.cell_cap:
                raise UploadRefused(_("The file holds more data than a filled-in template can; check that it is the template."), row=self.row)
            if self.cells > MAX_ROW_CELLS:
                raise UploadRefused(_("Row %(row)d has more than %(n)d cells; the template has far fewer columns.")
                                    % {"row": self.row, "n": MAX_ROW_CELLS}, row=self.row)
        elif name in ("v", "is", "f"):
            self.has_value = True
            # The header is row 1: data rows are rows 2 .. max_rows + 1.
            if self.row > self.max_rows + 1:
                raise UploadRefused(_("The sheet has more than %(n)d rows of applicants; at most %(n)d are read from one file.")
                                    % {"n": self.max_rows}, row=self.row)
            if name == "f" and self.in_cell and self.column <= self.columns:
                self.formula_count += 1
                if len(self.formulas) < MAX_FORMULA_CELLS:
                    self.formulas.append((self.row, self.column))

    def end(self, tag):
        if _local(tag) == "c":
            self.in_cell = False


def _scan(archive, name: str, counter, extra=None):
    """Run `counter` over the XML part `name` with expat: no tree, no entities, no DTD."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_args):
        raise UploadRefused(_("The file is not an xlsx workbook."))

    def start(tag, attrs):
        counter.start(tag, attrs)
        if extra:
            extra(tag, attrs)

    parser.StartElementHandler = start
    parser.EndElementHandler = counter.end
    parser.StartDoctypeDeclHandler = refuse  # no DTD in OOXML: none of its entity tricks either
    parser.EntityDeclHandler = refuse
    try:
        with archive.open(name) as part:
            while chunk := part.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError:
        raise UploadRefused(_("The file is not an xlsx workbook.")) from None
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        # A missing or damaged member, a CRC mismatch, encryption, an unknown compression method.
        raise UploadRefused(_("The file is not an xlsx workbook.")) from None


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell of an import (row 0: the file as a whole; the page shows no row)."""

    row: int
    column: str
    message: str


class ImportRejected(Exception):
    """An import refused as a whole, with every problem found (the import writes nothing)."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problems")


def read_rows(stream, columns: list[tuple[str, str]], *, max_rows: int) -> list[tuple[int, dict]]:
    """(row number, {field: cell value}) of every non-empty data row of an import made from a template
    whose `columns` are (header, field) pairs; ImportRejected with the reasons otherwise.

    The file is read bounded (read_upload); a formula cell is refused, since its cached result is not
    what the officer typed (=1+1 would be a name "2"); the header must be the template's."""
    try:
        rows = read_upload(stream, columns=len(columns), max_rows=max_rows)
    except FormulaCells as refused:
        problems = [RowProblem(row, columns[column - 1][0], _("The cell holds a formula; type the value itself."))
                    for row, column in refused.cells]
        if refused.count > len(refused.cells):
            more = refused.count - len(refused.cells)
            problems.append(RowProblem(0, "", ngettext("%(n)d more cell holds a formula.", "%(n)d more cells hold a formula.", more) % {"n": more}))
        raise ImportRejected(problems) from None
    except UploadRefused as refused:
        raise ImportRejected([RowProblem(refused.row, "", refused.message)]) from None
    header = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else ())]
    expected = [h for h, _f in columns]
    if header != expected:
        raise ImportRejected([RowProblem(0, "", _("The header row differs from the template: %(expected)s.") % {"expected": ", ".join(expected)})])
    fields = [f for _h, f in columns]
    return [(number, dict(zip(fields, values))) for number, values in enumerate(rows[1:], start=2)
            if not all(v is None or str(v).strip() == "" for v in values)]
