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

read_upload reads the first sheet with openpyxl; read_sheets reads the sheets named by the caller
(the staff roster's 职工 and 合同), each held to its own limits, with calamine when it is installed
(several times faster) or openpyxl, both giving the same values. calamine is used only where it
reads the parts and cells the pre-scan counted and vetted; otherwise openpyxl reads the file.
"""

import ctypes
import importlib.util
import io
import itertools
import math
import posixpath
import re
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
    """An upload HRflow will not read; `message` is translated, `row` is 0 for the whole file,
    `sheet` names the sheet read_sheets refused ("" for read_upload and for the whole file)."""

    def __init__(self, message: str, row: int = 0, sheet: str = ""):
        self.message, self.row, self.sheet = message, row, sheet
        super().__init__(message)


class FormulaCells(UploadRefused):
    """Cells of the caller's columns that hold a formula. `cells` lists the first
    MAX_FORMULA_CELLS of them as (row, column), both counted from 1; `count` is all of them;
    `sheet` is the sheet's name (read_sheets) or "" (read_upload)."""

    def __init__(self, cells: list[tuple[int, int]], count: int, sheet: str = ""):
        row, column = cells[0]
        values = {"row": row, "column": column_letters(column), "sheet": sheet}
        if sheet:
            message = _("Sheet %(sheet)s, row %(row)d, column %(column)s: the cell holds a formula; type the value itself.") % values
        else:
            message = _("Row %(row)d, column %(column)s: the cell holds a formula; type the value itself.") % values
        super().__init__(message, row=row, sheet=sheet)
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


def _not_a_workbook() -> UploadRefused:
    return UploadRefused(_("The file is not an xlsx workbook."))


def read_upload(stream, *, columns: int, max_rows: int, max_bytes: int | None = None) -> list[tuple]:
    """The first sheet of an uploaded xlsx: its header row and at most `max_rows` data rows,
    each a tuple of `columns` values (None where empty), as openpyxl gives them. Raises
    UploadRefused, or its subclass FormulaCells when a cell of those rows and columns holds a formula."""
    limit = max_bytes or upload_max_bytes()
    data = _bounded_read(stream, limit)

    def first(sheets):
        if not sheets or sheets[0].part is None:
            raise UploadRefused(_("The workbook has no sheet."))
        return [_Target("", sheets[0], columns, max_rows)]

    targets = _vet(data, limit, first, element_cap=4 * (max_rows + 1) * columns + 100_000)
    return _read_openpyxl(data, targets, plain=False)[""]


def read_sheets(stream, specs: dict[str, tuple[int, int]], *, max_bytes: int | None = None,
                engine: str = "auto", vetted: bool = False, lazy: bool = False):
    """The sheets of an uploaded xlsx named in `specs` ({name: (columns, max_rows)}): for each one
    the workbook has, its header row and at most `max_rows` data rows, each a tuple of `columns`
    values. A sheet named in `specs` that the workbook lacks is not in the result. Every named
    sheet is held to its own limits and refused (UploadRefused, FormulaCells) as read_upload
    refuses the first sheet; every other sheet is held to the size of a sheet of notes.

    Values are the same whichever engine reads ("openpyxl", "calamine", or "auto": calamine when
    installed): text as str, an empty cell or empty text as None, a number as int when it is
    whole and a double holds it exactly (up to 2**53), float otherwise; a date-formatted number
    as datetime (time or timedelta for time and duration formats), a boolean as bool. Trailing
    rows with nothing in the sheet's columns are left out."""
    if engine not in ("auto", "openpyxl", "calamine"):
        raise ValueError(f"unknown xlsx engine {engine!r}")
    limit = max_bytes or upload_max_bytes()
    data = _bounded_read(stream, limit)

    def named(sheets):
        targets = []
        for name, (columns, max_rows) in specs.items():
            found = [sheet for sheet in sheets if sheet.name == name]
            if not found:
                continue
            if len(found) > 1 or found[0].part is None:  # Excel allows neither
                raise _not_a_workbook()
            targets.append(_Target(name, found[0], columns, max_rows))
        return targets

    if vetted:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            targets = named(_workbook_sheets(archive))
        # Without the pre-scan's counts, calamine reads where it finds the part openpyxl would.
        calamine = all(target.calamine_part == target.part for target in targets)
    else:
        cap = sum(4 * (max_rows + 1) * columns for columns, max_rows in specs.values()) + 100_000
        targets = _vet(data, limit, named, element_cap=cap)
        calamine = all(target.calamine_reads_it() for target in targets)
    calamine = engine != "openpyxl" and calamine and (engine == "calamine" or _calamine_installed())
    if lazy:
        return LazySheets(data, targets, calamine)
    if calamine:
        rows = _read_calamine(data, targets)
        if rows is not None:
            return rows
    return _read_openpyxl(data, targets, plain=True)


class LazySheets:
    """read_sheets(lazy=True): the file checked, each sheet read when asked for, row by row. A
    caller that plans one sheet before it opens the next holds one sheet's cells at a time, not
    the workbook's (calamine builds a whole sheet in memory)."""

    def __init__(self, data: bytes, targets: list, calamine: bool):
        self._data, self._targets, self._calamine = data, {t.name: t for t in targets}, calamine

    def __contains__(self, name) -> bool:
        return name in self._targets

    def open(self, name: str) -> "SheetRows":
        """The sheet's rows one at a time, header first, with the values read_sheets gives but blank
        rows kept (trailing ones too): a caller that plans a chunk of rows at a time holds the
        sheet as calamine's grid and a chunk of Python values, never the whole sheet as Python values."""
        target = self._targets[name]
        if self._calamine:
            opened = _open_calamine(self._data, target)
            if opened is not None:
                return opened
        rows = _read_openpyxl(self._data, [target], plain=True)[name]
        return SheetRows(iter(rows), len(rows))


class SheetRows:
    """An opened sheet's rows as an iterator; `span`: how many rows it spans, header included."""

    def __init__(self, rows, span: int):
        self._rows, self.span = rows, span

    def __iter__(self):
        return self._rows


def _open_calamine(data: bytes, target: "_Target") -> SheetRows | None:
    from python_calamine import CalamineWorkbook

    try:
        with CalamineWorkbook.from_object(io.BytesIO(data)) as book:
            sheet = book.get_sheet_by_name(target.name)  # holds its own grid: the workbook can go
    except BaseException as error:  # as in _read_calamine: openpyxl reads what calamine cannot
        if isinstance(error, Exception) or type(error).__name__ == "PanicException":
            return None
        raise
    if sheet.start is None:
        return SheetRows(iter(()), 0)
    return SheetRows(_calamine_stream(sheet, target), min(sheet.end[0] + 1, target.max_rows + 1))


def _calamine_stream(sheet, target: "_Target"):
    columns, strings = target.columns, {}
    skip = sheet.start[1]
    for values in itertools.islice(sheet.iter_rows(), target.max_rows + 1):
        if len(strings) > 10_000:  # repeated texts are shared; names and ID numbers are not all kept
            strings.clear()
        values = [None] * min(skip, columns) + values[: max(columns - skip, 0)]
        yield _plain_row(values, strings) + (None,) * (columns - len(values))
    del sheet
    _trim_heap()


def _trim_heap():
    """Give the C heap's free pages back to the system (glibc): calamine frees a sheet's grid as
    millions of small blocks, which glibc would keep, so the next sheet would be built above them."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _calamine_installed() -> bool:
    return importlib.util.find_spec("python_calamine") is not None


def _vet(data: bytes, limit: int, choose, *, element_cap: int) -> list["_Target"]:
    """Refuse the file unless it is a sound zip whose sheets `choose(sheets)` picks are within
    their limits and formula-free in their columns. Every XML part openpyxl or calamine parses
    is counted first, with expat, which builds nothing; a sheet not chosen is read by openpyxl
    only up to its dimension tag, or to its end when there is none, and is held to the size of
    a sheet of notes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _not_a_workbook() from None
    with archive:
        _check_members(members, limit)
        worksheets = _worksheet_parts(archive)
        targets = choose(_workbook_sheets(archive))
        by_part = {target.part: target for target in targets}
        if len(by_part) < len(targets):  # two names, one part
            raise _not_a_workbook()
        for info in members:
            name = info.filename
            # A part as Excel and xlsxwriter write it is counted in C (_quick_*); any other, with expat.
            if name in by_part:
                if not _quick_sheet_scan(archive, name, by_part[name].counter):
                    _scan(archive, name, by_part[name].counter)
            elif name in worksheets:
                if not _quick_element_count(archive, name, OTHER_SHEET_ELEMENTS):
                    _scan(archive, name, _ElementCounter(OTHER_SHEET_ELEMENTS))
            elif name.lower().endswith((".xml", ".rels")):  # calamine finds parts whatever their case
                if not _quick_element_count(archive, name, element_cap):
                    _scan(archive, name, _ElementCounter(element_cap))
        names = {info.filename for info in members}
        for target in targets:
            if target.part not in worksheets:
                if not target.name:
                    raise UploadRefused(_("The workbook has no sheet."))
                raise UploadRefused(_("The sheet %(sheet)s is not a worksheet.") % {"sheet": target.name}, sheet=target.name)
            if target.part not in names:
                raise _not_a_workbook()
        for target in targets:
            if target.counter.formula_count:
                raise FormulaCells(target.counter.formulas, target.counter.formula_count, sheet=target.name)
    return targets


@dataclass(frozen=True)
class _Sheet:
    """A <sheet> of workbook.xml: its name, the part openpyxl reads for it (None when its
    relationship is missing) and the part calamine reads (None when calamine would read
    another workbook part than openpyxl)."""

    name: str | None
    part: str | None
    calamine_part: str | None


class _Target:
    """A sheet the caller reads, with its limits and the counter of its pre-scan."""

    def __init__(self, name: str, sheet: _Sheet, columns: int, max_rows: int):
        self.name, self.part, self.calamine_part = name, sheet.part, sheet.calamine_part
        self.columns, self.max_rows = columns, max_rows
        self.counter = _SheetCounter(max_rows, cell_cap=2 * (max_rows + 1) * columns + 1000, columns=columns, sheet=name)

    def calamine_reads_it(self) -> bool:
        """calamine reads the part the pre-scan counted, places every cell where openpyxl does,
        and the grid it builds (the whole sheet, in memory) holds no more cells than the sheet may."""
        counter = self.counter
        return self.calamine_part == self.part and counter.regular and counter.grid <= counter.cell_cap


@dataclass(frozen=True)
class _Relationship:
    id: str
    kind: str
    target: str  # the part, resolved as openpyxl resolves it
    raw: str  # as written


def _workbook_sheets(archive) -> list[_Sheet]:
    """The workbook's sheets in order. openpyxl finds a sheet's part as package relationships ->
    workbook part -> <sheet name r:id> -> the workbook's relationships -> target. calamine takes
    the last officeDocument relationship's folder and reads workbook.xml and
    _rels/workbook.xml.rels there, and joins a sheet's target to that folder unresolved."""
    package = _relationships(archive, "_rels/.rels", "")
    workbook = next((rel.target for rel in package if rel.kind.endswith("/officeDocument")), None)
    if workbook is None:
        raise _not_a_workbook()
    listed = []

    def start(tag, attrs):
        if _local(tag) == "sheet":
            listed.append((attrs.get("name"), next((v for k, v in attrs.items() if _local(k) == "id"), None)))

    _scan(archive, workbook, _ElementCounter(100_000), extra=start)
    folder, _slash, base = workbook.rpartition("/")
    rels = {rel.id: rel for rel in _relationships(archive, f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels", folder)}
    office = [rel.raw for rel in package if rel.kind.endswith("/relationships/officeDocument")]
    xl_path = office[-1][: office[-1].rfind("/") + 1].removeprefix("/") if office else None
    same_workbook = xl_path is not None and xl_path + "workbook.xml" == workbook
    sheets = []
    for name, rel_id in listed:
        rel = rels.get(rel_id)
        if rel is None:
            sheets.append(_Sheet(name, None, None))
            continue
        calamine_part = rel.raw.removeprefix("/") if rel.raw.startswith("/") else f"{xl_path}{rel.raw}"
        sheets.append(_Sheet(name, rel.target, calamine_part if same_workbook else None))
    return sheets


def _relationships(archive, name: str, folder: str) -> list[_Relationship]:
    found = []

    def start(tag, attrs):
        if _local(tag) == "Relationship" and "Id" in attrs and "Target" in attrs:
            raw = attrs["Target"]
            target = raw.lstrip("/") if raw.startswith("/") else posixpath.normpath(posixpath.join(folder, raw))
            found.append(_Relationship(attrs["Id"], attrs.get("Type", ""), target, raw))

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
        raise _not_a_workbook()
    # Python's zipfile opens the last of two members with one name, calamine the one whose name
    # matches ignoring case and slashes: with two such members the pre-scan could count the wrong one.
    if len({info.filename.replace("\\", "/").lower() for info in members}) < len(members):
        raise _not_a_workbook()
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


MAIN_NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# What a typed cell's <v> holds when both engines read it alike.
_TYPED_VALUES = {"n": re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"), "s": re.compile("[0-9]+"), "b": re.compile("[01]")}
_NO_COLUMN = 1 << 30
# Cell types both engines read alike; calamine reads an error cell (#N/A) as empty and an ISO date
# cell its own way, so a sheet with such a cell in its columns is read by openpyxl.
_PLAIN_TYPES = frozenset({"n", "s", "str", "inlineStr", "b"})


def _column_number(reference: str) -> int | None:
    """The column of a cell reference ("B3" -> 2); None when it names no column Excel has."""
    letters = reference.rstrip("0123456789")
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        return None
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - ord("A") + 1
    return number


_COLUMN_NUMBERS = {column_letters(n): n for n in range(1, 16385)}  # A .. XFD, every column Excel has


class _SheetCounter:
    """Counts a sheet's rows and cells, stopping at the first row over the limits, and notes the
    formula cells within the first `columns` columns.

    It also notes what calamine would do differently. openpyxl puts a cell in its <row>'s row and
    skips a row numbered at or before the one before it; calamine puts a cell in its reference's
    row and reads every row. `regular` stays true while the two agree. calamine builds the sheet
    as one grid in memory, from A1 to the last row and column holding a value: `grid` cells.

    This runs once per element of sheets of millions of cells: the element's kind is looked up
    by its tag, and a reference's column in a table."""

    def __init__(self, max_rows: int, cell_cap: int, columns: int = 0, sheet: str = ""):
        self.max_rows, self.cell_cap, self.total = max_rows, cell_cap, 0
        self.columns, self.sheet = columns, sheet
        self.row = 0
        self.row_text = "0"
        self.cells = 0
        self.column = 0  # of the current cell, counted from 1
        self.in_row = self.in_cell = False
        self.values_in_cell = 0
        self.formulas, self.formula_count = [], 0
        self.regular = True
        self.value_row = self.value_column = 0
        self.kinds = {}  # tag -> local name when it is one this counter heeds, else ""
        self.depth = self.cell_depth = 0
        self.cell_type = "n"
        self.value_text = None  # the text of a typed cell's <v> while it is read

    @property
    def grid(self) -> int:
        return self.value_row * self.value_column

    def _kind(self, tag: str) -> str:
        kind = _local(tag)
        kind = kind if kind in ("row", "c", "v", "is", "f") else ""
        if kind and not tag.startswith(MAIN_NAMESPACE + " "):
            self.regular = False  # calamine reads an element of another namespace by its local name, openpyxl skips it
        if len(self.kinds) < 64:  # a crafted sheet may use millions of tags
            self.kinds[tag] = kind
        return kind

    def _refuse(self, message: str):
        raise UploadRefused(message, row=self.row, sheet=self.sheet)

    def start(self, tag, attrs):
        self.depth += 1
        kind = self.kinds.get(tag)
        if kind is None:
            kind = self._kind(tag)
        if kind == "c" or (self.in_row and not self.in_cell and kind != "row"):
            # openpyxl reads every child of a row as a cell, whatever its name; calamine only <c>
            if kind != "c":
                self.regular = False
            self.cells += 1
            self.in_cell = True
            self.cell_depth = self.depth
            self.cell_type = attrs.get("t", "n")
            self.values_in_cell = 0
            # A cell without a reference follows the one before it, as openpyxl reads it.
            # A reference naming no column puts the cell beyond every template's columns.
            reference = attrs.get("r")
            if reference is None:
                column = self.column + 1
            else:
                letters = reference.rstrip("0123456789")
                column = _COLUMN_NUMBERS.get(letters)
                if column is None or reference[len(letters):] != self.row_text:
                    self.regular = False
                    column = _column_number(reference) or _NO_COLUMN
            if column <= self.column or not self.in_row or (column <= self.columns and attrs.get("t", "n") not in _PLAIN_TYPES):
                self.regular = False
            self.column = column
            self.total += 1
            if self.total > self.cell_cap:
                self._refuse(_("The file holds more data than a filled-in template can; check that it is the template."))
            if self.cells > MAX_ROW_CELLS:
                values = {"row": self.row, "n": MAX_ROW_CELLS, "sheet": self.sheet}
                if self.sheet:
                    self._refuse(_("Sheet %(sheet)s, row %(row)d has more than %(n)d cells; the template has far fewer columns.") % values)
                self._refuse(_("Row %(row)d has more than %(n)d cells; the template has far fewer columns.") % values)
        elif kind == "row":
            previous = self.row
            try:
                self.row = int(attrs["r"]) if "r" in attrs else self.row + 1
            except ValueError:
                raise _not_a_workbook() from None
            if self.row <= previous or self.in_row:
                self.regular = False
            self.row_text = str(self.row)
            self.in_row = True
            self.cells, self.column = 0, 0
        elif kind:
            # The header is row 1: data rows are rows 2 .. max_rows + 1.
            if self.row > self.max_rows + 1:
                values = {"n": self.max_rows, "sheet": self.sheet}
                if self.sheet:
                    self._refuse(_("The sheet %(sheet)s has more than %(n)d rows; at most %(n)d are read from one file.") % values)
                self._refuse(_("The sheet has more than %(n)d rows of applicants; at most %(n)d are read from one file.") % values)
            if self.in_cell:
                if self.row > self.value_row:
                    self.value_row = self.row
                if self.column > self.value_column:
                    self.value_column = self.column
                if kind == "f":
                    if self.column <= self.columns:
                        self.formula_count += 1
                        if len(self.formulas) < MAX_FORMULA_CELLS:
                            self.formulas.append((self.row, self.column))
                else:
                    self.values_in_cell += 1
                    if self.values_in_cell > 1:  # openpyxl reads the first, calamine the last
                        self.regular = False
                    if kind == "v" and self.cell_type in _TYPED_VALUES:
                        self.value_text = ""
                    if kind == "is" and self.cell_type != "inlineStr":  # calamine reads it, openpyxl does not
                        self.regular = False

    def text(self, data: str):
        if self.value_text is not None:
            self.value_text += data

    def end(self, tag):
        if self.value_text is not None:
            # openpyxl casts a number with Python's int() (1_000, ١٢ and " 12 " are numbers to it), calamine does not
            if not _TYPED_VALUES[self.cell_type].fullmatch(self.value_text):
                self.regular = False
            self.value_text = None
        if self.in_cell and self.depth == self.cell_depth:
            self.in_cell = False
        else:
            kind = self.kinds.get(tag)
            if kind is None:
                kind = self._kind(tag)
            if kind == "row":
                self.in_row = False
        self.depth -= 1


# --- The quick pre-scan ------------------------------------------------------------------
# A template's sheet of 200,000 rows holds millions of elements: expat calls Python for each. The
# quick scan matches the rows of a sheet written as Excel and xlsxwriter write them with one
# regular expression each, in C, and takes the counts _SheetCounter would take; whatever it does
# not recognise (a formula, an error cell, a namespace prefix, a comment, a DTD, cells out of
# order, a row over the limits) sends the part to the expat scan, which counts it exactly and
# words the refusal. Of the sheets the expat scan finds regular it accepts a subset, with the same
# counts (the grid as a bound). expat runs over the part too, without handlers (in C): a part that
# is not well-formed UTF-8 XML, or declares a DTD, goes to the expat scan.

_QUICK_BLOCK = 1 << 23
_QUICK_MAX_ROW_BYTES = 1 << 20
_ROW = re.compile(
    rb'<row r="([1-9][0-9]{0,6})"(?: (?!r=|xmlns)[A-Za-z][\w:.-]*="[^"<]*")*(?:/>|>((?:<c r="[A-Z]{1,3}\1"(?: s="[0-9]{1,5}")?'
    rb'(?:(?: t="n")?(?:/>|>(?:<v>-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?</v>)?</c>)|'
    rb' t="s"(?:/>|>(?:<v>[0-9]+</v>)?</c>)| t="b"(?:/>|>(?:<v>[01]</v>)?</c>)| t="str"(?:/>|>(?:<v>[^<]*</v>)?</c>)|'
    rb' t="inlineStr"(?:/>|>(?:<is><t(?: xml:space="preserve")?>[^<]*</t></is>)?</c>)))*)</row>)')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})')
_COUNTED_KIND = re.compile(rb"[<:](?:row|c|v|is|f)[\s/>]")  # any prefix, however long or non-ASCII
_SHEET_DATA = re.compile(rb"<sheetData(/?)>")


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _utf8(encoding: str | None) -> bool:
    """Whether an XML declaration's encoding is UTF-8 (None: no declaration, UTF-8 by default)."""
    return encoding is None or encoding.lower() in ("utf-8", "utf8")


class _NotPlain(Exception):
    pass


def _quick_parts(archive, name: str):
    """The part's bytes in blocks, each also fed to a handler-less expat parser (C speed). A part
    that is not well-formed UTF-8 XML, or declares a DTD, raises _NotPlain: the expat scan takes it."""
    parser = expat.ParserCreate(namespace_separator=" ")  # as _scan parses: an undeclared prefix is no XML

    def not_plain(*_args):
        raise _NotPlain

    def declaration(_version, encoding, _standalone):
        if not _utf8(encoding):
            raise _NotPlain

    parser.XmlDeclHandler = declaration
    parser.StartDoctypeDeclHandler = not_plain
    parser.EntityDeclHandler = not_plain
    try:
        with archive.open(name) as part:
            first = True
            while block := part.read(_QUICK_BLOCK):
                if b"\0" in block or (first and block.startswith(_UTF16_BOMS)):
                    raise _NotPlain  # UTF-16: the byte patterns below would not see its markup
                first = False
                try:
                    parser.Parse(block, False)
                except expat.ExpatError:
                    raise _NotPlain from None
                yield block
            try:
                parser.Parse(b"", True)
            except expat.ExpatError:
                raise _NotPlain from None
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise _not_a_workbook() from None


def _quick_element_count(archive, name: str, cap: int) -> bool:
    try:
        return _count_elements(archive, name, cap)
    except _NotPlain:
        return False


def _count_elements(archive, name: str, cap: int) -> bool:
    """True when the part has at most `cap` elements for sure (each opens with "<" and is not a
    closing tag) and no DTD, comment or CDATA: what _ElementCounter with expat would pass."""
    opened = closed = 0
    tail = b""
    for block in _quick_parts(archive, name):
        joined = tail + block
        if b"<!" in joined:
            return False
        opened += block.count(b"<")
        closed += joined.count(b"</") - tail.count(b"</")
        tail = block[-1:]
    return opened - closed <= cap


class _Shape:
    """What the cells of a row tell, by the columns they name (rows share a few shapes)."""

    __slots__ = ("ok", "cells", "last")

    def __init__(self, letters: tuple):
        columns = [_COLUMN_NUMBERS.get(letter.decode(), _NO_COLUMN) for letter in letters]
        self.ok = all(a < b for a, b in zip(columns, columns[1:])) and columns[-1] != _NO_COLUMN and len(columns) <= MAX_ROW_CELLS
        self.cells, self.last = len(columns), columns[-1]


def _quick_sheet_scan(archive, name: str, counter: "_SheetCounter") -> bool:
    try:
        return _count_sheet(archive, name, counter)
    except _NotPlain:
        return False


def _count_sheet(archive, name: str, counter: "_SheetCounter") -> bool:
    """Count a target sheet as _SheetCounter does, if it is plain (see above); True when it was
    and the counter holds its counts, False (the counter untouched) for the expat scan."""
    shapes, buffer, state = {}, b"", "head"
    last_row = total = value_row = value_column = 0
    for block in _quick_parts(archive, name):
        buffer += block
        if b"<!" in buffer:
            return False
        if state == "head":
            found = _SHEET_DATA.search(buffer)
            if found is None:
                if len(buffer) > _QUICK_MAX_ROW_BYTES:
                    return False
                continue
            if _COUNTED_KIND.search(buffer, 0, found.start()):
                return False
            buffer = buffer[found.end():]
            state = "tail" if found[1] else "rows"
        if state == "rows":
            end = buffer.find(b"</sheetData>")
            cut = end if end >= 0 else buffer.rfind(b"</row>") + len(b"</row>")
            if end < 0 and cut < len(b"</row>"):
                if len(buffer) > _QUICK_MAX_ROW_BYTES:
                    return False
                continue
            position = 0
            for match in _ROW.finditer(buffer, 0, cut):
                if match.start() != position:
                    return False
                position = match.end()
                row = int(match[1])
                if row <= last_row or row > counter.max_rows + 1:
                    return False
                last_row = row
                content = match[2]
                if content:
                    letters = tuple(_CELL_COLUMN.findall(content))
                    shape = shapes.get(letters)
                    if shape is None:
                        shape = _Shape(letters)
                        if len(shapes) < 10_000:
                            shapes[letters] = shape
                    if not shape.ok:
                        return False
                    total += shape.cells
                    value_row = row  # a cell without a value counts too: a bound, as the grid needs
                    value_column = max(value_column, shape.last)
            if position != cut:
                return False
            if total > counter.cell_cap:
                return False
            if end >= 0:
                buffer = buffer[end + len(b"</sheetData>"):]
                state = "tail"
            else:
                buffer = buffer[cut:]
        if state == "tail":
            if _COUNTED_KIND.search(buffer):
                return False
            buffer = buffer[-16:]  # enough to see a tag split between two blocks
    if state != "tail":
        return False
    counter.row, counter.total, counter.value_row, counter.value_column = last_row, total, value_row, value_column
    return True


def _scan(archive, name: str, counter, extra=None):
    """Run `counter` over the XML part `name` with expat: no tree, no entities, no DTD."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_args):
        raise _not_a_workbook()

    def start(tag, attrs):
        counter.start(tag, attrs)
        extra(tag, attrs)

    parser.StartElementHandler = start if extra else counter.start
    parser.EndElementHandler = counter.end
    parser.StartDoctypeDeclHandler = refuse  # no DTD in OOXML: none of its entity tricks either
    parser.EntityDeclHandler = refuse
    if isinstance(counter, _SheetCounter):
        parser.buffer_text = True
        parser.CharacterDataHandler = counter.text
        # calamine reads a sheet as UTF-8 whatever it declares; openpyxl decodes it as declared.
        def declared(_version, encoding, _standalone):
            if not _utf8(encoding):
                counter.regular = False

        parser.XmlDeclHandler = declared
    try:
        with archive.open(name) as part:
            first = True
            while chunk := part.read(1 << 16):
                if first and chunk.startswith(_UTF16_BOMS) and isinstance(counter, _SheetCounter):
                    counter.regular = False  # UTF-16, as above
                first = False
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError:
        raise _not_a_workbook() from None
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        # A missing or damaged member, a CRC mismatch, encryption, an unknown compression method.
        raise _not_a_workbook() from None


# --- Reading the vetted sheets ------------------------------------------------------------

EXACT_INTEGERS = 2**53  # a double holds every whole number up to here; Excel stores doubles
# OOXML escapes characters as _xHHHH_ (control characters, and "_x" itself as _x005F_x); calamine
# decodes them, openpyxl leaves them as written.
_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def _unescape(match) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)  # no lone surrogates in a str we keep


def _read_openpyxl(data: bytes, targets: list[_Target], *, plain: bool) -> dict[str, list[tuple]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises anything from KeyError to TypeError on a broken package
        raise _not_a_workbook() from None
    try:
        by_part = {sheet._worksheet_path: sheet for sheet in book.worksheets}
        result = {}
        for target in targets:
            if target.part not in by_part:  # openpyxl found the workbook part elsewhere
                raise _not_a_workbook()
            sheet = by_part[target.part]
            sheet.reset_dimensions()  # read_only trusts the file's dimension tag, which producers get wrong
            rows, columns, strings = [], target.columns, {}
            for values in sheet.iter_rows(min_row=1, max_row=target.max_rows + 1, max_col=columns, values_only=True):
                if plain:
                    values = _plain_row(values[:columns], strings, escaped=True)
                rows.append(tuple(values) + (None,) * (columns - len(values)))
            result[target.name] = _without_trailing_blanks(rows) if plain else rows
        return result
    except UploadRefused:
        raise
    except Exception:  # a cell reference or number openpyxl cannot parse
        raise _not_a_workbook() from None
    finally:
        book.close()


def _read_calamine(data: bytes, targets: list[_Target]) -> dict[str, list[tuple]] | None:
    """The targets' rows as calamine reads them; None when calamine cannot read the file
    (it forgives less than openpyxl), for openpyxl to read it."""
    from python_calamine import CalamineWorkbook

    try:
        with CalamineWorkbook.from_object(io.BytesIO(data)) as book:
            return {target.name: _calamine_rows(book.get_sheet_by_name(target.name), target) for target in targets}
    except UploadRefused:
        raise
    except BaseException as error:  # a panic in calamine arrives as pyo3's PanicException, a BaseException
        if isinstance(error, Exception) or type(error).__name__ == "PanicException":
            return None
        raise


def _calamine_rows(sheet, target: _Target) -> list[tuple]:
    if sheet.start is None:  # no value at all; iter_rows would fail
        return []
    rows, columns, strings = [], target.columns, {}
    skip = sheet.start[1]  # iter_rows starts at row 1 but at the first column holding a value
    for values in itertools.islice(sheet.iter_rows(), target.max_rows + 1):
        values = [None] * min(skip, columns) + values[: max(columns - skip, 0)]
        rows.append(_plain_row(values, strings) + (None,) * (columns - len(values)))
    return _without_trailing_blanks(rows)


def _plain_row(values, strings: dict, *, escaped: bool = False) -> tuple:
    """A row's values as read_sheets gives them, whichever engine read them (see read_sheets).
    Equal texts become one object (`strings`): a roster repeats its sexes, posts and schools
    hundreds of thousands of times, and each engine makes a new str for every cell."""
    row = []
    for value in values:
        kind = type(value)
        if kind is str:
            if escaped and "_x" in value:
                value = _ESCAPE.sub(_unescape, value)
            value = strings.setdefault(value, value) if value else None
        elif kind is float or kind is int:
            number = float(value)  # openpyxl gives int for "3", calamine 3.0: both become 3
            if not math.isfinite(number):  # no cell Excel writes holds one
                raise _not_a_workbook()
            value = int(number) if number.is_integer() and abs(number) <= EXACT_INTEGERS else number
        elif kind is date:  # calamine gives a date for a whole day, openpyxl a datetime
            value = datetime(value.year, value.month, value.day)
        row.append(value)
    return tuple(row)


def _without_trailing_blanks(rows: list[tuple]) -> list[tuple]:
    # openpyxl yields a trailing <row> that holds no value (formatting only); calamine's grid ends
    # at the last value.
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


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
