"""How the application writes to a SQLite database file: one writer at a time, queued fairly.

SQLite has one writer at a time. Every write transaction (:func:`survey.responses.writing.
write_transaction`) takes an exclusive ``flock`` of ``<database>.lock`` first, so every thread of
every process (gunicorn workers are processes) waits in the same kernel queue, is woken as soon
as the lock is released, and a holder that dies frees it; without it, waiting writers slept in
SQLite's busy loop and the unluckiest waited for seconds. Holding the lock, the write begins
with ``BEGIN IMMEDIATE`` on the session's own connection (:func:`begin_immediate`), so it takes
SQLite's write lock at once, and a write of Core statements ends with its own ``COMMIT``
(:func:`commit`). Beginning a fresh SQLAlchemy transaction for it instead (ending the session's
reads, checking a connection out again and emitting the BEGIN from SQLAlchemy's ``begin`` event)
was measured: it doubled the cost of a page save.

Other transactions keep the driver's own handling: no BEGIN for reads, a deferred BEGIN just
before the first write. SQLAlchemy's pysqlite recipe (``isolation_level = None`` and a BEGIN for
every transaction) was tried and refused: a transaction that read first then held a snapshot, and
its first write failed at once ("database is locked", SQLITE_BUSY_SNAPSHOT) whenever another
connection had written since, which under the respondents' saves is nearly always (found by the
research forms' hostile-input test, whose set-up reads, another session writes, then it writes).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

try:  # POSIX; elsewhere the threads of one process take turns and SQLite's busy wait does the rest
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

WAL_BACKSTOP_PAGES = 20000  # 80 MB of log in SQLite's 4 KB pages


def install(engine: Engine) -> None:
    """Give a SQLite engine's connections their settings (other engines: nothing)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _connect):
        return
    event.listen(engine, "connect", _connect)


def _connect(dbapi_connection, _record) -> None:
    sqlite_pragmas(dbapi_connection)


def begin_immediate(connection: Connection) -> None:
    """Take SQLite's write lock on the session's own connection before its first write.

    The driver opens no transaction for reads (it begins one just before the first write), so
    the session's reads so far hold no snapshot and the same connection can begin at once. If a
    transaction is open after all, it is ended first (it only read: the caller has nothing
    pending), so the write never starts on a stale snapshot."""
    if _in_transaction(connection):
        connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def commit(connection: Connection) -> None:
    """End the write begun by :func:`begin_immediate`, leaving the session's own transaction
    (which only read) as it was: the session's commit would also return the connection to the
    pool and expire what it had read, a third of a page save's time."""
    connection.exec_driver_sql("COMMIT")


def _in_transaction(connection: Connection) -> bool:
    driver = connection.connection.dbapi_connection
    return driver is not None and bool(driver.in_transaction)


def sqlite_pragmas(dbapi_connection) -> None:
    """The settings of every connection: write-ahead logging, so readers never block the
    writer; foreign keys enforced; and SQLite's own checkpoint of the log only as a backstop,
    since writes checkpoint it themselves outside the write lock (:func:`checkpoint_now_and_then`).
    The busy timeout is set when connecting."""
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        f"wal_autocheckpoint={WAL_BACKSTOP_PAGES}",
    ):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def database_file(engine: Engine) -> str | None:
    """The engine's SQLite database file; None for other databases and one held in memory."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


class WriteLock:
    """The write lock of one database in this process: the threads take turns on a thread
    lock (threads sharing a descriptor would share its ``flock`` instead of waiting for each
    other), and the one whose turn it is takes the file lock against the other processes."""

    def __init__(self, lock_path: str | None):
        self.threads = threading.Lock()
        self.descriptor: int | None = None
        if lock_path is not None and fcntl is not None:
            self.descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self.threads:
            if self.descriptor is None:
                yield
                return
            fcntl.flock(self.descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self.descriptor, fcntl.LOCK_UN)


_LOCKS: dict[str | None, WriteLock] = {}
_LOCKS_GUARD = threading.Lock()
_INHERITED: list[WriteLock] = []  # a parent's locks, kept open: closing would free its flock


def _forget_parent_locks() -> None:
    """In a forked child the parent's descriptors share their ``flock`` with the parent, and its
    thread locks may be held by threads that do not exist here: start afresh."""
    global _LOCKS_GUARD
    _INHERITED.extend(_LOCKS.values())
    _LOCKS.clear()
    _LOCKS_GUARD = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_locks)


def write_lock(engine: Engine) -> WriteLock:
    """The process's write lock for the engine's SQLite database (file or memory)."""
    database = database_file(engine)
    lock = _LOCKS.get(database)
    if lock is None:
        with _LOCKS_GUARD:
            lock = _LOCKS.get(database)
            if lock is None:
                lock = _LOCKS[database] = WriteLock(f"{database}.lock" if database else None)
    return lock


_CHECKPOINTED_AT: dict[str, float] = {}


def checkpoint_now_and_then(engine: Engine, interval: float) -> bool:
    """Copy SQLite's write-ahead log into the database, at most every ``interval`` seconds per
    process; True when it ran.

    SQLite's own checkpoint runs inside the commit that fills 1,000 pages of log, while that
    commit holds the write lock, and it ends with an fsync: every write queued behind it waited
    too. This one runs after the lock is released, in PASSIVE mode, which never blocks writers
    or readers (another process checkpointing at the same moment makes it return at once).
    SQLite's own is kept as a backstop (:func:`sqlite_pragmas`).
    """
    database = database_file(engine)
    if database is None:
        return False
    now = time.monotonic()
    last = _CHECKPOINTED_AT.get(database)
    if last is not None and now - last < interval:
        return False
    _CHECKPOINTED_AT[database] = now
    connection = engine.raw_connection()  # the driver's: a PRAGMA opens no transaction
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        cursor.fetchall()
    finally:
        connection.close()
    return True
