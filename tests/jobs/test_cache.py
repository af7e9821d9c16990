"""Job results keyed by what they read: a link reissued or revoked makes an export again (it
carries the link's hash), a page saved in a partial response leaves a submitted-only job as it
is, a job still waiting for a worker is given the new key instead of a copy being queued, the
figure pages show the earlier report while a newer one is made, and a cleaning decision made
meanwhile is recorded."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.jobs import request_job
from survey.jobs.files import result_path
from survey.models import CleaningDecision, Job, Respondent, Response
from survey.responses import links, writing
from tests.jobs.conftest import QID, demo
from tests.jobs.test_report_job import _run_queued

BASE = f"/research/{QID}/figures"
EXPORT = {"questionnaire_id": QID, "fmt": "json", "anonymised": False}


def _first(model):
    return db.session.scalars(select(model).order_by(model.id)).first()


def test_a_reissued_or_revoked_link_makes_the_export_again_with_the_new_hash(data, tmp_path):
    with data.test_request_context():
        first = request_job("export", EXPORT, "a")
        respondent = _first(Respondent)
        old_hash = respondent.token_hash
        assert old_hash in result_path(first).read_text()
        links.reissue(respondent, "researcher")
        db.session.commit()
        new_hash = respondent.token_hash
        second = request_job("export", EXPORT, "a")
        assert second.id != first.id and second.status == "done"
        made = result_path(second).read_text()
        assert new_hash in made and old_hash not in made
        synchronous = tmp_path / "sync.jsonl"
        export_to(QID, "json", synchronous, ExportOptions())
        assert made == synchronous.read_text()
        links.revoke(db.session.get_one(Respondent, respondent.id), "researcher")
        db.session.commit()
        assert request_job("export", EXPORT, "a").id != second.id


def test_a_page_saved_in_a_partial_response_leaves_submitted_only_jobs_as_they_are(data):
    with data.test_request_context():
        writing.reopen(_first(Response), "researcher")  # one partial response among submitted
        db.session.commit()
        asked = [
            ("export", {"questionnaire_id": QID, "fmt": "csv-wide"}),
            ("report", {"questionnaire_id": QID, "include_in_progress": False}),
            ("report", {"questionnaire_id": QID, "include_in_progress": True}),
        ]
        before = [request_job(kind, params, "a").id for kind, params in asked]
        partial = _first(Response)
        assert partial.status == "in_progress"
        writing.save_page(partial, partial.version, {}, {}, "introduction", False)
        after = [request_job(kind, params, "a").id for kind, params in asked]
        assert after[:2] == before[:2]  # submitted only: the same jobs
        assert after[2] != before[2]  # counting partial responses: made again
    demo(data, 1, seed=9)  # one more submitted response
    with data.test_request_context():
        again = [request_job(kind, params, "a").id for kind, params in asked[:2]]
        assert again[0] != before[0] and again[1] != before[1]


def test_a_job_waiting_for_a_worker_is_given_the_new_key_not_queued_twice(queued_app):
    demo(queued_app, 4)
    with queued_app.test_request_context():
        first = request_job("export", EXPORT, "a")
        first_key = first.key
    demo(queued_app, 2, seed=9)  # new responses before any worker ran it
    with queued_app.test_request_context():
        again = request_job("export", EXPORT, "b")
        assert again.id == first.id and again.key != first_key
        assert db.session.scalar(select(func.count(Job.id))) == 1
        assert queued_app.extensions["survey_jobs"].huey.pending_count() == 1
    _run_queued(queued_app)
    with queued_app.test_request_context():
        job = db.session.get_one(Job, first.id)
        assert job.status == "done" and job.done == 6  # made from the responses as they are now
        assert request_job("export", EXPORT, "c").id == job.id  # and current


def _counts(client) -> dict:
    return client.get(f"{BASE}/figures.json").get_json()["responses"]


def test_the_earlier_figures_are_shown_while_newer_ones_are_made(queued_app, sign_in_queued):
    client = sign_in_queued("researcher")
    demo(queued_app, 5)
    assert client.get(f"{BASE}/").status_code == 202  # nothing made yet: the job's page
    _run_queued(queued_app)
    current = client.get(f"{BASE}/")
    assert current.status_code == 200 and "being brought up to date" not in current.text
    before = _counts(client)
    demo(queued_app, 2, seed=8)
    for _ in range(2):  # asked again and again: one job making the new report
        stale = client.get(f"{BASE}/")
        html = stale.get_data(as_text=True)
        assert stale.status_code == 200 and "http-equiv" not in html
        assert re.search(r"Figures as of \d\d \w+ \d{4} \d\d:\d\d UTC; being brought up", html)
        assert f'href="{BASE}/">Refresh</a>' in html
        assert _counts(client) == before
    with queued_app.app_context():
        statuses = db.session.scalars(select(Job.status).order_by(Job.id)).all()
        assert statuses == ["done", "queued"]
    _run_queued(queued_app)
    fresh = client.get(f"{BASE}/").get_data(as_text=True)
    assert "being brought up to date" not in fresh
    assert _counts(client)["submitted"] == before["submitted"] + 2


def _decision_forms(html: str) -> list[dict[str, str]]:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    if token is None:
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    found = re.findall(
        r'name="response_id" value="(\d+)">\s*<input type="hidden" name="rule" value="(\d+)">'
        r'\s*<input type="hidden" name="subject" value="([^"]+)">',
        html,
    )
    return [
        {"csrf_token": token.group(1), "response_id": r, "rule": rule, "subject": subject}
        for r, rule, subject in found
    ]


def test_a_decision_made_while_the_report_is_remade_is_recorded(queued_app, sign_in_queued):
    client = sign_in_queued("researcher")
    demo(queued_app, 30)
    assert client.get(f"{BASE}/cleaning").status_code == 202
    _run_queued(queued_app)
    html = client.get(f"{BASE}/cleaning?status=pending&rule=5").get_data(as_text=True)
    forms = _decision_forms(html)
    assert len(forms) >= 2
    for form in forms[:2]:  # the second while the first's new report waits for a worker
        posted = client.post(
            f"{BASE}/cleaning?status=pending&rule=5", data={**form, "action": "remove_savings"}
        )
        assert posted.status_code == 302
        back = client.get(posted.headers["Location"])  # asks for the new report
        assert back.status_code == 200 and "being brought up to date" in back.text
        assert "Recorded: " in back.text
    with queued_app.app_context():
        rows = db.session.scalars(select(CleaningDecision).order_by(CleaningDecision.id)).all()
        assert [(str(r.response_id), r.subject) for r in rows] == [
            (f["response_id"], f["subject"]) for f in forms[:2]
        ]
        assert db.session.scalars(select(Job.status).order_by(Job.id)).all() == [
            "done",
            "queued",
        ]
    shown = client.get(f"{BASE}/cleaning?status=pending&rule=5").get_data(as_text=True)
    assert "The decision was not recorded" not in shown
