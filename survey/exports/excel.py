"""The Excel workbook: sheets ``responses`` (one row per response), one per repeated block (one
row per instance) and ``codebook``; each coded column is followed by its ``<name>_label``.
Written in openpyxl's write-only mode, so rows go to temporary files as they come.

Text is written exactly as typed, as a *string cell* (``t="inlineStr"``): Excel and LibreOffice
show ``=HYPERLINK(...)`` typed into a text box as that text and never run it, so the analyst sees
no added quote (openpyxl would otherwise store text starting with ``=`` as a formula)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

from survey.exports.codebook import codebook_rows
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter

EXCEL_TEXT_LIMIT = 32767  # characters in a cell


def _excel_cell(sheet: Any, value: Any) -> Any:
    """A number, a date-time, or text as a string cell (never a formula)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:EXCEL_TEXT_LIMIT]
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # text, even when it starts with "=": the cell type says so
    return cell


def _row(sheet: Any, values: list[Any]) -> list[Any]:
    return [_excel_cell(sheet, v) for v in values]


def write_xlsx(
    questionnaire_id: str, out: str | Path | IO[bytes], options: ExportOptions | None = None
) -> int:
    """Write the workbook to a path or binary file; returns the number of responses."""
    from openpyxl import Workbook

    exporter = Exporter(questionnaire_id, options)
    workbook = Workbook(write_only=True)
    responses = workbook.create_sheet("responses")
    responses.freeze_panes = "A2"
    sheets = {}
    for repeat in exporter.repeats:
        sheet = workbook.create_sheet(repeat.id[:31])
        sheet.freeze_panes = "A2"
        sheet.append(_row(sheet, exporter.long_header(repeat, label_columns=True)))
        sheets[repeat.id] = sheet
    codebook = workbook.create_sheet("codebook")
    codebook.freeze_panes = "A2"
    responses.append(_row(responses, exporter.wide_header(label_columns=True)))
    for record, answers in exporter.records():
        responses.append(_row(responses, exporter.wide_row(record, answers, True)))
        for repeat in exporter.repeats:
            sheet = sheets[repeat.id]
            for row in exporter.long_rows_of(record, answers, repeat, label_columns=True):
                sheet.append(_row(sheet, row))
    for row in codebook_rows(exporter.questionnaire, anonymised=exporter.options.anonymised):
        codebook.append(_row(codebook, row))
    workbook.save(out)
    return exporter.count
