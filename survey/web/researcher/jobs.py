"""A background job's page and its file (survey/jobs/): what it is making, how far it got and
the time left, refreshed without JavaScript (a meta refresh, and a Refresh link) until its file
is ready to download, or, for a job whose result is shown on a page (the figure pages' report),
until that page can show it; such a page shows an earlier result, with its time, while a newer
one is being made, and waits only when there is none. A PDF download (the findings report) does
the same on its job's page: while a newer PDF is being made, the earlier one of the same kind and
parameters is offered at once, with the time it was made (:func:`earlier_file`), so nobody waits
for a new PDF when an older one will do. A job made for the research team (full precision,
partial responses, an export that is not anonymised) is theirs only; the others are for everyone
with a research account, as the pages that asked for them are; an earlier result is offered
only under the same rule, and only for the same parameters (a sponsor's published PDF is never
swapped for one with partial responses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from survey.extensions import db
from survey.jobs import KINDS, request_job, store
from survey.jobs.files import result_exists, result_path
from survey.models import Job, utcnow
from survey.progress import clock
from survey.web.auth import EVERYONE, STAFF, roles_required
from survey.web.researcher.blueprint import bp

REFRESH_SECONDS = 2


def _may_see(job: Job) -> bool:
    return job.audience != "staff" or current_user.role in STAFF


def _job_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if not _may_see(job):
        abort(403)
    return job


def earlier_file(job: Job) -> Job | None:
    """While ``job`` (a PDF download) is being made, the newest finished job of its kind and
    parameters whose file is still there, if the signed-in user may see it: offered at once on
    the job's page. The parameters hold everything that decides who may see a result (partial
    responses, and for exports the anonymisation), so the earlier one is the same variant made
    from older data; its audience is checked again all the same. None for other downloads
    (an export or figures.json is wanted as the data are now) and for results shown on pages."""
    kind = KINDS[job.kind]
    if job.status not in store.OPEN or kind.page is not None:
        return None
    if kind.extension(job.params) != "pdf":
        return None
    shown = store.latest_done(job.kind, job.params)
    if shown is None or shown.id == job.id or not _may_see(shown):
        return None
    if shown.kind != job.kind or shown.params != job.params:  # a prefix is only a hash
        return None
    return shown


def job_result(kind: str, params: dict[str, Any]):
    """What a view asking for a job answers: the file at once if it is ready (an unchanged
    request made before), else the job's page (303, so a reload does not ask again)."""
    job = request_job(kind, params, current_user.email)
    if job.status == "done" and result_exists(job):
        return _send(job)
    return redirect(url_for("researcher.job", job_id=job.id), 303)


@dataclass(frozen=True)
class Prepared:
    """The finished job whose result a page shows, and, when that is an earlier result (the
    data changed since), the job making the current one."""

    job: Job
    updating: Job | None = None


def prepared(kind: str, params: dict[str, Any], earlier: bool = False) -> Prepared:
    """The finished job for ``kind`` and ``params`` as things are now; while it is being made,
    with ``earlier`` the newest earlier result of the same kind and parameters if there is one,
    else the request ends (``abort``) with the job's page at the asking address, which refreshes
    itself (no script) until the result is there and the same address shows it."""
    values: dict[str, Any] = {**(request.view_args or {})}
    values.update((k, v) for k, v in request.args.items() if k != "retry")
    here = url_for(request.endpoint or "", **values)
    if request.args.get("retry") == "1":  # "Try again" after a failure: a new job, then back
        request_job(kind, params, current_user.email)
        abort(redirect(here, 303))
    job = request_job(kind, params, current_user.email, retry_failed=False)
    if job.status == "done" and result_exists(job):
        return Prepared(job)
    if earlier and job.status in store.OPEN:
        shown = store.latest_done(kind, params)
        if shown is not None:
            return Prepared(shown, updating=job)
    view = _view(job)
    page = render_template(
        "researcher/job.html",
        job=view,
        user=current_user,
        refresh=REFRESH_SECONDS if view["waiting"] else None,
        here=here,
        retry_url=url_for(request.endpoint or "", **values, retry="1"),
    )
    abort(Response(page, 503 if view["failed"] else 202))


def _send(job: Job):
    kind = KINDS[job.kind]
    page = _page_url(job)
    if page is not None:  # shown on its page, never downloaded
        return redirect(page, 303)
    path = result_path(job)
    assert path is not None
    return send_file(
        path,
        mimetype=kind.mimetype(job.params),
        as_attachment=True,
        download_name=kind.download_name(job.params),
    )


def _page_url(job: Job) -> str | None:
    """Where a job's result is shown, if it is shown on a page rather than downloaded."""
    kind = KINDS[job.kind]
    if kind.page is None:
        return None
    endpoint, args = kind.page(job.params)
    return url_for(endpoint, **args)


def _view(job: Job) -> dict[str, Any]:
    """The job as its page shows it (worked out here: templates never compute)."""
    kind = KINDS[job.kind]
    ready = job.status == "done" and result_exists(job)
    percent = None
    if job.total:
        percent = min(100, 100 * job.done // job.total)
    left = None
    if job.status == "running" and job.started_at and job.total and job.done:
        elapsed = (utcnow() - job.started_at).total_seconds()
        left = clock(elapsed / job.done * max(job.total - job.done, 0))
    return {
        "id": job.id,
        "title": kind.describe(job.params),
        "status": {"queued": "Waiting for a worker", "running": "Being made",
                   "done": "Ready" if ready else "Expired", "failed": "Failed"}[job.status],
        "waiting": job.status in ("queued", "running"),
        "ready": ready,
        "failed": job.status == "failed",
        "error": job.error,
        "done": job.done,
        "total": job.total,
        "percent": percent,
        "time_left": left,
        "attempts": job.attempts,
        "download_name": kind.download_name(job.params),
        "page": _page_url(job),
    }  # fmt: skip


@bp.get("/jobs/<int:job_id>")
@roles_required(*EVERYONE)
def job(job_id: int):
    found = _job_or_404(job_id)
    view = _view(found)
    shown = earlier_file(found)
    return render_template(
        "researcher/job.html",
        job=view,
        user=current_user,
        refresh=REFRESH_SECONDS if view["waiting"] else None,
        earlier=_earlier_view(shown) if shown is not None else None,
    )


def _earlier_view(job: Job) -> dict[str, Any]:
    made = job.finished_at or job.created_at
    return {
        "url": url_for("researcher.job_file", job_id=job.id),
        "as_of": f"{made:%d %b %Y %H:%M} UTC",
        "download_name": KINDS[job.kind].download_name(job.params),
    }


@bp.get("/jobs/<int:job_id>/file")
@roles_required(*EVERYONE)
def job_file(job_id: int):
    found = _job_or_404(job_id)
    if found.status != "done" or not result_exists(found):
        return redirect(url_for("researcher.job", job_id=job_id), 303)
    return _send(found)
