"""The Excel workbook: sheets ``responses`` (one row per response), one per repeated block (one
row per instance) and ``codebook``; each coded column is followed by its ``<name>_label``.
Written in openpyxl's write-only mode, so rows go to temporary files as they come."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

from survey.exports.cells import neutralise
from survey.exports.codebook import codebook_rows
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter

EXCEL_TEXT_LIMIT = 32767  # characters in a cell


def _excel_cell(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    return value[:EXCEL_TEXT_LIMIT]


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
        sheet.append(exporter.long_header(repeat, label_columns=True))
        sheets[repeat.id] = sheet
    codebook = workbook.create_sheet("codebook")
    codebook.freeze_panes = "A2"
    responses.append(exporter.wide_header(label_columns=True))
    for record, answers in exporter.records():
        responses.append([_excel_cell(v) for v in exporter.wide_row(record, answers, True)])
        for repeat in exporter.repeats:
            for row in exporter.long_rows_of(record, answers, repeat, label_columns=True):
                sheets[repeat.id].append([_excel_cell(v) for v in row])
    for row in codebook_rows(exporter.questionnaire, anonymised=exporter.options.anonymised):
        codebook.append([_excel_cell(v) for v in row])
    workbook.save(out)
    return exporter.count
