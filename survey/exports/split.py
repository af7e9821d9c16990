"""The large text downloads (the wide CSV, a long CSV, the JSON interchange file) over several
processes, byte for byte the file one process writes.

The responses are split by id into contiguous ranges, about equal in size (the ids at the ends
are asked of the database: :func:`survey.scoring.chunks.id_ranges`); each range is written by a
forked process (which shares the :class:`~survey.exports.rows.Exporter` built once: the parsed
definitions, the columns, the sponsor's view) to its own temporary file, with no header and no
byte order mark. Once every part is written, the parent writes the header (and the BOM) once,
copies the parts in id order, and for the JSON file the end line with the total; so the file is
the one :func:`survey.exports.export_to` writes, and memory holds one window of responses per
process whatever their number. A part that fails (its exception, or its process killed) fails
the download: the other processes are ended, every part is removed and nothing is written to
the target. While they run, each process adds the responses it has written to a counter they
share, which the parent reads a few times a second to move its progress (:mod:`survey.progress`).

Forking is safe from a single-threaded process (``survey export``); a threaded job worker runs
this in a fresh process first (:mod:`survey.jobs.isolated`, as the report does).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app

from survey import progress
from survey.exports.csv import long_body, long_head, wide_body, wide_head
from survey.exports.interchange import json_body, json_end, json_head
from survey.exports.options import ExportError, ExportOptions
from survey.exports.rows import Exporter
from survey.extensions import db

SMALLEST = 5000  # fewer responses than this are written about as fast by one process
POLL_SECONDS = 0.2  # how often the parent reads the parts' shared count while they run
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Layout:
    """How a format's file is made of a head, the responses' part(s) and a tail."""

    head: Callable[[Exporter], Iterable[bytes]]
    body: Callable[[Exporter], Iterable[bytes]]
    tail: Callable[[int], bytes]  # of the number of responses


LAYOUTS = {
    "csv-wide": Layout(wide_head, wide_body, lambda count: b""),
    "csv-long": Layout(long_head, long_body, lambda count: b""),
    "json": Layout(lambda e: [json_head(e).encode()], json_body, lambda n: json_end(n).encode()),
}
SPLIT_FORMATS = tuple(LAYOUTS)


class PartFailed(RuntimeError):
    """A part of a split download failed in its process (the message is its exception)."""


def default_processes(count: int) -> int:
    """The machine's cores and one more, for a download of enough responses to be worth
    splitting: a national survey's database is larger than memory, and while one process waits
    for the disk another can use its core (1,000,000 responses' wide CSV on 2 cores: 282 s
    over 3 processes, 343 to 383 s over 2; docs/performance.md)."""
    return max(1, os.cpu_count() or 1) + 1 if count >= SMALLEST else 1


@dataclass
class _Shared:
    """What the forked processes read: set just before forking, cleared after."""

    app: Flask
    exporter: Exporter
    layout: Layout
    folder: Path
    written: Any  # a multiprocessing.Value("q"): the responses every part has written so far


_SHARED: _Shared | None = None


def export_split(
    questionnaire_id: str,
    fmt: str,
    out: str | Path | IO[bytes],
    options: ExportOptions | None = None,
    processes: int = 2,
) -> int:
    """Write the download ``fmt`` (one of :data:`SPLIT_FORMATS`) to a path or binary file over
    ``processes`` processes; returns the number of responses. The target is opened only once
    every part is written; a path half written (a full disk) is removed."""
    global _SHARED
    layout = LAYOUTS.get(fmt)
    if layout is None:
        raise ExportError(f"'{fmt}' is not written over several processes")
    options = options or ExportOptions()
    exporter = Exporter(questionnaire_id, options)
    head = b"".join(layout.head(exporter))  # an unknown repeat fails here, before any work
    bounds = _bounds(questionnaire_id, options.include_in_progress, processes)
    folder = Path(tempfile.mkdtemp(prefix="survey-export-"))
    context = multiprocessing.get_context("fork")
    written = context.Value("q", 0)
    _SHARED = _Shared(current_app._get_current_object(), exporter, layout, folder, written)  # type: ignore[attr-defined]
    try:
        children = [
            context.Process(target=_part, args=(i, after, until), name=f"survey-export-{i}")
            for i, (after, until) in enumerate(bounds)
        ]
        for child in children:
            child.start()
        _SHARED = None  # the children have their copy
        counts = _watch(children, folder, written)
        total = sum(counts)
        _assemble(out, head, [_part_path(folder, i) for i in range(len(bounds))], layout, total)
    finally:
        _SHARED = None
        shutil.rmtree(folder, ignore_errors=True)
    exporter.count = total
    return total


def _bounds(
    questionnaire_id: str, include_in_progress: bool, processes: int
) -> list[tuple[int | None, int | None]]:
    """(after, until) id bounds of each part: contiguous, the first open below and the last
    above, so every response the export reads is in exactly one part whatever its status."""
    from survey.scoring.chunks import id_ranges

    ranges = id_ranges(questionnaire_id, include_in_progress, max(1, processes))
    ends: list[int | None] = [last for _, last in ranges[:-1]]
    lows: list[int | None] = [None, *ends]
    return list(zip(lows, [*ends, None], strict=True))


def _part_path(folder: Path, index: int) -> Path:
    return folder / f"part-{index:04d}"


def _watch(children: list[Any], folder: Path, written: Any) -> list[int]:
    """The parts' counts once every process has ended well, moving progress by the shared
    count meanwhile; the first failure ends the others and raises :class:`PartFailed`."""
    shown = 0
    try:
        while True:
            for child in children:
                child.join(POLL_SECONDS / len(children))
            now = written.value
            if now > shown:
                progress.step(now - shown)
                shown = now
            failed = [c for c in children if c.exitcode not in (None, 0)]
            if failed:
                index = children.index(failed[0])
                raise PartFailed(_failure(folder, index, failed[0].exitcode))
            if all(c.exitcode == 0 for c in children):
                break
    finally:
        for child in children:
            if child.exitcode is None:
                os.kill(child.pid, signal.SIGKILL)
            child.join()
    counts = [int(_count_path(folder, i).read_text()) for i in range(len(children))]
    progress.step(sum(counts) - shown)  # whatever the last reading missed
    return counts


def _count_path(folder: Path, index: int) -> Path:
    return folder / f"part-{index:04d}.count"


def _failure(folder: Path, index: int, exitcode: int | None) -> str:
    error = folder / f"part-{index:04d}.error"
    if error.exists():
        return f"part {index + 1} of the download failed: {error.read_text()}"
    return f"part {index + 1} of the download ended with exit code {exitcode}"


def _assemble(
    out: str | Path | IO[bytes], head: bytes, parts: list[Path], layout: Layout, total: int
) -> None:
    """The head, the parts in id order, the tail: to the target path (removed if writing
    fails) or file."""
    if not isinstance(out, str | Path):
        _copy(out, head, parts, layout.tail(total))
        return
    try:
        with open(out, "wb") as handle:
            _copy(handle, head, parts, layout.tail(total))
    except BaseException:
        Path(out).unlink(missing_ok=True)
        raise


def _copy(handle: IO[bytes], head: bytes, parts: list[Path], tail: bytes) -> None:
    handle.write(head)
    for part in parts:
        with open(part, "rb") as source:
            shutil.copyfileobj(source, handle, COPY_CHUNK)
        part.unlink()
    handle.write(tail)


def _part(index: int, after: int | None, until: int | None) -> None:
    """In a forked process: write one id range's body to its part file and its count beside
    it; an exception is written to ``part-N.error`` and the process exits 1."""
    assert _SHARED is not None
    shared = _SHARED
    try:
        counting = progress.SharedCount(shared.written)
        with shared.app.app_context(), progress.reporting(counting):
            db.engine.dispose(close=False)  # the parent's connections stay the parent's
            exporter = shared.exporter
            exporter.after, exporter.until = after, until
            with open(_part_path(shared.folder, index), "wb") as handle:
                for chunk in shared.layout.body(exporter):
                    handle.write(chunk)
            db.session.remove()
            counting.flush()
        _count_path(shared.folder, index).write_text(str(exporter.count))
    except BaseException as exc:  # the parent reads it and fails the download
        text = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        (shared.folder / f"part-{index:04d}.error").write_text(text)
        os._exit(1)
