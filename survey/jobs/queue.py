"""The task queue under the jobs: Huey, with SQLite storage in ``instance/`` by default (nothing
to install or run besides ``survey worker``) and Redis when ``JOBS_REDIS_URL`` is set (several
application servers and workers sharing one queue). ``JOBS_IMMEDIATE`` runs each job at once in
the process that asks for it (the tests; never in production, where a web request must not do
the work itself).

The queue carries only job ids: what a job is and how far it got live in its row
(:mod:`survey.jobs.store`), so a lost message or a killed worker loses nothing. Periodic work
(the recovery of abandoned jobs, the removal of old results, and the fieldwork outbox's sending
when email is set up) is registered in :data:`PERIODIC` and run by the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from survey.jobs import retention, runner


@dataclass
class Queue:
    """The application's queue and its one task (run the job with this id)."""

    huey: Huey
    task: Any
    periodic: list[tuple[float, Callable[[], Any]]] = field(default_factory=list)

    def send(self, job_id: int) -> None:
        self.task(job_id)


def send_mail(queue: Queue) -> None:
    """The outbox's round, as ``survey send-mail`` does it (:func:`send_pending`: due messages
    sent, scheduled reminders queued, retries whose wait is over); nothing without MAIL_HOST.
    Each message is claimed with a lease before it is sent, so this and a ``send-mail`` from
    cron, or several workers, never send one twice."""
    from survey.fieldwork.sender import send_pending

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("MAIL_HOST"):
        return
    summary = send_pending(app)
    for error in summary.errors:
        app.logger.warning("sending mail: %s", error)
    if summary.problem:
        app.logger.warning("sending mail: %s", summary.problem)
    elif summary.sent or summary.retry or summary.failed or summary.queued_by_schedule:
        app.logger.info("sending mail: %s", summary.line())


# Periodic work the worker runs, every so many seconds (the setting named), in an application
# context: (setting, function of the queue).
PERIODIC: list[tuple[str, Callable[[Queue], Any]]] = [
    ("JOBS_RECOVER_SECONDS", lambda queue: runner.recover(queue.send)),
    ("MAIL_SEND_SECONDS", send_mail),
    ("JOBS_CLEAN_SECONDS", lambda queue: retention.clean()),
]


def make_huey(config: dict[str, Any]) -> Huey:
    name = config["JOBS_QUEUE_NAME"]
    if config.get("JOBS_IMMEDIATE"):
        return MemoryHuey(name, immediate=True, results=False)
    url = config.get("JOBS_REDIS_URL")
    if url:
        return RedisHuey(name, url=url, results=False)
    Path(config["JOBS_QUEUE_FILE"]).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=config["JOBS_QUEUE_FILE"], results=False)


def init_app(app: Flask) -> None:
    """Make the application's queue and register its task (each process, web or worker, makes
    the same one; the worker runs the tasks)."""
    huey = make_huey(app.config)

    @huey.task(name="survey.run_job")
    def run_job(job_id: int) -> None:
        with app.app_context():
            runner.run(job_id, queue.send)

    queue = Queue(huey, run_job)
    app.extensions["survey_jobs"] = queue


def current_queue() -> Queue:
    return current_app.extensions["survey_jobs"]
