"""The job kinds added for size: the statistics pages' counts and crosstabs (the job's result is
what the page counts at once, and a page over the threshold waits for it), every row format of
the downloads (Stata too) made by a job when large, and report jobs over several processes (the
same report, to the last digit, as one process)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.jobs import isolated, kinds, reports, request_job
from survey.jobs import statistics as results
from survey.jobs.files import result_path
from survey.models import Job
from survey.scoring import chunks
from survey.scoring import statistics as stats
from survey.scoring.report import build_report
from survey.web.researcher.downloads import DOWNLOADS, ROWS_FORMATS
from tests.jobs.conftest import QID, demo
from tests.jobs.test_report_job import _run_queued

BASE = f"/research/{QID}"


def _scope(app, published: bool) -> stats.Scope:
    return stats.Scope.of(app.extensions["survey_registry"].get(QID), published)


def test_a_statistics_job_gives_what_the_page_counts_at_once(data):
    with data.test_request_context():
        for published in (False, True):
            scope = _scope(data, published)
            params = {"questionnaire_id": QID, "published": published}
            job = request_job("statistics", params, "tester")
            assert job.status == "done", job.error
            assert job.audience == ("everyone" if published else "staff")
            assert job.done == job.total == 30  # its progress counted every response
            made = results.load(result_path(job))
            assert made == stats.question_statistics(scope)
            assert any(c.suppressed for q in made for f in q.frequencies for c in f.categories) is (
                published
            )  # the sponsors' minimum-cell rule is in the published result, and only there
            closed = stats.closed_variables(scope.variables())
            single = [c for c in closed if not c.multiple]
            for row, by in ((closed[0].id, stats.TYPE), (single[0].id, single[1].id)):
                params = {"questionnaire_id": QID, "published": published, "row": row, "by": by}
                job = request_job("crosstab", params, "tester")
                assert job.status == "done", job.error
                assert results.load(result_path(job)) == stats.crosstab_of(scope, row, by)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_a_statistics_page_over_the_threshold_waits_for_its_job_then_shows_the_counts(
    queued_app, sign_in_queued, monkeypatch
):
    client = sign_in_queued("researcher")
    demo(queued_app, 5)
    counted: list[str] = []
    real = stats.question_statistics

    def counting(scope):
        counted.append("counted")
        return real(scope)

    monkeypatch.setattr(stats, "question_statistics", counting)
    queued_app.config["JOBS_STATISTICS_THRESHOLD"] = 5  # at most 5: counted in the request
    inline = client.get(f"{BASE}/statistics/")
    inline_csv = client.get(f"{BASE}/statistics/statistics.csv").data
    assert inline.status_code == 200 and counted == ["counted", "counted"]
    queued_app.config["JOBS_STATISTICS_THRESHOLD"] = 4
    waiting = client.get(f"{BASE}/statistics/")
    assert waiting.status_code == 202 and len(counted) == 2  # the request counted nothing
    html = waiting.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html
    assert f'href="{BASE}/statistics/">Refresh</a>' in html
    assert client.get(f"{BASE}/statistics/statistics.csv").status_code == 202  # the same job
    _run_queued(queued_app)
    assert len(counted) == 3
    shown = client.get(f"{BASE}/statistics/")
    assert shown.status_code == 200
    assert _without_tokens(shown.get_data(as_text=True)) == _without_tokens(
        inline.get_data(as_text=True)
    )
    assert client.get(f"{BASE}/statistics/statistics.csv").data == inline_csv
    assert len(counted) == 3  # the page and its CSV read the job's counts
    with queued_app.app_context():
        jobs = db.session.scalars(db.select(Job)).all()
        assert [(j.kind, j.status, j.audience) for j in jobs] == [("statistics", "done", "staff")]
        page = client.get(f"/research/jobs/{jobs[0].id}").get_data(as_text=True)
        assert f'href="{BASE}/statistics/">' in page  # shown on its page, not downloaded


def test_a_crosstab_over_the_threshold_is_a_job_and_a_sponsor_gets_the_published_one(
    queued_app, sign_in_queued
):
    demo(queued_app, 5)
    with queued_app.app_context():
        row = stats.closed_variables(_scope(queued_app, True).variables())[0].id
    url = f"{BASE}/statistics/crosstab?row={row}&by={stats.TYPE}"
    sponsor = sign_in_queued("sponsor")
    queued_app.config["JOBS_STATISTICS_THRESHOLD"] = 100
    inline = sponsor.get(url.replace("crosstab?", "crosstab.csv?")).data
    queued_app.config["JOBS_STATISTICS_THRESHOLD"] = 4
    assert sponsor.get(url).status_code == 202
    assert sponsor.get(f"{BASE}/statistics/crosstab?row=nothing").status_code == 400  # no job
    _run_queued(queued_app)
    assert sponsor.get(url).status_code == 200
    assert sponsor.get(url.replace("crosstab?", "crosstab.csv?")).data == inline
    with queued_app.app_context():
        job = db.session.scalars(db.select(Job)).one()
        assert (job.kind, job.audience, job.params["published"]) == ("crosstab", "everyone", True)


def test_every_row_format_is_a_job_when_large_with_the_downloads_file_type():
    assert set(ROWS_FORMATS) == {"csv-wide", "csv-long", "xlsx", "sav", "dta", "json"}
    for fmt in ROWS_FORMATS:
        _, mimetype, extension = DOWNLOADS[fmt]
        assert kinds.EXTENSIONS[fmt] == extension
        assert kinds.MIMETYPES[extension] == mimetype


@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_a_large_stata_or_spss_download_is_made_by_a_job(queued_app, sign_in_queued, tmp_path, fmt):
    queued_app.config["JOBS_EXPORT_THRESHOLD"] = 2
    client = sign_in_queued("researcher")
    demo(queued_app, 3)
    response = client.get(f"{BASE}/downloads/{fmt}")
    assert response.status_code == 303 and "/research/jobs/" in response.headers["Location"]
    _run_queued(queued_app)
    download = client.get(response.headers["Location"] + "/file")
    assert download.status_code == 200 and download.mimetype == DOWNLOADS[fmt][1]
    if fmt == "dta":  # a Stata file has no time in it: the same bytes as made at once
        with queued_app.app_context():
            export_to(QID, fmt, tmp_path / "at-once.dta", ExportOptions())
        assert download.data == (tmp_path / "at-once.dta").read_bytes()
    else:
        assert download.data.startswith(b"$FL2")


def test_a_report_job_over_two_processes_is_the_single_process_report(data, monkeypatch):
    monkeypatch.setattr(kinds, "SPLIT_FROM", 30)  # the demo data's 30 responses: 2 chunks
    monkeypatch.setattr(chunks, "default_processes", lambda count: 2)
    spawned: list[int] = []
    real_run = isolated.run

    def recorded(function, *args):
        spawned.append(args[-1])
        real_run(function, *args)

    monkeypatch.setattr(isolated, "run", recorded)
    with data.test_request_context():
        questionnaire = data.extensions["survey_registry"].get(QID)
        single = build_report(questionnaire)
        job = request_job("figures-json", {"questionnaire_id": QID, "full": True}, "tester")
        assert job.status == "done", job.error
        made = json.loads(result_path(job).read_text())
        expected = single.to_json(full=True)
        made.pop("generated_at"), expected.pop("generated_at")
        assert made == json.loads(json.dumps(expected))
        job = request_job("report", {"questionnaire_id": QID}, "tester")
        assert job.status == "done", job.error
        kept = reports.load(result_path(job), questionnaire)
        assert kept.to_json(full=True)["figures"] == single.to_json(full=True)["figures"]
        assert kept.responses == single.responses
        # the same issues; an automatic decision is timed when the report is built
        timeless = [dataclasses.replace(i, decided_at=None) for i in single.issues]
        assert [dataclasses.replace(i, decided_at=None) for i in kept.issues] == timeless
        assert spawned == [2, 2]  # both made in a fresh process, over two
        data.config["JOBS_REPORT_PROCESSES"] = 1  # the cap: one process, no fresh one
        assert kinds.report_processes({"questionnaire_id": QID}) == 1
        data.config["JOBS_REPORT_PROCESSES"] = 4
        monkeypatch.setattr(kinds, "SPLIT_FROM", 31)  # too few to be worth a fresh process
        assert kinds.report_processes({"questionnaire_id": QID}) == 1


def test_a_failure_in_the_fresh_process_is_the_jobs_error(data, tmp_path: Path):
    with data.app_context(), pytest.raises(isolated.IsolatedError, match="unknown questionnaire"):
        isolated.run(
            kinds._build_and_write, kinds.write_report, {"questionnaire_id": "none"}, tmp_path, 2
        )
