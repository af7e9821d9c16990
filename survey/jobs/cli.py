"""``survey worker``: run the background jobs (registered on the ``survey`` group by
:mod:`survey.cli`). ``./scripts/serve`` starts one beside the server; in production run one or
more per machine (docs/operations.md)."""

from __future__ import annotations

import threading
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from survey.jobs.queue import PERIODIC, Queue


def _periodic(app, queue: Queue, stop: threading.Event) -> None:
    """The periodic work of :data:`survey.jobs.queue.PERIODIC`, each at its own interval."""
    last: dict[str, float] = {}
    while not stop.is_set():
        for setting, work in PERIODIC:
            if time.monotonic() - last.get(setting, -1e9) >= float(app.config[setting]):
                last[setting] = time.monotonic()
                with app.app_context():
                    try:
                        work(queue)
                    except Exception:  # a failed round is tried again next time
                        app.logger.exception("periodic work %s failed", setting)
        stop.wait(0.5)


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Jobs run at once (threads).")  # fmt: skip
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background jobs (report PDFs, large exports, statistics) until stopped."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue: Queue = app.extensions["survey_jobs"]
    if app.config.get("JOBS_IMMEDIATE"):
        raise click.UsageError("JOBS_IMMEDIATE is set: jobs run where they are asked for")
    where = app.config.get("JOBS_REDIS_URL") and "Redis" or app.config["JOBS_QUEUE_FILE"]
    click.echo(f"worker: {workers} thread(s), queue {app.config['JOBS_QUEUE_NAME']} on {where}")
    stop = threading.Event()
    thread = threading.Thread(target=_periodic, args=(app, queue, stop), daemon=True)
    thread.start()
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type="thread", periodic=False, initial_delay=0.1, max_delay=1.0
    )
    try:
        consumer.run()
    finally:
        stop.set()
