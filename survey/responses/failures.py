"""Why the database refused a write: its state (busy, full, read-only, failing) rather than a
fault in the code, told apart so the respondent's page can say "press again" or "try later"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError


@dataclass(frozen=True, slots=True)
class WriteFailure:
    """Why the database refused a write the user can do nothing about.

    ``busy`` failures pass in seconds (SQLite's write lock timed out): press again. The others
    (a full disk, a read-only database, a failing disk) need an operator, so they are logged as
    errors with their ``cause``, and the user is told to try again later.
    """

    busy: bool
    cause: str


# SQLite's result codes (sqlite3 errors name them) and PostgreSQL's SQLSTATE codes that mean
# the database cannot take writes at all, with what to log
_SQLITE_UNAVAILABLE = {
    "SQLITE_FULL": "the database or its disk is full",
    "SQLITE_READONLY": "the database is read-only",
    "SQLITE_IOERR": "the database's disk failed (I/O error)",
    "SQLITE_CANTOPEN": "the database file cannot be opened for writing",
}
_POSTGRESQL_UNAVAILABLE = {
    "53100": "the database's disk is full",
    "53200": "the database server is out of memory",
    "25006": "the database is read-only",
    "58030": "the database's disk failed (I/O error)",
}


def write_failure(exc: DBAPIError) -> WriteFailure | None:
    """What stopped a write, if it is the database's state rather than a fault in the code."""
    orig = exc.orig
    name = getattr(orig, "sqlite_errorname", None) or ""
    for prefix, cause in _SQLITE_UNAVAILABLE.items():
        if name.startswith(prefix):
            return WriteFailure(busy=False, cause=cause)
    if (
        name
        and not name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
        and isinstance(exc, OperationalError)
    ):  # e.g. "no such table": the database is not as the code expects (not migrated?)
        return WriteFailure(busy=False, cause=str(orig).strip().splitlines()[0][:200])
    stopped = _POSTGRESQL_UNAVAILABLE.get(getattr(orig, "sqlstate", None) or "")
    if stopped is not None:
        return WriteFailure(busy=False, cause=stopped)
    if isinstance(exc, OperationalError):  # a lock timed out, a connection dropped: try again
        return WriteFailure(busy=True, cause=str(orig).strip().splitlines()[0][:200])
    return None
