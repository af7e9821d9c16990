"""The figure pages never build the report in a web request: a background job does, its page
is shown at the asking address (refreshing without script) until the report is ready, the same
address then shows the figures, and the report is reused until what it depends on changes."""

from __future__ import annotations

import dataclasses
import re

import pytest

from survey.extensions import db
from survey.jobs import KINDS, reports
from survey.jobs.files import result_path
from survey.models import Job
from survey.scoring import report as report_module
from survey.scoring.report import build_report
from tests.jobs.conftest import QID, demo

BASE = f"/research/{QID}/figures"


def _run_queued(app) -> None:
    """What a worker does with every message waiting in the queue."""
    with app.app_context():
        huey = app.extensions["survey_jobs"].huey
        while (task := huey.dequeue()) is not None:
            huey.execute(task)


def test_a_figure_page_waits_for_the_report_job_then_shows_the_figures(
    queued_app, sign_in_queued, monkeypatch
):
    client = sign_in_queued("researcher")
    demo(queued_app, 5)
    built: list[str] = []
    real_build = report_module.build_report

    def counted(*args, **kwargs):
        built.append("built")
        return real_build(*args, **kwargs)

    monkeypatch.setattr(report_module, "build_report", counted)
    waiting = client.get(f"{BASE}/?include_in_progress=1")
    assert waiting.status_code == 202 and built == []  # the request built nothing
    html = waiting.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "being prepared" in html and "Waiting for a worker" in html
    assert f'href="{BASE}/?include_in_progress=1">Refresh</a>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (CSP)
    assert client.get(f"{BASE}/data-quality").status_code == 202  # another job: published view
    _run_queued(queued_app)
    assert len(built) == 2
    shown = client.get(f"{BASE}/?include_in_progress=1")
    assert shown.status_code == 200 and "http-equiv" not in shown.get_data(as_text=True)
    assert client.get(f"{BASE}/figures.json").status_code == 200
    assert client.get(f"{BASE}/cleaning").status_code == 200
    assert len(built) == 2  # reused, in this process and from the job's file
    with queued_app.app_context():
        jobs = db.session.scalars(db.select(Job).order_by(Job.id)).all()
        assert [(j.kind, j.status) for j in jobs] == [("report", "done"), ("report", "done")]
        assert [j.audience for j in jobs] == ["staff", "everyone"]
        job_page = client.get(f"/research/jobs/{jobs[1].id}").get_data(as_text=True)
        assert f'href="{BASE}/">Show the figures</a>' in job_page
        file = client.get(f"/research/jobs/{jobs[1].id}/file")  # never downloaded
        assert file.status_code == 303 and file.headers["Location"].endswith(f"{BASE}/")
    demo(queued_app, 1, seed=8)  # new responses: the report is made again, the earlier shown
    again = client.get(f"{BASE}/")
    assert again.status_code == 200 and "being brought up to date" in again.text
    with queued_app.app_context():
        assert db.session.scalars(db.select(Job.status).order_by(Job.id)).all()[-1] == "queued"


def test_the_report_a_job_keeps_is_the_report_built_at_once(data, tmp_path):
    with data.app_context():
        questionnaire = data.extensions["survey_registry"].get(QID)
        built = build_report(questionnaire)
        path = tmp_path / "report.pickle"
        reports.dump(built, path)
        kept = reports.load(path, questionnaire)
        assert kept.to_json(full=True) == built.to_json(full=True)
        assert kept.to_json() == built.to_json()
        assert list(kept.issues) == list(built.issues) and kept.log() == built.log()
        other = data.extensions["survey_registry"].get("asce_year_end_return")
        with pytest.raises(ValueError):
            reports.load(path, other)


def test_in_the_tests_a_report_job_runs_at_once_and_the_page_shows_it(data, client, sign_in):
    sign_in("sponsor")
    assert client.get(f"{BASE}/").status_code == 200
    with data.app_context():
        job = db.session.scalars(db.select(Job)).one()
        assert (job.kind, job.status) == ("report", "done") and result_path(job).is_file()


def test_a_failed_report_job_is_shown_not_made_again_until_asked(
    queued_app, sign_in_queued, monkeypatch
):
    def boom(params, path):
        raise RuntimeError("the figures' declarations are broken")

    monkeypatch.setitem(KINDS, "report", dataclasses.replace(KINDS["report"], run=boom))
    client = sign_in_queued("researcher")
    demo(queued_app, 3)
    assert client.get(f"{BASE}/").status_code == 202
    _run_queued(queued_app)  # every attempt fails
    failed = client.get(f"{BASE}/")
    html = failed.get_data(as_text=True)
    assert failed.status_code == 503 and "could not be prepared" in html
    assert "the figures&#39; declarations are broken" in html and "http-equiv" not in html
    assert f'href="{BASE}/?retry=1">Try again</a>' in html
    with queued_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 1  # not made again
    again = client.get(f"{BASE}/?retry=1")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"{BASE}/")
    with queued_app.app_context():
        statuses = db.session.scalars(db.select(Job.status).order_by(Job.id)).all()
        assert statuses == ["failed", "queued"]
    assert client.get(f"{BASE}/").status_code == 202  # the new job, waiting


def test_a_report_job_keeps_its_issues_beside_it_and_refuses_them_truncated(data, tmp_path):
    with data.app_context():
        questionnaire = data.extensions["survey_registry"].get(QID)
        built = build_report(questionnaire)
        path = tmp_path / "report.pickle"
        reports.dump(built, path)
        (kept_file,) = tmp_path.glob("report-issues-*.sqlite")
        assert kept_file != built.issues.path and not list(tmp_path.glob(".partial-*"))
        kept = reports.load(path, questionnaire)
        assert kept.issues.path == kept_file and len(kept.issues) == len(built.issues) > 0
        assert [i.key for i in kept.issues.select(limit=5)[0]] == [
            i.key for i in built.issues.select(limit=5)[0]
        ]
        whole = kept_file.read_bytes()
        kept_file.write_bytes(whole[: len(whole) // 2])
        with pytest.raises(reports.Damaged):
            reports.load(path, questionnaire)
        kept_file.unlink()
        with pytest.raises(reports.Damaged):
            reports.load(path, questionnaire)
        path.write_bytes(path.read_bytes()[:40])
        with pytest.raises(reports.Damaged):
            reports.load(path, questionnaire)


def test_a_truncated_report_job_is_made_again_not_read(data, client, sign_in):
    sign_in("researcher")
    assert client.get(f"{BASE}/cleaning").status_code == 200
    with data.app_context():
        (job,) = db.session.scalars(db.select(Job)).all()
        folder = result_path(job).parent
    (stored,) = folder.glob("report-issues-*.sqlite")
    stored.write_bytes(stored.read_bytes()[:1000])
    data.extensions["scoring_reports"].clear()  # as a new web process would start
    page = client.get(f"{BASE}/cleaning")
    assert page.status_code == 200 and "Showing " in page.get_data(as_text=True)
    with data.app_context():
        jobs = db.session.scalars(db.select(Job).order_by(Job.id)).all()
        assert [j.status for j in jobs] == ["done", "done"]  # made again, under the same key
        questionnaire = data.extensions["survey_registry"].get(QID)
        remade = reports.load(result_path(jobs[1]), questionnaire)  # whole, and not the old one
        assert remade.issues.path != stored and len(remade.issues) > 0
