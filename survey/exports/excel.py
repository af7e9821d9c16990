"""The Excel workbook: sheets ``responses`` (one row per response), one per repeated block (one
row per instance) and ``codebook``; each coded column is followed by its ``<name>_label``.
Written by XlsxWriter in constant-memory mode, so each sheet's rows go to a temporary file as
they come and memory stays flat however many responses there are; a cell is written by its
value's type (no format looked up per cell: one date format for every date-time).

Text is written exactly as typed, as a *string cell* (``t="inlineStr"``): Excel and LibreOffice
show ``=HYPERLINK(...)`` typed into a text box as that text and never run it, so the analyst sees
no added quote (nothing is turned into a formula, a number or a link)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import IO, Any

from survey.exports.codebook import codebook_rows
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter

EXCEL_TEXT_LIMIT = 32767  # characters in a cell
# the control characters an XML 1.0 document cannot hold (those openpyxl refuses too)
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
DATE_FORMAT = "yyyy-mm-dd h:mm:ss"
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


class _Sheet:
    """One worksheet written a row at a time, from its first row down."""

    def __init__(self, workbook: Any, name: str, date_format: Any):
        self.sheet = workbook.add_worksheet(name)
        self.sheet.freeze_panes(1, 0)  # the header stays in view: "A2"
        self.date_format = date_format
        self.row = 0

    def append(self, values: list[Any]) -> None:
        """Write one row. XlsxWriter's undecorated writers are called (``_write_string`` and
        the others, which its public ``write_*`` wrap after working out whether the first
        argument is an A1 reference): this is done for half a million cells per thousand
        responses, and the row and column are always numbers here."""
        sheet, r = self.sheet, self.row
        string, number = sheet._write_string, sheet._write_number
        for c, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:  # an empty text is an empty cell, as before
                    string(r, c, _text(value))
            elif kind is int or kind is float:
                number(r, c, value)
            elif value is None:
                continue
            elif kind is bool:
                sheet._write_boolean(r, c, value)
            elif isinstance(value, dt.datetime):
                stamp = value.replace(tzinfo=None, microsecond=0)
                sheet._write_datetime(r, c, stamp, self.date_format)
            else:
                string(r, c, _text(str(value)))
        self.row = r + 1


def _text(value: str) -> str:
    """The text as a cell can hold it: without the control characters XML cannot carry, and
    cut to Excel's limit. A printable text has none of them (``str.isprintable`` is one C
    call, much cheaper than the search), so only the others are searched."""
    if len(value) <= EXCEL_TEXT_LIMIT and (
        value.isprintable() or not ILLEGAL_CHARACTERS.search(value)
    ):
        return value
    return ILLEGAL_CHARACTERS.sub("", value)[:EXCEL_TEXT_LIMIT]


def write_xlsx(
    questionnaire_id: str, out: str | Path | IO[bytes], options: ExportOptions | None = None
) -> int:
    """Write the workbook to a path or binary file; returns the number of responses."""
    import xlsxwriter

    exporter = Exporter(questionnaire_id, options)
    target = str(out) if isinstance(out, Path) else out
    workbook = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    date_format = workbook.add_format({"num_format": DATE_FORMAT})
    responses = _Sheet(workbook, "responses", date_format)
    sheets = {}
    for repeat in exporter.repeats:
        sheet = _Sheet(workbook, repeat.id[:31], date_format)
        sheet.append(exporter.long_header(repeat, label_columns=True))
        sheets[repeat.id] = sheet
    codebook = _Sheet(workbook, "codebook", date_format)
    responses.append(exporter.wide_header(label_columns=True))
    for record, answers in exporter.records():
        responses.append(exporter.wide_row(record, answers, True))
        for repeat in exporter.repeats:
            sheet = sheets[repeat.id]
            for row in exporter.long_rows_of(record, answers, repeat, label_columns=True):
                sheet.append(row)
    rows = codebook_rows(
        exporter.questionnaire, anonymised=exporter.options.anonymised, former=exporter.former
    )
    for row in rows:
        codebook.append(row)
    workbook.close()
    return exporter.count
