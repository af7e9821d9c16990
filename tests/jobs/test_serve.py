"""``./scripts/serve`` with default settings on a fresh instance folder (no Redis, no database
URL, nothing but ``SURVEY_INSTANCE_DIR``, a temporary folder, and ``SURVEY_SKIP_INSTALL``: the
packages and styles are this checkout's): it makes the database and the demonstration data,
starts the server and a worker; the server answers HTTP, a job asked for through the
application is made by that worker through the embedded SQLite queue, and stopping the
process group stops everything; and a worker that dies stops the server with a message."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from survey import create_app
from survey.config import PROJECT_ROOT
from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.jobs import request_job
from survey.jobs.files import result_path
from survey.models import Job
from tests.jobs.conftest import QID
from tests.jobs.test_worker import wait_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _answering(url: str):
    try:
        return _get(url)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Default settings: no SURVEY_* variable but the instance folder (in this process too)."""
    for name in [n for n in os.environ if n.startswith("SURVEY_")]:
        monkeypatch.delenv(name)
    instance = tmp_path / "instance"
    monkeypatch.setenv("SURVEY_INSTANCE_DIR", str(instance))
    return instance


def test_serve_starts_a_server_and_a_worker_that_runs_the_jobs(settings: Path, tmp_path):
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "SURVEY_SKIP_INSTALL": "1"}
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [str(PROJECT_ROOT / "scripts" / "serve")],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the server, the worker, the rest
        )
    group = serve.pid
    base = f"http://127.0.0.1:{port}"
    try:
        status, page = wait_for(
            lambda: _answering(f"{base}/research/sign-in"), 240, "the server to answer"
        )
        assert status == 200 and "Sign in" in page, log.read_text()[-3000:]
        text = log.read_text()
        assert re.search(r"background-job worker pid \d+", text), text[-3000:]
        assert (settings / "survey.db").is_file() and (settings / ".demo-created").is_file()
        link = re.search(rf"({re.escape(base)}/\S+)", text.split("demonstration links", 1)[1])
        assert link is not None, text[-3000:]
        assert _get(link.group(1))[0] == 200  # a respondent's page, from the server

        app = create_app()  # the same instance folder and settings as the server's
        assert app.config["JOBS_REDIS_URL"] is None
        assert Path(app.config["JOBS_QUEUE_FILE"]).parent == settings
        with app.test_request_context():
            job_id = request_job("export", {"questionnaire_id": QID, "fmt": "csv-wide"}, "t").id

        def finished():
            with app.app_context():
                job = db.session.get(Job, job_id)
                over = job is not None and job.status in ("done", "failed")
                db.session.remove()
                return over

        wait_for(finished, 120, "the worker to run the job")
        with app.app_context():
            job = db.session.get_one(Job, job_id)
            assert job.status == "done" and job.done == 107, (job.error, log.read_text()[-3000:])
            made = result_path(job)
            assert made is not None and made.parent == settings / "jobs"
            synchronous = tmp_path / "sync.csv"
            export_to(QID, "csv-wide", synchronous, ExportOptions())
            assert made.read_bytes() == synchronous.read_bytes()
            db.session.remove()
            db.engine.dispose()

        # a worker that dies does not leave a server whose jobs would wait for ever
        found = re.search(r"background-job worker pid (\d+)", text)
        assert found is not None
        os.kill(int(found.group(1)), signal.SIGKILL)
        assert serve.wait(timeout=60) == 1
        assert "the background-job worker stopped" in log.read_text()
    finally:
        if _alive(group):
            os.killpg(group, signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            serve.wait()
    deadline = time.monotonic() + 30
    while _alive(group) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(group), "a process of ./scripts/serve is still running"
    assert _answering(f"{base}/research/sign-in") is None
