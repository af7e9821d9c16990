"""Removing old job results (run by the worker, :data:`survey.jobs.queue.PERIODIC`): a result
is a copy of the data (an export that is not anonymised carries names, contact emails and link
hashes), so it is kept only while it is of use.

A finished job (done or failed) goes, its row and its file, once it is **superseded** (a newer
job of the same kind and parameters is done, and has been for a lease, so a page that has just
chosen the older one can still read it) or once it is older than ``JOBS_KEEP_HOURS``. The one
exception to the age limit is the newest done job of a kind shown on a page (the figure pages'
report): it is what those pages show, until a newer one supersedes it. Queued and running jobs
are never touched, and a file another kept job names (a job made again for the same key after
its file went) stays. Files no job names are removed once older than ``JOBS_KEEP_HOURS``
(left by an older version, or a row deleted by hand); temporary files are
:func:`survey.jobs.files.remove_stale_partials`'s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time

from flask import current_app
from sqlalchemy import delete, select

from survey.extensions import db
from survey.jobs.files import PARTIAL, jobs_dir
from survey.jobs.kinds import KINDS
from survey.jobs.store import params_part
from survey.models import Job, utcnow

FINISHED = ("done", "failed")


def expired(now: dt.datetime | None = None) -> list[Job]:
    """The finished jobs to remove (see the module docstring), oldest first."""
    now = now or utcnow()
    config = current_app.config
    keep_until = now - dt.timedelta(hours=float(config["JOBS_KEEP_HOURS"]))
    settled = now - dt.timedelta(seconds=float(config["JOBS_LEASE_SECONDS"]))
    jobs = db.session.scalars(
        select(Job).where(Job.status.in_(FINISHED)).order_by(Job.id.desc())
    ).all()
    newest_done: set[str] = set()  # parameters whose newest done job has been seen
    superseding: set[str] = set()  # parameters with a done job settled for a lease
    remove: list[Job] = []
    for job in jobs:  # newest first
        same = params_part(job.key)
        finished = job.finished_at or job.created_at
        kind = KINDS.get(job.kind)
        shown = job.status == "done" and same not in newest_done and bool(kind and kind.page)
        if same in superseding or (finished < keep_until and not shown):
            remove.append(job)
        if job.status == "done":
            newest_done.add(same)
            if finished <= settled:
                superseding.add(same)
    return remove[::-1]


def clean(now: dt.datetime | None = None) -> int:
    """Remove the expired jobs' files and rows, then the files no job names that are older than
    ``JOBS_KEEP_HOURS``; how many jobs were removed."""
    remove = expired(now)
    gone = {job.id for job in remove}
    rows = db.session.execute(select(Job.id, Job.file_name).where(Job.file_name.is_not(None)))
    kept = {name for job_id, name in rows if job_id not in gone}
    folder = jobs_dir()
    for job in remove:  # the file first: a row without its file is only an expired result
        if job.file_name and job.file_name not in kept:
            (folder / job.file_name).unlink(missing_ok=True)
    for start in range(0, len(remove), 500):
        ids = [job.id for job in remove[start : start + 500]]
        db.session.execute(delete(Job).where(Job.id.in_(ids)))
    db.session.commit()
    cutoff = time.time() - float(current_app.config["JOBS_KEEP_HOURS"]) * 3600
    for path in folder.iterdir():
        if path.name.startswith(PARTIAL) or path.name in kept or not path.is_file():
            continue
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
    return len(remove)
