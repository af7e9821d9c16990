"""CSV downloads: the wide file (one row per response) and the long file of a repeat (one row
per instance). RFC 4180, UTF-8 with a byte order mark (so Excel reads the accents), in chunks of
about 64 KB; text a spreadsheet would run as a formula is quoted (:func:`neutralise`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from survey.exports.cells import FORMULA_STARTS, cell_function, neutralise, timestamp
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter
from survey.exports.table import meta_columns
from survey.questionnaire.variables import FLAG_LABELS, Variable
from survey.spreadsheets import BOM

CSV_CHUNK = 64 * 1024


def csv_cell(value: Any) -> Any:
    """What the CSV writer is given for one cell of a row: "" for none, numbers as they are
    (a bool as 0/1), times in ISO 8601 with a ``Z``, text a spreadsheet would run quoted."""
    kind = type(value)  # the common types first, exactly (a bool is not an int here)
    if value is None:
        return ""
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if kind is int or kind is float:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return timestamp(value)
    return neutralise(str(value))


def csv_chunks(
    rows: Iterable[list[Any]], bom: bool = True, converted: bool = False
) -> Iterator[bytes]:
    """CSV (RFC 4180, UTF-8 with a byte order mark for Excel) in chunks of about 64 KB; with
    ``converted`` the rows' cells are already :func:`csv_cell`'s (the wide file's)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    for row in rows:
        writer.writerow(row if converted else [csv_cell(v) for v in row])
        if buffer.tell() >= CSV_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def export_csv_wide(questionnaire_id: str, options: ExportOptions | None = None) -> Iterator[bytes]:
    """The wide file: nothing is read until the first chunk is asked for."""
    return wide_chunks(Exporter(questionnaire_id, options))


def export_csv_long(questionnaire_id: str, options: ExportOptions | None = None) -> Iterator[bytes]:
    """The long file of ``options.repeat`` (default: the first repeat)."""
    return long_chunks(Exporter(questionnaire_id, options))


def wide_chunks(exporter: Exporter) -> Iterator[bytes]:
    """The wide file of an exporter (which counts the responses as they are written): each
    column's cells by :func:`csv_cell_function`, so no cell is converted twice."""
    return itertools.chain(wide_head(exporter), wide_body(exporter))


def wide_head(exporter: Exporter) -> Iterator[bytes]:
    """The wide file's byte order mark and header line (a split download writes them once)."""
    return csv_chunks([exporter.wide_header()], converted=True)


def wide_body(exporter: Exporter) -> Iterator[bytes]:
    """The wide file's response lines (of the exporter's id range, when it has one)."""
    return csv_chunks(_wide_csv_rows(exporter), bom=False, converted=True)


def _wide_csv_rows(exporter: Exporter) -> Iterator[list[Any]]:
    """Each response's row with every cell converted: the meta cells by :func:`csv_cell`, the
    answers' by their columns' :func:`csv_cell_function` (one comprehension over the columns:
    Python 3.11 inlines those calls, and grouping the columns into segments measured slower)."""
    meta = len(meta_columns(exporter.options.anonymised))
    for record, answers in exporter.records():
        row = exporter.wide_row(record, answers, make=csv_cell_function)
        row[:meta] = [csv_cell(v) for v in row[:meta]]
        yield row


def csv_cell_function(v: Variable, labels: bool = False) -> Callable[[Any], Any]:
    """``csv_cell(cell_function(v, labels)(value))`` in one call: the wide file calls it for
    every column of every response. The answers most cells hold (none, a list of options for a
    flag, one of the codes, a number, a text) take a short path decided by the variable's kind
    once; anything else goes through the two functions (the property test in
    ``tests/exports/test_cell_function.py`` holds it to them for every kind)."""
    cell = cell_function(v, labels)

    def general(value: Any) -> Any:
        return csv_cell(cell(value))

    if v.kind == "flag":
        option = v.option
        yes, no = general([option]), csv_cell(FLAG_LABELS[0] if labels else 0)

        def flag(value: Any) -> Any:
            if type(value) is list:
                return (yes if option in value else no) if value else ""
            return "" if value is None else general(value)

        return flag
    if v.kind == "code":
        known = {code: general(code) for code in v.label_map}

        def code(value: Any) -> Any:
            if type(value) is str:
                found = known.get(value)
                if found is not None:
                    return found
            elif value is None:
                return ""
            return general(value)

        return code
    if v.kind == "number":

        def number(value: Any) -> Any:
            kind = type(value)
            if kind is int or kind is float:
                return value
            return "" if value is None else general(value)

        return number

    def text(value: Any) -> Any:
        if type(value) is str:
            return "'" + value if value.startswith(FORMULA_STARTS) else value
        return "" if value is None else general(value)

    return text


def long_chunks(exporter: Exporter) -> Iterator[bytes]:
    """The long file of an exporter's repeat; an unknown repeat fails before the first byte."""
    exporter.repeat(exporter.options.repeat)
    return itertools.chain(long_head(exporter), long_body(exporter))


def long_head(exporter: Exporter) -> Iterator[bytes]:
    """The long file's byte order mark and header line."""
    return csv_chunks([exporter.long_header(exporter.repeat(exporter.options.repeat))])


def long_body(exporter: Exporter) -> Iterator[bytes]:
    """The long file's instance lines (of the exporter's id range, when it has one)."""
    repeat = exporter.repeat(exporter.options.repeat)
    rows = (
        row
        for record, answers in exporter.records()
        for row in exporter.long_rows_of(record, answers, repeat)
    )
    return csv_chunks(rows, bom=False)
