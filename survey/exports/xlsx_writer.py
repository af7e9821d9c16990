"""A small streaming .xlsx writer: the workbook download writes its sheets' XML itself.

An .xlsx file is a zip of XML parts. Each sheet's rows are written as XML text to a temporary
file as they come (memory stays flat however many rows there are) and the parts are zipped at
:meth:`Workbook.close`. It replaced XlsxWriter's constant-memory mode for the download because
XlsxWriter stores every cell in a per-row table, then walks it and builds each ``<c>`` element
from attribute lists: about 4 µs a cell, 500 cells a response. Here a row is one list of
f-strings from per-column prefixes, and text that needs no escaping (nearly all) costs a few C
calls.

The worksheet XML is byte for byte what XlsxWriter 3 writes in constant-memory mode for the same
calls (so the benchmark compares the two sheet by sheet, and spreadsheets see no difference):

- text as an inline string (``t="inlineStr"``), never a formula: ``=HYPERLINK(...)`` stays text;
  ``&``, ``<`` and ``>`` escaped; a carriage return and the non-characters U+FFFE/U+FFFF as
  Excel's ``_xHHHH_`` escapes, and a literal ``_xHHHH_`` typed by someone escaped as
  ``_x005F_xHHHH_`` so that Excel shows it as typed; ``xml:space="preserve"`` for text starting
  or ending with white space; cut to 32,767 UTF-16 units (Excel's limit);
- numbers as ``%.16G``; booleans as ``t="b"``; date-times as Excel serial numbers (1900 date
  system, Excel's 1900 leap-year bug reproduced) with the one date style (a date-time on
  1900-01-01 is the one difference: XlsxWriter wrote it a day early);
- the header row frozen (``ySplit="1"``), the first sheet selected, the used range in
  ``<dimension>``.

The other parts (content types, relationships, workbook, styles, document properties) are the
minimum a spreadsheet needs; the zip entries carry a fixed date, as XlsxWriter's do, so the same
data gives the same file.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any

MAX_ROWS = 1_048_576  # a worksheet's rows and columns (cells beyond are not written, as before)
MAX_COLUMNS = 16_384
TEXT_LIMIT = 32_767  # UTF-16 units in a cell
ZIP_DATE = (1980, 1, 31, 0, 0, 0)
FLUSH_ROWS = 32  # rows joined before each write to the temporary file (a few MB at most)
ZIP64_FROM = 2**31 - 2**20  # a member this large (or larger) gets zip64 sizes
# Deflate level 1: the sheets' XML is about 30 kB a response and level 6 (zlib's default, what
# XlsxWriter used) took 0.5 ms a response to compress it, a quarter of the whole download; level
# 1 takes a third of that for a file about 30 % larger (52 MB instead of 40 at 10,000).
COMPRESS_LEVEL = 1
# Short texts (codes, labels, yes/no) repeat on every row: their cell is made once. At most this
# many, this short, so that the memory stays small whatever the free text.
CACHED_TEXTS = 20_000
CACHED_TEXT = 40
_EXACT = 2**53  # below this, an integer is a double exactly: its digits are what %.16G writes

ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_ESCAPE_LOOKALIKE = re.compile("(_x[0-9a-fA-F]{4}_)")  # text Excel would read as an escape
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_LEADING_SPACE = re.compile(r"^\s")
_TRAILING_SPACE = re.compile(r"\s$")
_EPOCH = dt.datetime(1899, 12, 31)

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHEET_START = (
    f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><dimension ref="@DIMENSION@"/>'
    '<sheetViews><sheetView@SELECTED@ workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>'
    '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
)
_SHEET_END = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    "</worksheet>"
)
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="{date_format}"/></numFmts><fonts count="1"><font><sz val="11"/>'
    '<name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill>'
    '<patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>'
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
    f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" '
    f'Type="{_PKG_RELS}/metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
)
_CORE = (
    f"{_XML}<cp:coreProperties "
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
    "</cp:coreProperties>"
)


def column_letters(index: int) -> str:
    """``A`` for the first column (0), ``Z``, ``AA``, ... ``XFD`` for the last."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_COLUMNS = [column_letters(i) for i in range(MAX_COLUMNS)]


