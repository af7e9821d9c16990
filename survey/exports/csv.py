"""CSV downloads: the wide file (one row per response) and the long file of a repeat (one row
per instance). RFC 4180, UTF-8 with a byte order mark (so Excel reads the accents), in chunks of
about 64 KB; text a spreadsheet would run as a formula is quoted (:func:`neutralise`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from survey.exports.cells import FORMULA_STARTS, neutralise, timestamp
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter
from survey.spreadsheets import BOM

CSV_CHUNK = 64 * 1024


def _csv_cell(value: Any) -> Any:
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


def csv_chunks(rows: Iterable[list[Any]], bom: bool = True) -> Iterator[bytes]:
    """CSV (RFC 4180, UTF-8 with a byte order mark for Excel) in chunks of about 64 KB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
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
    """The wide file of an exporter (which counts the responses as they are written)."""
    return csv_chunks(exporter.wide_rows())


def long_chunks(exporter: Exporter) -> Iterator[bytes]:
    """The long file of an exporter's repeat; an unknown repeat fails before the first byte."""
    exporter.repeat(exporter.options.repeat)
    return csv_chunks(exporter.long_rows())
