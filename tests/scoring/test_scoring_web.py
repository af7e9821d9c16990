"""The figure pages for each role: figures (everyone), cleaning log and decisions (research
team only, CSRF-protected), data-quality summary and PDF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, CleaningDecision, Respondent, Response
from survey.scoring.demo import generate
from survey.scoring.demo_storage import store

QID = "good_practice_savings"
BASE = f"/research/{QID}/figures"


@pytest.fixture
def data(app):
    """A small demonstration dataset: 40 responses with every kind of planted error."""
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        from survey.scoring.config import scoring_config

        store(q, generate(q, scoring_config(q), 40, seed=3))
    return app


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("role", ["admin", "researcher", "sponsor"])
def test_figures_for_every_role(data, client, sign_in, role):
    sign_in(role)
    index = client.get(f"{BASE}/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "Figure 17" in html and "Appendix B" in html
    page = client.get(f"{BASE}/figure/figure_4")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # titled and numbered as in the source, with n; table and inline chart
    assert re.search(
        r"Figure 4: Average savings delivered.*\(Single tier councils, n = \d+\)", html
    )
    assert "<svg" in html and 'role="img"' in html and "<table" in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]  # CSP-safe SVG
    split = client.get(f"{BASE}/figure/figure_2?group=district")
    assert split.status_code == 200 and "District councils, n = " in split.get_data(as_text=True)
    assert client.get(f"{BASE}/figure/figure_2.csv").status_code == 200
    assert client.get(f"{BASE}/figure/figure_2.svg").mimetype == "image/svg+xml"
    quality = client.get(f"{BASE}/data-quality")
    assert (
        quality.status_code == 200
        and "Budgeted savings above the base budget" in quality.get_data(as_text=True)
    )
    data_json = client.get(f"{BASE}/figures.json").get_json()
    assert len(data_json["figures"]) == 20
    assert client.get(f"{BASE}/figure/nope").status_code == 404


@pytest.mark.parametrize("role", ["admin", "researcher"])
def test_research_team_reviews_the_cleaning_log(data, client, sign_in, role):
    sign_in(role)
    page = client.get(f"{BASE}/cleaning?status=pending")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rule 5: Budgeted savings above the base budget" in html
    assert "Divide the savings by 10" in html and "Reallocate to" in html


def test_sponsor_sees_nothing_identifying(data, client, sign_in):
    sign_in("sponsor")
    assert client.get(f"{BASE}/cleaning").status_code == 403
    data.config["WTF_CSRF_CHECK_DEFAULT"] = False  # get past the CSRF check to the role check
    assert client.post(f"{BASE}/cleaning", data={}).status_code == 403
    data.config["WTF_CSRF_CHECK_DEFAULT"] = True
    with data.app_context():
        references = db.session.scalars(select(Response.reference)).all()
        names = db.session.scalars(select(Respondent.name)).all()
    for path in ("/", "/figure/figure_2", "/data-quality", "/figures.json"):
        body = client.get(BASE + path).get_data(as_text=True)
        assert not any(ref in body for ref in references), path
        assert not any(name in body for name in names), path
        assert "Cleaning log" not in body


def test_anonymous_users_are_sent_to_sign_in(data, client):
    response = client.get(f"{BASE}/")
    assert response.status_code == 302 and "/research/sign-in" in response.headers["Location"]


def _pending(client, rule):
    html = client.get(f"{BASE}/cleaning?status=pending&rule={rule}").get_data(as_text=True)
    form = re.search(
        r'name="response_id" value="(\d+)">\s*<input type="hidden" name="rule" value="(\d+)">'
        r'\s*<input type="hidden" name="subject" value="([^"]+)">',
        html,
    )
    return html, form.groups()


def test_a_decision_is_recorded_with_who_and_when_and_changes_the_figures(data, client, sign_in):
    email = sign_in("researcher")
    html, (response_id, rule, subject) = _pending(client, 5)
    before = client.get(f"{BASE}/figures.json").get_json()["data_quality"]["pending"]
    posted = client.post(
        f"{BASE}/cleaning?status=pending&rule=5",
        data={
            "csrf_token": csrf(html),
            "response_id": response_id,
            "rule": rule,
            "subject": subject,
            "action": "remove_savings",
            "note": "Savings look like a typing error",
        },
    )
    assert posted.status_code == 302
    with data.app_context():
        row = db.session.scalar(select(CleaningDecision))
        assert (row.rule, row.subject, row.action, row.decided_by) == (
            5,
            subject,
            "remove_savings",
            email,
        )
        assert row.decided_at is not None and row.original
        assert db.session.scalar(select(AuditEvent).filter_by(action="cleaning_decision"))
    after = client.get(f"{BASE}/figures.json").get_json()["data_quality"]
    assert after["pending"] == before - 1
    rule5 = next(r for r in after["rules"] if r["rule"] == 5)
    assert rule5["status"]["accepted"] == 1
    log = client.get(f"{BASE}/cleaning?status=accepted&rule=5").get_data(as_text=True)
    assert f"by {email}" in log and "Remove the savings" in log


def test_reallocating_other_needs_a_named_area(data, client, sign_in):
    sign_in("admin")
    html, (response_id, rule, subject) = _pending(client, 6)
    form = {"csrf_token": csrf(html), "response_id": response_id, "rule": rule, "subject": subject}
    client.post(f"{BASE}/cleaning", data={**form, "action": "reallocate"})
    with data.app_context():
        assert db.session.scalar(select(CleaningDecision)) is None  # refused: no area given
    client.post(f"{BASE}/cleaning", data={**form, "action": "reallocate", "target": "housing"})
    with data.app_context():
        row = db.session.scalar(select(CleaningDecision))
        assert (row.action, row.target) == ("reallocate", "housing")


def test_decisions_need_the_csrf_token(data, client, sign_in):
    sign_in("researcher")
    _, (response_id, rule, subject) = _pending(client, 5)
    refused = client.post(
        f"{BASE}/cleaning",
        data={"response_id": response_id, "rule": rule, "subject": subject, "action": "base_x10"},
    )
    assert refused.status_code == 400
    with data.app_context():
        assert db.session.scalar(select(CleaningDecision)) is None


def test_an_action_the_rule_does_not_offer_is_refused(data, client, sign_in):
    sign_in("researcher")
    html, (response_id, rule, subject) = _pending(client, 5)
    refused = client.post(
        f"{BASE}/cleaning",
        data={"csrf_token": csrf(html), "response_id": response_id, "rule": rule,
              "subject": subject, "action": "reverse_sign"},
    )  # fmt: skip
    assert refused.status_code == 400


def test_partial_responses_on_request(data, client, sign_in):
    sign_in("researcher")
    html = client.get(f"{BASE}/?include_in_progress=1").get_data(as_text=True)
    assert "submitted and in progress" in html


def test_pdf_findings_report(data, client, sign_in):
    sign_in("sponsor")
    response = client.get(f"{BASE}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
