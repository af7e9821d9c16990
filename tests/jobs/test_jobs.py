"""Background jobs: a job's file is what the synchronous path writes, a job is reused while
nothing it depends on changes and made again when something does, its page refreshes without
script and shows its progress, and who may see it is checked."""

from __future__ import annotations

import io
import json
import re

from pypdf import PdfReader

from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.jobs import request_job
from survey.jobs.files import result_path
from survey.models import CleaningDecision, Job, Response
from survey.responses import writing
from survey.scoring.report import build_report
from tests.jobs.conftest import QID, demo

BASE = f"/research/{QID}"


def test_an_export_job_writes_what_the_synchronous_export_writes(data, tmp_path):
    with data.test_request_context():
        for fmt, anonymised in (("csv-wide", False), ("json", True), ("csv-long", False)):
            params = {"questionnaire_id": QID, "fmt": fmt, "anonymised": anonymised}
            job = request_job("export", params, "tester")
            assert job.status == "done", job.error
            synchronous = tmp_path / f"sync-{fmt}"
            export_to(QID, fmt, synchronous, ExportOptions(anonymised=anonymised))
            assert result_path(job).read_bytes() == synchronous.read_bytes(), fmt
            assert job.done == 30 and job.total == 30


def test_a_statistics_job_gives_the_synchronous_report(data):
    with data.test_request_context():
        for full in (False, True):
            job = request_job("figures-json", {"questionnaire_id": QID, "full": full}, "tester")
            assert job.status == "done", job.error
            made = json.loads(result_path(job).read_text())
            q = data.extensions["survey_registry"].get(QID)
            expected = build_report(q).to_json(full=full)
            made.pop("generated_at"), expected.pop("generated_at")
            assert made == json.loads(json.dumps(expected))


def test_a_job_is_reused_until_what_it_depends_on_changes(data):
    params = {"questionnaire_id": QID, "fmt": "csv-wide"}
    with data.test_request_context():
        first = request_job("export", params, "a")
        assert request_job("export", params, "b").id == first.id
        response = db.session.scalars(db.select(Response).order_by(Response.id)).first()
        writing.reopen(response, "researcher")  # a response changed: the file is out of date
        second = request_job("export", params, "a")
        assert second.id != first.id and second.key != first.key
        db.session.add(CleaningDecision(questionnaire_id=QID, response_id=response.id, rule=5,
                                        subject="x", action="accept", decided_by="r"))  # fmt: skip
        db.session.commit()
        assert request_job("export", params, "a").id != second.id  # a decision changed
        demo(data, 1, seed=9)
        third = request_job("export", params, "a")
        assert third.id not in (first.id, second.id)
        result_path(third).unlink()  # a removed file is made again
        assert request_job("export", params, "a").id != third.id


def test_the_findings_pdf_is_a_job_and_its_file_is_kept(data, client, sign_in):
    sign_in("sponsor")
    response = client.get(f"{BASE}/figures/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert PdfReader(io.BytesIO(response.data)).pages
    with data.app_context():
        jobs = db.session.scalars(db.select(Job)).all()
        assert [(j.kind, j.status, j.audience) for j in jobs] == [
            ("report-pdf", "done", "everyone")
        ]
    assert client.get(f"{BASE}/figures/report.pdf").data == response.data
    with data.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 1  # reused, not rendered


def test_a_queued_job_page_refreshes_without_script_and_offers_the_file_when_ready(
    queued_app, sign_in_queued
):
    client = sign_in_queued("researcher")
    demo(queued_app, 5)
    response = client.get(f"{BASE}/figures/report.pdf")
    assert response.status_code == 303
    page_url = response.headers["Location"]
    html = client.get(page_url).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "Waiting for a worker" in html and ">Refresh</a>" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (CSP)
    assert client.get(page_url + "/file").status_code == 303  # not ready yet
    with queued_app.app_context():
        job_id = db.session.scalar(db.select(Job.id))
        queue = queued_app.extensions["survey_jobs"]
        task = queue.huey.dequeue()  # what a worker does with the message
        queue.huey.execute(task)
        assert db.session.get(Job, job_id).status == "done"
    html = client.get(page_url).get_data(as_text=True)
    assert "http-equiv" not in html and "Ready" in html and "/file" in html
    download = client.get(page_url + "/file")
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    assert download.headers["Cache-Control"] == "no-store"


def test_a_research_team_job_is_refused_to_a_sponsor(queued_app, sign_in_queued):
    client = sign_in_queued("researcher")
    demo(queued_app, 3)
    url = client.get(f"{BASE}/figures/report.pdf?include_in_progress=1").headers["Location"]
    sponsor = sign_in_queued("sponsor", fresh_client=True)
    assert sponsor.get(url).status_code == 403
    assert sponsor.get(url + "/file").status_code == 403
    assert sponsor.get("/research/jobs/999999").status_code == 404


def test_a_large_download_is_made_by_a_job(queued_app, sign_in_queued):
    queued_app.config["JOBS_EXPORT_THRESHOLD"] = 2
    client = sign_in_queued("researcher")
    demo(queued_app, 3)
    response = client.get(f"{BASE}/downloads/csv-wide")
    assert response.status_code == 303 and "/research/jobs/" in response.headers["Location"]
    queued_app.config["JOBS_EXPORT_THRESHOLD"] = 3
    assert client.get(f"{BASE}/downloads/csv-wide").status_code == 200  # small: at once
