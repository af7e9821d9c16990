"""``survey worker`` as a real process: a worker killed (SIGKILL) in the middle of a job leaves
no half-written file, and the job is run again by the next worker, to the same result as the
synchronous export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.jobs import request_job
from survey.jobs.files import PARTIAL, result_path
from survey.models import Job
from tests.jobs.conftest import QID, demo

pytestmark = pytest.mark.slow
SURVEY = Path(sys.executable).with_name("survey")


def start_worker(app) -> subprocess.Popen:
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SURVEY_SECRET_KEY": "test-secret",
        "SURVEY_JOBS_DIR": app.config["JOBS_DIR"],
        "SURVEY_JOBS_QUEUE_FILE": app.config["JOBS_QUEUE_FILE"],
        "SURVEY_JOBS_LEASE_SECONDS": str(app.config["JOBS_LEASE_SECONDS"]),
    }
    return subprocess.Popen(
        [str(SURVEY), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def job_row(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def wait_for(condition, seconds: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def kill_under_way(app, job_id: int, worker: subprocess.Popen, jobs_dir: Path, total: int):
    """SIGKILL ``worker`` at the job's first progress report (JOBS_PROGRESS_SECONDS in: the
    tests' jobs take several times that, so the kill lands mid-job however fast it is), then
    check the job is left running, not finished, with no file but partial ones."""
    try:
        wait_for(lambda: job_row(app, job_id).done > 0, 120, "the job to be under way", 0.01)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    killed = job_row(app, job_id)
    assert killed.status == "running" and killed.attempts == 1 and killed.done < total
    assert [p.name for p in jobs_dir.iterdir() if not p.name.startswith(PARTIAL)] == []


def cells(path: Path) -> list[list[list[object]]]:
    book = load_workbook(path, read_only=True)
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book]


def test_a_killed_worker_leaves_no_half_written_file_and_the_job_is_run_again(queued_app, tmp_path):
    demo(queued_app, 600)
    with queued_app.test_request_context():
        job_id = request_job("export", {"questionnaire_id": QID, "fmt": "xlsx"}, "tester").id
    jobs_dir = Path(queued_app.config["JOBS_DIR"])
    kill_under_way(queued_app, job_id, start_worker(queued_app), jobs_dir, 600)
    time.sleep(queued_app.config["JOBS_LEASE_SECONDS"] + 0.5)  # its lease runs out
    worker = start_worker(queued_app)
    try:
        done = wait_for(
            lambda: (j := job_row(queued_app, job_id)).status in ("done", "failed") and j,
            180,
            "the job to be run again",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=30)
    assert done.status == "done", (done.error, errors[-2000:])
    assert done.attempts == 2 and done.done == 600
    assert not list(jobs_dir.glob(PARTIAL + "*")), "no temporary file is left"
    synchronous = tmp_path / "sync.xlsx"
    with queued_app.app_context():
        export_to(QID, "xlsx", synchronous, ExportOptions())
        made = result_path(done)
    assert cells(made) == cells(synchronous)
