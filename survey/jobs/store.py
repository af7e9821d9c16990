"""The job rows: asking for a job (reused while what it depends on is unchanged), a worker's
claim and lease, its progress, its end, and the recovery of jobs whose worker died.

A job's ``key`` is two hashes end to end: of its kind and parameters (:func:`params_prefix`,
what "the same job" means: a newer result of it supersedes an older one) and of
:func:`fingerprint`, what the result depends on: the questionnaire's definition versions, the
change counters of the responses the job reads (how many, the sum of their version numbers,
which every write moves on, and the newest id; submitted ones only unless the job counts
responses in progress too, so a page saved during fieldwork leaves a submitted-only job as it
is), their respondents' links (issued and revoked: an export carries the link's hash), cleaning
decisions and free-text releases. Asking again while the key is the same reuses the job
(queued, running or done); once anything changes, the key changes and a new job is made, or a
job of the same kind and parameters still waiting for a worker is given the new key (it has
read nothing yet), so waiting pages never pile up copies of one job.

Job rows are written on a connection of their own, committed at once, so a job's progress is
seen by the job page while the job's own reading transaction carries on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, func, or_, select, update

from survey.disclosure.models import FreeTextApproval, FreeTextRelease
from survey.extensions import db
from survey.models import (
    CleaningDecision,
    Job,
    QuestionnaireVersion,
    Respondent,
    Response,
    utcnow,
)
from survey.responses.reading import of_questionnaire

_JOBS = cast(Table, Job.__table__)
_JOB = _JOBS.c
OPEN = ("queued", "running")


def fingerprint(
    questionnaire_id: str, include_in_progress: bool = True, census: bool = True
) -> list[Any]:
    """What a job over a questionnaire's responses depends on (see the module docstring).

    A job of submitted responses only that also counts the others (``census``: the report's
    response rates show partial responses by authority type) depends on how many there are
    and the newest, not on their saves: a new partial response changes its key, another
    page of one does not (a partial response's type, if changed on a later page, shows in
    those counts once any response is added or submitted).

    Respondents change only through their links (``links.reissue`` moves ``token_issued_at``
    on, ``links.revoke`` sets ``revoked_at``, both to now, so the newest of each moves on);
    their names and contacts are written once, when they are invited."""
    versions = db.session.execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.content_hash)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .order_by(QuestionnaireVersion.id)
    ).all()
    read = (
        select(
            func.count(Response.id),
            func.sum(Response.version),
            func.max(Response.id),
            func.max(Respondent.token_issued_at),
            func.max(Respondent.revoked_at),
            func.count(Respondent.revoked_at),
        )
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .join(Respondent, Respondent.id == Response.respondent_id)
        .where(of_questionnaire(questionnaire_id))
    )
    partial: list[int] = []
    if not include_in_progress:
        responses = db.session.execute(read.where(Response.status == "submitted")).one()
        if census:
            counted = db.session.execute(
                select(func.count(Response.id), func.max(Response.id))
                .join(QuestionnaireVersion)
                .where(of_questionnaire(questionnaire_id), Response.status != "submitted")
            ).one()
            partial = [int(x or 0) for x in counted]
    else:
        responses = db.session.execute(read).one()
    decisions = db.session.execute(
        select(func.count(CleaningDecision.id), func.max(CleaningDecision.id)).where(
            CleaningDecision.questionnaire_id == questionnaire_id
        )
    ).one()
    releases = db.session.execute(
        select(func.count(FreeTextRelease.id), func.max(FreeTextRelease.changed_at)).where(
            FreeTextRelease.questionnaire_id == questionnaire_id
        )
    ).one()
    approvals = db.session.execute(
        select(
            func.count(FreeTextApproval.id),
            func.max(FreeTextApproval.id),
            func.max(FreeTextApproval.reviewed_at),
        ).where(FreeTextApproval.questionnaire_id == questionnaire_id)
    ).one()
    return [
        [list(v) for v in versions],
        [int(x or 0) for x in responses[:3]],
        [str(responses[3]), str(responses[4]), int(responses[5] or 0)],
        partial,
        [int(x or 0) for x in decisions],
        [releases[0], str(releases[1])],
        [approvals[0], approvals[1] or 0, str(approvals[2])],
    ]


def params_prefix(kind: str, params: Mapping[str, Any]) -> str:
    """The first half of the keys of every job of ``kind`` with ``params``, whatever the data."""
    text = json.dumps([kind, dict(params)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def params_part(key: str) -> str:
    """The part of a job's key that :func:`params_prefix` made."""
    return key[:32]


def job_key(kind: str, params: Mapping[str, Any], depends_on: Any) -> str:
    """``params_prefix`` followed by a hash of what the result depends on (64 characters)."""
    text = json.dumps(depends_on, sort_keys=True, default=str)
    return params_prefix(kind, params) + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _same_params(prefix: str):
    return Job.key.like(prefix + "%")  # hexadecimal: nothing to escape


