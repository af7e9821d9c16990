"""Old job results go: a superseded job's row and file once the newer one has settled, any
finished job older than JOBS_KEEP_HOURS except the report the figure pages show, files no job
names; never a queued or running job, never a file a kept job names. A worker's temporary file
goes only once no live lease holds its job."""

from __future__ import annotations

import datetime as dt
import os
import time

from sqlalchemy import func, select

from survey.extensions import db
from survey.jobs import request_job, retention, store
from survey.jobs.files import PARTIAL, jobs_dir, remove_stale_partials, result_path
from survey.jobs.queue import PERIODIC
from survey.models import Job, utcnow
from tests.jobs.conftest import QID, demo

EXPORT = {"questionnaire_id": QID, "fmt": "csv-wide", "anonymised": False}
REPORT = {"questionnaire_id": QID, "include_in_progress": False}


def _ids() -> list[int]:
    return db.session.scalars(select(Job.id).order_by(Job.id)).all()


def test_superseded_and_old_results_are_removed_and_the_shown_report_kept(data):
    with data.test_request_context():
        old_export, old_report = (
            request_job("export", EXPORT, "a"),
            request_job("report", REPORT, "a"),
        )
        old_files = [result_path(old_export), result_path(old_report)]
    demo(data, 1, seed=9)
    with data.test_request_context():
        export, report = request_job("export", EXPORT, "a"), request_job("report", REPORT, "a")
        running = Job(key="0" * 64, kind="export", params=EXPORT, audience="staff",
                      status="running", requested_by="a", lease_until=utcnow())  # fmt: skip
        db.session.add(running)
        db.session.commit()
        everything = _ids()
        assert retention.clean() == 0  # the newer ones have not settled yet: nothing goes
        assert _ids() == everything
        a_minute_on = utcnow() + dt.timedelta(seconds=61)
        assert retention.clean(now=a_minute_on) == 2  # superseded
        assert _ids() == sorted([export.id, report.id, running.id])
        assert not any(path.exists() for path in old_files)
        assert result_path(export).is_file() and result_path(report).is_file()
        a_day_on = utcnow() + dt.timedelta(hours=24, minutes=1)
        assert retention.clean(now=a_day_on) == 1  # the export: no longer kept
        assert _ids() == sorted([report.id, running.id])  # the figure pages' report stays
        assert result_path(report).is_file() and not result_path(export).exists()


def test_a_file_a_kept_job_names_stays_and_files_no_job_names_go_when_old(data):
    with data.test_request_context():
        first = request_job("export", EXPORT, "a")
        path = result_path(first)
        path.unlink()  # gone: the same key is made again, under the same name
        second = request_job("export", EXPORT, "a")
        assert second.id != first.id and second.file_name == first.file_name
        db.session.execute(
            db.update(Job)
            .where(Job.id == second.id)
            .values(finished_at=utcnow() - dt.timedelta(minutes=2))
        )
        db.session.commit()
        stray_old, stray_new = jobs_dir() / "left-by-an-old-version.csv", jobs_dir() / "new.csv"
        for stray in (stray_old, stray_new):
            stray.write_text("names,emails\n")
        long_ago = time.time() - 25 * 3600
        os.utime(stray_old, (long_ago, long_ago))
        assert retention.clean() == 1
        assert _ids() == [second.id] and result_path(second).is_file()
        assert not stray_old.exists() and stray_new.exists()


def test_the_worker_cleans_up_periodically(data):
    work = dict(PERIODIC)["JOBS_CLEAN_SECONDS"]
    data.config["JOBS_KEEP_HOURS"] = 0.0
    with data.test_request_context():
        job = request_job("export", EXPORT, "a")
        db.session.execute(
            db.update(Job)
            .where(Job.id == job.id)
            .values(finished_at=utcnow() - dt.timedelta(seconds=1))
        )
        db.session.commit()
        work(data.extensions["survey_jobs"])
        assert db.session.scalar(select(func.count(Job.id))) == 0


def _partial(key: str) -> os.PathLike:
    path = jobs_dir() / f"{PARTIAL}4242-{time.monotonic_ns()}-{key}.csv"
    path.write_text("half of it")
    long_ago = time.time() - 3600  # untouched for an hour: only the lease tells
    os.utime(path, (long_ago, long_ago))
    return path


def test_a_temporary_file_is_removed_only_once_its_job_holds_no_live_lease(queued_app):
    with queued_app.app_context():
        now = utcnow()
        for key, status, lease in (
            ("a" * 64, "running", now + dt.timedelta(seconds=30)),
            ("b" * 64, "running", now - dt.timedelta(seconds=1)),
            ("c" * 64, "done", now + dt.timedelta(seconds=30)),
        ):
            db.session.add(Job(key=key, kind="export", params=EXPORT, audience="staff",
                               status=status, requested_by="a", lease_until=lease))  # fmt: skip
        db.session.commit()
        live, dead, finished, unknown = (_partial(k * 64) for k in "abcd")
        assert remove_stale_partials(store.leased_keys) == 3
        assert live.exists()
        assert not any(p.exists() for p in (dead, finished, unknown))
