"""What every CSV file a spreadsheet may open shares: the byte order mark and formula neutralising.

Excel reads a CSV file without a byte order mark in the machine's legacy code page, so "£" and
accented names come out garbled; with one (``U+FEFF`` first, encoded as UTF-8) it reads UTF-8.
Every CSV the application hands out gets it: the downloads of responses, the links and chase
lists, the figure tables, the cleaning log. :func:`with_bom` is applied by
:func:`survey.web.files.file_response` to every ``text/csv`` response, so a new CSV route cannot
forget it; files written to disk (``survey report``) use :data:`CSV_ENCODING`.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a
formula when the file is opened: in CSV it gets a leading single quote (:func:`neutralise`; CSV
has no cell types). Excel workbooks do not need the quote: their cells are written as string
cells (:mod:`survey.exports.excel`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

BOM = "\ufeff"
BOM_BYTES = BOM.encode("utf-8")
CSV_ENCODING = "utf-8-sig"  # UTF-8, a byte order mark first
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading single quote (CSV only)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def with_bom(body: str | bytes | Iterable[bytes]) -> str | bytes | Iterator[bytes]:
    """``body`` starting with the byte order mark, added only when it is not there already.
    A stream keeps streaming: only its first non-empty chunk is looked at."""
    if isinstance(body, str):
        return body if body.startswith(BOM) else BOM + body
    if isinstance(body, bytes):
        return body if body.startswith(BOM_BYTES) else BOM_BYTES + body
    return _stream_with_bom(iter(body))


def _stream_with_bom(chunks: Iterator[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        if not chunk:
            continue
        yield chunk if chunk.startswith(BOM_BYTES) else BOM_BYTES + chunk
        break
    else:
        yield BOM_BYTES
        return
    yield from chunks
