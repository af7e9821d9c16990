"""Where a report keeps its data-quality issues: on disk, not in memory.

A national survey raises about one issue per response, and every issue (its fields' values,
labels and decision) would otherwise stay in memory for as long as the report does, be pickled
from each chunk's process to the parent, and again into the job cache. Instead:

- while the figures are computed, each pass (the single one, or each chunk's process) appends
  its issues, as found, to a :class:`Spill`: batches of pickled field tuples, written as the pass
  goes and read back in a stream (:func:`read_spill`);
- each pass then reads its spill back, names each batch (authority, labels:
  :class:`survey.scoring.review.Describer`), counts it (:class:`survey.scoring.issues.Summary`)
  and writes it to a small SQLite file (:class:`StoreWriter`); a chunk's process writes a part
  (:meth:`StoreWriter.close_part`), and the parent joins the parts in id order (:func:`join`,
  one ``INSERT ... SELECT`` each), so the naming is spread over the processes too. The one
  file is the report's :class:`Issues`, which every reader queries in a stream: the cleaning log, the review page (:meth:`Issues.select`,
  a filtered and ordered first page with its total), a decision's issue (:meth:`Issues.find`) and
  the job cache (:mod:`survey.jobs.reports`, which keeps a copy beside its pickle).

So at most one batch of :data:`BATCH` issues is in memory at a time, whatever the survey's size.
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
import os
import pickle
import sqlite3
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from survey.scoring.issues import REVIEW_ORDER, Issue

BATCH = 1000  # issues pickled, described and written together (the most kept in memory)
FIELDS = tuple(f.name for f in dataclasses.fields(Issue))
_FIELD_VALUES = operator.attrgetter(*FIELDS)  # one C call for the tuple of every field
SCHEMA = """
CREATE TABLE issue (seq INTEGER PRIMARY KEY, response_id INTEGER NOT NULL, rule INTEGER NOT NULL,
                    subject TEXT NOT NULL, status TEXT NOT NULL, rank INTEGER NOT NULL,
                    data BLOB NOT NULL);
CREATE TABLE meta (count INTEGER NOT NULL);
"""
INDEXES = """
CREATE INDEX issue_key ON issue (response_id, rule, subject);
CREATE INDEX issue_review ON issue (rank, rule, response_id, subject, seq);
"""


class Damaged(ValueError):
    """An issue store that is not whole (truncated, or not the one recorded): never read."""


def _pack(issue: Issue) -> tuple[Any, ...]:
    """An issue's fields as a plain tuple: quicker to pickle than the object, and the same."""
    values: tuple[Any, ...] = _FIELD_VALUES(issue)
    return values


def _unpack(values: tuple[Any, ...]) -> Issue:
    return Issue(*values)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


