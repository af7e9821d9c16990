"""Background jobs: report PDFs, large exports and report statistics, run by ``survey worker``
on a Huey queue (:mod:`.queue`), each job a row (:mod:`.store`) with its progress and its
file (:mod:`.files`), and reused while nothing it depends on has changed.

:func:`request_job` is what a view calls: the job for these parameters, an existing one when
its key is unchanged (queued, running or done), else one of the same parameters still waiting
for a worker (given the new key), else a new one, queued. Old results are removed by
:mod:`.retention`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.extensions import db
from survey.jobs import store
from survey.jobs.kinds import KINDS
from survey.jobs.queue import current_queue
from survey.models import Job

__all__ = ["KINDS", "request_job"]


def request_job(
    kind: str, params: Mapping[str, Any], requested_by: str, retry_failed: bool = True
) -> Job:
    """The job for ``kind`` with ``params`` as things are now (see the module docstring). With
    ``retry_failed`` false, a job that failed for the same key is returned as it is instead of
    being made again (a page that asks on every refresh shows the failure, not a new wait).

    The caller's session must have nothing pending: a new job is committed before it is sent."""
    job_kind = KINDS[kind]
    depends_on = store.fingerprint(
        params["questionnaire_id"],
        include_in_progress=bool(params.get("include_in_progress")),
        census=job_kind.census,
    )
    key = store.job_key(kind, params, depends_on)
    job = store.reusable(key)
    if job is None and not retry_failed:
        job = store.failed(key)
    if job is None:
        job = store.rekey_waiting(kind, params, key)
    if job is None:
        audience = "staff" if job_kind.staff_only(params) else "everyone"
        job = store.create(kind, params, key, audience, requested_by)
        current_queue().send(job.id)
        db.session.refresh(job)
    return job
