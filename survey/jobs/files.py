"""Where jobs' files live (``JOBS_DIR``, by default ``instance/jobs/``) and how they are written.

A result is written under a temporary name in the same folder and renamed into place once
complete (``os.replace`` is atomic), so a worker killed mid-job leaves at most a temporary file,
never a half-written result under its real name; the temporary files of dead workers are
removed when a worker starts and whenever it recovers abandoned jobs.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from flask import current_app

from survey.models import Job

PARTIAL = ".partial-"


def jobs_dir() -> Path:
    path = Path(current_app.config["JOBS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def result_path(job: Job) -> Path | None:
    return jobs_dir() / job.file_name if job.file_name else None


def result_exists(job: Job) -> bool:
    path = result_path(job)
    return path is not None and path.is_file()


@contextlib.contextmanager
def atomic_file(name: str) -> Iterator[Path]:
    """A temporary path to write ``name`` to; renamed to ``name`` if the block succeeds and
    removed if it raises."""
    folder = jobs_dir()
    temporary = folder / f"{PARTIAL}{os.getpid()}-{time.monotonic_ns()}-{name}"
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, folder / name)
    finally:
        temporary.unlink(missing_ok=True)


def remove_stale_partials(older_than_seconds: float) -> int:
    """Remove the temporary files left by killed workers (older than a lease); how many."""
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in jobs_dir().glob(PARTIAL + "*"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
