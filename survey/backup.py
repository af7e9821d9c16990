"""Backing up and restoring the default SQLite database, online and consistently.

SQLite's own backup API copies a live database page by page while the application keeps
running, so a backup never catches a half-written transaction. PostgreSQL deployments use
``pg_dump`` and ``pg_restore`` instead (see docs/operations.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "survey backup and restore work on the SQLite database; for PostgreSQL use "
            "pg_dump and pg_restore (docs/operations.md)"
        )
    return Path(url.database)


def backup(database_url: str, target: Path) -> int:
    """Copy the live database to ``target``; returns its size in bytes."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    check_integrity(target)
    return target.stat().st_size


def restore(database_url: str, backup_file: Path) -> None:
    """Replace the database's contents with a backup (checked first)."""
    target_path = sqlite_path(database_url)
    if not backup_file.exists():
        raise BackupError(f"there is no backup at {backup_file}")
    check_integrity(backup_file)
    with sqlite3.connect(backup_file) as source, sqlite3.connect(target_path) as target:
        source.backup(target)


def check_integrity(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a usable SQLite database: {exc}") from None
    if result != "ok":
        raise BackupError(f"{path} failed its integrity check: {result}")
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is not a survey database (it has no migrations table)")
