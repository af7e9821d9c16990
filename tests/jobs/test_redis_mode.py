"""The distributed job mode (``JOBS_REDIS_URL``) with real processes: a web application asks
for a large download, the job's message goes to Redis (not to the SQLite queue file), a real
``survey worker`` in another process makes it, and the web side sees it done and serves the
file, the synchronous export's; a worker killed (SIGKILL) in the middle of a job leaves no
half-written file, and a second worker runs the job again from Redis's side of things (the
lease ran out) to the same result.

Needs a Redis on 127.0.0.1:6379 (skipped without one); uses its database 14 under a queue name
of the test's own, whose keys are removed afterwards (so runs side by side, on SQLite and on
PostgreSQL, never see each other's jobs)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis

from survey import create_app
from survey.exports import ExportOptions, export_to
from survey.jobs.files import PARTIAL
from tests.conftest import tables_of
from tests.jobs.conftest import QID, demo, queued_settings
from tests.jobs.test_worker import SURVEY, cells, job_row, kill_under_way, wait_for

pytestmark = pytest.mark.slow
REDIS_URL = "redis://127.0.0.1:6379/14"
DOWNLOADS = f"/research/{QID}/downloads"


@pytest.fixture
def redis_db():
    """Redis database 14 and a queue name of this test's own, whose keys are removed
    afterwards (skipped with no Redis)."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    name = f"surveytest{uuid.uuid4().hex}"  # letters and digits: huey keeps no others in its keys
    yield connection, name
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)
    connection.close()


@pytest.fixture
def queued_app(tmp_path, redis_db):
    """As tests/jobs/conftest.py's, with the queue on Redis (sign_in_queued signs in to it)."""
    _, name = redis_db
    settings = queued_settings(
        tmp_path,
        JOBS_REDIS_URL=REDIS_URL,
        JOBS_QUEUE_NAME=name,
        JOBS_EXPORT_THRESHOLDS="csv=2,xlsx=2",
    )
    with tables_of(create_app(settings)) as app:
        yield app


def start_worker(app, log: Path) -> subprocess.Popen:
    """A real ``survey worker`` on the Redis queue (its output to ``log``: a pipe nobody reads
    could fill and stop it)."""
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SURVEY_SECRET_KEY": "test-secret",
        "SURVEY_JOBS_DIR": app.config["JOBS_DIR"],
        "SURVEY_JOBS_QUEUE_FILE": app.config["JOBS_QUEUE_FILE"],
        "SURVEY_JOBS_REDIS_URL": REDIS_URL,
        "SURVEY_JOBS_QUEUE_NAME": app.config["JOBS_QUEUE_NAME"],
        "SURVEY_JOBS_LEASE_SECONDS": str(app.config["JOBS_LEASE_SECONDS"]),
    }
    with open(log, "ab") as out:
        return subprocess.Popen([str(SURVEY), "worker"], env=env, stdout=out, stderr=out)


def stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _job_id(location: str) -> int:
    return int(location.rstrip("/").rsplit("/", 1)[1])


def test_a_job_asked_for_on_the_web_is_made_by_a_worker_through_redis(
    queued_app, sign_in_queued, redis_db, tmp_path
):
    demo(queued_app, 5)
    client = sign_in_queued("researcher")
    asked = client.get(f"{DOWNLOADS}/csv-wide")
    assert asked.status_code == 303, asked.status_code
    job_id = _job_id(asked.headers["Location"])
    with queued_app.app_context():
        huey = queued_app.extensions["survey_jobs"].huey
        assert type(huey).__name__ == "RedisHuey" and huey.pending_count() == 1
    connection, name = redis_db
    assert any(connection.scan_iter(f"*{name}*"))  # the message is in Redis, under its name
    assert not Path(queued_app.config["JOBS_QUEUE_FILE"]).exists()  # not in a SQLite queue
    log = tmp_path / "worker.log"
    worker = start_worker(queued_app, log)
    try:
        done = wait_for(
            lambda: (j := job_row(queued_app, job_id)).status in ("done", "failed") and j,
            120,
            "the worker to make the file",
        )
    finally:
        stop(worker)
    assert done.status == "done", (done.error, log.read_text()[-2000:])
    assert f"queue {name} on Redis" in log.read_text()
    page = client.get(f"/research/jobs/{job_id}").get_data(as_text=True)
    assert "Ready" in page and f"/research/jobs/{job_id}/file" in page
    served = client.get(f"/research/jobs/{job_id}/file")
    assert served.status_code == 200 and served.mimetype == "text/csv"
    synchronous = tmp_path / "sync.csv"
    with queued_app.app_context():
        export_to(QID, "csv-wide", synchronous, ExportOptions())
        assert queued_app.extensions["survey_jobs"].huey.pending_count() == 0
    assert served.data == synchronous.read_bytes()
    # asked again, unchanged: the same file at once, no new message
    again = client.get(f"{DOWNLOADS}/csv-wide")
    assert again.status_code == 200 and again.data == served.data


def test_a_worker_killed_mid_job_leaves_it_to_a_second_worker_through_redis(
    queued_app, sign_in_queued, tmp_path
):
    demo(queued_app, 600)
    client = sign_in_queued("researcher")
    asked = client.get(f"{DOWNLOADS}/xlsx")
    assert asked.status_code == 303, asked.status_code
    job_id = _job_id(asked.headers["Location"])
    jobs_dir = Path(queued_app.config["JOBS_DIR"])
    log = tmp_path / "worker.log"
    kill_under_way(queued_app, job_id, start_worker(queued_app, log), jobs_dir, 600)
    waiting = client.get(f"/research/jobs/{job_id}")
    assert waiting.status_code == 200 and "Being made" in waiting.get_data(as_text=True)
    assert client.get(f"/research/jobs/{job_id}/file").status_code == 303  # not yet
    with queued_app.app_context():  # the killed worker had taken the message off the queue
        assert queued_app.extensions["survey_jobs"].huey.pending_count() == 0
    time.sleep(queued_app.config["JOBS_LEASE_SECONDS"] + 0.5)  # its lease runs out
    worker = start_worker(queued_app, log)
    try:
        done = wait_for(
            lambda: (j := job_row(queued_app, job_id)).status in ("done", "failed") and j,
            180,
            "the job to be run again",
        )
    finally:
        stop(worker)
    assert done.status == "done", (done.error, log.read_text()[-2000:])
    assert done.attempts == 2 and done.done == 600
    assert not list(jobs_dir.glob(PARTIAL + "*")), "no temporary file is left"
    served = client.get(f"/research/jobs/{job_id}/file")
    assert served.status_code == 200
    made, synchronous = tmp_path / "served.xlsx", tmp_path / "sync.xlsx"
    made.write_bytes(served.data)
    with queued_app.app_context():
        export_to(QID, "xlsx", synchronous, ExportOptions())
    assert cells(made) == cells(synchronous)