class Spill:
    """An append-only temporary file of one pass's issues, as found, in batches, in ``folder``
    (the report's temporary folder, removed with whatever a failed pass left in it)."""

    def __init__(self, folder: Path) -> None:
        handle, name = tempfile.mkstemp(prefix="issues-", suffix=".spill", dir=folder)
        self.path = Path(name)
        self._handle = os.fdopen(handle, "wb")
        self._pending: list[tuple[Any, ...]] = []
        self.count = 0

    def extend(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self._pending.append(_pack(issue))
            self.count += 1
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            pickle.dump(self._pending, self._handle, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def close(self) -> Path:
        """Write what is left and close the file; its path (the reader removes it)."""
        self._flush()
        self._handle.close()
        return self.path


def read_spill(path: Path) -> Iterator[list[Issue]]:
    """The batches of issues in a :class:`Spill`'s file, in the order they were found."""
    with open(path, "rb") as handle:
        while True:
            try:
                batch = pickle.load(handle)  # a temporary file this report's passes wrote
            except EOFError:
                return
            yield [_unpack(values) for values in batch]


class StoreWriter:
    """Writes the report's issues, a batch at a time, to a new temporary SQLite file."""

    def __init__(self, folder: Path | None = None) -> None:
        """``folder``: where a part is written (the report's temporary folder, removed with
        whatever a failed chunk left); else the system's temporary folder."""
        handle, name = tempfile.mkstemp(prefix="survey-issues-", suffix=".sqlite", dir=folder)
        os.close(handle)
        self.path = Path(name)
        self._finalizer = weakref.finalize(self, _remove, self.path)  # until it is the report's
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode = OFF")  # a temporary file: no crash to survive
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.executescript(SCHEMA)
        self.count = 0

    def add(self, issues: list[Issue]) -> None:
        rows = []
        for issue in issues:
            self.count += 1
            data = pickle.dumps(_pack(issue), protocol=pickle.HIGHEST_PROTOCOL)
            rank = REVIEW_ORDER.index(issue.status)
            rows.append((self.count, issue.response_id, issue.rule, issue.subject, issue.status,
                         rank, data))  # fmt: skip
        self._db.executemany("INSERT INTO issue VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> Issues:
        """The finished store, owned (and removed when no longer used) by the :class:`Issues`."""
        self._db.executescript(INDEXES)
        self._db.execute("INSERT INTO meta VALUES (?)", (self.count,))
        self._db.commit()
        self._db.close()
        self._finalizer.detach()
        return Issues(self.path, self.count, owned=True)

    def close_part(self) -> Path:
        """A chunk's part of the store, without indexes (:func:`join` adds them once, to the
        whole): its file, which the joining removes."""
        self._db.commit()
        self._db.close()
        self._finalizer.detach()
        return self.path

    def append_part(self, part: Path) -> None:
        """Copy a part's issues after those written so far, in the order they were found (their
        numbers moved on by the count so far), in one statement; the part is then removed."""
        self._db.execute("ATTACH DATABASE ? AS part", (str(part),))
        try:
            self._db.execute(
                "INSERT INTO issue SELECT seq + ?, response_id, rule, subject, status, rank, data "
                "FROM part.issue ORDER BY seq",
                (self.count,),
            )
            self.count += self._db.execute("SELECT count(*) FROM part.issue").fetchone()[0]
            self._db.commit()
        finally:
            self._db.execute("DETACH DATABASE part")
        _remove(part)


def join(parts: Iterable[Path]) -> Issues:
    """One store of the chunks' parts (:meth:`StoreWriter.close_part`), in the order given (the
    chunks' id order: the single pass's); each part is removed once copied, or if the joining
    stops."""
    parts = list(parts)
    writer = StoreWriter()
    try:
        for part in parts:
            writer.append_part(part)
        return writer.close()
    finally:
        for part in parts:
            _remove(part)


class Issues:
    """A report's issues, in the order they were found (by response id), read from their file.

    Iterating reads them in a stream; :meth:`select` and :meth:`find` query the file. An owned
    store (a report just built) removes its file when it is no longer used; one read from the job
    cache is the cache's."""

    def __init__(self, path: Path, count: int, owned: bool = False) -> None:
        self.path = path
        self._count = count
        if owned:
            weakref.finalize(self, _remove, path)

    @classmethod
    def open(cls, path: Path, count: int, size: int) -> Issues:
        """The store in ``path``, checked to be the whole one recorded (``count`` issues in a
        file of ``size`` bytes); :class:`Damaged` otherwise."""
        try:
            if path.stat().st_size != size:
                raise Damaged(f"{path} is not the size recorded")
            with contextlib.closing(_connect(path)) as db:
                stored = db.execute("SELECT count FROM meta").fetchone()
        except (OSError, sqlite3.DatabaseError) as exc:
            raise Damaged(f"{path} cannot be read: {exc}") from exc
        if stored is None or stored[0] != count:
            raise Damaged(f"{path} does not hold the {count} issues recorded")
        return cls(path, count)

    def __len__(self) -> int:
        return self._count

    def count(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Issue]:
        for batch in self.batches():
            yield from batch

    def batches(self, first: int = 1, last: int | None = None) -> Iterator[list[Issue]]:
        """The issues in order, :data:`BATCH` at a time: all of them, or the ``first`` to the
        ``last`` found (counting from 1), so that processes can share the reading."""
        with contextlib.closing(_connect(self.path)) as db:
            cursor = db.execute(
                "SELECT data FROM issue WHERE seq BETWEEN ? AND ? ORDER BY seq",
                (first, self._count if last is None else last),
            )
            while rows := cursor.fetchmany(BATCH):
                yield [_unpack(pickle.loads(data)) for (data,) in rows]

    def between(self, first: int, last: int) -> Iterator[Issue]:
        """The ``first`` to the ``last`` issue found (counting from 1), in order."""
        for batch in self.batches(first, last):
            yield from batch

    def select(
        self, rule: int | None = None, status: str = "", limit: int | None = None
    ) -> tuple[list[Issue], int]:
        """The issues of ``rule`` (any if None) with ``status`` (any but ``kept`` if empty), in
        review order (status as :data:`~survey.scoring.issues.REVIEW_ORDER`, rule, response,
        subject; else as found), the first ``limit`` of them, and how many there are in all."""
        where: list[str] = []
        args: list[Any] = []
        if rule is not None:
            where.append("rule = ?")
            args.append(rule)
        if status:
            where.append("status = ?")
            args.append(status)
        else:
            where.append("status != 'kept'")
        condition = " AND ".join(where)
        with contextlib.closing(_connect(self.path)) as db:
            total = db.execute(f"SELECT count(*) FROM issue WHERE {condition}", args).fetchone()[0]
            rows = db.execute(
                f"SELECT data FROM issue WHERE {condition} "
                "ORDER BY rank, rule, response_id, subject, seq LIMIT ?",
                [*args, -1 if limit is None else limit],
            ).fetchall()
        return [_unpack(pickle.loads(data)) for (data,) in rows], total

    def find(self, key: tuple[int, int, str]) -> Issue | None:
        """The issue with this key (response id, rule, subject), the first found if several."""
        with contextlib.closing(_connect(self.path)) as db:
            row = db.execute(
                "SELECT data FROM issue WHERE response_id = ? AND rule = ? AND subject = ? "
                "ORDER BY seq LIMIT 1",
                key,
            ).fetchone()
        return _unpack(pickle.loads(row[0])) if row else None


def _connect(path: Path) -> sqlite3.Connection:
    """A read-only connection: a report's issues are never changed once written."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
