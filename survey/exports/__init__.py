"""Downloads of the responses: CSV (wide and long), Excel, SPSS, Stata, the SPSS and R syntax that
read the CSV, codebooks and the JSON Lines interchange, each written from one neutral table of
variables.

Everything here is a plain function over the questionnaire model and the database (no Flask
views); ``survey export`` and ``survey import`` (:mod:`survey.exports.cli`) and the downloads
page call it. The formats are documented for their users in ``docs/exports.md``. The layers:

* :mod:`.table`: the table's columns (:class:`~survey.questionnaire.variables.Variable`), named
  by stable ids (``q9_ex2_corporate_leadership``), in questionnaire order, and its anonymised
  variant; :mod:`.cells`: what an answer becomes in a cell;
* :mod:`.records`: the responses read in windows of ``batch_size`` (keyset paging, answers per
  window), so memory does not grow with the number of responses; :mod:`.rows`: the
  :class:`~survey.exports.rows.Exporter`, which turns them into rows (only answers on the route,
  with the definition version each response answered; the sponsor's view when anonymised);
* one module per format: :mod:`.csv`, :mod:`.excel`, :mod:`.spss`, :mod:`.stata`,
  :mod:`.spss_syntax` and :mod:`.r_syntax` (over :mod:`.syntax`), :mod:`.codebook`,
  :mod:`.interchange` (read back by :mod:`.importing`, checked by :mod:`.import_checks`).

This module is the one entry point for every format: :func:`export_to`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from survey.exports.codebook import export_codebook_csv, export_codebook_html
from survey.exports.csv import long_chunks, wide_chunks
from survey.exports.excel import write_xlsx
from survey.exports.interchange import json_chunks
from survey.exports.options import ExportError, ExportOptions
from survey.exports.r_syntax import export_r_syntax
from survey.exports.records import count_responses
from survey.exports.rows import Exporter
from survey.exports.spss import write_sav
from survey.exports.spss_syntax import export_spss_syntax
from survey.exports.stata import write_dta

__all__ = [
    "BINARY_FORMATS",
    "FORMATS",
    "ExportError",
    "ExportOptions",
    "count_responses",
    "export_to",
    "stream",
]

FORMATS = (
    "csv-wide", "csv-long", "xlsx", "sav", "dta", "spss-syntax", "r-syntax", "codebook-csv",
    "codebook-html", "json",
)  # fmt: skip
# written to a file first (not streamed)
BINARY_FORMATS = ("xlsx", "sav", "dta")
# the formats of responses written as a stream of bytes, from an Exporter that counts them
ROWS: dict[str, Callable[[Exporter], Iterator[bytes]]] = {
    "csv-wide": wide_chunks,
    "csv-long": long_chunks,
    "json": json_chunks,
}
# the statistics packages' files, which pyreadstat writes to a path
PATH_FORMATS: dict[str, Callable[[str, str | Path, ExportOptions], int]] = {
    "sav": write_sav,
    "dta": write_dta,
}
# the files written from the definition alone (no responses read)
CODEBOOKS: dict[str, Callable[[str, ExportOptions], Iterator[bytes]]] = {
    "codebook-csv": export_codebook_csv,
    "codebook-html": export_codebook_html,
    "spss-syntax": export_spss_syntax,
    "r-syntax": export_r_syntax,
}


def stream(questionnaire_id: str, fmt: str, options: ExportOptions) -> Iterator[bytes]:
    """A text format (CSV, codebook, interchange) as an iterator of bytes, produced as they are
    sent. A problem (unknown questionnaire, no such repeat) is an :class:`ExportError` raised
    here, before the first byte."""
    if fmt in CODEBOOKS:
        return iter(CODEBOOKS[fmt](questionnaire_id, options))
    if fmt in ROWS:
        return iter(ROWS[fmt](Exporter(questionnaire_id, options)))
    raise ExportError(f"'{fmt}' is not a text format")


def export_to(
    questionnaire_id: str,
    fmt: str,
    out: str | Path | IO[bytes],
    options: ExportOptions | None = None,
) -> int | None:
    """Write one download to a path or binary file; returns the number of responses (None for
    codebooks)."""
    options = options or ExportOptions()
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'")
    if fmt == "xlsx":
        return write_xlsx(questionnaire_id, out, options)
    if fmt in PATH_FORMATS:
        if not isinstance(out, str | Path):
            raise ExportError(f"the {fmt} file must be written to a path")
        return PATH_FORMATS[fmt](questionnaire_id, out, options)
    if fmt in CODEBOOKS:
        _write_chunks(CODEBOOKS[fmt](questionnaire_id, options), out)
        return None
    exporter = Exporter(questionnaire_id, options)
    _write_chunks(ROWS[fmt](exporter), out)
    return exporter.count


def _write_chunks(chunks: Iterable[bytes], out: str | Path | IO[bytes]) -> None:
    if isinstance(out, str | Path):
        with open(out, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    else:
        for chunk in chunks:
            out.write(chunk)
