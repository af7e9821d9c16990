"""The findings report PDF while a newer one is made: its job's page offers the earlier PDF at
once (a notification banner with the time it was made, the page refreshing itself without
script), never one made for another audience (the research team's with partial responses is
not offered to a sponsor), and serves the new one once it is ready."""

from __future__ import annotations

import re

import pytest

from survey.scoring import output
from tests.jobs.conftest import QID, demo
from tests.jobs.test_report_job import _run_queued

PDF = f"/research/{QID}/figures/report.pdf"


@pytest.fixture
def made(monkeypatch) -> list[int]:
    """Each PDF rendered is numbered (the real rendering is tested in test_jobs.py)."""
    numbers: list[int] = []

    def report_pdf(report) -> bytes:
        numbers.append(len(numbers) + 1)
        return f"%PDF-1.4 number {numbers[-1]}".encode()

    monkeypatch.setattr(output, "report_pdf", report_pdf)
    return numbers


def _job_page(client, url: str):
    asked = client.get(url)
    assert asked.status_code == 303, asked.status_code
    page = client.get(asked.headers["Location"])
    assert page.status_code == 200
    return asked.headers["Location"], page.get_data(as_text=True)


def test_the_earlier_pdf_is_offered_while_a_newer_one_is_made(queued_app, sign_in_queued, made):
    client = sign_in_queued("sponsor")
    demo(queued_app, 5)
    _, first = _job_page(client, PDF)
    assert 'id="job-earlier"' not in first  # nothing made before: only the wait
    _run_queued(queued_app)
    assert client.get(PDF).data == b"%PDF-1.4 number 1"

    demo(queued_app, 2, seed=8)  # the data change: a new PDF is being made
    for _ in range(2):
        where, html = _job_page(client, PDF)
        assert 'id="job-earlier"' in html and "govuk-notification-banner" in html
        assert re.search(r"made \d\d \w+ \d{4} \d\d:\d\d UTC</a>", html)
        assert '<meta http-equiv="refresh" content="2">' in html
        # no inline script of any kind: every script tag names its file
        assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))
        csp = client.get(where).headers["Content-Security-Policy"]
        assert "script-src" in csp and "'unsafe-inline'" not in csp.split("script-src")[1]
        link = re.search(r'href="(/research/jobs/\d+/file)" download>download the earlier', html)
        assert link is not None and link.group(1) != f"{where}/file"
        earlier = client.get(link.group(1))
        assert earlier.mimetype == "application/pdf" and earlier.data == b"%PDF-1.4 number 1"
    assert made == [1]  # nobody waited for a new one to be rendered in a request

    _run_queued(queued_app)
    assert client.get(PDF).data == b"%PDF-1.4 number 2"
    ready = client.get(where).get_data(as_text=True)
    assert 'id="job-earlier"' not in ready and "http-equiv" not in ready


def test_an_earlier_pdf_for_the_research_team_is_never_offered_to_a_sponsor(
    queued_app, sign_in_queued, made
):
    researcher = sign_in_queued("researcher")
    demo(queued_app, 5)
    staff_url = researcher.get(f"{PDF}?include_in_progress=1").headers["Location"]
    _run_queued(queued_app)
    assert researcher.get(f"{PDF}?include_in_progress=1").data == b"%PDF-1.4 number 1"

    demo(queued_app, 2, seed=8)
    sponsor = sign_in_queued("sponsor", fresh_client=True)
    # the sponsor asks for partial responses too, which is not theirs: the published PDF, and
    # no earlier one of that (there is none), never the research team's
    _, html = _job_page(sponsor, f"{PDF}?include_in_progress=1")
    assert 'id="job-earlier"' not in html and "Waiting for a worker" in html
    assert sponsor.get(f"{staff_url}/file").status_code == 403
    # the research team is offered its own earlier PDF
    _, html = _job_page(researcher, f"{PDF}?include_in_progress=1")
    link = re.search(r'href="(/research/jobs/\d+/file)" download>download the earlier', html)
    assert link is not None and link.group(1) == f"{staff_url}/file"
