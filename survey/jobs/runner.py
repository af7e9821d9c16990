"""Running one job in a worker: claim it, do its kind's work into a temporary file with its
progress stored as it goes, rename the file into place, and record the end. A job that raises
is tried again (up to ``JOBS_MAX_ATTEMPTS``), then failed with its error; a job whose worker is
killed is found by its lease running out (:func:`recover`) and tried again the same way."""

from __future__ import annotations

import logging
import time
import traceback

from flask import current_app

from survey import progress
from survey.extensions import db
from survey.jobs import files, store
from survey.jobs.kinds import KINDS, expected_total
from survey.models import Job

log = logging.getLogger(__name__)


class JobProgress(progress.Progress):
    """A job's progress, stored (and its lease renewed) at most every ``JOBS_PROGRESS_SECONDS``."""

    def __init__(self, job_id: int, total: int | None, every: float) -> None:
        super().__init__(total)
        self.job_id = job_id
        self.every = every
        self.stored = 0.0

    def changed(self) -> None:
        now = time.monotonic()
        if now - self.stored >= self.every:
            self.stored = now
            store.renew(self.job_id, self.done, self.total)


def run(job_id: int, send) -> None:
    """Do the job if this worker can claim it; ``send(job_id)`` queues it again after a failure
    that may pass (the caller's queue)."""
    if not store.claim(job_id):
        return
    job = db.session.get_one(Job, job_id)
    kind = KINDS[job.kind]
    params = dict(job.params)
    name = f"{job.key}.{kind.extension(params)}"
    config = current_app.config
    try:
        watcher = JobProgress(
            job_id, expected_total(job.kind, params), config["JOBS_PROGRESS_SECONDS"]
        )
        db.session.rollback()  # the work reads in transactions of its own
        with progress.reporting(watcher), files.atomic_file(name) as path:
            kind.run(params, path)
        db.session.rollback()
        store.finish(job_id, name, watcher.done)
    except Exception as exc:  # the job's failure is recorded, never the worker's end
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        attempts = db.session.get_one(Job, job_id).attempts
        if attempts < config["JOBS_MAX_ATTEMPTS"] and store.requeue_now(job_id):
            send(job_id)
        else:
            store.fail(job_id, "".join(traceback.format_exception_only(exc)).strip())
    finally:
        db.session.remove()


def recover(send) -> int:
    """Queue again (or fail, past the attempts allowed) the jobs whose lease ran out, and
    remove the temporary files of dead workers. Returns how many jobs were queued again."""
    config = current_app.config
    files.remove_stale_partials(store.leased_keys)
    queued = 0
    for job_id, attempts in store.abandoned():
        if attempts >= config["JOBS_MAX_ATTEMPTS"]:
            store.fail(job_id, "the worker running it stopped, too many times")
        elif store.requeue(job_id):
            send(job_id)
            queued += 1
    db.session.remove()
    return queued