def _escape(text: str) -> str:
    """Text as XML character data (quotes need no escaping there)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(text: str) -> str:
    return _escape(text).replace('"', "&quot;").replace("\n", "&#xA;")


def clean_text(value: str) -> str:
    """The text as a cell can hold it: without the control characters XML cannot carry, and
    cut to Excel's limit. A printable text has none of them (``str.isprintable`` is one C
    call, much cheaper than the search), so only the others are searched."""
    if len(value) <= TEXT_LIMIT and (value.isprintable() or not ILLEGAL_CHARACTERS.search(value)):
        return value
    return ILLEGAL_CHARACTERS.sub("", value)[:TEXT_LIMIT]


def inline_text(value: str) -> str:
    """The ``<t>`` element of a text cell (``value`` not empty). The common case first: a
    printable text holds no control character, no non-character and no white space but the
    space, and is under half the limit, so only ``&<>``, ``_x`` and the end spaces are looked
    at."""
    if len(value) <= TEXT_LIMIT // 2 and value.isprintable():
        if "&" in value or "<" in value or ">" in value:
            value = _escape(value)
        if "_x" in value:
            value = _ESCAPE_LOOKALIKE.sub(r"_x005F\1", value)
        if value[0] == " " or value[-1] == " ":
            return f'<t xml:space="preserve">{value}</t>'
        return f"<t>{value}</t>"
    return _inline_text_slow(value)


def _inline_text_slow(value: str) -> str:
    """:func:`inline_text` of any other text: cleaned, cut to the limit in UTF-16 units (a
    character beyond U+FFFF counts two, as Excel counts), with Excel's escapes."""
    value = clean_text(value)
    if len(value) > TEXT_LIMIT // 2 and len(value.encode("utf-16-le", "surrogatepass")) > (
        2 * TEXT_LIMIT
    ):
        units = 0
        for index, char in enumerate(value):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > TEXT_LIMIT:
                value = value[:index]
                break
    value = _ESCAPE_LOOKALIKE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = _LEADING_SPACE.search(value) or _TRAILING_SPACE.search(value)
    value = _escape(value)
    return f'<t xml:space="preserve">{value}</t>' if preserve else f"<t>{value}</t>"


def excel_serial(value: dt.datetime) -> float:
    """The Excel serial number of a date-time: days since 1899-12-31 (1900 counted as a leap
    year, as Excel does), the time of day as the fraction; whole seconds, the wall-clock time
    of an aware date-time (its zone dropped, not converted). XlsxWriter took a day off
    1900-01-01 (a fix for times of day that it applied to date-times too): not here."""
    stamp = value.replace(tzinfo=None, microsecond=0)
    delta = stamp - _EPOCH
    serial = delta.days + float(delta.seconds) / 86400
    if serial > 59:
        serial += 1
    return serial