def reusable(key: str) -> Job | None:
    """The job already made for ``key`` that is queued, running or done (its file still there)."""
    from survey.jobs.files import result_exists

    jobs = db.session.scalars(
        select(Job)
        .where(Job.key == key, Job.status.in_(("queued", "running", "done")))
        .order_by(Job.id.desc())
    )
    for job in jobs:
        if job.status != "done" or result_exists(job):
            return job
    return None


def failed(key: str) -> Job | None:
    """The newest job made for ``key``, if it failed."""
    job = db.session.scalars(select(Job).where(Job.key == key).order_by(Job.id.desc())).first()
    return job if job is not None and job.status == "failed" else None


def latest_done(kind: str, params: Mapping[str, Any]) -> Job | None:
    """The newest finished job of ``kind`` with ``params`` whose file is still there, made
    from the data as it was then (what a page shows while a newer one is being made)."""
    from survey.jobs.files import result_exists

    jobs = db.session.scalars(
        select(Job)
        .where(_same_params(params_prefix(kind, params)), Job.status == "done")
        .order_by(Job.id.desc())
    )
    return next((job for job in jobs if result_exists(job)), None)


def rekey_waiting(kind: str, params: Mapping[str, Any], key: str) -> Job | None:
    """A job of ``kind`` with ``params`` still waiting for a worker, given ``key``: it has read
    nothing yet, so it will make the result as things are now. None if there is none (or a
    worker took it meanwhile)."""
    waiting = db.session.scalars(
        select(Job.id)
        .where(_same_params(params_prefix(kind, params)), Job.status == "queued")
        .order_by(Job.id.desc())
    ).first()
    if waiting is None or not _write(waiting, _JOB.status == "queued", key=key):
        return None
    job = db.session.get_one(Job, waiting)
    db.session.refresh(job)
    return job


def create(kind: str, params: Mapping[str, Any], key: str, audience: str, by: str) -> Job:
    """A new queued job (committed, so a worker can see it)."""
    job = Job(
        key=key,
        kind=kind,
        params=dict(params),
        audience=audience,
        status="queued",
        requested_by=by,
        lease_until=utcnow() + _seconds("JOBS_QUEUED_SECONDS"),
    )
    db.session.add(job)
    db.session.commit()
    return job


def _seconds(name: str) -> dt.timedelta:
    return dt.timedelta(seconds=float(current_app.config[name]))


def _write(job_id: int, condition=None, **values: Any) -> bool:
    """One committed update of a job row on a connection of its own; whether it matched."""
    statement = update(_JOBS).where(_JOB.id == job_id)
    if condition is not None:
        statement = statement.where(condition)
    with db.engine.begin() as connection:
        return connection.execute(statement.values(**values)).rowcount == 1


def claim(job_id: int) -> bool:
    """Take the job for this worker: a queued job, or a running one whose lease ran out (its
    worker died). False: someone else has it, or it is over (a repeated message)."""
    now = utcnow()
    return _write(
        job_id,
        or_(_JOB.status == "queued", (_JOB.status == "running") & (_JOB.lease_until < now)),
        status="running",
        started_at=now,
        lease_until=now + _seconds("JOBS_LEASE_SECONDS"),
        attempts=_JOB.attempts + 1,
        done=0,
    )


def renew(job_id: int, done: int, total: int | None) -> None:
    """The job's progress, and its lease moved on: the worker is alive."""
    _write(
        job_id,
        _JOB.status == "running",
        done=done,
        total=total,
        lease_until=utcnow() + _seconds("JOBS_LEASE_SECONDS"),
    )


def finish(job_id: int, file_name: str, done: int) -> None:
    _write(job_id, status="done", file_name=file_name, finished_at=utcnow(), done=done, error=None)


def fail(job_id: int, error: str) -> None:
    _write(job_id, status="failed", error=error[:2000], finished_at=utcnow())


def leased_keys() -> set[str]:
    """The keys of the jobs a live worker is running (their lease has not run out)."""
    keys = set(
        db.session.scalars(
            select(Job.key).where(Job.status == "running", Job.lease_until >= utcnow())
        )
    )
    db.session.rollback()
    return keys


def abandoned() -> list[tuple[int, int]]:
    """(id, attempts) of the jobs whose lease ran out: running ones whose worker died, and
    queued ones whose message was lost (a queue emptied by hand, say)."""
    rows = db.session.execute(
        select(Job.id, Job.attempts).where(Job.status.in_(OPEN), Job.lease_until < utcnow())
    ).all()
    db.session.rollback()
    return [(job_id, attempts) for job_id, attempts in rows]


def requeue(job_id: int) -> bool:
    """Put an abandoned job back in the queue (the caller sends its message)."""
    return _write(
        job_id,
        _JOB.status.in_(OPEN) & (_JOB.lease_until < utcnow()),
        status="queued",
        lease_until=utcnow() + _seconds("JOBS_QUEUED_SECONDS"),
    )


def requeue_now(job_id: int) -> bool:
    """After a failure that may pass: back in the queue at once (the caller sends its message)."""
    return _write(
        job_id,
        _JOB.status == "running",
        status="queued",
        lease_until=utcnow() + _seconds("JOBS_QUEUED_SECONDS"),
    )
