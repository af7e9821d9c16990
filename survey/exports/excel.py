"""The Excel workbook: sheets ``responses`` (one row per response), one per repeated block (one
row per instance) and ``codebook``; each coded column is followed by its ``<name>_label``.
Written by :mod:`survey.exports.xlsx_writer`, which streams each sheet's rows as XML to a
temporary file as they come, so memory stays flat however many responses there are; a cell is
written by its value's type (no format looked up per cell: one date format for every date-time).

Text is written exactly as typed, as a *string cell* (``t="inlineStr"``): Excel and LibreOffice
show ``=HYPERLINK(...)`` typed into a text box as that text and never run it, so the analyst sees
no added quote (nothing is turned into a formula, a number or a link)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from survey.exports.codebook import codebook_rows
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter
from survey.exports.xlsx_writer import ILLEGAL_CHARACTERS, Workbook
from survey.exports.xlsx_writer import TEXT_LIMIT as EXCEL_TEXT_LIMIT
from survey.exports.xlsx_writer import clean_text as _text

__all__ = ["DATE_FORMAT", "EXCEL_TEXT_LIMIT", "ILLEGAL_CHARACTERS", "_text", "write_xlsx"]

DATE_FORMAT = "yyyy-mm-dd h:mm:ss"


def write_xlsx(
    questionnaire_id: str, out: str | Path | IO[bytes], options: ExportOptions | None = None
) -> int:
    """Write the workbook to a path or binary file; returns the number of responses."""
    exporter = Exporter(questionnaire_id, options)
    workbook = Workbook(out, DATE_FORMAT)
    responses = workbook.add_sheet("responses")
    sheets = {}
    for repeat in exporter.repeats:
        sheet = workbook.add_sheet(repeat.id[:31])
        sheet.append(exporter.long_header(repeat, label_columns=True))
        sheets[repeat.id] = sheet
    codebook = workbook.add_sheet("codebook")
    responses.append(exporter.wide_header(label_columns=True))
    try:
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
    except BaseException:
        workbook.discard()
        raise
    workbook.close()
    return exporter.count