class Sheet:
    """One worksheet written a row at a time, from its first row down, to a temporary file."""

    def __init__(self, name: str, folder: str | None, texts: dict[str, str]):
        self.name = name
        self.file: IO[bytes] = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed by Workbook)
        self.row = 0  # rows appended so far
        self.pending: list[str] = []
        self.texts = texts  # the cells of short texts already written, shared by the sheets
        self.first_row = self.last_row = self.first_column = self.last_column = -1

    def append(self, values: list[Any]) -> None:
        """Write one row: a cell by its value's type (str, int, float, bool, None, datetime;
        anything else as its text); an empty text or None is an empty cell. A float that is
        not a number, an infinity or an integer too large for a double is written as its text
        (Excel has no such number)."""
        self.row = r = self.row + 1
        if r > MAX_ROWS:
            return
        if len(values) > MAX_COLUMNS:
            values = values[:MAX_COLUMNS]
        number = f"{r}"
        letters = _COLUMNS
        texts = self.texts
        parts: list[str] = []
        add = parts.append
        for c, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:
                    cell = texts.get(value)
                    if cell is None:
                        cell = f' t="inlineStr"><is>{inline_text(value)}</is></c>'
                        if len(value) <= CACHED_TEXT and len(texts) < CACHED_TEXTS:
                            texts[value] = cell
                    add(f'<c r="{letters[c]}{number}"{cell}')
            elif value is None:
                continue
            elif kind is int:
                if -_EXACT < value < _EXACT:  # written as %.16G would write it
                    add(f'<c r="{letters[c]}{number}"><v>{value}</v></c>')
                else:
                    add(_large_integer(f"{letters[c]}{number}", value))
            elif kind is float:
                if value - value == 0:  # neither NaN nor an infinity
                    add(f'<c r="{letters[c]}{number}"><v>{value:.16G}</v></c>')
                else:
                    add(f'<c r="{letters[c]}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif kind is bool:
                add(f'<c r="{letters[c]}{number}" t="b"><v>{1 if value else 0}</v></c>')
            elif isinstance(value, dt.datetime):
                serial = excel_serial(value)
                add(f'<c r="{letters[c]}{number}" s="1"><v>{serial:.16G}</v></c>')
            else:
                shown = str(value)
                text = inline_text(shown) if shown else "<t></t>"
                add(f'<c r="{letters[c]}{number}" t="inlineStr"><is>{text}</is></c>')
        if not parts:
            return
        first = next(i for i, v in enumerate(values) if _written(v))
        last = next(i for i in range(len(values) - 1, -1, -1) if _written(values[i]))
        if self.first_row < 0:
            self.first_row = r
            self.first_column = first
        elif first < self.first_column:
            self.first_column = first
        self.last_row = r
        if last > self.last_column:
            self.last_column = last
        self.pending.append(f'<row r="{number}">{"".join(parts)}</row>')
        if len(self.pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the rows held so far to the temporary file (a text that cannot be encoded,
        a lone surrogate, becomes ``?``)."""
        if self.pending:
            self.file.write("".join(self.pending).encode("utf-8", "replace"))
            self.pending.clear()

    def dimension(self) -> str:
        """The used range, ``A1:XFD9`` (``A1`` when the sheet is empty or holds one cell)."""
        if self.first_row < 0:
            return "A1"
        start = f"{_COLUMNS[self.first_column]}{self.first_row}"
        if self.first_row == self.last_row and self.first_column == self.last_column:
            return start
        return f"{start}:{_COLUMNS[self.last_column]}{self.last_row}"


class Workbook:
    """Sheets added in order, each filled by :meth:`Sheet.append`, zipped by :meth:`close`."""

    def __init__(self, target: str | Path | IO[bytes], date_format: str, folder: str | None = None):
        self.target = target
        self.date_format = date_format
        self.folder = folder
        self.sheets: list[Sheet] = []
        self.texts: dict[str, str] = {}

    def add_sheet(self, name: str) -> Sheet:
        """A new sheet; a name Excel refuses (over 31 characters, ``[]:*?/\\``, or the name of
        another sheet whatever its case) is an error here, as it was with XlsxWriter."""
        if not name or len(name) > 31 or re.search(r"[\[\]:*?/\\]", name):
            raise ValueError(f"{name!r} is not a valid sheet name")
        if name.lower() in {s.name.lower() for s in self.sheets}:
            raise ValueError(f"two sheets are named {name!r}")
        sheet = Sheet(name, self.folder, self.texts)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        """Zip the parts; the sheets' temporary files are copied in and closed."""
        try:
            target = str(self.target) if isinstance(self.target, Path) else self.target
            with zipfile.ZipFile(
                target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
            ) as archive:
                self._write_parts(archive)
                for index, sheet in enumerate(self.sheets, 1):
                    self._write_sheet(archive, index, sheet)
        finally:
            self.discard()

    def discard(self) -> None:
        """Close the sheets' temporary files without writing anything (the export failed)."""
        for sheet in self.sheets:
            sheet.file.close()

    def _write_parts(self, archive: zipfile.ZipFile) -> None:
        count = len(self.sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
            for i in range(1, count + 1)
        )
        content_types = (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        )
        sheets = "".join(
            f'<sheet name="{_escape_attribute(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(self.sheets, 1)
        )
        workbook = (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><bookViews><workbookView/>'
            f'</bookViews><sheets>{sheets}</sheets><calcPr calcId="124519"/></workbook>'
        )
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{_DOC_RELS}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        workbook_rels = (
            f'{_XML}<Relationships xmlns="{_PKG_RELS}">{relations}<Relationship '
            f'Id="rId{count + 1}" Type="{_DOC_RELS}/styles" Target="styles.xml"/></Relationships>'
        )
        created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        styles = _STYLES.replace("{date_format}", _escape_attribute(self.date_format))
        for name, text in (
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", _ROOT_RELS),
            ("docProps/core.xml", _CORE.replace("{created}", created)),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/styles.xml", styles),
        ):
            archive.writestr(_member(name), text.encode("utf-8"))

    def _write_sheet(self, archive: zipfile.ZipFile, index: int, sheet: Sheet) -> None:
        sheet.flush()
        size = sheet.file.tell()
        sheet.file.seek(0)
        selected = ' tabSelected="1"' if index == 1 else ""
        head = _SHEET_START.replace("@SELECTED@", selected).replace(
            "@DIMENSION@", sheet.dimension()
        )
        head += "<sheetData>" if size else "<sheetData/>"
        end = ("</sheetData>" if size else "") + _SHEET_END
        member = _member(f"xl/worksheets/sheet{index}.xml")
        with archive.open(member, "w", force_zip64=size >= ZIP64_FROM) as out:
            out.write(head.encode("utf-8"))
            shutil.copyfileobj(sheet.file, out, 1 << 20)
            out.write(end.encode("utf-8"))


def _written(value: Any) -> bool:
    """Whether :meth:`Sheet.append` writes a cell for this value (not None, not "")."""
    return value is not None and not (type(value) is str and not value)


def _large_integer(reference: str, value: int) -> str:
    """The cell of an integer of 17 digits or more: as %.16G (a double's digits), or as its
    text when no double holds it."""
    try:
        return f'<c r="{reference}"><v>{value:.16G}</v></c>'
    except OverflowError:
        return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'


def _member(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date (the same data makes the same file), deflated at
    :data:`COMPRESS_LEVEL` (the attribute is ``compress_level`` from Python 3.13 on,
    ``_compresslevel`` before: the only way to give a level with a chosen date)."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    setattr(
        info,
        "compress_level" if hasattr(info, "compress_level") else "_compresslevel",
        COMPRESS_LEVEL,
    )
    return info
