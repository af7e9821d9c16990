"""Where jobs' files live (``JOBS_DIR``, by default ``instance/jobs/``) and how they are written.

A result is written under a temporary name in the same folder and renamed into place once
complete (``os.replace`` is atomic), so a worker killed mid-job leaves at most a temporary file,
never a half-written result under its real name. A temporary file is named after its job's
key; it is removed, when a worker starts and whenever it recovers abandoned jobs, once no job
with that key holds a live lease: however long a live worker goes without touching its file,
and with ``JOBS_DIR`` shared by several machines, only a dead worker's file goes.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Collection, Iterator
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


def _partial_key(path: Path) -> str:
    """The job key in a temporary file's name (``PARTIAL``, pid, clock, then ``key.ext``)."""
    parts = path.name[len(PARTIAL) :].split("-", 2)
    return parts[-1].split(".", 1)[0]


def remove_stale_partials(leased_keys: Callable[[], Collection[str]]) -> int:
    """Remove the temporary files of jobs no live worker holds (``leased_keys``: the keys of the
    jobs whose lease is live, :func:`survey.jobs.store.leased_keys`, given by the caller as the
    store reads this module); how many. The files are listed before the leases are read: a file seen then was begun after its job's claim, so a job
    still running holds its lease when it is read."""
    found = list(jobs_dir().glob(PARTIAL + "*"))
    if not found:
        return 0
    leased = leased_keys()
    removed = 0
    for path in found:
        if _partial_key(path) not in leased:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed
